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
import { definition, type S3FifoPolicy } from "./s3fifo.js";

const SMALL = 0;
const MAIN = 1;

function create(capacity: number, small = 10, threshold = 2): S3FifoPolicy {
  return definition.create(
    { capacity, seed: 0, knowsFuture: false },
    { small, threshold },
  ) as S3FifoPolicy;
}

function keysOf(box: CheckedContainer, policy: S3FifoPolicy, list: number): (number | undefined)[] {
  return policy.lists.toArray(list).map((slot) => box.keyOf(slot));
}

const steps = mixedStepsArbitrary;

describe("s3fifo", () => {
  it("demotes one-hit wonders quickly and admits ghosts to main (c = 5: S = 1, M = 4)", () => {
    const policy = create(5);
    expect(policy.smallTarget).toBe(1);
    expect(policy.mainTarget).toBe(4);
    expect(policy.ghost.capacity).toBe(4);
    // All five start in small; 1 gets two hits, 2 one.
    const box = runChecked(policy, 5, [1, 2, 3, 4, 5, 1, 1, 2]);
    const trace: [key: number, victim: number | undefined][] = [
      [6, 2], // 1 (freq 2) moves to main; 2 (one hit: freq 1 < 2) is evicted to the ghost
      [7, 3],
      [2, 4], // 2 is a ghost: it enters main; the room comes from small
      [8, 5],
      [3, 6],
      [4, 7], // main = [4, 3, 2, 1]
      [1, undefined], // hit in main: freq 1
      [9, 8],
      [5, 9], // ghost hit: main = [5, 4, 3, 2, 1], one over M
      [10, 2], // main evicts: 1 (freq 1) is reinserted with freq 0, 2 (freq 0) goes
    ];
    for (const [key, victim] of trace) {
      if (victim !== undefined) expect(box.peek(key)).toBe(victim);
      expect(box.reference(key).victim).toBe(victim);
    }
    expect(keysOf(box, policy, MAIN)).toEqual([1, 5, 4, 3]);
    expect(keysOf(box, policy, SMALL)).toEqual([10]);
    expect(policy.ghost.toArray()).toEqual([9, 8, 7, 6]);
  });

  it("with threshold=1 a single hit in small is enough to reach main", () => {
    const policy = create(5, 10, 1);
    const box = runChecked(policy, 5, [1, 2, 3, 4, 5, 1, 1, 2]);
    expect(box.reference(6).victim).toBe(3);
    expect(keysOf(box, policy, MAIN)).toEqual([2, 1]);
  });

  it("caps counters at 3 and lowers them by one on each reinsertion in main", () => {
    const policy = create(5);
    const box = runChecked(policy, 5, [1, 2, 3, 4, 5, 1, 1, 2, 6, 7, 2, 8, 3, 4]);
    // main = [4, 3, 2, 1], all freq 0; give 1 and 2 many hits.
    for (let i = 0; i < 10; i++) box.reference(1);
    box.reference(2);
    expect(policy.freq[box.slotOf(1) as number]).toBe(3);
    box.reference(9); // small's 8 goes
    box.reference(5); // a ghost: main is over M
    expect(box.peek(11)).toBe(3); // 1 and 2 are reinserted, 3 (freq 0) goes
    expect(box.reference(11).victim).toBe(3);
    expect(policy.freq[box.slotOf(1) as number]).toBe(2);
    expect(policy.freq[box.slotOf(2) as number]).toBe(0);
  });

  it("keeps peekVictim = evict, queues = resident slots, counters <= 3, ghost disjoint", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 1, max: 3 }),
        steps,
        (capacity, small, threshold, refs) => {
          const policy = create(capacity, small, threshold);
          const box = runChecked(policy, capacity, refs, (box) => {
            const listed = [...policy.lists.toArray(SMALL), ...policy.lists.toArray(MAIN)];
            expect(listed.sort((a, b) => a - b)).toEqual(box.residentSlots());
            expect(policy.ghost.size).toBeLessThanOrEqual(policy.ghost.capacity);
            for (const slot of box.residentSlots()) {
              expect(policy.freq[slot]).toBeLessThanOrEqual(3);
              const key = box.keyOf(slot) as number;
              expect(policy.ghost.has(Math.floor(key / 4294967296), key >>> 0)).toBe(false);
            }
          });
          const again = runChecked(create(capacity, small, threshold), capacity, refs);
          expect(again.victims).toEqual(box.victims);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("resists a one-time scan over a hot loop far better than LRU", () => {
    const keys = hotLoopWithScan(40, 4, 2000);
    const s3fifo = simulateWith(definition, { small: 10, threshold: 2 }, 64, keys).misses;
    const lru = lruMisses(64, keys);
    expect(lru).toBeGreaterThan(3900);
    expect(s3fifo).toBeLessThan(lru * 0.6);
  });
});
