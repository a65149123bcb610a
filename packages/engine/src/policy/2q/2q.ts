/**
 * 2Q, the full version (Johnson & Shasha, "2Q: A Low Overhead High Performance Buffer Management
 * Replacement Algorithm", VLDB 1994, section 2.2), for a cache of c slots:
 *
 * - A1in: a FIFO of keys seen once, resident; its target size Kin = floor(c × kin / 100);
 * - A1out: a FIFO of keys evicted from A1in (ghosts: keys only), at most Kout = floor(c × kout / 100);
 * - Am: an LRU list of resident keys referenced again after they left A1in.
 *
 * A hit in Am moves the key to Am's MRU end; a hit in A1in changes nothing (correlated references
 * stay in the FIFO). A miss on a key in A1out is admitted to Am; any other miss to A1in.
 * Reclaiming a slot ("reclaimfor" in the paper): when |A1in| > Kin, the oldest of A1in is evicted
 * and its key becomes the newest of A1out (the oldest of A1out is forgotten beyond Kout);
 * otherwise the LRU of Am is evicted (its key is not remembered). When Am is empty the A1in tail
 * is taken even though |A1in| <= Kin (only possible with kin = 100).
 *
 * As in libCacheSim's TwoQ, a key found in A1out leaves it when it is referenced (before the
 * eviction that makes room for it), so that eviction never pushes it out of A1out first.
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import { KeyQueue } from "../queues/key_queue.js";
import { NONE, SlotLists } from "../queues/slot_lists.js";
import type { PolicyDefinition } from "../registry.js";

const A1IN = 0;
const AM = 1;

export class TwoQPolicy implements ReplacementPolicy {
  /** A1in (FIFO) and Am (LRU), newest / most recent at the head. */
  readonly lists: SlotLists;
  /** A1out, newest at the head. */
  readonly a1out: KeyQueue;
  readonly kin: number;
  private readonly slotKeyHigh: Uint32Array;
  private readonly slotKeyLow: Uint32Array;
  /** The list `evict` chose for the incoming key (Am when it was in A1out), or NONE. */
  private pendingList = NONE;
  private pendingHigh = 0;
  private pendingLow = 0;

  constructor(capacity: number, kinPercent: number, koutPercent: number) {
    this.lists = new SlotLists(capacity, 2);
    this.kin = Math.floor((capacity * kinPercent) / 100);
    this.a1out = new KeyQueue(Math.floor((capacity * koutPercent) / 100));
    this.slotKeyHigh = new Uint32Array(capacity);
    this.slotKeyLow = new Uint32Array(capacity);
  }

  onHit(slot: number): void {
    if (this.lists.listOf(slot) === AM) this.lists.moveToHead(AM, slot);
  }

  onInsert(slot: number, access: Access): void {
    const high = access.keyHigh;
    const low = access.keyLow;
    this.slotKeyHigh[slot] = high;
    this.slotKeyLow[slot] = low;
    let list = this.pendingList;
    if (list === NONE || this.pendingHigh !== high || this.pendingLow !== low) {
      list = this.a1out.remove(high, low) ? AM : A1IN;
    }
    this.pendingList = NONE;
    this.lists.pushHead(list, slot);
  }

  peekVictim(): number {
    return this.lists.tail(this.victimList());
  }

  evict(incoming: Access): number {
    this.pendingHigh = incoming.keyHigh;
    this.pendingLow = incoming.keyLow;
    this.pendingList = this.a1out.remove(incoming.keyHigh, incoming.keyLow) ? AM : A1IN;
    const list = this.victimList();
    const victim = this.lists.tail(list);
    this.lists.unlink(victim);
    if (list === A1IN) {
      this.a1out.pushHead(this.slotKeyHigh[victim] as number, this.slotKeyLow[victim] as number);
    }
    return victim;
  }

  remove(slot: number): void {
    this.lists.unlink(slot);
  }

  private victimList(): number {
    const a1in = this.lists.size(A1IN);
    if (a1in > this.kin || this.lists.size(AM) === 0) return a1in > 0 ? A1IN : AM;
    return AM;
  }
}

export const definition: PolicyDefinition = {
  name: "2q",
  title: "2Q (full version): FIFO A1in, ghost FIFO A1out, LRU Am",
  description:
    "Johnson & Shasha's full 2Q (VLDB 1994). New keys enter the FIFO A1in; a key evicted from " +
    "A1in is remembered in the ghost FIFO A1out; a miss on a remembered key enters the LRU Am. " +
    "A1in is evicted (oldest first) while it holds more than kin% of the frames, else Am " +
    "(least recent first; not remembered). Hits in A1in change nothing. Sizes are percentages " +
    "of the frame count, rounded down: Kin = floor(c*kin/100), Kout = floor(c*kout/100). " +
    "Defaults are the paper's (and libCacheSim's): 25% and 50%.",
  params: {
    kin: {
      description: "A1in's target size, percent of the frames (paper: 25)",
      default: "25",
      min: 0,
      max: 100,
    },
    kout: {
      description: "A1out's size (ghost keys), percent of the frames (paper: 50)",
      default: "50",
      min: 0,
      max: 300,
    },
  },
  needsFuture: false,
  create: (context: PolicyContext, params) =>
    new TwoQPolicy(context.capacity, params.kin ?? 25, params.kout ?? 50),
};
