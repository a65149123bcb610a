import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { definition as lru } from "../policy/lru/lru.js";
import { simulateWith } from "../policy/run.js";
import { LruStackDistance } from "./stack_distance.js";

/** Stack distances by definition: distinct keys since the previous reference, itself included. */
function naiveDistances(keys: readonly number[]): number[] {
  const stack: number[] = []; // most recent last
  return keys.map((key) => {
    const at = stack.lastIndexOf(key);
    const distance = at < 0 ? 0 : stack.length - at;
    if (at >= 0) stack.splice(at, 1);
    stack.push(key);
    return distance;
  });
}

function distancesOf(keys: readonly number[], stack = new LruStackDistance()): number[] {
  return keys.map((key) => stack.referenceDistance(0, key));
}

/** Misses of LRU with `frames` frames, from the LRU policy run in the trace simulator. */
function lruMisses(keys: readonly number[], frames: number): number {
  return simulateWith(lru, {}, frames, keys).misses;
}

/** A deterministic pseudo-random sequence (a 32-bit LCG), for traces larger than fast-check's. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

describe("LruStackDistance", () => {
  it("a b c a: the second a has distance 3, the rest are cold", () => {
    const stack = new LruStackDistance();
    expect(distancesOf([1, 2, 3, 1], stack)).toEqual([0, 0, 0, 3]);
    const histogram = stack.histogram();
    expect(Array.from(histogram.counts)).toEqual([0, 0, 0, 1]);
    expect(histogram.coldMisses).toBe(3);
    expect(histogram.references).toBe(4);
    expect(histogram.distinctKeys).toBe(3);
    // Hits for size >= 3 only; size 0 misses everything; past the distinct keys only cold misses.
    expect(stack.curve([0, 1, 2, 3, 4]).map((point) => point.misses)).toEqual([4, 4, 4, 3, 3]);
    expect(stack.curve([3])).toEqual([{ size: 3, misses: 3, missRatio: 0.75 }]);
  });

  it("a a: an immediate re-reference has distance 1", () => {
    expect(distancesOf([5, 5, 5])).toEqual([0, 1, 1]);
  });

  it("counts repeated keys once: a b b b a has distance 2", () => {
    expect(distancesOf([1, 2, 2, 2, 1])).toEqual([0, 0, 1, 1, 2]);
  });

  it("the textbook string: 12 LRU faults with 3 frames, 8 with 4", () => {
    const keys = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
    const stack = new LruStackDistance();
    for (const key of keys) stack.reference(0, key);
    const misses = stack.curve([1, 2, 3, 4, 5]).map((point) => point.misses);
    expect(misses[2]).toBe(12);
    expect(misses[3]).toBe(8);
    expect(misses).toEqual([1, 2, 3, 4, 5].map((frames) => lruMisses(keys, frames)));
  });

  it("default sizes run from 1 to the distinct keys", () => {
    const stack = new LruStackDistance();
    for (const key of [1, 2, 1, 3, 2]) stack.reference(0, key);
    expect(stack.curve().map((point) => point.size)).toEqual([1, 2, 3]);
    expect(new LruStackDistance().curve()).toEqual([]);
    expect(new LruStackDistance().curve([0, 5])).toEqual([
      { size: 0, misses: 0, missRatio: 0 },
      { size: 5, misses: 0, missRatio: 0 },
    ]);
  });

  it("keeps 64-bit keys apart by their high half", () => {
    const stack = new LruStackDistance();
    expect(stack.referenceDistance(0, 7)).toBe(0);
    expect(stack.referenceDistance(1, 7)).toBe(0);
    expect(stack.referenceDistance(0xffffffff, 7)).toBe(0);
    expect(stack.referenceDistance(1, 7)).toBe(2);
    expect(stack.referenceDistance(0, 7)).toBe(3);
    expect(stack.distinctKeys).toBe(3);
  });

  it("queued references give the same histogram as one-at-a-time ones", () => {
    const random = lcg(11);
    const keys = Array.from({ length: 5000 }, () => Math.floor(random() * random() * 700));
    const queued = new LruStackDistance();
    for (const key of keys) queued.reference(0, key);
    expect(queued.references).toBe(keys.length);
    const direct = new LruStackDistance();
    for (const key of keys) direct.referenceDistance(0, key);
    expect(queued.histogram()).toEqual(direct.histogram());
  });

  it("matches the definition on long distances (the one-prefix-path count)", () => {
    // 4,000 keys, mostly uniform: distances of thousands of timestamps, past the near case.
    const random = lcg(3);
    const keys = Array.from({ length: 30_000 }, (_, time) =>
      time % 3 === 0 ? Math.floor(random() * 4000) : Math.floor(random() * random() * 4000),
    );
    const expected = naiveDistancesFast(keys);
    expect(distancesOf(keys)).toEqual(expected);
    expect(distancesOf(keys, new LruStackDistance({ expectedKeys: 1, spaceFactor: 1.1 }))).toEqual(
      expected,
    );
  });

  it("gives the same curve when a tiny timestamp space forces many compactions", () => {
    const random = lcg(5);
    const keys = Array.from({ length: 20_000 }, () => Math.floor(random() * random() * 300));
    const roomy = new LruStackDistance({ expectedKeys: 4096 });
    const cramped = new LruStackDistance({ expectedKeys: 1, spaceFactor: 1.02 });
    for (const key of keys) {
      roomy.reference(0, key);
      cramped.reference(0, key);
    }
    expect(cramped.histogram()).toEqual(roomy.histogram());
    expect(cramped.curve()).toEqual(roomy.curve());
    expect(cramped.compactions).toBeGreaterThan(100);
    expect(roomy.compactions).toBeLessThan(cramped.compactions);
  });

  it("property: the one-pass curve equals an LRU simulation at every size", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 300 }),
        fc.constantFrom(1.01, 1.5, 2, 4),
        fc.integer({ min: 1, max: 64 }),
        (keys, spaceFactor, expectedKeys) => {
          const stack = new LruStackDistance({ spaceFactor, expectedKeys });
          for (const key of keys) stack.reference(0, key);
          const distinct = new Set(keys).size;
          const sizes = Array.from({ length: distinct + 1 }, (_, index) => index + 1);
          const curve = stack.curve(sizes);
          expect(curve.map((point) => point.misses)).toEqual(
            sizes.map((frames) => lruMisses(keys, frames)),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("property: distances equal the definition, also across compactions", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 600 }),
        fc.constantFrom(1.01, 1.2, 2),
        (keys, spaceFactor) => {
          expect(distancesOf(keys, new LruStackDistance({ expectedKeys: 1, spaceFactor }))).toEqual(
            naiveDistances(keys),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("property: remove forgets a key as if it had never been referenced", () => {
    const operation = fc.oneof(
      fc.record({ remove: fc.constant(false), key: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ remove: fc.constant(true), key: fc.integer({ min: 0, max: 30 }) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 300 }), (operations) => {
        const stack = new LruStackDistance({ expectedKeys: 2, spaceFactor: 1.3 });
        const model: number[] = []; // most recent last
        for (const { remove, key } of operations) {
          const at = model.lastIndexOf(key);
          if (remove) {
            expect(stack.remove(0, key)).toBe(at >= 0);
            if (at >= 0) model.splice(at, 1);
          } else {
            expect(stack.referenceDistance(0, key)).toBe(at < 0 ? 0 : model.length - at);
            if (at >= 0) model.splice(at, 1);
            model.push(key);
          }
          expect(stack.liveKeys).toBe(model.length);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("rejects bad options and sizes", () => {
    expect(() => new LruStackDistance({ spaceFactor: 1 })).toThrow(/spaceFactor/);
    expect(() => new LruStackDistance({ expectedKeys: 0 })).toThrow(/expectedKeys/);
    expect(() => new LruStackDistance().curve([1.5])).toThrow(/non-negative integers/);
    expect(() => new LruStackDistance().curve([-1])).toThrow(/non-negative integers/);
  });
});

/** The definition, in O(n × distinct) with last-use times (fast enough for 30,000 references). */
function naiveDistancesFast(keys: readonly number[]): number[] {
  const lastUse = new Map<number, number>();
  return keys.map((key, time) => {
    const previous = lastUse.get(key);
    let distance = 0;
    if (previous !== undefined) {
      for (const when of lastUse.values()) if (when >= previous) distance++;
    }
    lastUse.set(key, time);
    return distance;
  });
}
