import { describe, expect, it } from "vitest";
import { generateTraceArray } from "../trace/synthetic.js";
import { Shards, type ShardsOptions, shardsHash } from "./shards.js";
import { LruStackDistance, type MissRatioPoint } from "./stack_distance.js";

function exactCurve(trace: Uint32Array, sizes: number[]): MissRatioPoint[] {
  const stack = new LruStackDistance();
  for (const page of trace) stack.reference(0, page);
  return stack.curve(sizes);
}

function shardsOf(trace: Uint32Array, options: ShardsOptions): Shards {
  const shards = new Shards(options);
  for (const page of trace) shards.reference(0, page);
  return shards;
}

function meanAbsoluteError(a: MissRatioPoint[], b: MissRatioPoint[]): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) {
    sum += Math.abs(
      (a[index] as MissRatioPoint).missRatio - (b[index] as MissRatioPoint).missRatio,
    );
  }
  return sum / a.length;
}

/** 100 sizes evenly spread over 0 .. 20,000 pages. */
const SIZES = Array.from({ length: 100 }, (_, index) => (index + 1) * 200);

describe("Shards", () => {
  it("at rate 1 gives the exact curve", () => {
    const trace = generateTraceArray({ pattern: "zipf", pages: 3000, count: 50_000, seed: 9 });
    const sizes = Array.from({ length: 3001 }, (_, index) => index);
    const shards = shardsOf(trace, { rate: 1 });
    expect(shards.sampledReferences).toBe(trace.length);
    expect(shards.curve(sizes)).toEqual(exactCurve(trace, sizes));
  });

  it("with merged bins is still exact at multiples of the bin width", () => {
    const trace = generateTraceArray({ pattern: "zipf", pages: 3000, count: 50_000, seed: 9 });
    const shards = shardsOf(trace, { rate: 1, maxBins: 8 });
    expect(shards.resolution).toBeGreaterThan(1);
    const sizes = Array.from({ length: 10 }, (_, index) => index * shards.resolution);
    const approximate = shards.curve(sizes);
    const exact = exactCurve(trace, sizes);
    for (let index = 0; index < sizes.length; index++) {
      expect(approximate[index]?.misses).toBeCloseTo(exact[index]?.misses as number, 6);
    }
  });

  it("at rate 0.1 stays within a few percent of the exact curve on zipf traces", () => {
    for (const seed of [1, 2, 3]) {
      const trace = generateTraceArray({
        pattern: "zipf",
        pages: 20_000,
        count: 400_000,
        seed,
        alpha: 0.9,
      });
      const exact = exactCurve(trace, SIZES);
      const shards = shardsOf(trace, { rate: 0.1 });
      expect(shards.rate).toBeCloseTo(0.1, 6);
      // About a tenth of the keys, and of the references, are sampled.
      expect(shards.sampledKeys / 20_000).toBeGreaterThan(0.08);
      expect(shards.sampledKeys / 20_000).toBeLessThan(0.12);
      expect(meanAbsoluteError(shards.curve(SIZES), exact)).toBeLessThan(0.015);
    }
  });

  it("fixed size keeps at most maxKeys keys, lowers the rate, and stays close", () => {
    const trace = generateTraceArray({
      pattern: "zipf",
      pages: 20_000,
      count: 400_000,
      seed: 4,
      alpha: 0.9,
    });
    const shards = shardsOf(trace, { maxKeys: 1000 });
    expect(shards.sampledKeys).toBeLessThanOrEqual(1000);
    expect(shards.sampledKeys).toBeGreaterThan(900);
    // About 1000 of 20,000 keys remain sampled.
    expect(shards.rate).toBeGreaterThan(0.04);
    expect(shards.rate).toBeLessThan(0.06);
    expect(meanAbsoluteError(shards.curve(SIZES), exactCurve(trace, SIZES))).toBeLessThan(0.02);
  });

  it("samples by key: every reference to a sampled key, none to the others", () => {
    const trace = generateTraceArray({ pattern: "uniform", pages: 5000, count: 100_000, seed: 3 });
    const shards = shardsOf(trace, { rate: 0.05, seed: 77 });
    const threshold = Math.round(0.05 * (1 << 24));
    let expected = 0;
    for (const page of trace) if (shardsHash(0, page, 77) < threshold) expected++;
    expect(shards.sampledReferences).toBe(expected);
    expect(shards.references).toBe(trace.length);
    // Another seed samples other keys.
    expect(shardsOf(trace, { rate: 0.05, seed: 78 }).sampledReferences).not.toBe(expected);
  });

  it("reports misses as the miss ratio times the references", () => {
    const trace = generateTraceArray({ pattern: "loop", pages: 500, count: 5000 });
    const shards = shardsOf(trace, { rate: 0.5, adjust: false });
    const [small, large] = shards.curve([100, 600]);
    // A loop over 500 pages: LRU misses everything below 500 frames, only cold misses above.
    expect(small?.missRatio).toBeCloseTo(1, 6);
    expect(small?.misses).toBeCloseTo(5000, 3);
    expect(large?.missRatio).toBeCloseTo(0.1, 6);
    expect(shards.curve([0])[0]?.missRatio).toBe(1);
    expect(new Shards().curve([0, 10])).toEqual([
      { size: 0, misses: 0, missRatio: 0 },
      { size: 10, misses: 0, missRatio: 0 },
    ]);
  });

  it("default sizes step by the bin width up to the estimated distinct keys", () => {
    const trace = generateTraceArray({ pattern: "uniform", pages: 2000, count: 20_000, seed: 1 });
    const curve = shardsOf(trace, { rate: 0.25 }).curve();
    expect(curve[0]?.size).toBe(1);
    const last = curve[curve.length - 1] as MissRatioPoint;
    expect(last.size).toBeGreaterThan(1500);
    expect(last.size).toBeLessThan(2600);
    expect(last.missRatio).toBeCloseTo(0.1, 1);
  });

  it("rejects bad options", () => {
    expect(() => new Shards({ rate: 0 })).toThrow(/rate/);
    expect(() => new Shards({ rate: 1.5 })).toThrow(/rate/);
    expect(() => new Shards({ maxKeys: 0 })).toThrow(/maxKeys/);
    expect(() => new Shards({ seed: -1 })).toThrow(/seed/);
    expect(() => new Shards({ maxBins: 1 })).toThrow(/maxBins/);
    expect(() => new Shards().curve([2.5])).toThrow(/non-negative integers/);
  });
});
