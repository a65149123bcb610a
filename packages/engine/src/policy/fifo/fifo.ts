/**
 * FIFO: evict the key that was inserted first. Hits change nothing, which is what makes FIFO
 * show Belady's anomaly (more frames can mean more misses: 1,2,3,4,1,2,5,1,2,3,4,5 misses 9
 * times with 3 frames and 10 times with 4).
 *
 * The queue is a doubly-linked list over slots in two Int32Arrays, so `remove` of a slot in the
 * middle is O(1) too; nothing is allocated per access.
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import type { PolicyDefinition } from "../registry.js";

const NONE = -1;

class FifoPolicy implements ReplacementPolicy {
  /** Toward the head (older); NONE at the head and for slots not in the queue. */
  private readonly prev: Int32Array;
  /** Toward the tail (newer); NONE at the tail and for slots not in the queue. */
  private readonly next: Int32Array;
  /** Oldest insertion: the next victim. */
  private head = NONE;
  /** Newest insertion. */
  private tail = NONE;

  constructor(capacity: number) {
    this.prev = new Int32Array(capacity).fill(NONE);
    this.next = new Int32Array(capacity).fill(NONE);
  }

  onHit(): void {}

  onInsert(slot: number): void {
    const tail = this.tail;
    this.prev[slot] = tail;
    this.next[slot] = NONE;
    if (tail === NONE) this.head = slot;
    else this.next[tail] = slot;
    this.tail = slot;
  }

  peekVictim(): number {
    return this.head;
  }

  evict(_incoming: Access): number {
    const victim = this.head;
    if (victim === NONE) throw new Error("fifo: evict with nothing resident");
    this.unlink(victim);
    return victim;
  }

  remove(slot: number): void {
    if (this.prev[slot] === NONE && this.head !== slot) return; // not queued
    this.unlink(slot);
  }

  private unlink(slot: number): void {
    const before = this.prev[slot] as number;
    const after = this.next[slot] as number;
    if (before === NONE) this.head = after;
    else this.next[before] = after;
    if (after === NONE) this.tail = before;
    else this.prev[after] = before;
    this.prev[slot] = NONE;
    this.next[slot] = NONE;
  }
}

export const definition: PolicyDefinition = {
  name: "fifo",
  title: "First in, first out: evict the key loaded earliest",
  description:
    "Keeps keys in the order they were loaded and evicts the oldest; hits change nothing. " +
    "No ties: every key has its own load time. Shows Belady's anomaly.",
  params: {},
  needsFuture: false,
  create: (context: PolicyContext) => new FifoPolicy(context.capacity),
};
