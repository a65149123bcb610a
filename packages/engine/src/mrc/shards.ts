/**
 * Approximate LRU miss-ratio curves by spatially hashed sampling: SHARDS (Waldspurger, Park,
 * Garthwaite and Ahmad, "Efficient MRC Construction with SHARDS", FAST 2015).
 *
 * A key is sampled when `hash(key) mod P < T`, with P = 2^24: every reference to a sampled key
 * is processed, every reference to another key skipped, so the sample is a set of keys at rate
 * `R = T / P` with their complete reference strings. The sampled keys' stack distances, measured
 * among sampled keys only (with {@link LruStackDistance}), are scaled by 1/R to estimate the
 * distance in the full trace; each sampled reference stands for 1/R references.
 *
 * What is implemented:
 *
 * - **Fixed rate** (`rate`, default 0.01): T fixed, memory proportional to R × distinct keys.
 * - **Fixed size** (`maxKeys` = the paper's s_max): at most `maxKeys` sampled keys are tracked.
 *   When a new key would exceed that, T drops to the largest hash among the tracked keys and the
 *   new key (the `maxKeys` smallest hashes seen so far are kept), and the keys at or above the
 *   new T are forgotten (a max-heap of tracked hashes finds them). `rate` is then the starting
 *   rate (default 1). Instead of rescaling the histogram by R_new/R_old at each drop, as the
 *   paper does, each reference is weighted by the 1/R in force when it was sampled: the two are
 *   the same sum, and a drop then costs nothing.
 * - **SHARDS_adj** (`adjust`, default on): the sample may hold more or fewer references than the
 *   expected N × R; the difference is credited to the smallest distance (hits at every size), so
 *   the miss ratio is the weighted misses over N rather than over the sampled weight. This
 *   corrects most of the bias that a few very hot sampled (or unsampled) keys cause.
 *
 * Scaled distances go to a histogram of at most `maxBins` bins (default 65,536). Bins start one
 * size wide (`ceil(distance / R)`, the cache size that turns the reference into a hit); when a
 * distance falls past the last bin, neighbouring bins merge and the width doubles, so memory
 * stays fixed. A curve point inside a wide bin assumes its references spread evenly over it.
 *
 * With `rate: 1` and no more distinct keys than `maxBins`, the curve is the exact one.
 */
import {
  checkSizes,
  LruStackDistance,
  type MissRatioPoint,
  rangeOfSizes,
} from "./stack_distance.js";

export interface ShardsOptions {
  /** Sampling rate R in (0, 1], rounded to a multiple of 2^-24. Default 0.01 at a fixed rate,
   * 1 as the starting rate of the fixed-size variant. */
  rate?: number;
  /** Fixed-size SHARDS: track at most this many sampled keys (s_max), lowering the rate. */
  maxKeys?: number;
  /** SHARDS_adj: credit the difference between expected and actual samples as hits. Default true. */
  adjust?: boolean;
  /** Salt of the sampling hash (an unsigned 32-bit integer): another seed samples another set
   * of keys. Default 0. */
  seed?: number;
  /** Bins of the scaled-distance histogram (at least 2). Default 65,536. */
  maxBins?: number;
}

/** P: hashes are reduced to 24 bits, as in the paper. */
const MODULUS = 1 << 24;
const DEFAULT_RATE = 0.01;
const DEFAULT_MAX_BINS = 1 << 16;

/** A 32-bit integer mixer (xorshift-multiply), unrelated to the key index's hash so the sampled
 * keys do not crowd one part of that table. */
function mix32(value: number): number {
  let x = value;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The sampling hash of a key, in 0 .. 2^24 - 1. */
export function shardsHash(keyHigh: number, keyLow: number, seed = 0): number {
  return mix32(keyLow ^ mix32(keyHigh ^ mix32(seed ^ 0x5bd1e995))) >>> 8;
}

/** A SHARDS estimate of the LRU miss-ratio curve of a stream of 64-bit keys. */
export class Shards {
  /** All references so far, sampled or not. */
  references = 0;
  /** References to sampled keys. */
  sampledReferences = 0;

  private readonly salt: number;
  private readonly adjust: boolean;
  /** s_max, or 0 at a fixed rate. */
  private readonly maxKeys: number;
  /** T: keys whose hash is below it are sampled. */
  private threshold: number;
  private readonly stack: LruStackDistance;

  /** Weighted references per bin of scaled distance; bin b holds sizes b·w+1 .. (b+1)·w. */
  private bins: Float64Array;
  private binWidth = 1;
  private usedBins = 0;
  /** Weighted first references (an estimate of the distinct keys). */
  private coldWeight = 0;
  /** Weighted sampled references (an estimate of the references). */
  private sampledWeight = 0;

  /** Fixed size: max-heap of the tracked keys by hash. */
  private readonly heapHash: Uint32Array;
  private readonly heapHigh: Uint32Array;
  private readonly heapLow: Uint32Array;
  private heapSize = 0;

  constructor(options: ShardsOptions = {}) {
    const maxKeys = options.maxKeys ?? 0;
    if (options.maxKeys !== undefined && (!Number.isInteger(maxKeys) || maxKeys < 1)) {
      throw new RangeError(`maxKeys must be a positive integer, not ${options.maxKeys}`);
    }
    const rate = options.rate ?? (maxKeys > 0 ? 1 : DEFAULT_RATE);
    if (!(rate > 0 && rate <= 1)) {
      throw new RangeError(`rate must be above 0 and at most 1, not ${rate}`);
    }
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an unsigned 32-bit integer, not ${seed}`);
    }
    const maxBins = options.maxBins ?? DEFAULT_MAX_BINS;
    if (!Number.isInteger(maxBins) || maxBins < 2) {
      throw new RangeError(`maxBins must be an integer of at least 2, not ${maxBins}`);
    }
    this.threshold = Math.max(1, Math.round(rate * MODULUS));
    this.salt = mix32(seed ^ 0x5bd1e995);
    this.adjust = options.adjust ?? true;
    this.maxKeys = maxKeys;
    const expected = maxKeys > 0 ? maxKeys + 1 : 1024;
    this.stack = new LruStackDistance({ expectedKeys: expected });
    this.bins = new Float64Array(maxBins);
    const heapCapacity = maxKeys > 0 ? maxKeys + 1 : 0;
    this.heapHash = new Uint32Array(heapCapacity);
    this.heapHigh = new Uint32Array(heapCapacity);
    this.heapLow = new Uint32Array(heapCapacity);
  }

  /** The sampling rate in force now (it only falls, in the fixed-size variant). */
  get rate(): number {
    return this.threshold / MODULUS;
  }

  /** Sampled keys tracked now. */
  get sampledKeys(): number {
    return this.stack.liveKeys;
  }

  /** Current width of a histogram bin, in cache sizes. */
  get resolution(): number {
    return this.binWidth;
  }

  /** One reference to a key. */
  reference(keyHigh: number, keyLow: number): void {
    this.references++;
    const hash = mix32(keyLow ^ mix32(keyHigh ^ this.salt)) >>> 8;
    if (hash >= this.threshold) return;
    if (
      this.maxKeys > 0 &&
      !this.stack.has(keyHigh, keyLow) &&
      !this.admit(hash, keyHigh, keyLow)
    ) {
      return;
    }
    const distance = this.stack.referenceDistance(keyHigh, keyLow);
    const weight = MODULUS / this.threshold;
    this.sampledReferences++;
    this.sampledWeight += weight;
    if (distance === 0) {
      this.coldWeight += weight;
      return;
    }
    // The cache size that turns this reference into a hit, in the full trace.
    const size = Math.ceil(distance * weight);
    let bin = Math.floor((size - 1) / this.binWidth);
    while (bin >= this.bins.length) {
      this.mergeBins();
      bin = Math.floor((size - 1) / this.binWidth);
    }
    this.bins[bin] = (this.bins[bin] as number) + weight;
    if (bin >= this.usedBins) this.usedBins = bin + 1;
  }

  /**
   * Estimated misses and miss ratio at each size (non-negative integers). By default the bin
   * boundaries from one bin width up to the estimated number of distinct keys. `misses` is the
   * miss ratio times the references, so not an integer in general.
   */
  curve(sizes?: readonly number[]): MissRatioPoint[] {
    const width = this.binWidth;
    const wanted = sizes ?? this.defaultSizes();
    checkSizes(wanted);
    const used = this.usedBins;
    // beyond[b] = weight in bins after b.
    const beyond = new Float64Array(used + 1);
    for (let bin = used - 1; bin >= 0; bin--) {
      beyond[bin] = (beyond[bin + 1] as number) + (this.bins[bin + 1] ?? 0);
    }
    const references = this.references;
    const denominator = this.adjust ? references : this.sampledWeight;
    return wanted.map((size) => {
      if (references === 0) return { size, misses: 0, missRatio: 0 };
      if (size === 0) return { size, misses: references, missRatio: 1 };
      if (denominator === 0) return { size, misses: 0, missRatio: 0 };
      const bin = Math.floor(size / width);
      let weighted = this.coldWeight;
      if (bin < used) {
        const partial = ((bin + 1) * width - size) / width;
        weighted += (beyond[bin] as number) + (this.bins[bin] as number) * partial;
      }
      // Weighted misses are in references already when the denominator is the references.
      const scaled = this.adjust ? weighted : (weighted * references) / denominator;
      const misses = Math.min(references, Math.max(0, scaled));
      return { size, misses, missRatio: misses / references };
    });
  }

  private defaultSizes(): number[] {
    const width = this.binWidth;
    const end = Math.max(this.usedBins * width, Math.ceil(this.coldWeight));
    const count = Math.ceil(end / width);
    return rangeOfSizes(count).map((step) => step * width);
  }

  /** Halve the histogram's resolution: bin i takes bins 2i and 2i+1. */
  private mergeBins(): void {
    const bins = this.bins;
    const half = Math.ceil(bins.length / 2);
    for (let bin = 0; bin < half; bin++) {
      bins[bin] = (bins[2 * bin] as number) + (bins[2 * bin + 1] ?? 0);
    }
    bins.fill(0, half);
    this.binWidth *= 2;
    this.usedBins = Math.ceil(this.usedBins / 2);
  }

  /**
   * Fixed size: make room for a new sampled key, lowering the threshold when `maxKeys` are
   * tracked. Returns whether the key is still sampled.
   */
  private admit(hash: number, keyHigh: number, keyLow: number): boolean {
    if (this.heapSize >= this.maxKeys) {
      const threshold = Math.max(this.heapHash[0] as number, hash);
      this.threshold = threshold;
      while (this.heapSize > 0 && (this.heapHash[0] as number) >= threshold) {
        this.stack.remove(this.heapHigh[0] as number, this.heapLow[0] as number);
        this.popHeap();
      }
      if (hash >= threshold) return false;
    }
    this.pushHeap(hash, keyHigh, keyLow);
    return true;
  }

  private pushHeap(hash: number, keyHigh: number, keyLow: number): void {
    const hashes = this.heapHash;
    let at = this.heapSize++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if ((hashes[parent] as number) >= hash) break;
      this.moveHeap(parent, at);
      at = parent;
    }
    hashes[at] = hash;
    this.heapHigh[at] = keyHigh;
    this.heapLow[at] = keyLow;
  }

  private popHeap(): void {
    const hashes = this.heapHash;
    const size = --this.heapSize;
    if (size === 0) return;
    const hash = hashes[size] as number;
    const high = this.heapHigh[size] as number;
    const low = this.heapLow[size] as number;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && (hashes[child + 1] as number) > (hashes[child] as number)) child++;
      if ((hashes[child] as number) <= hash) break;
      this.moveHeap(child, at);
      at = child;
    }
    hashes[at] = hash;
    this.heapHigh[at] = high;
    this.heapLow[at] = low;
  }

  private moveHeap(from: number, to: number): void {
    this.heapHash[to] = this.heapHash[from] as number;
    this.heapHigh[to] = this.heapHigh[from] as number;
    this.heapLow[to] = this.heapLow[from] as number;
  }
}
