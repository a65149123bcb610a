/**
 * MRU: evict the key referenced most recently. Bad for most workloads, but the best simple
 * policy for a loop over more pages than fit (LRU and FIFO miss on every reference there).
 *
 * A recency list (SlotLists: most recent at the head), evicting from the head where LRU evicts
 * from the tail. With evict-then-insert, the victim is the key of the previous reference when it
 * is still resident.
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import { SlotLists } from "../queues/slot_lists.js";
import type { PolicyDefinition } from "../registry.js";

const RECENCY = 0;

class MruPolicy implements ReplacementPolicy {
  private readonly recency: SlotLists;

  constructor(capacity: number) {
    this.recency = new SlotLists(capacity, 1);
  }

  onHit(slot: number): void {
    this.recency.moveToHead(RECENCY, slot);
  }

  onInsert(slot: number): void {
    this.recency.pushHead(RECENCY, slot);
  }

  peekVictim(): number {
    return this.recency.head(RECENCY);
  }

  evict(_incoming: Access): number {
    const victim = this.recency.head(RECENCY);
    if (victim < 0) throw new Error("mru: evict with nothing resident");
    this.recency.unlink(victim);
    return victim;
  }

  remove(slot: number): void {
    this.recency.unlink(slot);
  }
}

export const definition: PolicyDefinition = {
  name: "mru",
  title: "Most recently used: evict the key referenced last",
  description:
    "Keeps keys in order of their last reference and evicts the most recent. No ties: every " +
    "reference has its own time. Good only for loops larger than memory.",
  params: {},
  needsFuture: false,
  create: (context: PolicyContext) => new MruPolicy(context.capacity),
};
