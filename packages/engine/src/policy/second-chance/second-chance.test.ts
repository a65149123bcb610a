import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Access, ReplacementPolicy } from "../policy.js";
import { simulateWith } from "../run.js";
import { driverFor, refs, stepsArbitrary } from "../test_kit.js";
import { definition } from "./second-chance.js";

const drive = driverFor(definition);

import { definition as clock } from "../clock/clock.js";

const misses = (frames: number, pages: readonly number[]): number =>
  simulateWith(definition, {}, frames, pages).misses;

describe("second-chance", () => {
  it("misses 11 times on the textbook string with 3 frames", () => {
    const textbook = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
    expect(misses(3, textbook)).toBe(11);
    expect(drive(3, refs(textbook))).toEqual({ misses: 11, victims: [7, 1, 2, 3, 4, 0, 3, 2] });
  });

  it("gives a referenced head a second chance: 1,2,3,1,4 evicts 2, then 5 evicts 3", () => {
    expect(drive(3, refs([1, 2, 3, 1, 4, 5])).victims).toEqual([2, 3]);
  });

  it("clears every bit and evicts the old head when all are referenced", () => {
    expect(drive(3, refs([1, 2, 3, 3, 2, 1, 4, 5])).victims).toEqual([1, 2]);
  });

  it("keeps load order after a removal: the key loaded into a freed slot is the newest", () => {
    const steps = [
      { key: 1 },
      { key: 2 },
      { key: 3 },
      { key: 1, drop: true },
      { key: 4 },
      { key: 5 },
    ];
    expect(drive(3, steps)).toEqual({ misses: 5, victims: [2] });
  });

  it("evicts the same keys as clock:bits=1", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 300 }),
        (frames, pages) => {
          const mine = drive(frames, refs(pages));
          const clockMisses = simulateWith(clock, { bits: 1 }, frames, pages).misses;
          expect(mine.misses).toBe(clockMisses);
          expect(misses(frames, pages)).toBe(clockMisses);
          // Victim for victim, through the same driver.
          const policy = clock.create(
            { capacity: frames, seed: 0, knowsFuture: false },
            { bits: 1 },
          );
          expect(replayVictims(policy, frames, pages)).toEqual(mine.victims);
        },
      ),
    );
  });

  it("keeps peekVictim equal to evict under references and removals", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), stepsArbitrary, (frames, steps) => {
        drive(frames, steps);
      }),
    );
  });
});

/** The keys another policy evicts on `pages` (slots filled in order, evict-then-insert). */
function replayVictims(
  policy: ReplacementPolicy,
  frames: number,
  pages: readonly number[],
): number[] {
  const access: Access = { time: 0, keyHigh: 0, keyLow: 0, nextUse: Infinity, write: false };
  const slotOf = new Map<number, number>();
  const keyOf: number[] = [];
  const victims: number[] = [];
  for (const page of pages) {
    const slot = slotOf.get(page);
    if (slot !== undefined) {
      policy.onHit(slot, access);
      continue;
    }
    let target = slotOf.size;
    if (target === frames) {
      target = policy.evict(access);
      const victim = keyOf[target] as number;
      slotOf.delete(victim);
      victims.push(victim);
    }
    slotOf.set(page, target);
    keyOf[target] = page;
    policy.onInsert(target, access);
  }
  return victims;
}
