/**
 * Second chance: FIFO with a reference bit. A new key joins the back of the queue unreferenced; a
 * hit sets its bit. To evict, a referenced key at the front goes to the back with its bit cleared
 * (its second chance), until the front is unreferenced; that one is the victim. If every key is
 * referenced, one full round clears them all and the original front goes.
 *
 * This is the 1-bit `clock` written as a list instead of a dial, and evicts the same keys as
 * `clock:bits=1` whenever slots are freed only by eviction (the trace simulator's case; the test
 * checks it). After `remove()` the list keeps load order for the next key, where the dial puts
 * it in the freed slot's place.
 *
 * The queue is one SlotLists list: its head is the back of the queue, its tail the front.
 * Eviction is O(1) amortized (each pass over a key is paid for by the hit that set its bit).
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import { NONE, SlotLists } from "../queues/slot_lists.js";
import type { PolicyDefinition } from "../registry.js";

const QUEUE = 0;

class SecondChancePolicy implements ReplacementPolicy {
  /** Load order; a referenced key given its second chance goes back to the head. */
  private readonly queue: SlotLists;
  /** Reference bit per slot. */
  private readonly referenced: Uint8Array;

  constructor(capacity: number) {
    this.queue = new SlotLists(capacity, 1);
    this.referenced = new Uint8Array(capacity);
  }

  onHit(slot: number): void {
    this.referenced[slot] = 1;
  }

  onInsert(slot: number): void {
    this.referenced[slot] = 0;
    this.queue.pushHead(QUEUE, slot);
  }

  /** The first unreferenced key from the tail; if all are referenced, the tail. */
  peekVictim(): number {
    const queue = this.queue;
    for (let slot = queue.tail(QUEUE); slot !== NONE; slot = queue.newer[slot] as number) {
      if (this.referenced[slot] === 0) return slot;
    }
    return queue.tail(QUEUE);
  }

  evict(_incoming: Access): number {
    const queue = this.queue;
    if (queue.tail(QUEUE) === NONE) throw new Error("second-chance: evict with nothing resident");
    const referenced = this.referenced;
    for (;;) {
      const oldest = queue.tail(QUEUE);
      if (referenced[oldest] === 0) {
        queue.unlink(oldest);
        return oldest;
      }
      referenced[oldest] = 0;
      queue.moveToHead(QUEUE, oldest);
    }
  }

  remove(slot: number): void {
    this.queue.unlink(slot);
  }
}

export const definition: PolicyDefinition = {
  name: "second-chance",
  title: "Second chance: FIFO that re-queues referenced keys with the bit cleared",
  description:
    "FIFO list with a reference bit: a new key starts unreferenced, a hit sets the bit. The head " +
    "is evicted if unreferenced, otherwise it moves to the tail with the bit cleared. No ties. " +
    "Evicts the same keys as clock:bits=1 (the same algorithm as a list instead of a dial).",
  params: {},
  needsFuture: false,
  create: (context: PolicyContext) => new SecondChancePolicy(context.capacity),
};
