/**
 * The trace-driven container: a pool of `capacity` frames holding keys, with the key index, run
 * against one replacement policy. Counts hits and misses, nothing else, so it is fast.
 */
import { KeyIndex } from "./key_index.js";
import type { Access, ReplacementPolicy } from "./policy.js";

export class CacheSimulator {
  hits = 0;
  misses = 0;
  /** The reference in progress, handed to the policy (one object, reused). */
  readonly access: Access = { time: 0, keyHigh: 0, keyLow: 0, nextUse: Infinity, write: false };
  private readonly index: KeyIndex;
  private used = 0;

  constructor(
    readonly policy: ReplacementPolicy,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
    }
    this.index = new KeyIndex(capacity, true);
  }

  /** One reference; returns whether it hit. `nextUse` is Infinity unless the future is known. */
  reference(keyHigh: number, keyLow: number, write: boolean, nextUse: number): boolean {
    const access = this.access;
    access.keyHigh = keyHigh;
    access.keyLow = keyLow;
    access.write = write;
    access.nextUse = nextUse;
    const slot = this.index.get(keyHigh, keyLow);
    if (slot >= 0) {
      this.hits++;
      this.policy.onHit(slot, access);
      access.time++;
      return true;
    }
    this.misses++;
    let target: number;
    if (this.used < this.capacity) {
      target = this.used++;
    } else {
      target = this.policy.evict(access);
      this.index.deleteSlot(target);
    }
    this.index.insert(keyHigh, keyLow, target);
    this.policy.onInsert(target, access);
    access.time++;
    return false;
  }

  /** Number of keys resident now. */
  get resident(): number {
    return this.used;
  }
}
