import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hotLoopWithScan, lruMisses, runChecked } from "../queues/conformance.js";
import { NONE } from "../queues/slot_lists.js";
import { simulateWith } from "../run.js";
import { mixedStepsArbitrary } from "../test_kit.js";
import { definition, type SievePolicy } from "./sieve.js";

function create(capacity: number): SievePolicy {
  return definition.create({ capacity, seed: 0, knowsFuture: false }, {}) as SievePolicy;
}

const steps = mixedStepsArbitrary;

describe("sieve", () => {
  it("moves the hand from the tail toward the head and leaves it where it stopped (c = 3)", () => {
    const policy = create(3);
    // Queue, head first: 3 2 1; all three visited.
    const box = runChecked(policy, 3, [1, 2, 3, 1, 2, 3]);
    const handKey = () => (policy.hand === NONE ? undefined : box.keyOf(policy.hand));
    const trace: [key: number, victim: number | undefined, hand: number | undefined][] = [
      // The hand clears 1, 2, 3, wraps to the tail and evicts 1, now unvisited; it stops at 2.
      [4, 1, 2],
      [5, 2, 3], // 2 was cleared on the lap: evicted at once
      [4, undefined, 3], // hit: 4 is visited
      [6, 3, 4],
      [7, 5, 6], // the hand clears 4 and evicts 5 (4 keeps its place: nothing moves)
      [8, 6, 7],
    ];
    for (const [key, victim, hand] of trace) {
      if (victim !== undefined) expect(box.peek(key)).toBe(victim);
      expect(box.reference(key).victim).toBe(victim);
      expect(handKey()).toBe(hand);
    }
    expect(policy.queue.toArray(0).map((slot) => box.keyOf(slot))).toEqual([8, 7, 4]);
    expect(policy.visited[box.slotOf(4) as number]).toBe(0);
  });

  it("starts at the tail again after evicting the head", () => {
    const policy = create(2);
    const box = runChecked(policy, 2, [1, 2, 1]);
    // Queue 2 1, 1 visited: the hand clears 1, evicts 2 (the head) and falls off the head.
    expect(box.reference(3).victim).toBe(2);
    expect(policy.hand).toBe(NONE);
    // Queue 3 1, nothing visited: the next eviction starts at the tail, 1.
    expect(box.reference(4).victim).toBe(1);
  });

  it("moves the hand to the newer neighbour when the key under it is dropped", () => {
    const policy = create(3);
    const box = runChecked(policy, 3, [1, 2, 3, 4]);
    expect(box.keyOf(policy.hand)).toBe(2);
    box.drop(2);
    expect(box.keyOf(policy.hand)).toBe(3);
    box.reference(5); // fills the freed slot, at the head
    expect(box.reference(6).victim).toBe(3);
  });

  it("keeps peekVictim = evict, queue = resident slots, hand on the queue", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), steps, (capacity, refs) => {
        const policy = create(capacity);
        const box = runChecked(policy, capacity, refs, (box) => {
          expect(policy.queue.toArray(0).sort((a, b) => a - b)).toEqual(box.residentSlots());
          if (policy.hand !== NONE) expect(box.keyOf(policy.hand)).toBeDefined();
        });
        const again = runChecked(create(capacity), capacity, refs);
        expect(again.victims).toEqual(box.victims);
      }),
      { numRuns: 300 },
    );
  });

  it("resists a one-time scan over a hot loop far better than LRU", () => {
    const keys = hotLoopWithScan(40, 4, 2000);
    const sieve = simulateWith(definition, {}, 64, keys).misses;
    const lru = lruMisses(64, keys);
    expect(lru).toBeGreaterThan(3900);
    expect(sieve).toBeLessThan(lru * 0.6);
  });
});
