/**
 * Several doubly-linked lists over the slots 0..capacity-1, in typed arrays: the building block
 * of the policies that keep more than one queue of resident pages (ARC's T1 and T2, 2Q's A1in and
 * Am, S3-FIFO's small and main queues, Linux's inactive and active lists).
 *
 * A slot is on at most one list at a time. Every list has a head (where `pushHead` puts the newest
 * entry) and a tail (the oldest end, where LRU and FIFO victims come from). All operations are
 * O(1) and allocate nothing.
 *
 * @example
 * const lists = new SlotLists(4, 2);
 * lists.pushHead(0, 2);
 * lists.pushHead(0, 3); // list 0, head to tail: 3, 2
 * lists.tail(0);        // 2
 * lists.moveToHead(1, 2);
 * lists.size(0);        // 1
 */
export const NONE = -1;

export class SlotLists {
  /** Neighbour toward the head (newer), or NONE. */
  readonly newer: Int32Array;
  /** Neighbour toward the tail (older), or NONE. */
  readonly older: Int32Array;
  /** The list each slot is on, or NONE. */
  readonly owner: Int8Array;
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private readonly sizes: Int32Array;

  constructor(capacity: number, lists: number) {
    if (lists < 1 || lists > 127) throw new RangeError(`lists must be 1..127, not ${lists}`);
    this.newer = new Int32Array(capacity).fill(NONE);
    this.older = new Int32Array(capacity).fill(NONE);
    this.owner = new Int8Array(capacity).fill(NONE);
    this.heads = new Int32Array(lists).fill(NONE);
    this.tails = new Int32Array(lists).fill(NONE);
    this.sizes = new Int32Array(lists);
  }

  /** The newest slot of `list`, or NONE when it is empty. */
  head(list: number): number {
    return this.heads[list] as number;
  }

  /** The oldest slot of `list`, or NONE when it is empty. */
  tail(list: number): number {
    return this.tails[list] as number;
  }

  size(list: number): number {
    return this.sizes[list] as number;
  }

  /** The list `slot` is on, or NONE. */
  listOf(slot: number): number {
    return this.owner[slot] as number;
  }

  /** Put a slot that is on no list at the head of `list`. */
  pushHead(list: number, slot: number): void {
    const head = this.heads[list] as number;
    this.older[slot] = head;
    this.newer[slot] = NONE;
    if (head === NONE) this.tails[list] = slot;
    else this.newer[head] = slot;
    this.heads[list] = slot;
    this.owner[slot] = list;
    this.sizes[list] = (this.sizes[list] as number) + 1;
  }

  /** Take `slot` off its list (no effect when it is on none). */
  unlink(slot: number): void {
    const list = this.owner[slot] as number;
    if (list === NONE) return;
    const newer = this.newer[slot] as number;
    const older = this.older[slot] as number;
    if (newer === NONE) this.heads[list] = older;
    else this.older[newer] = older;
    if (older === NONE) this.tails[list] = newer;
    else this.newer[older] = newer;
    this.newer[slot] = NONE;
    this.older[slot] = NONE;
    this.owner[slot] = NONE;
    this.sizes[list] = (this.sizes[list] as number) - 1;
  }

  /** Move `slot` (on any list or none) to the head of `list`. */
  moveToHead(list: number, slot: number): void {
    if (this.owner[slot] === list && this.heads[list] === slot) return;
    this.unlink(slot);
    this.pushHead(list, slot);
  }

  /** The slots of `list` from head to tail (allocates: for tests and views, not the hot path). */
  toArray(list: number): number[] {
    const slots: number[] = [];
    for (let slot = this.head(list); slot !== NONE; slot = this.older[slot] as number) {
      slots.push(slot);
    }
    return slots;
  }
}
