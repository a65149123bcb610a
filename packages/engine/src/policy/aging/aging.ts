/**
 * Aging: a software approximation of LRU from reference bits. Each key has a shift register of
 * `bits` bits and a reference bit R. A reference sets R (the faulting reference too: a page just
 * loaded has been referenced). Every `interval` references (the clock tick) every register
 * shifts right by one and R enters at the top, then R is cleared. The victim is the key with the
 * smallest register.
 *
 * Two refinements make the choice total and deterministic:
 * - R counts as a bit above the register, so a key referenced since the last tick beats one that
 *   was not (as if the tick happened at the fault; otherwise a page just loaded, register 0,
 *   would be the next victim);
 * - ties among equal values are settled as of the last tick in which either key was referenced:
 *   the smaller value then goes first (so of two keys that aged to 0, the one whose references
 *   stopped earlier goes first), and if those are equal too, the least recently referenced.
 *
 * Structure: the value R * 2^bits + register (a tick is value >>> 1 for every key) picks one of
 * 2^(bits+1) buckets, each a list in tie order; a two-level bitmap of non-empty buckets finds
 * the smallest.
 * A reference appends the key to its bucket; a tick merges buckets 2k and 2k+1 into bucket k,
 * lower first, touching only non-empty buckets (the tie order above follows from these two); each key's value is kept lazily as (value, tick
 * of the last update). Per reference O(1), per tick O(non-empty buckets + 2^bits / 512), per
 * eviction O(2^bits / 512) at worst.
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import type { PolicyDefinition } from "../registry.js";

const NONE = -1;

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}

class AgingPolicy implements ReplacementPolicy {
  private readonly bits: number;
  /** R as a value: 2^bits. */
  private readonly referencedBit: number;
  private readonly interval: number;
  private tick = 0;
  private sinceTick = 0;
  // Per slot.
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  /** Value (R * 2^bits + register) at `storedTick`; NONE when the slot holds no key. */
  private readonly storedValue: Int32Array;
  private readonly storedTick: Float64Array;
  // Per bucket (value).
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  /**
   * Non-empty buckets, one bit each, and above them one bit per non-zero word. A tick builds the
   * next pair in `spareWords` / `spareSummary` while emptying the current one, then swaps.
   */
  private words: Uint32Array;
  private summary: Uint32Array;
  private spareWords: Uint32Array;
  private spareSummary: Uint32Array;

  constructor(capacity: number, bits: number, interval: number) {
    this.bits = bits;
    this.referencedBit = 1 << bits;
    this.interval = interval;
    this.prev = new Int32Array(capacity).fill(NONE);
    this.next = new Int32Array(capacity).fill(NONE);
    this.storedValue = new Int32Array(capacity).fill(NONE);
    this.storedTick = new Float64Array(capacity);
    const buckets = 2 << bits;
    this.head = new Int32Array(buckets).fill(NONE);
    this.tail = new Int32Array(buckets).fill(NONE);
    const wordCount = Math.max(1, buckets >>> 5);
    const summaryCount = Math.max(1, wordCount >>> 5);
    this.words = new Uint32Array(wordCount);
    this.summary = new Uint32Array(summaryCount);
    this.spareWords = new Uint32Array(wordCount);
    this.spareSummary = new Uint32Array(summaryCount);
  }

  /** The slot's value now: its stored value shifted once per tick since. */
  private value(slot: number): number {
    const ticks = this.tick - (this.storedTick[slot] as number);
    return ticks > this.bits ? 0 : (this.storedValue[slot] as number) >>> ticks;
  }

  onHit(slot: number): void {
    const value = this.value(slot);
    this.unlink(slot, value);
    this.place(slot, value | this.referencedBit);
    this.countReference();
  }

  onInsert(slot: number): void {
    if ((this.storedValue[slot] as number) !== NONE) this.remove(slot);
    this.place(slot, this.referencedBit);
    this.countReference();
  }

  peekVictim(): number {
    const bucket = this.lowestBucket();
    return bucket === NONE ? NONE : (this.head[bucket] as number);
  }

  evict(_incoming: Access): number {
    const bucket = this.lowestBucket();
    if (bucket === NONE) throw new Error("aging: evict with nothing resident");
    const victim = this.head[bucket] as number;
    this.unlink(victim, bucket);
    this.storedValue[victim] = NONE;
    return victim;
  }

  remove(slot: number): void {
    if ((this.storedValue[slot] as number) === NONE) return;
    this.unlink(slot, this.value(slot));
    this.storedValue[slot] = NONE;
  }

  private lowestBucket(): number {
    const summary = this.summary;
    for (let group = 0; group < summary.length; group++) {
      const groupBits = summary[group] as number;
      if (groupBits === 0) continue;
      const word = (group << 5) + lowestBit(groupBits);
      return (word << 5) + lowestBit(this.words[word] as number);
    }
    return NONE;
  }

  /** Append `slot` to bucket `value` (the most recent end) and record its value. */
  private place(slot: number, value: number): void {
    this.storedValue[slot] = value;
    this.storedTick[slot] = this.tick;
    const tail = this.tail[value] as number;
    this.prev[slot] = tail;
    this.next[slot] = NONE;
    if (tail === NONE) {
      this.head[value] = slot;
      markBucket(this.words, this.summary, value);
    } else {
      this.next[tail] = slot;
    }
    this.tail[value] = slot;
  }

  private unlink(slot: number, value: number): void {
    const before = this.prev[slot] as number;
    const after = this.next[slot] as number;
    if (before === NONE) this.head[value] = after;
    else this.next[before] = after;
    if (after === NONE) this.tail[value] = before;
    else this.prev[after] = before;
    this.prev[slot] = NONE;
    this.next[slot] = NONE;
    if (before === NONE && after === NONE) {
      const word = value >>> 5;
      const remaining = (this.words[word] as number) & ~(1 << (value & 31));
      this.words[word] = remaining;
      if (remaining === 0) {
        this.summary[word >>> 5] = (this.summary[word >>> 5] as number) & ~(1 << (word & 31));
      }
    }
  }

  private countReference(): void {
    if (++this.sinceTick < this.interval) return;
    this.sinceTick = 0;
    this.tick++;
    this.shiftAll();
  }

  /**
   * The tick: every value halves, so bucket v joins bucket v >>> 1, after what is already there.
   * Buckets are visited in increasing order; a bucket's target is never above it, and a target
   * that held keys itself was visited (and emptied) before anything is appended to it. Only
   * non-zero words are visited, and each is cleared on the way, so the pair of bitmaps left
   * behind is all zero, ready to be the spare for the next tick.
   */
  private shiftAll(): void {
    const words = this.words;
    const summary = this.summary;
    const nextWords = this.spareWords;
    const nextSummary = this.spareSummary;
    const head = this.head;
    const tail = this.tail;
    for (let group = 0; group < summary.length; group++) {
      let groupBits = summary[group] as number;
      summary[group] = 0;
      while (groupBits !== 0) {
        const word = (group << 5) + lowestBit(groupBits);
        groupBits &= groupBits - 1;
        let wordBits = words[word] as number;
        words[word] = 0;
        while (wordBits !== 0) {
          const bucket = (word << 5) + lowestBit(wordBits);
          wordBits &= wordBits - 1;
          const first = head[bucket] as number;
          const last = tail[bucket] as number;
          head[bucket] = NONE;
          tail[bucket] = NONE;
          const target = bucket >>> 1;
          const targetTail = tail[target] as number;
          if (targetTail === NONE) {
            head[target] = first;
            markBucket(nextWords, nextSummary, target);
          } else {
            this.next[targetTail] = first;
            this.prev[first] = targetTail;
          }
          tail[target] = last;
        }
      }
    }
    this.spareWords = words;
    this.spareSummary = summary;
    this.words = nextWords;
    this.summary = nextSummary;
  }
}

/** Set the bit of `bucket` and of its word. */
function markBucket(words: Uint32Array, summary: Uint32Array, bucket: number): void {
  const word = bucket >>> 5;
  words[word] = (words[word] as number) | (1 << (bucket & 31));
  summary[word >>> 5] = (summary[word >>> 5] as number) | (1 << (word & 31));
}

export const definition: PolicyDefinition = {
  name: "aging",
  title: "Aging: evict the key with the smallest shifted reference history",
  description:
    "A register of `bits` bits per key; every `interval` references each register shifts right " +
    "and the reference bit enters at the top. Evicts the smallest register, counting a " +
    "reference since the last tick above the register. Ties: the smaller value as of the last " +
    "tick in which either key was referenced, then the least recently referenced.",
  params: {
    bits: {
      description: "width of each key's history register",
      default: "8",
      min: 1,
      max: 16,
    },
    interval: {
      description: "references between clock ticks (each shifts every register)",
      default: "100",
      min: 1,
      max: 1_000_000_000,
    },
  },
  needsFuture: false,
  create: (context: PolicyContext, params) => {
    const bits = params.bits ?? 8;
    const interval = params.interval ?? 100;
    if (!Number.isInteger(bits) || bits < 1 || bits > 16) {
      throw new RangeError(`aging: bits must be an integer from 1 to 16, not ${bits}`);
    }
    if (!Number.isInteger(interval) || interval < 1) {
      throw new RangeError(`aging: interval must be a positive integer, not ${interval}`);
    }
    return new AgingPolicy(context.capacity, bits, interval);
  },
};
