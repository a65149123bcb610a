/**
 * SIEVE (Zhang, Yang, Yue, Vigfusson, Rashmi, "SIEVE is Simpler than LRU: an Efficient Turn-Key
 * Eviction Algorithm for Web Caches", NSDI 2024).
 *
 * One FIFO queue of resident keys, newest at the head, each with a visited bit (set by a hit,
 * clear on insertion). A hand points into the queue; it starts at the tail. To evict, the hand
 * walks from its position toward the head, clearing the visited bits it passes; the first key
 * whose bit is already clear is evicted, and the hand stays at that key's newer neighbour. When
 * the hand passes the head it wraps to the tail. New keys are always inserted at the head, so
 * unlike CLOCK a surviving key keeps its place: SIEVE never moves keys, it only sieves them.
 *
 * If every key is visited, the hand clears them all in one lap and evicts the key it started at.
 */
import type { PolicyContext, ReplacementPolicy } from "../policy.js";
import { NONE, SlotLists } from "../queues/slot_lists.js";
import type { PolicyDefinition } from "../registry.js";

const QUEUE = 0;

export class SievePolicy implements ReplacementPolicy {
  /** The queue, newest at the head. */
  readonly queue: SlotLists;
  readonly visited: Uint8Array;
  /** The next key the hand examines; NONE means the tail. */
  hand = NONE;

  constructor(capacity: number) {
    this.queue = new SlotLists(capacity, 1);
    this.visited = new Uint8Array(capacity);
  }

  onHit(slot: number): void {
    this.visited[slot] = 1;
  }

  onInsert(slot: number): void {
    this.visited[slot] = 0;
    this.queue.pushHead(QUEUE, slot);
  }

  peekVictim(): number {
    const start = this.start();
    const newer = this.queue.newer;
    let slot = start;
    do {
      if (this.visited[slot] === 0) return slot;
      slot = newer[slot] as number;
      if (slot === NONE) slot = this.queue.tail(QUEUE);
    } while (slot !== start);
    return start;
  }

  evict(): number {
    const newer = this.queue.newer;
    const visited = this.visited;
    let slot = this.start();
    while (visited[slot] !== 0) {
      visited[slot] = 0;
      slot = newer[slot] as number;
      if (slot === NONE) slot = this.queue.tail(QUEUE);
    }
    this.hand = newer[slot] as number;
    this.queue.unlink(slot);
    return slot;
  }

  remove(slot: number): void {
    if (this.queue.listOf(slot) === NONE) return;
    if (this.hand === slot) this.hand = this.queue.newer[slot] as number;
    this.queue.unlink(slot);
  }

  private start(): number {
    return this.hand === NONE ? this.queue.tail(QUEUE) : this.hand;
  }
}

export const definition: PolicyDefinition = {
  name: "sieve",
  title: "SIEVE: FIFO queue with visited bits and a hand that stays where it stopped",
  description:
    "Zhang et al.'s SIEVE (NSDI 2024). Keys sit in insertion order, newest at the head, with a " +
    "visited bit set by hits. The hand moves from the tail toward the head, clearing visited " +
    "bits, and evicts the first unvisited key; it stays at that key's newer neighbour for the " +
    "next eviction and wraps from the head to the tail. New keys go to the head, unvisited. " +
    "When every key is visited, one lap clears them all and the key the hand started at goes.",
  params: {},
  needsFuture: false,
  create: (context: PolicyContext) => new SievePolicy(context.capacity),
};
