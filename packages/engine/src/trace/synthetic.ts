/**
 * Deterministic synthetic page-reference traces (`vmscope gen`): the same options and seed give
 * the same pages, on every machine.
 *
 * Patterns (pages are numbered `base` .. `base + pages - 1`; `base` defaults to 0):
 *
 * - `uniform`: every page equally likely, independently: `floor(u × pages)`.
 * - `zipf`: rank r (1 .. pages) has probability proportional to 1 / r^alpha (alpha default 1;
 *   0 is uniform). Sampled by inversion: a cumulative table of the weights and a binary search
 *   for the first entry above `u × total`, narrowed by a guide table to a few steps; 16 bytes
 *   per page of tables. Ranks become pages through a random permutation (Fisher–Yates, drawn first from the
 *   same generator), so the popular pages are scattered rather than all small numbers;
 *   `permute: false` keeps rank r on page r - 1.
 * - `loop`: a cyclic scan `0, 1, ..., pages-1, 0, 1, ...`. Each page comes back exactly `pages`
 *   references later, the worst case for LRU: with fewer frames than pages every reference
 *   misses, with as many only the first pass does.
 * - `seq`: a strided sequential scan. One pass visits every page once in column order:
 *   `0, s, 2s, ...` (below `pages`), then `1, 1+s, 1+2s, ...`, ..., then `s-1, ...`; passes
 *   repeat. The stride `s` (default 1) changes spatial locality — neighbouring pages, readahead
 *   windows, TLB reach — but not reuse: every pass touches all pages once, so page-level LRU
 *   sees the same misses as `loop`. With the default stride and `count ≤ pages`, it is a single
 *   streaming pass with no reuse at all (what Linux's readahead and use-once heuristics target);
 *   with stride 1 and more references, it is exactly `loop`. Use `loop` to say "reuse at a fixed
 *   interval", `seq` to say "walk memory in this order".
 * - `phases`: working sets that shift. The pages are split into `phases` (default 4) equal
 *   disjoint regions; the references are split into as many consecutive phases of equal length;
 *   phase k draws from a zipf (alpha) over region k, with its own permutation within the
 *   region (drawn when the phase begins). At each phase change the whole working set moves:
 *   every page of the new region starts cold and the old region is never touched again.
 *
 * The generator is xoshiro128** (Blackman and Vigna), seeded by splitmix64 from a 64-bit seed
 * (an integer 0 .. 2^53-1), all in 32-bit operations. A uniform double takes two outputs:
 * `((a >>> 5) × 2^26 + (b >>> 6)) / 2^53`. These choices match /work/shared/traces
 * gen_traces.mjs, so `zipf` (pages 1,000,000, count 10,000,000, seed 42, base 1) and `uniform`
 * (same sizes, seed 43, base 1) reproduce its `zipf1.0` and `uniform` traces reference for
 * reference.
 *
 * @example
 * generateTraceArray({ pattern: "seq", pages: 6, count: 8, stride: 2 });
 * // → Uint32Array [0, 2, 4, 1, 3, 5, 0, 2]
 */

export type SyntheticPattern = "zipf" | "uniform" | "seq" | "loop" | "phases";

export interface SyntheticOptions {
  /** One of {@link SYNTHETIC_PATTERNS}; checked at run time (it may come from the command line). */
  pattern: string;
  /** Distinct pages the pattern draws from: 1 .. 2^32 (with `base`). */
  pages: number;
  /** References to produce: 0 or more. */
  count: number;
  /** Seed, an integer 0 .. 2^53-1. Default 0. */
  seed?: number;
  /** Zipf exponent (zipf, phases): finite, ≥ 0. Default 1. */
  alpha?: number;
  /** Stride of a pass (seq): 1 .. pages. Default 1. */
  stride?: number;
  /** Number of phases (phases): 1 .. min(pages, 65536). Default 4. */
  phases?: number;
  /** Scatter the ranks over the pages (zipf, phases). Default true. */
  permute?: boolean;
  /** First page number. Default 0. */
  base?: number;
}

/** Options after validation, defaults filled in. */
export interface ResolvedSyntheticOptions {
  pattern: SyntheticPattern;
  pages: number;
  count: number;
  seed: number;
  alpha: number;
  stride: number;
  phases: number;
  permute: boolean;
  base: number;
}

export interface SyntheticPatternInfo {
  name: SyntheticPattern;
  /** One line for help text. */
  description: string;
  /** The options it takes besides pages, count and seed (and base, which all take). */
  options: readonly ("alpha" | "stride" | "phases" | "permute")[];
}

export const SYNTHETIC_PATTERNS: readonly SyntheticPatternInfo[] = [
  {
    name: "zipf",
    description: "rank r drawn with probability ∝ 1/r^alpha, ranks scattered over the pages",
    options: ["alpha", "permute"],
  },
  { name: "uniform", description: "every page equally likely", options: [] },
  {
    name: "seq",
    description: "sequential passes over the pages, column order with a stride (default 1)",
    options: ["stride"],
  },
  {
    name: "loop",
    description: "cyclic scan 0..pages-1 repeated: LRU's worst case",
    options: [],
  },
  {
    name: "phases",
    description: "consecutive phases, each a zipf over its own region of the pages",
    options: ["alpha", "phases", "permute"],
  },
];

/** An invalid option: the message says which and why. */
export class SyntheticTraceError extends Error {}

/** Largest `pages` for the table-driven patterns (zipf, phases): 16 bytes of tables per page. */
export const MAX_TABLE_PAGES = 1 << 25;
const MAX_PHASES = 65536;
const TWO_POW_32 = 4294967296;

/** Check options against the pattern and fill in defaults; throws SyntheticTraceError. */
export function resolveSyntheticOptions(options: SyntheticOptions): ResolvedSyntheticOptions {
  const info = SYNTHETIC_PATTERNS.find((known) => known.name === options.pattern);
  if (info === undefined) {
    const known = SYNTHETIC_PATTERNS.map((pattern) => pattern.name).join(", ");
    throw new SyntheticTraceError(`unknown pattern "${options.pattern}"; known: ${known}`);
  }
  const pattern = info.name;
  for (const option of ["alpha", "stride", "phases", "permute"] as const) {
    if (options[option] !== undefined && !info.options.includes(option)) {
      const takers = SYNTHETIC_PATTERNS.filter((known) => known.options.includes(option)).map(
        (known) => known.name,
      );
      throw new SyntheticTraceError(
        `${option} applies only to the ${takers.join(" and ")} pattern${takers.length > 1 ? "s" : ""}, not to ${pattern}`,
      );
    }
  }
  const { pages, count } = options;
  if (!Number.isInteger(pages) || pages < 1 || pages > TWO_POW_32) {
    throw new SyntheticTraceError(`pages must be an integer from 1 to 4294967296, not ${pages}`);
  }
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new SyntheticTraceError(`count must be a non-negative integer, not ${count}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new SyntheticTraceError(
      `seed must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, not ${seed}`,
    );
  }
  const base = options.base ?? 0;
  if (!Number.isInteger(base) || base < 0 || base + pages > TWO_POW_32) {
    throw new SyntheticTraceError(
      `base must be an integer ≥ 0 with base + pages at most 4294967296 (32-bit page numbers), not ${base}`,
    );
  }
  const alpha = options.alpha ?? 1;
  if (!Number.isFinite(alpha) || alpha < 0) {
    throw new SyntheticTraceError(`alpha must be a finite number ≥ 0, not ${alpha}`);
  }
  const stride = options.stride ?? 1;
  if (!Number.isInteger(stride) || stride < 1 || stride > pages) {
    throw new SyntheticTraceError(
      `stride must be an integer from 1 to pages (${pages}), not ${stride}`,
    );
  }
  const phases = options.phases ?? 4;
  if (pattern === "phases" && (!Number.isInteger(phases) || phases < 1 || phases > MAX_PHASES)) {
    throw new SyntheticTraceError(
      `phases must be an integer from 1 to ${MAX_PHASES}, not ${phases}`,
    );
  }
  if (pattern === "phases" && phases > pages) {
    throw new SyntheticTraceError(
      `phases (${phases}) cannot exceed pages (${pages}): each phase needs its own region`,
    );
  }
  if ((pattern === "zipf" || pattern === "phases") && pages > MAX_TABLE_PAGES) {
    throw new SyntheticTraceError(
      `the ${pattern} pattern keeps 16 bytes of tables per page; pages is limited to ${MAX_TABLE_PAGES}, not ${pages}`,
    );
  }
  return {
    pattern,
    pages,
    count,
    seed,
    alpha,
    stride,
    phases,
    permute: options.permute ?? true,
    base,
  };
}

// ---------------------------------------------------------------------------------------------
// The generator.

/** Constants of splitmix64, as 32-bit halves. */
const GOLDEN_HIGH = 0x9e3779b9;
const GOLDEN_LOW = 0x7f4a7c15;
const MIX1_HIGH = 0xbf58476d;
const MIX1_LOW = 0x1ce4e5b9;
const MIX2_HIGH = 0x94d049bb;
const MIX2_LOW = 0x133111eb;

/** The low 64 bits of a 64-bit product, as [high, low] unsigned 32-bit halves. */
function multiply64(
  aHigh: number,
  aLow: number,
  bHigh: number,
  bLow: number,
): [high: number, low: number] {
  // aLow × bLow exactly, from 16-bit pieces (every partial product below 2^33, exact in a double).
  const a1 = aLow >>> 16;
  const a0 = aLow & 0xffff;
  const b1 = bLow >>> 16;
  const b0 = bLow & 0xffff;
  const middle = a1 * b0 + a0 * b1;
  const lowSum = a0 * b0 + (middle % 65536) * 65536;
  const carry = Math.floor(lowSum / TWO_POW_32);
  const high = a1 * b1 + Math.floor(middle / 65536) + carry;
  // Cross terms only reach the high half, modulo 2^32.
  return [(high + Math.imul(aHigh, bLow) + Math.imul(aLow, bHigh)) >>> 0, lowSum >>> 0];
}

/** splitmix64 (Steele, Lea and Flood), state and output as 32-bit halves. */
class SplitMix64 {
  constructor(
    private high: number,
    private low: number,
  ) {}

  next(): [high: number, low: number] {
    const low = this.low + GOLDEN_LOW;
    this.high = (this.high + GOLDEN_HIGH + (low > 0xffffffff ? 1 : 0)) >>> 0;
    this.low = low >>> 0;
    let zHigh = this.high;
    let zLow = this.low;
    // z = (z ^ (z >>> 30)) * MIX1
    [zHigh, zLow] = multiply64(
      zHigh ^ (zHigh >>> 30),
      zLow ^ ((zLow >>> 30) | (zHigh << 2)),
      MIX1_HIGH,
      MIX1_LOW,
    );
    // z = (z ^ (z >>> 27)) * MIX2
    [zHigh, zLow] = multiply64(
      zHigh ^ (zHigh >>> 27),
      zLow ^ ((zLow >>> 27) | (zHigh << 5)),
      MIX2_HIGH,
      MIX2_LOW,
    );
    // z ^ (z >>> 31)
    return [(zHigh ^ (zHigh >>> 31)) >>> 0, (zLow ^ ((zLow >>> 31) | (zHigh << 1))) >>> 0];
  }
}

/**
 * xoshiro128** (Blackman and Vigna): a small, fast 32-bit generator with 128 bits of state,
 * seeded from a 64-bit seed by splitmix64 (state words: low then high half of two outputs).
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed`: an integer 0 .. 2^53-1. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`seed must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`);
    }
    const seeder = new SplitMix64(Math.floor(seed / TWO_POW_32), seed >>> 0);
    const [high0, low0] = seeder.next();
    const [high1, low1] = seeder.next();
    this.s0 = low0;
    this.s1 = high0;
    this.s2 = low1;
    this.s3 = high1;
  }

  /** The next output: an unsigned 32-bit integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const times5 = Math.imul(s1, 5);
    const result = Math.imul((times5 << 7) | (times5 >>> 25), 9) >>> 0;
    const shifted = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= shifted;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits (two outputs). */
  nextDouble(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }
}

/**
 * Inverse-CDF sampling of a zipf over `n` ranks, optionally scattered by a permutation drawn
 * from `random` (Fisher–Yates from the last position down: `j = floor(u × (i + 1))`).
 */
class ZipfTable {
  private readonly cumulative: Float64Array;
  private readonly total: number;
  private readonly permutation: Uint32Array | null;
  /**
   * Guide table (Chen and Asau): `guide[j]` is the first rank whose cumulative weight exceeds
   * j/n of the total, so a uniform u in bucket floor(u × n) only needs a binary search between
   * guide[j] and guide[j + 1]: a few steps instead of log2(n). The bracket is checked before
   * use, so the result is always the plain binary search's.
   */
  private readonly guide: Int32Array;

  constructor(n: number, alpha: number, permute: boolean, random: Xoshiro128) {
    if (permute) {
      const permutation = new Uint32Array(n);
      for (let index = 0; index < n; index++) permutation[index] = index;
      for (let index = n - 1; index > 0; index--) {
        const other = Math.floor(random.nextDouble() * (index + 1));
        const held = permutation[index] as number;
        permutation[index] = permutation[other] as number;
        permutation[other] = held;
      }
      this.permutation = permutation;
    } else {
      this.permutation = null;
    }
    const cumulative = new Float64Array(n);
    let sum = 0;
    for (let rank = 1; rank <= n; rank++) {
      sum += alpha === 1 ? 1 / rank : 1 / rank ** alpha;
      cumulative[rank - 1] = sum;
    }
    this.cumulative = cumulative;
    this.total = sum;
    const guide = new Int32Array(n + 1);
    let rank = 0;
    for (let bucket = 0; bucket <= n; bucket++) {
      const bound = (bucket / n) * sum;
      while (rank < n - 1 && (cumulative[rank] as number) <= bound) rank++;
      guide[bucket] = rank;
    }
    this.guide = guide;
  }

  /** A page offset 0 .. n-1. */
  sample(random: Xoshiro128): number {
    const uniform = random.nextDouble();
    const target = uniform * this.total;
    const cumulative = this.cumulative;
    const last = cumulative.length - 1;
    // The first rank whose cumulative weight exceeds the target (the last rank if none does),
    // searched between the guide's bounds when they hold.
    const bucket = Math.floor(uniform * cumulative.length);
    let low = this.guide[bucket] as number;
    let high = this.guide[bucket + 1] as number;
    if (low > 0 && (cumulative[low - 1] as number) > target) low = 0;
    if ((cumulative[high] as number) <= target) high = last;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] as number) > target) high = middle;
      else low = middle + 1;
    }
    return this.permutation === null ? low : (this.permutation[low] as number);
  }
}

/**
 * A synthetic trace, read one page at a time (`next`) or in bulk (`fill`). For a callback per
 * page, see {@link generateTrace}.
 */
export class SyntheticTrace {
  readonly options: ResolvedSyntheticOptions;
  /** References produced so far. */
  produced = 0;

  private readonly random: Xoshiro128;
  private readonly kind: number;
  private readonly pages: number;
  private readonly base: number;
  /** zipf: the table; phases: the current phase's table. */
  private zipf: ZipfTable | null = null;
  /** seq / loop: next page offset, and (seq) the current column. */
  private cursor = 0;
  private column = 0;
  /** phases: current phase, its first page offset, and the reference at which it ends. */
  private phase = -1;
  private regionStart = 0;
  private phaseEnd = 0;

  constructor(options: SyntheticOptions) {
    const resolved = resolveSyntheticOptions(options);
    this.options = resolved;
    this.kind = KIND[resolved.pattern];
    this.pages = resolved.pages;
    this.base = resolved.base;
    this.random = new Xoshiro128(resolved.seed);
    if (resolved.pattern === "zipf") {
      this.zipf = new ZipfTable(resolved.pages, resolved.alpha, resolved.permute, this.random);
    }
  }

  /** The next page number, or -1 once `count` pages have been produced. */
  next(): number {
    if (this.produced >= this.options.count) return -1;
    this.produced++;
    switch (this.kind) {
      case UNIFORM:
        return this.base + Math.floor(this.random.nextDouble() * this.pages);
      case ZIPF:
        return this.base + (this.zipf as ZipfTable).sample(this.random);
      case LOOP: {
        const page = this.cursor;
        this.cursor = page + 1 === this.pages ? 0 : page + 1;
        return this.base + page;
      }
      case SEQ: {
        const page = this.cursor;
        let following = page + this.options.stride;
        if (following >= this.pages) {
          this.column = this.column + 1 === this.options.stride ? 0 : this.column + 1;
          following = this.column;
        }
        this.cursor = following;
        return this.base + page;
      }
      default: {
        // phases: `produced - 1` is this reference's index.
        while (this.produced > this.phaseEnd) this.startPhase(this.phase + 1);
        return this.base + this.regionStart + (this.zipf as ZipfTable).sample(this.random);
      }
    }
  }

  /** Fill `out` from the start with the next pages; returns how many were written. */
  fill(out: Uint32Array | Float64Array | number[]): number {
    const wanted = Math.min(out.length, this.options.count - this.produced);
    for (let index = 0; index < wanted; index++) out[index] = this.next();
    return wanted;
  }

  private startPhase(phase: number): void {
    const { count, phases, pages } = this.options;
    this.phase = phase;
    this.phaseEnd = portion(count, phase + 1, phases);
    this.regionStart = portion(pages, phase, phases);
    const regionEnd = portion(pages, phase + 1, phases);
    const { alpha, permute } = this.options;
    this.zipf = new ZipfTable(regionEnd - this.regionStart, alpha, permute, this.random);
  }
}

const UNIFORM = 0;
const ZIPF = 1;
const LOOP = 2;
const SEQ = 3;
const PHASES = 4;
const KIND: Readonly<Record<SyntheticPattern, number>> = {
  uniform: UNIFORM,
  zipf: ZIPF,
  loop: LOOP,
  seq: SEQ,
  phases: PHASES,
};

/** floor(total × part / parts) without overflowing 2^53 (parts ≤ 65536). */
function portion(total: number, part: number, parts: number): number {
  const quotient = Math.floor(total / parts);
  const remainder = total - quotient * parts;
  return quotient * part + Math.floor((remainder * part) / parts);
}

/**
 * Produce the trace's pages into `sink`, in order. Throws SyntheticTraceError for invalid
 * options before producing anything.
 *
 * @example
 * const pages: number[] = [];
 * generateTrace({ pattern: "loop", pages: 3, count: 7 }, (page) => pages.push(page));
 * // pages → [0, 1, 2, 0, 1, 2, 0]
 */
export function generateTrace(options: SyntheticOptions, sink: (page: number) => void): void {
  const trace = new SyntheticTrace(options);
  const count = trace.options.count;
  for (let index = 0; index < count; index++) sink(trace.next());
}

/** The whole trace in a Uint32Array (count must fit in one array). */
export function generateTraceArray(options: SyntheticOptions): Uint32Array {
  const trace = new SyntheticTrace(options);
  const out = new Uint32Array(trace.options.count);
  trace.fill(out);
  return out;
}
