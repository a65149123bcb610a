import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Access } from "../policy.js";
import { simulateWith } from "../run.js";
import { driverFor, refs, stepsArbitrary } from "../test_kit.js";
import { definition } from "./random.js";

const drive = driverFor(definition);

const misses = (frames: number, pages: readonly number[], seed: number): number =>
  simulateWith(definition, {}, frames, pages, seed).misses;

/** Every reference a new key: every reference past the first `frames` evicts. */
const distinct = (count: number): number[] => Array.from({ length: count }, (_, key) => key);

describe("random", () => {
  it("is deterministic for a seed", () => {
    const pages = Array.from({ length: 500 }, (_, time) => (time * 7919) % 23);
    const first = drive(5, refs(pages), {}, 42);
    expect(drive(5, refs(pages), {}, 42)).toEqual(first);
    expect(misses(5, pages, 42)).toBe(first.misses);
  });

  it("draws different victims for different seeds", () => {
    const pages = distinct(200);
    const victims = [1, 2, 3, 2 ** 40].map((seed) => drive(8, refs(pages), {}, seed).victims);
    expect(new Set(victims.map((list) => list.join(","))).size).toBe(victims.length);
  });

  it("evicts a resident key: 1,2,3 then 4 evicts one of them", () => {
    for (let seed = 0; seed < 20; seed++) {
      const { victims } = drive(3, refs([1, 2, 3, 4]), {}, seed);
      expect(victims).toHaveLength(1);
      expect([1, 2, 3]).toContain(victims[0]);
    }
  });

  it("picks each slot about equally often", () => {
    const frames = 4;
    const policy = definition.create({ capacity: frames, seed: 7, knowsFuture: false }, {});
    const access: Access = { time: 0, keyHigh: 0, keyLow: 0, nextUse: Infinity, write: false };
    for (let slot = 0; slot < frames; slot++) policy.onInsert(slot, access);
    const counts = new Array<number>(frames).fill(0);
    const draws = 40_000;
    for (let draw = 0; draw < draws; draw++) {
      const slot = policy.evict(access);
      counts[slot] = (counts[slot] as number) + 1;
      policy.onInsert(slot, access);
    }
    for (const count of counts) expect(Math.abs(count - draws / frames)).toBeLessThan(400);
  });

  it("only picks among resident slots after removals", () => {
    const policy = definition.create({ capacity: 6, seed: 3, knowsFuture: false }, {});
    const access: Access = { time: 0, keyHigh: 0, keyLow: 0, nextUse: Infinity, write: false };
    for (let slot = 0; slot < 6; slot++) policy.onInsert(slot, access);
    policy.remove(1);
    policy.remove(4);
    const taken = [0, 1, 2, 3].map(() => policy.evict(access)).sort();
    expect(taken).toEqual([0, 2, 3, 5]);
    expect(policy.peekVictim(access)).toBe(-1);
  });

  it("keeps peekVictim equal to evict under references and removals", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        stepsArbitrary,
        (frames, seed, steps) => {
          drive(frames, steps, {}, seed);
        },
      ),
    );
  });
});
