import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CheckedContainer,
  hotLoopWithScan,
  lruMisses,
  runChecked,
} from "../queues/conformance.js";
import { simulateWith } from "../run.js";
import { mixedStepsArbitrary } from "../test_kit.js";
import { definition, type TwoQPolicy } from "./2q.js";

const A1IN = 0;
const AM = 1;

function create(capacity: number, kin = 25, kout = 50): TwoQPolicy {
  return definition.create({ capacity, seed: 0, knowsFuture: false }, { kin, kout }) as TwoQPolicy;
}

function keysOf(box: CheckedContainer, policy: TwoQPolicy, list: number): (number | undefined)[] {
  return policy.lists.toArray(list).map((slot) => box.keyOf(slot));
}

const steps = mixedStepsArbitrary;

describe("2q", () => {
  it("admits to Am only from A1out, on a hand-worked string (c = 4, Kin = 1, Kout = 2)", () => {
    const policy = create(4);
    expect(policy.kin).toBe(1);
    expect(policy.a1out.capacity).toBe(2);
    const box = runChecked(policy, 4, [1, 2, 3, 4]);
    const trace: [key: number, victim: number | undefined][] = [
      [5, 1], // |A1in| = 4 > Kin: A1in's oldest goes to A1out
      [1, 2], // 1 is in A1out: promoted to Am; the room comes from A1in again
      [1, undefined], // hit in Am
      [6, 3],
      [7, 4], // A1out = [4, 3]: 2 is forgotten (Kout = 2)
      [2, 5], // 2 was forgotten: back to A1in, not Am
      [4, 6], // 4 is in A1out: to Am
      [8, 7],
      [9, 2],
      [10, 8],
      [2, 9], // 2 in A1out again: to Am, which is now [2, 4, 1]; A1in = [10]
      [11, 1], // |A1in| = 1 = Kin: Am's LRU goes, and is not remembered
      [10, undefined], // a hit in A1in changes nothing...
      [12, 10], // ...so 10 is still A1in's oldest
    ];
    for (const [key, victim] of trace) {
      if (victim !== undefined) expect(box.peek(key)).toBe(victim);
      expect(box.reference(key).victim).toBe(victim);
    }
    expect(keysOf(box, policy, AM)).toEqual([2, 4]);
    expect(keysOf(box, policy, A1IN)).toEqual([12, 11]);
    expect(policy.a1out.toArray()).toEqual([10, 9]);
  });

  it("keeps peekVictim = evict, lists = resident slots, A1out within Kout and disjoint", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 200 }),
        steps,
        (capacity, kin, kout, refs) => {
          const policy = create(capacity, kin, kout);
          const box = runChecked(policy, capacity, refs, (box) => {
            const listed = [...policy.lists.toArray(A1IN), ...policy.lists.toArray(AM)];
            expect(listed.sort((a, b) => a - b)).toEqual(box.residentSlots());
            expect(policy.a1out.size).toBeLessThanOrEqual(Math.floor((capacity * kout) / 100));
            for (const slot of box.residentSlots()) {
              const key = box.keyOf(slot) as number;
              expect(policy.a1out.has(Math.floor(key / 4294967296), key >>> 0)).toBe(false);
            }
          });
          const again = runChecked(create(capacity, kin, kout), capacity, refs);
          expect(again.victims).toEqual(box.victims);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("resists a one-time scan over a hot loop far better than LRU", () => {
    const keys = hotLoopWithScan(40, 4, 2000);
    const twoQ = simulateWith(definition, { kin: 25, kout: 50 }, 64, keys).misses;
    const lru = lruMisses(64, keys);
    expect(lru).toBeGreaterThan(3900);
    expect(twoQ).toBeLessThan(lru * 0.6);
  });
});
