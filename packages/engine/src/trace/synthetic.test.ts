import { describe, expect, it } from "vitest";
import { LruStackDistance } from "../mrc/stack_distance.js";
import {
  generateTrace,
  generateTraceArray,
  resolveSyntheticOptions,
  SYNTHETIC_PATTERNS,
  type SyntheticOptions,
  SyntheticTrace,
  SyntheticTraceError,
  Xoshiro128,
} from "./synthetic.js";

/** The same generator in BigInt arithmetic, straight from the definitions. */
function referenceGenerator(seed: bigint): () => number {
  const mask64 = (1n << 64n) - 1n;
  let state = seed & mask64;
  const splitmix = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & mask64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask64;
    return z ^ (z >> 31n);
  };
  const first = splitmix();
  const second = splitmix();
  const mask32 = 0xffffffffn;
  const words = [first & mask32, first >> 32n, second & mask32, second >> 32n].map(Number);
  let [s0, s1, s2, s3] = words as [number, number, number, number];
  const rotate = (value: number, by: number): number =>
    ((value << by) | (value >>> (32 - by))) >>> 0;
  return () => {
    const result = Number((BigInt(rotate(Number((BigInt(s1) * 5n) & mask32), 7)) * 9n) & mask32);
    const shifted = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ shifted) >>> 0;
    s3 = rotate(s3, 11);
    return result;
  };
}

function harmonic(n: number, alpha: number): number {
  let sum = 0;
  for (let rank = 1; rank <= n; rank++) sum += 1 / rank ** alpha;
  return sum;
}

function frequencies(trace: Uint32Array, pages: number): Float64Array {
  const counts = new Float64Array(pages);
  for (const page of trace) counts[page] = (counts[page] as number) + 1;
  return counts.map((count) => count / trace.length);
}

describe("Xoshiro128", () => {
  it("matches xoshiro128** seeded by splitmix64, computed with BigInt", () => {
    for (const seed of [0, 1, 42, 43, 0xffffffff, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      const random = new Xoshiro128(seed);
      const expected = referenceGenerator(BigInt(seed));
      for (let index = 0; index < 1000; index++) expect(random.nextUint32()).toBe(expected());
    }
  });

  it("makes doubles in [0, 1) from 53 bits of two outputs", () => {
    const random = new Xoshiro128(7);
    const raw = new Xoshiro128(7);
    for (let index = 0; index < 100; index++) {
      const high = raw.nextUint32() >>> 5;
      const low = raw.nextUint32() >>> 6;
      const value = random.nextDouble();
      expect(value).toBe((high * 2 ** 26 + low) / 2 ** 53);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it("rejects seeds that are not safe non-negative integers", () => {
    expect(() => new Xoshiro128(-1)).toThrow(RangeError);
    expect(() => new Xoshiro128(0.5)).toThrow(RangeError);
  });
});

describe("synthetic traces", () => {
  it("loop: a cyclic scan", () => {
    expect(Array.from(generateTraceArray({ pattern: "loop", pages: 3, count: 7 }))).toEqual([
      0, 1, 2, 0, 1, 2, 0,
    ]);
    expect(
      Array.from(generateTraceArray({ pattern: "loop", pages: 2, count: 5, base: 10 })),
    ).toEqual([10, 11, 10, 11, 10]);
  });

  it("seq: passes in column order with a stride, one at a time", () => {
    expect(Array.from(generateTraceArray({ pattern: "seq", pages: 5, count: 7 }))).toEqual([
      0, 1, 2, 3, 4, 0, 1,
    ]);
    expect(
      Array.from(generateTraceArray({ pattern: "seq", pages: 6, count: 8, stride: 2 })),
    ).toEqual([0, 2, 4, 1, 3, 5, 0, 2]);
    expect(
      Array.from(generateTraceArray({ pattern: "seq", pages: 7, count: 8, stride: 3 })),
    ).toEqual([0, 3, 6, 1, 4, 2, 5, 0]);
    expect(
      Array.from(generateTraceArray({ pattern: "seq", pages: 3, count: 4, stride: 3 })),
    ).toEqual([0, 1, 2, 0]);
  });

  it("seq and loop: every pass touches each page once", () => {
    const pass = generateTraceArray({ pattern: "seq", pages: 1000, count: 1000, stride: 37 });
    expect(new Set(pass).size).toBe(1000);
    // LRU with fewer frames than pages misses every reference of a loop.
    const stack = new LruStackDistance();
    for (const page of generateTraceArray({ pattern: "loop", pages: 100, count: 1000 })) {
      stack.reference(0, page);
    }
    expect(stack.curve([99, 100]).map((point) => point.misses)).toEqual([1000, 100]);
  });

  it("is deterministic for a seed, and the seed matters", () => {
    for (const pattern of ["uniform", "zipf", "phases"]) {
      const options: SyntheticOptions = { pattern, pages: 500, count: 2000, seed: 12 };
      const first = generateTraceArray(options);
      expect(generateTraceArray(options)).toEqual(first);
      expect(generateTraceArray({ ...options, seed: 13 })).not.toEqual(first);
      const pages: number[] = [];
      generateTrace(options, (page) => pages.push(page));
      expect(pages).toEqual(Array.from(first));
    }
  });

  it("uniform: every page about equally often, all in range", () => {
    const trace = generateTraceArray({ pattern: "uniform", pages: 100, count: 200_000, seed: 5 });
    const frequency = frequencies(trace, 100);
    for (const value of frequency) {
      expect(value).toBeGreaterThan(0.0085);
      expect(value).toBeLessThan(0.0115);
    }
    const shifted = generateTraceArray({
      pattern: "uniform",
      pages: 4,
      count: 100,
      base: 2 ** 32 - 4,
    });
    for (const page of shifted) expect(page).toBeGreaterThanOrEqual(2 ** 32 - 4);
  });

  it("zipf: the top rank's frequency is about 1/H(N, alpha)", () => {
    for (const alpha of [0.8, 1, 1.5]) {
      const trace = generateTraceArray({
        pattern: "zipf",
        pages: 1000,
        count: 200_000,
        seed: 3,
        alpha,
      });
      const sorted = Array.from(frequencies(trace, 1000)).sort((a, b) => b - a);
      const h = harmonic(1000, alpha);
      expect((sorted[0] as number) * h).toBeCloseTo(1, 1);
      // Rank 2 about half (alpha 1: exactly 2^-alpha) of rank 1.
      expect((sorted[1] as number) / (sorted[0] as number)).toBeCloseTo(2 ** -alpha, 1);
    }
  });

  it("zipf: unpermuted, rank r is page r-1; permuted, popular pages are scattered", () => {
    const plain = frequencies(
      generateTraceArray({ pattern: "zipf", pages: 200, count: 100_000, seed: 1, permute: false }),
      200,
    );
    const h = harmonic(200, 1);
    for (const rank of [1, 2, 3, 10]) {
      expect((plain[rank - 1] as number) * h * rank).toBeCloseTo(1, 1);
    }
    const permuted = frequencies(
      generateTraceArray({ pattern: "zipf", pages: 200, count: 100_000, seed: 1 }),
      200,
    );
    const hottest = permuted.indexOf(Math.max(...permuted));
    expect(hottest).not.toBe(0);
    // alpha 0 is uniform.
    const flat = frequencies(
      generateTraceArray({ pattern: "zipf", pages: 50, count: 100_000, seed: 2, alpha: 0 }),
      50,
    );
    for (const value of flat) expect(value).toBeCloseTo(0.02, 2);
  });

  it("phases: each phase stays in its own region, phases split the references evenly", () => {
    const trace = generateTraceArray({ pattern: "phases", pages: 1000, count: 10_000, seed: 8 });
    for (let phase = 0; phase < 4; phase++) {
      const slice = trace.subarray(phase * 2500, (phase + 1) * 2500);
      for (const page of slice) {
        expect(page).toBeGreaterThanOrEqual(phase * 250);
        expect(page).toBeLessThan((phase + 1) * 250);
      }
      // A zipf within the region: its hottest page takes about 1/H(250, 1) of the phase.
      const counts = new Map<number, number>();
      for (const page of slice) counts.set(page, (counts.get(page) ?? 0) + 1);
      const top = Math.max(...counts.values()) / slice.length;
      expect(top * harmonic(250, 1)).toBeCloseTo(1, 0);
    }
    const uneven = generateTraceArray({
      pattern: "phases",
      pages: 10,
      count: 7,
      phases: 3,
      seed: 1,
    });
    // Phases of 2, 2 and 3 references over regions 0-2, 3-5 and 6-9.
    const regions = Array.from(uneven, (page) => (page < 3 ? 0 : page < 6 ? 1 : 2));
    expect(regions).toEqual([0, 0, 1, 1, 2, 2, 2]);
    // Fewer references than phases: the empty phases are skipped.
    const sparse = generateTraceArray({ pattern: "phases", pages: 8, count: 2, phases: 8 });
    expect(sparse[0]).toBe(3);
    expect(sparse[1]).toBe(7);
  });

  it("reproduces the shared reference traces (gen_traces.mjs) exactly", () => {
    // zipf1.0 and uniform: 10,000,000 references over pages 1 .. 1,000,000.
    const zipf = generateTraceArray({
      pattern: "zipf",
      pages: 1_000_000,
      count: 10_000_000,
      seed: 42,
      base: 1,
    });
    expect(Array.from(zipf.subarray(0, 8))).toEqual([
      918483, 742208, 429886, 564400, 704334, 310697, 564400, 629363,
    ]);
    expect(Array.from(zipf.subarray(9_999_992))).toEqual([
      149915, 653191, 952619, 650842, 959660, 626303, 288055, 592329,
    ]);
    // LRU misses from traces/README.md (libCacheSim) at 1% and 10% of the distinct pages.
    const stack = new LruStackDistance({ expectedKeys: 1 << 20 });
    for (const page of zipf) stack.reference(0, page);
    expect(stack.distinctKeys).toBe(763_414);
    expect(stack.curve([7634, 76341]).map((point) => point.misses)).toEqual([4_365_433, 2_461_922]);
    const uniform = generateTraceArray({
      pattern: "uniform",
      pages: 1_000_000,
      count: 10_000_000,
      seed: 43,
      base: 1,
    });
    expect(Array.from(uniform.subarray(0, 8))).toEqual([
      309734, 358012, 71142, 359193, 124506, 364607, 95163, 366183,
    ]);
    expect(Array.from(uniform.subarray(9_999_992))).toEqual([
      422446, 820578, 279930, 92595, 187278, 982235, 826050, 866835,
    ]);
  });

  it("reads one page at a time, then -1", () => {
    const trace = new SyntheticTrace({ pattern: "loop", pages: 2, count: 3 });
    expect([trace.next(), trace.next(), trace.next(), trace.next()]).toEqual([0, 1, 0, -1]);
    const bulk = new SyntheticTrace({ pattern: "loop", pages: 4, count: 6 });
    const out = new Uint32Array(4);
    expect(bulk.fill(out)).toBe(4);
    expect(Array.from(out)).toEqual([0, 1, 2, 3]);
    expect(bulk.fill(out)).toBe(2);
    expect(Array.from(out.subarray(0, 2))).toEqual([0, 1]);
    expect(generateTraceArray({ pattern: "zipf", pages: 3, count: 0 })).toEqual(new Uint32Array(0));
  });

  it("fills in defaults and lists the patterns", () => {
    expect(resolveSyntheticOptions({ pattern: "zipf", pages: 10, count: 5 })).toEqual({
      pattern: "zipf",
      pages: 10,
      count: 5,
      seed: 0,
      alpha: 1,
      stride: 1,
      phases: 4,
      permute: true,
      base: 0,
    });
    expect(SYNTHETIC_PATTERNS.map((pattern) => pattern.name)).toEqual([
      "zipf",
      "uniform",
      "seq",
      "loop",
      "phases",
    ]);
  });

  it("rejects bad options with a clear message", () => {
    const bad = (options: SyntheticOptions): string => {
      try {
        resolveSyntheticOptions(options);
      } catch (error) {
        expect(error).toBeInstanceOf(SyntheticTraceError);
        return (error as Error).message;
      }
      throw new Error("no error");
    };
    expect(bad({ pattern: "zipfy", pages: 1, count: 1 })).toBe(
      'unknown pattern "zipfy"; known: zipf, uniform, seq, loop, phases',
    );
    expect(bad({ pattern: "loop", pages: 10, count: 1, alpha: 1 })).toBe(
      "alpha applies only to the zipf and phases patterns, not to loop",
    );
    expect(bad({ pattern: "zipf", pages: 10, count: 1, stride: 2 })).toBe(
      "stride applies only to the seq pattern, not to zipf",
    );
    expect(bad({ pattern: "uniform", pages: 10, count: 1, phases: 2 })).toMatch(/phases applies/);
    expect(bad({ pattern: "seq", pages: 0, count: 1 })).toMatch(/pages must be an integer/);
    expect(bad({ pattern: "seq", pages: 2.5, count: 1 })).toMatch(/pages must be an integer/);
    expect(bad({ pattern: "seq", pages: 1, count: -1 })).toMatch(/count must be/);
    expect(bad({ pattern: "seq", pages: 1, count: 1, seed: -3 })).toMatch(/seed must be/);
    expect(bad({ pattern: "zipf", pages: 1, count: 1, alpha: -1 })).toMatch(/alpha must be/);
    expect(bad({ pattern: "zipf", pages: 1, count: 1, alpha: Number.NaN })).toMatch(/alpha/);
    expect(bad({ pattern: "seq", pages: 4, count: 1, stride: 5 })).toMatch(/stride must be/);
    expect(bad({ pattern: "phases", pages: 3, count: 1, phases: 4 })).toMatch(/cannot exceed/);
    expect(bad({ pattern: "phases", pages: 3, count: 1, phases: 0 })).toMatch(/phases must be/);
    expect(bad({ pattern: "loop", pages: 2 ** 32, count: 1, base: 1 })).toMatch(/base/);
    expect(bad({ pattern: "zipf", pages: 2 ** 26, count: 1 })).toMatch(/limited to/);
  });
});
