/**
 * Exact LRU miss-ratio curves for every cache size in one pass (Mattson, Gecsei, Slutz and
 * Traiger's stack algorithm, 1970).
 *
 * LRU is a stack algorithm: a cache of `s` frames always holds the `s` most recently used keys.
 * So a reference hits in a cache of size `s` exactly when its *stack distance* is at most `s`.
 *
 * **Convention.** The stack distance of a re-reference is the number of distinct keys referenced
 * since the previous reference to the same key, counting the key itself: the smallest LRU cache
 * that turns the reference into a hit. In `a b c a` the second `a` has distance 3 (it hits with
 * 3 frames or more, misses with 1 or 2). Re-referencing the key just used (`a a`) has distance 1.
 * A first reference has no distance (a cold miss at every size). So
 * `misses(s) = cold + #{references with distance > s}`, and `misses(0)` is every reference.
 *
 * **How distances are counted.** Each reference gets a timestamp from a clock. A key's *last*
 * reference holds a 1 at its timestamp, every other timestamp a 0, so the distance of a
 * re-reference is the number of 1s at or after the key's previous timestamp. The 1 then moves
 * from the old timestamp to a new one at the clock. The 1s live in a bitmap of 32-bit words; a
 * Fenwick (binary indexed) tree over the words' counts gives the number of 1s in any run of
 * whole words in O(log n); the two partial words at the ends are counted bit by bit (popcount).
 *
 * - Memory follows the distinct keys, not the trace: the timestamp space holds about
 *   `spaceFactor` (default 2) timestamps per live key, at a little over 4 bytes each (the slot
 *   owning each timestamp, one bit, and a tree node per 32 bits). When the clock reaches the end
 *   of the space, the live timestamps are renumbered in order (0, 1, 2, ...) and the bitmap and
 *   tree rebuilt, O(n); with half the space free afterwards that happens at most once per n/2
 *   references: O(1) amortised. New keys grow the space (doubling) the same way.
 * - The bitmap and tree take 1/32 of the memory a per-timestamp tree would, so they stay in the
 *   CPU caches for far larger key sets. A reuse within the clock's word costs one popcount; a
 *   short distance walks the two prefix paths only down to where they meet; a long one counts
 *   the 1s *before* the old timestamp (one prefix path) and subtracts from the live keys. The
 *   clear walks up only to the clock's word, and a tree node is built from its children (on
 *   average one) when the clock fills its word.
 * - `reference` queues keys and handles them 64 at a time: a first pass looks up every queued
 *   key and touches its state, so the cache misses of 64 independent lookups overlap instead of
 *   each stalling the next; the second pass does the counting. (About 1.3× faster on a large
 *   zipf trace.) Reading any result processes the queue first. `referenceDistance` handles one
 *   key at once and returns its distance.
 *
 * @example
 * const stack = new LruStackDistance();
 * for (const page of [1, 2, 3, 1]) stack.reference(0, page);
 * stack.histogram().counts; // → Float64Array [0, 0, 0, 1]: one reference at distance 3
 * stack.curve([1, 2, 3]);
 * // → [{ size: 1, misses: 4, missRatio: 1 }, { size: 2, misses: 4, missRatio: 1 },
 * //    { size: 3, misses: 3, missRatio: 0.75 }]
 */
import { KeyIndex } from "../policy/key_index.js";

/** One point of a miss-ratio curve. */
export interface MissRatioPoint {
  /** Cache size in keys (frames). */
  size: number;
  /** References that miss at this size (an estimate, not always an integer, for SHARDS). */
  misses: number;
  /** `misses / references` (0 for an empty trace). */
  missRatio: number;
}

/** Counts per stack distance. */
export interface StackDistanceHistogram {
  /** `counts[d]`: re-references with stack distance `d` (d ≥ 1); `counts[0]` is 0. The array
   * ends at the largest distance seen. */
  counts: Float64Array;
  /** First references to a key: infinite distance, a miss at every size. */
  coldMisses: number;
  /** All references so far. */
  references: number;
  /** Distinct keys seen so far. */
  distinctKeys: number;
}

export interface LruStackDistanceOptions {
  /** Expected number of distinct keys: the starting size of the tables (they grow). Default 1024. */
  expectedKeys?: number;
  /**
   * Timestamps kept per live key, more than 1 (default 2). Compaction runs once the clock has
   * used `(spaceFactor - 1) × keys` timestamps; a factor near 1 compacts often (tests use it).
   */
  spaceFactor?: number;
}

const DEFAULT_EXPECTED_KEYS = 1024;
const DEFAULT_SPACE_FACTOR = 2;
const FREE = -1;
/** Keys queued by `reference` before a batch is processed. */
const BATCH = 64;
/** Beyond this many words between the old timestamp and the clock, count with one prefix path. */
const NEAR_WORDS = 64;

/**
 * The exact LRU stack-distance histogram of a stream of keys, and the miss-ratio curve derived
 * from it. Keys are 64-bit, given as two unsigned 32-bit halves (`keyHigh` is 0 for page numbers
 * below 2^32).
 */
export class LruStackDistance {
  /** Times the timestamps were renumbered (compaction or growth): a diagnostic. */
  compactions = 0;

  private referenceCount = 0;
  private coldCount = 0;
  private distinctCount = 0;
  private liveCount = 0;

  private readonly spaceFactor: number;
  /** Key → slot. */
  private readonly index: KeyIndex;
  /** Per slot: the timestamp of the key's last reference (FREE for a free slot). */
  private lastTime: Int32Array;
  /** Stack of freed slots (after `remove`), and the first slot never used. */
  private freeSlots: Int32Array;
  private freeCount = 0;
  private nextSlot = 0;
  /** `counts[d]`: references with stack distance d; sized to hold any distance (≤ live keys). */
  private counts: Float64Array;

  /** Size of the timestamp space, a multiple of 32. */
  private space: number;
  /** Bit t of word t >>> 5: whether timestamp t is some key's last reference. One spare word
   * past the end stays 0 (the clock's word when the clock is at the end). */
  private words: Int32Array;
  /**
   * Fenwick tree over the words' bit counts, 1-based: node p covers words p - lowbit(p) .. p-1.
   * Nodes 1 .. (clock >>> 5) are valid (the words the clock has filled); the clock's own word
   * is counted directly, and its node is built when the clock fills it.
   */
  private tree: Int32Array;
  /** Per timestamp: the slot whose reference it is (meaningful where the bit is set). */
  private owner: Int32Array;
  /** The next timestamp to hand out. */
  private clock = 0;

  /** Keys queued by `reference`, and the slots the first pass found for them. */
  private readonly queueHigh = new Uint32Array(BATCH);
  private readonly queueLow = new Uint32Array(BATCH);
  private readonly queueSlot = new Int32Array(BATCH);
  private queued = 0;
  /** Where a batch's first pass leaves a sum of what it read, so the JIT keeps the reads.
   * Meaningless otherwise. */
  touched = 0;

  constructor(options: LruStackDistanceOptions = {}) {
    const expected = options.expectedKeys ?? DEFAULT_EXPECTED_KEYS;
    const factor = options.spaceFactor ?? DEFAULT_SPACE_FACTOR;
    if (!Number.isInteger(expected) || expected < 1) {
      throw new RangeError(`expectedKeys must be a positive integer, not ${expected}`);
    }
    if (!(factor > 1 && factor <= 64)) {
      throw new RangeError(`spaceFactor must be above 1 and at most 64, not ${factor}`);
    }
    this.spaceFactor = factor;
    this.index = new KeyIndex(expected);
    this.lastTime = new Int32Array(expected).fill(FREE);
    this.freeSlots = new Int32Array(expected);
    this.counts = new Float64Array(expected + 1);
    this.space = roundUp32(expected * factor);
    this.words = new Int32Array((this.space >>> 5) + 1);
    this.tree = new Int32Array((this.space >>> 5) + 1);
    this.owner = new Int32Array(this.space);
  }

  /** References so far. */
  get references(): number {
    return this.referenceCount + this.queued;
  }

  /** First references (cold misses) so far. */
  get coldMisses(): number {
    this.flush();
    return this.coldCount;
  }

  /** Distinct keys seen so far (removed ones included). */
  get distinctKeys(): number {
    this.flush();
    return this.distinctCount;
  }

  /** Keys tracked now (distinct keys minus removed ones). */
  get liveKeys(): number {
    this.flush();
    return this.liveCount;
  }

  /** One reference to a key (queued; see the module comment). */
  reference(keyHigh: number, keyLow: number): void {
    const at = this.queued;
    this.queueHigh[at] = keyHigh;
    this.queueLow[at] = keyLow;
    if (at + 1 === BATCH) {
      this.queued = BATCH;
      this.flush();
    } else {
      this.queued = at + 1;
    }
  }

  /** One reference to a key, handled now: returns its stack distance (≥ 1), or 0 for a first
   * reference. */
  referenceDistance(keyHigh: number, keyLow: number): number {
    if (this.queued > 0) this.flush();
    const distance = this.process(keyHigh, keyLow, this.index.get(keyHigh, keyLow));
    if (distance > 0) this.counts[distance] = (this.counts[distance] as number) + 1;
    return distance;
  }

  /** Handle the queued references. */
  flush(): void {
    const count = this.queued;
    if (count === 0) return;
    this.queued = 0;
    const high = this.queueHigh;
    const low = this.queueLow;
    const slots = this.queueSlot;
    const index = this.index;
    const lastTime = this.lastTime;
    const words = this.words;
    // First pass: independent lookups, whose cache misses the CPU can overlap. A key absent now
    // may be inserted by an earlier reference of the batch: the second pass looks it up again.
    let touched = 0;
    for (let at = 0; at < count; at++) {
      const slot = index.get(high[at] as number, low[at] as number);
      slots[at] = slot;
      if (slot >= 0) touched += words[(lastTime[slot] as number) >>> 5] as number;
    }
    this.touched = touched;
    // Second pass: the distances, kept in `slots`, ...
    for (let at = 0; at < count; at++) {
      const keyHigh = high[at] as number;
      const keyLow = low[at] as number;
      const slot = slots[at] as number;
      slots[at] = this.process(keyHigh, keyLow, slot >= 0 ? slot : index.get(keyHigh, keyLow));
    }
    // ... counted in a third: a histogram larger than the CPU caches takes a miss per count,
    // and here those misses overlap too.
    const counts = this.counts;
    for (let at = 0; at < count; at++) {
      const distance = slots[at] as number;
      counts[distance] = (counts[distance] as number) + 1;
    }
    counts[0] = 0;
  }

  /** One reference, except for counting its distance (the caller does); `found` is the key's
   * slot, or -1 if it is not tracked. */
  private process(keyHigh: number, keyLow: number, found: number): number {
    this.referenceCount++;
    let slot = found;
    let distance = 0;
    if (slot >= 0) {
      const previous = this.lastTime[slot] as number;
      const words = this.words;
      const word = previous >>> 5;
      const bit = previous & 31;
      const bits = words[word] as number;
      words[word] = bits & ~(1 << bit);
      const clockWord = this.clock >>> 5;
      if (word === clockWord) {
        // Nothing at or past the clock is set: the 1s from the old timestamp on.
        distance = popcount(bits >>> bit);
      } else {
        const tree = this.tree;
        if (clockWord - word <= NEAR_WORDS) {
          // The rest of the old word, the clock's word, and the whole words between:
          // prefix(clockWord) - prefix(word + 1), walking both prefix paths down to where they
          // meet (the larger is never an ancestor of the smaller).
          distance = popcount(bits >>> bit) + popcount(words[clockWord] as number);
          let upper = clockWord;
          let lower = word + 1;
          while (upper !== lower) {
            if (upper > lower) {
              distance += tree[upper] as number;
              upper &= upper - 1;
            } else {
              distance -= tree[lower] as number;
              lower &= lower - 1;
            }
          }
        } else {
          // Every live key holds one 1 below the clock: subtract the 1s before the old one.
          let before = popcount(bits & ((1 << bit) - 1));
          for (let node = word; node > 0; node &= node - 1) before += tree[node] as number;
          distance = this.liveCount - before;
        }
        // The cleared bit leaves the counts of the nodes above its word (those built so far).
        for (let node = word + 1; node <= clockWord; node += node & -node) {
          tree[node] = (tree[node] as number) - 1;
        }
      }
    } else {
      this.coldCount++;
      this.distinctCount++;
      slot = this.allocateSlot(keyHigh, keyLow);
    }
    if (this.clock === this.space) this.renumber(this.space);
    const time = this.clock++;
    const word = time >>> 5;
    const bit = time & 31;
    this.words[word] = (this.words[word] as number) | (1 << bit);
    if (bit === 31) this.buildNode(word + 1);
    this.owner[time] = slot;
    this.lastTime[slot] = time;
    return distance;
  }

  /**
   * Forget a key, as if it had never been referenced (its past references stay in the
   * histogram). Returns whether it was tracked. SHARDS' fixed-size variant uses this.
   */
  remove(keyHigh: number, keyLow: number): boolean {
    this.flush();
    const slot = this.index.get(keyHigh, keyLow);
    if (slot < 0) return false;
    const time = this.lastTime[slot] as number;
    const word = time >>> 5;
    this.words[word] = (this.words[word] as number) & ~(1 << (time & 31));
    const tree = this.tree;
    const clockWord = this.clock >>> 5;
    for (let node = word + 1; node <= clockWord; node += node & -node) {
      tree[node] = (tree[node] as number) - 1;
    }
    this.lastTime[slot] = FREE;
    this.index.delete(keyHigh, keyLow);
    this.freeSlots[this.freeCount++] = slot;
    this.liveCount--;
    return true;
  }

  /** Whether a key is tracked. */
  has(keyHigh: number, keyLow: number): boolean {
    this.flush();
    return this.index.get(keyHigh, keyLow) >= 0;
  }

  /** Counts per stack distance (a copy), cold misses separate. */
  histogram(): StackDistanceHistogram {
    this.flush();
    return {
      counts: this.counts.slice(0, this.maxDistance() + 1),
      coldMisses: this.coldCount,
      references: this.referenceCount,
      distinctKeys: this.distinctCount,
    };
  }

  /**
   * Misses and miss ratio of an LRU cache at each size: `misses(s) = cold + #{distance > s}`.
   * `sizes` are non-negative integers in any order (each answered as given); by default every
   * size from 1 to the number of distinct keys (where only cold misses remain).
   */
  curve(sizes?: readonly number[]): MissRatioPoint[] {
    this.flush();
    const wanted = sizes ?? rangeOfSizes(this.distinctCount);
    checkSizes(wanted);
    const max = this.maxDistance();
    // beyond[d] = references with distance > d, for d = 0 .. max.
    const beyond = new Float64Array(max + 1);
    let running = 0;
    for (let distance = max; distance >= 0; distance--) {
      beyond[distance] = running;
      running += this.counts[distance] as number;
    }
    const references = this.referenceCount;
    const cold = this.coldCount;
    return wanted.map((size) => {
      const misses = size === 0 ? references : cold + (size < max ? (beyond[size] as number) : 0);
      return { size, misses, missRatio: references === 0 ? 0 : misses / references };
    });
  }

  /** The largest stack distance seen (0 when none). */
  maxDistance(): number {
    this.flush();
    let max = Math.min(this.counts.length - 1, this.nextSlot);
    while (max > 0 && this.counts[max] === 0) max--;
    return max;
  }

  /** Build tree node `node` (word node-1 is complete): its word's count plus its children. */
  private buildNode(node: number): void {
    const tree = this.tree;
    let sum = popcount(this.words[node - 1] as number);
    const span = node & -node;
    for (let child = 1; child < span; child <<= 1) sum += tree[node - child] as number;
    tree[node] = sum;
  }

  /** A slot for a new key, growing the per-slot arrays and the timestamp space as needed. */
  private allocateSlot(keyHigh: number, keyLow: number): number {
    let slot: number;
    if (this.freeCount > 0) {
      slot = this.freeSlots[--this.freeCount] as number;
    } else {
      if (this.nextSlot === this.lastTime.length) this.growSlots();
      slot = this.nextSlot++;
    }
    this.index.insert(keyHigh, keyLow, slot);
    this.liveCount++;
    if (this.liveCount * this.spaceFactor > this.space) {
      this.renumber(roundUp32(Math.max(this.space * 2, this.liveCount * this.spaceFactor)));
    }
    return slot;
  }

  private growSlots(): void {
    const capacity = this.lastTime.length * 2;
    const lastTime = new Int32Array(capacity).fill(FREE);
    lastTime.set(this.lastTime);
    this.lastTime = lastTime;
    const freeSlots = new Int32Array(capacity);
    freeSlots.set(this.freeSlots);
    this.freeSlots = freeSlots;
    const counts = new Float64Array(capacity + 1);
    counts.set(this.counts);
    this.counts = counts;
  }

  /**
   * Renumber the live timestamps 0, 1, 2, ... in order into a space of `space` timestamps (the
   * same size: compaction in place; larger: growth), and rebuild bitmap and tree: O(n).
   */
  private renumber(space: number): void {
    this.compactions++;
    const oldOwner = this.owner;
    const oldWords = this.words;
    const grow = space !== this.space;
    const owner = grow ? new Int32Array(space) : oldOwner;
    const lastTime = this.lastTime;
    let live = 0;
    const usedWords = (this.clock + 31) >>> 5;
    for (let word = 0; word < usedWords; word++) {
      let bits = oldWords[word] as number;
      while (bits !== 0) {
        const lowest = bits & -bits;
        bits ^= lowest;
        const slot = oldOwner[(word << 5) + 31 - Math.clz32(lowest)] as number;
        owner[live] = slot;
        lastTime[slot] = live;
        live++;
      }
    }
    if (grow) {
      this.space = space;
      this.owner = owner;
      this.words = new Int32Array((space >>> 5) + 1);
      this.tree = new Int32Array((space >>> 5) + 1);
    }
    // Timestamps 0 .. live-1 are all 1s: whole words of 32, then a partial word.
    const words = this.words;
    const fullWords = live >>> 5;
    words.fill(-1, 0, fullWords);
    words.fill(0, fullWords);
    if ((live & 31) !== 0) words[fullWords] = (1 << (live & 31)) - 1;
    const tree = this.tree;
    for (let node = 1; node <= fullWords; node++) tree[node] = 32 * (node & -node);
    this.clock = live;
  }
}

/** Number of 1 bits in a 32-bit integer. */
function popcount(value: number): number {
  let x = value - ((value >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** The multiple of 32 at or above `value` (at least 32). */
function roundUp32(value: number): number {
  return Math.max(32, Math.ceil(value / 32) * 32);
}

/** 1, 2, ..., n. */
export function rangeOfSizes(n: number): number[] {
  const sizes = new Array<number>(n);
  for (let size = 1; size <= n; size++) sizes[size - 1] = size;
  return sizes;
}

/** Throws unless every size is a non-negative integer. */
export function checkSizes(sizes: readonly number[]): void {
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 0) {
      throw new RangeError(`cache sizes must be non-negative integers, not ${size}`);
    }
  }
}
