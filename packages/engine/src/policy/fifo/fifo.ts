/**
 * FIFO: evict the key that was inserted first. Hits change nothing, which is what makes FIFO
 * show Belady's anomaly (more frames can mean more misses: 1,2,3,4,1,2,5,1,2,3,4,5 misses 9
 * times with 3 frames and 10 times with 4).
 *
 * The queue is one SlotLists list (a doubly-linked list over slots in typed arrays), so `remove`
 * of a slot in the middle is O(1) too; nothing is allocated per access.
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import { SlotLists } from "../queues/slot_lists.js";
import type { PolicyDefinition } from "../registry.js";

/** The one list: newest insertion at the head, the oldest (the next victim) at the tail. */
const QUEUE = 0;

class FifoPolicy implements ReplacementPolicy {
  private readonly queue: SlotLists;

  constructor(capacity: number) {
    this.queue = new SlotLists(capacity, 1);
  }

  onHit(): void {}

  onInsert(slot: number): void {
    this.queue.pushHead(QUEUE, slot);
  }

  peekVictim(): number {
    return this.queue.tail(QUEUE);
  }

  evict(_incoming: Access): number {
    const victim = this.queue.tail(QUEUE);
    if (victim < 0) throw new Error("fifo: evict with nothing resident");
    this.queue.unlink(victim);
    return victim;
  }

  remove(slot: number): void {
    this.queue.unlink(slot);
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
