/**
 * A bounded queue of keys that are no longer resident: the ghost lists of ARC (B1, B2), 2Q
 * (A1out) and S3-FIFO (the ghost FIFO). It remembers keys, not slots, so it has its own entry
 * pool and its own KeyIndex from key to entry; everything is in typed arrays and allocates
 * nothing per operation.
 *
 * `pushHead` adds the newest key; when the queue already holds `capacity` keys it first forgets
 * the oldest (the tail). A capacity of 0 makes a queue that remembers nothing.
 *
 * @example
 * const ghost = new KeyQueue(2);
 * ghost.pushHead(0, 7);
 * ghost.pushHead(0, 8);
 * ghost.pushHead(0, 9); // forgets 7, the oldest
 * ghost.has(0, 7);      // false
 * ghost.remove(0, 8);   // true
 * ghost.size;           // 1
 */
import { KeyIndex } from "../key_index.js";

const NONE = -1;

export class KeyQueue {
  size = 0;
  private readonly index: KeyIndex;
  private readonly keyHigh: Uint32Array;
  private readonly keyLow: Uint32Array;
  /** Toward the head (newer); also links the free entries. */
  private readonly newer: Int32Array;
  /** Toward the tail (older). */
  private readonly older: Int32Array;
  private head = NONE;
  private tail = NONE;
  private free = NONE;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`capacity must be a non-negative integer, not ${capacity}`);
    }
    const entries = Math.max(1, capacity);
    this.index = new KeyIndex(entries);
    this.keyHigh = new Uint32Array(entries);
    this.keyLow = new Uint32Array(entries);
    this.newer = new Int32Array(entries).fill(NONE);
    this.older = new Int32Array(entries).fill(NONE);
    // Chain every entry on the free list.
    for (let entry = entries - 1; entry >= 0; entry--) {
      this.newer[entry] = this.free;
      this.free = entry;
    }
  }

  has(high: number, low: number): boolean {
    return this.index.get(high, low) >= 0;
  }

  /** Add a key that is not in the queue as the newest, forgetting the oldest when full. */
  pushHead(high: number, low: number): void {
    if (this.capacity === 0) return;
    if (this.size >= this.capacity) this.dropTail();
    const entry = this.free;
    this.free = this.newer[entry] as number;
    this.keyHigh[entry] = high;
    this.keyLow[entry] = low;
    this.newer[entry] = NONE;
    this.older[entry] = this.head;
    if (this.head === NONE) this.tail = entry;
    else this.newer[this.head] = entry;
    this.head = entry;
    this.index.insert(high, low, entry);
    this.size++;
  }

  /** Forget a key; returns whether it was in the queue. */
  remove(high: number, low: number): boolean {
    const entry = this.index.get(high, low);
    if (entry < 0) return false;
    this.release(entry);
    return true;
  }

  /** Forget the oldest key; returns whether there was one. */
  dropTail(): boolean {
    if (this.tail === NONE) return false;
    this.release(this.tail);
    return true;
  }

  /** Keys from newest to oldest as `high * 2^32 + low` (allocates: for tests and views). */
  toArray(): number[] {
    const keys: number[] = [];
    for (let entry = this.head; entry !== NONE; entry = this.older[entry] as number) {
      keys.push((this.keyHigh[entry] as number) * 4294967296 + (this.keyLow[entry] as number));
    }
    return keys;
  }

  private release(entry: number): void {
    this.index.delete(this.keyHigh[entry] as number, this.keyLow[entry] as number);
    const newer = this.newer[entry] as number;
    const older = this.older[entry] as number;
    if (newer === NONE) this.head = older;
    else this.older[newer] = older;
    if (older === NONE) this.tail = newer;
    else this.newer[older] = newer;
    this.older[entry] = NONE;
    this.newer[entry] = this.free;
    this.free = entry;
    this.size--;
  }
}
