/**
 * MRU: evict the key referenced most recently. Bad for most workloads, but the best simple
 * policy for a loop over more pages than fit (LRU and FIFO miss on every reference there).
 *
 * The same doubly-linked recency list as LRU (Int32Arrays over slots), evicting from the other
 * end. With evict-then-insert, the victim is the key of the previous reference when it is still
 * resident.
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import type { PolicyDefinition } from "../registry.js";

const NONE = -1;

class MruPolicy implements ReplacementPolicy {
  /** Toward the head (less recent); NONE at the head and for slots not in the list. */
  private readonly prev: Int32Array;
  /** Toward the tail (more recent); NONE at the tail and for slots not in the list. */
  private readonly next: Int32Array;
  /** Least recently used. */
  private head = NONE;
  /** Most recently used: the next victim. */
  private tail = NONE;

  constructor(capacity: number) {
    this.prev = new Int32Array(capacity).fill(NONE);
    this.next = new Int32Array(capacity).fill(NONE);
  }

  onHit(slot: number): void {
    if (slot === this.tail) return;
    this.unlink(slot);
    this.append(slot);
  }

  onInsert(slot: number): void {
    this.append(slot);
  }

  peekVictim(): number {
    return this.tail;
  }

  evict(_incoming: Access): number {
    const victim = this.tail;
    if (victim === NONE) throw new Error("mru: evict with nothing resident");
    this.unlink(victim);
    return victim;
  }

  remove(slot: number): void {
    if (this.prev[slot] === NONE && this.head !== slot) return; // not in the list
    this.unlink(slot);
  }

  private append(slot: number): void {
    const tail = this.tail;
    this.prev[slot] = tail;
    this.next[slot] = NONE;
    if (tail === NONE) this.head = slot;
    else this.next[tail] = slot;
    this.tail = slot;
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
  name: "mru",
  title: "Most recently used: evict the key referenced last",
  description:
    "Keeps keys in order of their last reference and evicts the most recent. No ties: every " +
    "reference has its own time. Good only for loops larger than memory.",
  params: {},
  needsFuture: false,
  create: (context: PolicyContext) => new MruPolicy(context.capacity),
};
