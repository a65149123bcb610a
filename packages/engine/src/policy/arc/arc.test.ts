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
import { type ArcPolicy, definition } from "./arc.js";

const T1 = 0;
const T2 = 1;

function create(capacity: number): ArcPolicy {
  return definition.create({ capacity, seed: 0, knowsFuture: false }, {}) as ArcPolicy;
}

/** Keys on a list, MRU first. */
function keysOf(box: CheckedContainer, policy: ArcPolicy, list: number): (number | undefined)[] {
  return policy.lists.toArray(list).map((slot) => box.keyOf(slot));
}

const steps = mixedStepsArbitrary;

describe("arc", () => {
  it("follows the paper on a hand-worked string (c = 2), adapting p on ghost hits", () => {
    const policy = create(2);
    const box = runChecked(policy, 2, []);
    const trace: [key: number, victim: number | undefined, p: number][] = [
      [1, undefined, 0],
      [2, undefined, 0],
      // Case IV, |T1| + |B1| = c and |T1| = c: T1's LRU goes without a ghost.
      [3, 1, 0],
      [2, undefined, 0], // hit: 2 moves to T2
      // Case IV: REPLACE with |T1| = 1 > p = 0 evicts T1's LRU into B1.
      [4, 3, 0],
      // Case II: 3 in B1, p += 1; |T1| = 1 is not > 1, so T2's LRU (2) goes to B2.
      [3, 2, 1],
      // Case III: 2 in B2, p -= 1; |T1| = 1 > 0: T1's LRU (4) goes to B1.
      [2, 4, 0],
      // Case IV with T1 empty: T2's LRU.
      [5, 3, 0],
      // Case II: |B1| = |B2| = 1, delta 1.
      [4, 2, 1],
      // Case III: 3 in B2, p = 0, T1 (holding 5) is over target.
      [3, 5, 0],
    ];
    for (const [key, victim, p] of trace) {
      if (victim !== undefined) expect(box.peek(key)).toBe(victim);
      expect(box.reference(key).victim).toBe(victim);
      expect(policy.p).toBe(p);
      if (key === 3 && box.time === 3) expect(policy.b1.size).toBe(0);
    }
    expect(keysOf(box, policy, T1)).toEqual([]);
    expect(keysOf(box, policy, T2)).toEqual([3, 4]);
    expect(policy.b1.toArray()).toEqual([5]);
    expect(policy.b2.toArray()).toEqual([2]);
  });

  it("applies the tie rule: x in B2 and |T1| = p evicts from T1", () => {
    const policy = create(3);
    const box = runChecked(policy, 3, [6, 1, 6, 4, 2, 1, 4]);
    // T1 = [2], T2 = [4, 1], B2 = [6], p = 2.
    expect(keysOf(box, policy, T1)).toEqual([2]);
    expect(keysOf(box, policy, T2)).toEqual([4, 1]);
    expect(policy.b2.toArray()).toEqual([6]);
    expect(policy.p).toBe(2);
    // 6 is in B2: p becomes 1 = |T1|; the tie rule takes T1's LRU (2), not T2's (1).
    expect(box.reference(6).victim).toBe(2);
    expect(policy.p).toBe(1);
    expect(keysOf(box, policy, T2)).toEqual([6, 4, 1]);
    expect(policy.b1.toArray()).toEqual([2]);
  });

  it("grows p by the unrounded ratio |B2| / |B1| on a B1 hit", () => {
    const policy = create(5);
    const box = runChecked(policy, 5, [8, 4, 10, 10, 8, 3, 6, 11, 2, 8, 11, 4, 1, 7, 3, 12]);
    expect(policy.b1.has(0, 2)).toBe(true);
    const b1 = policy.b1.size;
    const b2 = policy.b2.size;
    expect(b2).toBeGreaterThan(b1);
    expect(b2 % b1).not.toBe(0);
    const before = policy.p;
    box.reference(2);
    expect(policy.p).toBeCloseTo(Math.min(before + b2 / b1, 5), 12);
    expect(Number.isInteger(policy.p)).toBe(false);
  });

  it("keeps peekVictim = evict, its lists = the resident slots, and the directory bounds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), steps, (capacity, refs) => {
        const policy = create(capacity);
        const dropsAny = refs.some((step) => typeof step !== "number" && step.drop === true);
        const box = runChecked(policy, capacity, refs, (box) => {
          const listed = [...policy.lists.toArray(T1), ...policy.lists.toArray(T2)];
          expect(listed.sort((a, b) => a - b)).toEqual(box.residentSlots());
          expect(policy.p).toBeGreaterThanOrEqual(0);
          expect(policy.p).toBeLessThanOrEqual(capacity);
          if (!dropsAny) {
            const t1 = policy.lists.size(T1);
            expect(t1 + policy.b1.size).toBeLessThanOrEqual(capacity);
            expect(
              t1 + policy.lists.size(T2) + policy.b1.size + policy.b2.size,
            ).toBeLessThanOrEqual(2 * capacity);
          }
        });
        const again = runChecked(create(capacity), capacity, refs);
        expect(again.victims).toEqual(box.victims);
      }),
      { numRuns: 300 },
    );
  });

  it("never keeps a key both resident and in a ghost list", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), steps, (capacity, refs) => {
        const policy = create(capacity);
        runChecked(policy, capacity, refs, (box) => {
          for (const slot of box.residentSlots()) {
            const key = box.keyOf(slot) as number;
            const high = Math.floor(key / 4294967296);
            expect(policy.b1.has(high, key >>> 0) || policy.b2.has(high, key >>> 0)).toBe(false);
          }
        });
      }),
    );
  });

  it("resists a one-time scan over a hot loop far better than LRU", () => {
    const keys = hotLoopWithScan(40, 4, 2000);
    const arc = simulateWith(definition, {}, 64, keys).misses;
    const lru = lruMisses(64, keys);
    expect(lru).toBeGreaterThan(3900);
    expect(arc).toBeLessThan(lru * 0.6);
  });
});
