/**
 * ARC, the Adaptive Replacement Cache (Megiddo & Modha, "ARC: A Self-Tuning, Low Overhead
 * Replacement Cache", FAST 2003, Fig. 4), for a cache of c slots:
 *
 * - T1 (seen once recently) and T2 (seen at least twice) hold the resident keys, each an LRU list;
 * - B1 and B2 are their ghosts: keys recently evicted from T1 and T2 (keys only, no slots);
 * - p, the target size of T1, adapts: a hit in B1 means T1 was too small (p grows by
 *   max(1, |B2|/|B1|)), a hit in B2 means T2 was too small (p shrinks by max(1, |B1|/|B2|)).
 *   p is a real number, as in the paper (the ratios are not rounded), clamped to [0, c]. On
 *   zipf1.0 (10 M references, 7,634 and 76,341 frames) this reproduces libCacheSim's ARC miss
 *   counts exactly; rounding the ratios down does not.
 *
 * On a hit (case I) the key moves to the MRU end of T2. On a miss found in B1 or B2 (cases II,
 * III) p adapts, REPLACE evicts, and the key enters T2. On a miss in no list (case IV): when
 * |T1| + |B1| = c, the LRU of B1 is forgotten and REPLACE evicts, or, if T1 alone holds c keys,
 * the LRU of T1 is evicted without a ghost; otherwise, when the four lists hold 2c keys, the LRU
 * of B2 is forgotten, and REPLACE evicts. The key enters T1.
 *
 * REPLACE(x, p): evict the LRU of T1 into B1 when T1 is not empty and (|T1| > p, or x is in B2
 * and |T1| = p: the paper's tie rule); otherwise evict the LRU of T2 into B2.
 *
 * Container contract: `evict(incoming)` looks the incoming key up in B1/B2 and performs the whole
 * of cases II-IV (adapting p, forgetting ghost entries); `onInsert` then places the key in T1 or
 * T2. When the container inserts without evicting (a free slot, e.g. after `remove`), `onInsert`
 * does the ghost lookup and the adaptation itself, with no REPLACE (there is room).
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import { KeyQueue } from "../queues/key_queue.js";
import { NONE, SlotLists } from "../queues/slot_lists.js";
import type { PolicyDefinition } from "../registry.js";

const T1 = 0;
const T2 = 1;

export class ArcPolicy implements ReplacementPolicy {
  /** T1 and T2, MRU at the head, LRU at the tail. */
  readonly lists: SlotLists;
  /** Ghosts of T1 and T2, MRU at the head. */
  readonly b1: KeyQueue;
  readonly b2: KeyQueue;
  /** Target size of T1. */
  p = 0;
  private readonly capacity: number;
  private readonly slotKeyHigh: Uint32Array;
  private readonly slotKeyLow: Uint32Array;
  /** What `evict` decided for the key about to be inserted: the list it enters. */
  private pendingList = NONE;
  private pendingHigh = 0;
  private pendingLow = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.lists = new SlotLists(capacity, 2);
    // |B1| + |B2| <= c at all times (the directory holds at most 2c keys, c of them resident).
    this.b1 = new KeyQueue(capacity);
    this.b2 = new KeyQueue(capacity);
    this.slotKeyHigh = new Uint32Array(capacity);
    this.slotKeyLow = new Uint32Array(capacity);
  }

  onHit(slot: number): void {
    this.lists.moveToHead(T2, slot);
  }

  onInsert(slot: number, access: Access): void {
    const high = access.keyHigh;
    const low = access.keyLow;
    this.slotKeyHigh[slot] = high;
    this.slotKeyLow[slot] = low;
    let list = this.pendingList;
    if (list === NONE || this.pendingHigh !== high || this.pendingLow !== low) {
      list = this.admitWithRoom(high, low);
    }
    this.pendingList = NONE;
    this.lists.pushHead(list, slot);
  }

  peekVictim(incoming: Access): number {
    const lists = this.lists;
    const high = incoming.keyHigh;
    const low = incoming.keyLow;
    if (this.b1.has(high, low)) {
      return this.replaceVictim(this.adaptedUp(this.b1.size, this.b2.size), false);
    }
    if (this.b2.has(high, low)) {
      return this.replaceVictim(this.adaptedDown(this.b1.size, this.b2.size), true);
    }
    const t1 = lists.size(T1);
    if (t1 + this.b1.size >= this.capacity && t1 >= this.capacity) return lists.tail(T1);
    return this.replaceVictim(this.p, false);
  }

  evict(incoming: Access): number {
    const lists = this.lists;
    const high = incoming.keyHigh;
    const low = incoming.keyLow;
    this.pendingHigh = high;
    this.pendingLow = low;
    this.pendingList = T2;
    // Case II: x in B1 (the sizes before x leaves B1 set the step).
    if (this.b1.remove(high, low)) {
      this.p = this.adaptedUp(this.b1.size + 1, this.b2.size);
      return this.replace(false);
    }
    // Case III: x in B2.
    if (this.b2.remove(high, low)) {
      this.p = this.adaptedDown(this.b1.size, this.b2.size + 1);
      return this.replace(true);
    }
    // Case IV: x in no list.
    this.pendingList = T1;
    const c = this.capacity;
    const t1 = lists.size(T1);
    if (t1 + this.b1.size >= c) {
      // A: L1 = T1 + B1 holds c keys.
      if (t1 < c) {
        this.b1.dropTail();
        return this.replace(false);
      }
      const victim = lists.tail(T1);
      lists.unlink(victim);
      return victim;
    }
    // B: L1 holds fewer than c keys.
    if (t1 + lists.size(T2) + this.b1.size + this.b2.size >= 2 * c) this.b2.dropTail();
    return this.replace(false);
  }

  remove(slot: number): void {
    this.lists.unlink(slot);
  }

  /** p after a hit in B1 (case II), from the ghost sizes with the hit key still in B1. */
  private adaptedUp(b1: number, b2: number): number {
    const delta = b1 >= b2 ? 1 : b2 / b1;
    return Math.min(this.p + delta, this.capacity);
  }

  /** p after a hit in B2 (case III), from the ghost sizes with the hit key still in B2. */
  private adaptedDown(b1: number, b2: number): number {
    const delta = b2 >= b1 ? 1 : b1 / b2;
    return Math.max(this.p - delta, 0);
  }

  /** The list REPLACE(x, p) takes its victim from. */
  private replaceList(p: number, inB2: boolean): number {
    const t1 = this.lists.size(T1);
    let list = t1 > 0 && (t1 > p || (inB2 && t1 === p)) ? T1 : T2;
    // Defensive: only reachable when `remove` has unbalanced the lists.
    if (this.lists.size(list) === 0) list = list === T1 ? T2 : T1;
    return list;
  }

  private replaceVictim(p: number, inB2: boolean): number {
    return this.lists.tail(this.replaceList(p, inB2));
  }

  /** REPLACE(x, p): evict the LRU of T1 into B1 or the LRU of T2 into B2. */
  private replace(inB2: boolean): number {
    const list = this.replaceList(this.p, inB2);
    const victim = this.lists.tail(list);
    this.lists.unlink(victim);
    const ghost = list === T1 ? this.b1 : this.b2;
    ghost.pushHead(this.slotKeyHigh[victim] as number, this.slotKeyLow[victim] as number);
    return victim;
  }

  /** Cases II-IV when a slot is free (no eviction): returns the list the key enters. */
  private admitWithRoom(high: number, low: number): number {
    if (this.b1.remove(high, low)) {
      this.p = this.adaptedUp(this.b1.size + 1, this.b2.size);
      return T2;
    }
    if (this.b2.remove(high, low)) {
      this.p = this.adaptedDown(this.b1.size, this.b2.size + 1);
      return T2;
    }
    const c = this.capacity;
    const lists = this.lists;
    const t1 = lists.size(T1);
    if (t1 + this.b1.size >= c) this.b1.dropTail();
    else if (t1 + lists.size(T2) + this.b1.size + this.b2.size >= 2 * c) this.b2.dropTail();
    return T1;
  }
}

export const definition: PolicyDefinition = {
  name: "arc",
  title: "ARC: adaptive split between recency (T1) and frequency (T2) lists, with ghosts",
  description:
    "Megiddo & Modha's ARC (FAST 2003), exactly the paper's algorithm: resident LRU lists T1 " +
    "(seen once) and T2 (seen twice or more), ghost lists B1 and B2 of evicted keys (c each), " +
    "and a target p for |T1| that grows by max(1, |B2|/|B1|) on a B1 hit and shrinks by " +
    "max(1, |B1|/|B2|) on a B2 hit (real-valued, not rounded). REPLACE evicts T1's LRU when " +
    "|T1| > p, or when |T1| = p and the missing key is in B2 (the tie rule); otherwise T2's LRU. " +
    "Within a list the least recently used goes first, so there are no other ties.",
  params: {},
  needsFuture: false,
  create: (context: PolicyContext) => new ArcPolicy(context.capacity),
};
