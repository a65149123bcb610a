/**
 * Second chance: FIFO with a reference bit. A new key goes to the tail unreferenced; a hit sets
 * its bit. To evict, a referenced key at the head moves to the tail with its bit cleared (its
 * second chance), until the head is unreferenced; that one is the victim. If every key is
 * referenced, one full round clears them all and the original head goes.
 *
 * This is the 1-bit `clock` written as a list instead of a dial, and evicts the same keys as
 * `clock:bits=1` whenever slots are freed only by eviction (the trace simulator's case; the test
 * checks it). After `remove()` the list keeps load order for the next key, where the dial puts
 * it in the freed slot's place.
 *
 * Doubly-linked list in Int32Arrays; eviction is O(1) amortized (each pass over a key is paid
 * for by the hit that set its bit).
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import type { PolicyDefinition } from "../registry.js";

const NONE = -1;

class SecondChancePolicy implements ReplacementPolicy {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  /** Reference bit per slot. */
  private readonly referenced: Uint8Array;
  /** Next to be considered for eviction. */
  private head = NONE;
  /** Last loaded or last given a second chance. */
  private tail = NONE;

  constructor(capacity: number) {
    this.prev = new Int32Array(capacity).fill(NONE);
    this.next = new Int32Array(capacity).fill(NONE);
    this.referenced = new Uint8Array(capacity);
  }

  onHit(slot: number): void {
    this.referenced[slot] = 1;
  }

  onInsert(slot: number): void {
    this.referenced[slot] = 0;
    this.append(slot);
  }

  /** The first unreferenced key from the head; if all are referenced, the head. */
  peekVictim(): number {
    let slot = this.head;
    while (slot !== NONE) {
      if (this.referenced[slot] === 0) return slot;
      slot = this.next[slot] as number;
    }
    return this.head;
  }

  evict(_incoming: Access): number {
    if (this.head === NONE) throw new Error("second-chance: evict with nothing resident");
    const referenced = this.referenced;
    for (;;) {
      const head = this.head;
      if (referenced[head] === 0) {
        this.unlink(head);
        return head;
      }
      referenced[head] = 0;
      if (head !== this.tail) {
        this.unlink(head);
        this.append(head);
      }
    }
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
