import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Access } from "../policy.js";
import { simulateWith } from "../run.js";
import { driverFor, refs, stepsArbitrary } from "../test_kit.js";
import { definition } from "./clock.js";

const drive = driverFor(definition);

const misses = (frames: number, pages: readonly number[], bits = 1): number =>
  simulateWith(definition, { bits }, frames, pages).misses;

/**
 * libCacheSim's Clock as its README states it: a FIFO queue; a new key starts unreferenced, a
 * hit sets the bit; evict the oldest unreferenced, re-queue the referenced with the bit cleared.
 */
function queueClock(
  frames: number,
  pages: readonly number[],
): { misses: number; victims: number[] } {
  const queue: { key: number; referenced: boolean }[] = [];
  const victims: number[] = [];
  let count = 0;
  for (const page of pages) {
    const entry = queue.find((candidate) => candidate.key === page);
    if (entry !== undefined) {
      entry.referenced = true;
      continue;
    }
    count++;
    if (queue.length === frames) {
      for (;;) {
        const head = queue.shift() as { key: number; referenced: boolean };
        if (!head.referenced) {
          victims.push(head.key);
          break;
        }
        head.referenced = false;
        queue.push(head);
      }
    }
    queue.push({ key: page, referenced: false });
  }
  return { misses: count, victims };
}

describe("clock", () => {
  it("misses 11 times on the textbook string with 3 frames and 1 bit", () => {
    const textbook = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
    expect(misses(3, textbook)).toBe(11);
    expect(drive(3, refs(textbook))).toEqual({ misses: 11, victims: [7, 1, 2, 3, 4, 0, 3, 2] });
  });

  it("is libCacheSim's 1-bit Clock: same misses and victims as the FIFO-queue definition", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }),
        (frames, pages) => {
          const expected = queueClock(frames, pages);
          expect(drive(frames, refs(pages))).toEqual(expected);
          expect(misses(frames, pages)).toBe(expected.misses);
        },
      ),
    );
  });

  it("with k bits a hit survives 2^k - 1 sweeps of the hand", () => {
    for (let bits = 1; bits <= 4; bits++) {
      const max = (1 << bits) - 1;
      // 1 is hit once; then a new key every reference churns the other frame.
      const pages = [1, 2, 1];
      for (let key = 3; key <= max + 3; key++) pages.push(key);
      const victims = Array.from({ length: max }, (_, index) => index + 2);
      victims.push(1);
      expect(drive(2, refs(pages), { bits }).victims).toEqual(victims);
    }
  });

  it("more bits keep a referenced key longer: 1,2,1,3,4,5,6 in 2 frames", () => {
    const pages = [1, 2, 1, 3, 4, 5, 6];
    expect(drive(2, refs(pages), { bits: 1 }).victims).toEqual([2, 1, 3, 4]);
    expect(drive(2, refs(pages), { bits: 2 }).victims).toEqual([2, 3, 4, 1]);
  });

  it("peeks at the hand's slot when every counter is up", () => {
    const policy = definition.create({ capacity: 2, seed: 0, knowsFuture: false }, { bits: 2 });
    const access: Access = { time: 0, keyHigh: 0, keyLow: 0, nextUse: Infinity, write: false };
    policy.onInsert(0, access);
    policy.onInsert(1, access);
    policy.onHit(1, access);
    expect(policy.peekVictim(access)).toBe(0);
    policy.onHit(0, access);
    expect(policy.peekVictim(access)).toBe(0);
    expect(policy.evict(access)).toBe(0);
    // The hand passed slot 1 three times and slot 0 four times; it now points at slot 1.
    policy.onInsert(0, access);
    policy.onHit(0, access);
    expect(policy.peekVictim(access)).toBe(1);
  });

  it("puts a key loaded into a freed slot at that slot's place on the dial", () => {
    // 1, 2, 3 in slots 0, 1, 2; 1 is dropped and 4 takes slot 0, where the hand points.
    const steps = [
      { key: 1 },
      { key: 2 },
      { key: 3 },
      { key: 1, drop: true },
      { key: 4 },
      { key: 5 },
    ];
    expect(drive(3, steps)).toEqual({ misses: 5, victims: [4] });
  });

  it("rejects a bit count out of range", () => {
    const context = { capacity: 4, seed: 0, knowsFuture: false };
    expect(() => definition.create(context, { bits: 0 })).toThrow(RangeError);
    expect(() => definition.create(context, { bits: 9 })).toThrow(RangeError);
  });

  it("keeps peekVictim equal to evict for every bit count, with removals", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 8 }),
        stepsArbitrary,
        (frames, bits, steps) => {
          drive(frames, steps, { bits });
        },
      ),
    );
  });
});
