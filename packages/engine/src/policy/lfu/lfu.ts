/**
 * LFU: evict the key referenced the fewest times since it was loaded (in-cache counts: an
 * evicted key's count is forgotten, and a reloaded key starts again at 1). Among keys with the
 * same count, the least recently used goes first.
 *
 * O(1) per operation with frequency buckets: a list of buckets in increasing count, each holding
 * its keys in order of last reference (least recent at the head). A hit moves the key to the
 * bucket for count + 1, created just after its bucket when missing; the victim is the head of
 * the first bucket. Buckets come from a pool of capacity + 1 entries (there are never more
 * non-empty buckets than keys, plus one being created), all in typed arrays.
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import type { PolicyDefinition } from "../registry.js";

const NONE = -1;

class LfuPolicy implements ReplacementPolicy {
  // Keys: a list per bucket.
  private readonly keyPrev: Int32Array;
  private readonly keyNext: Int32Array;
  /** Bucket of each slot, NONE when the slot holds no key. */
  private readonly keyBucket: Int32Array;
  // Buckets: a list in increasing count.
  private readonly count: Float64Array;
  private readonly bucketHead: Int32Array;
  private readonly bucketTail: Int32Array;
  private readonly bucketPrev: Int32Array;
  private readonly bucketNext: Int32Array;
  /** Unused buckets, as a stack. */
  private readonly freeBuckets: Int32Array;
  private freeCount: number;
  /** Bucket with the smallest count. */
  private first = NONE;

  constructor(capacity: number) {
    this.keyPrev = new Int32Array(capacity).fill(NONE);
    this.keyNext = new Int32Array(capacity).fill(NONE);
    this.keyBucket = new Int32Array(capacity).fill(NONE);
    const buckets = capacity + 1;
    this.count = new Float64Array(buckets);
    this.bucketHead = new Int32Array(buckets).fill(NONE);
    this.bucketTail = new Int32Array(buckets).fill(NONE);
    this.bucketPrev = new Int32Array(buckets).fill(NONE);
    this.bucketNext = new Int32Array(buckets).fill(NONE);
    this.freeBuckets = new Int32Array(buckets);
    for (let bucket = 0; bucket < buckets; bucket++)
      this.freeBuckets[bucket] = buckets - 1 - bucket;
    this.freeCount = buckets;
  }

  onHit(slot: number): void {
    const bucket = this.keyBucket[slot] as number;
    const count = (this.count[bucket] as number) + 1;
    let target = this.bucketNext[bucket] as number;
    if (target === NONE || this.count[target] !== count) {
      if (this.bucketHead[bucket] === slot && this.bucketTail[bucket] === slot) {
        // Alone in its bucket, and no bucket for count + 1: the bucket itself moves up.
        this.count[bucket] = count;
        return;
      }
      target = this.newBucket(count, bucket, target);
    }
    this.unlinkKey(slot, bucket);
    this.appendKey(slot, target);
  }

  onInsert(slot: number): void {
    let target = this.first;
    if (target === NONE || this.count[target] !== 1) target = this.newBucket(1, NONE, target);
    this.appendKey(slot, target);
  }

  peekVictim(): number {
    return this.first === NONE ? NONE : (this.bucketHead[this.first] as number);
  }

  evict(_incoming: Access): number {
    const bucket = this.first;
    if (bucket === NONE) throw new Error("lfu: evict with nothing resident");
    const victim = this.bucketHead[bucket] as number;
    this.unlinkKey(victim, bucket);
    this.keyBucket[victim] = NONE;
    return victim;
  }

  remove(slot: number): void {
    const bucket = this.keyBucket[slot] as number;
    if (bucket === NONE) return;
    this.unlinkKey(slot, bucket);
    this.keyBucket[slot] = NONE;
  }

  /** A bucket for `count` between `before` and `after` (either may be NONE). */
  private newBucket(count: number, before: number, after: number): number {
    const bucket = this.freeBuckets[--this.freeCount] as number;
    this.count[bucket] = count;
    this.bucketPrev[bucket] = before;
    this.bucketNext[bucket] = after;
    if (before === NONE) this.first = bucket;
    else this.bucketNext[before] = bucket;
    if (after !== NONE) this.bucketPrev[after] = bucket;
    return bucket;
  }

  private appendKey(slot: number, bucket: number): void {
    const tail = this.bucketTail[bucket] as number;
    this.keyPrev[slot] = tail;
    this.keyNext[slot] = NONE;
    if (tail === NONE) this.bucketHead[bucket] = slot;
    else this.keyNext[tail] = slot;
    this.bucketTail[bucket] = slot;
    this.keyBucket[slot] = bucket;
  }

  /** Take `slot` out of `bucket`, and the bucket out of the list if that empties it. */
  private unlinkKey(slot: number, bucket: number): void {
    const before = this.keyPrev[slot] as number;
    const after = this.keyNext[slot] as number;
    if (before === NONE) this.bucketHead[bucket] = after;
    else this.keyNext[before] = after;
    if (after === NONE) this.bucketTail[bucket] = before;
    else this.keyPrev[after] = before;
    this.keyPrev[slot] = NONE;
    this.keyNext[slot] = NONE;
    if (this.bucketHead[bucket] !== NONE) return;
    const previous = this.bucketPrev[bucket] as number;
    const following = this.bucketNext[bucket] as number;
    if (previous === NONE) this.first = following;
    else this.bucketNext[previous] = following;
    if (following !== NONE) this.bucketPrev[following] = previous;
    this.freeBuckets[this.freeCount++] = bucket;
  }
}

export const definition: PolicyDefinition = {
  name: "lfu",
  title: "Least frequently used: evict the key with the fewest references",
  description:
    "Counts references per key while it is resident (a reloaded key starts at 1) and evicts " +
    "the smallest count. Ties: the least recently used among the keys with that count. " +
    "O(1) per reference with frequency buckets.",
  params: {},
  needsFuture: false,
  create: (context: PolicyContext) => new LfuPolicy(context.capacity),
};
