/**
 * S3-FIFO (Yang, Zhang, Qiu, Yue, Vinayak, "FIFO queues are all you need for cache eviction",
 * SOSP 2023), for a cache of c slots, following the paper's Algorithm 1 and libCacheSim's S3FIFO:
 *
 * - small: a FIFO for new keys, target size S = max(1, floor(c × small / 100));
 * - main: a FIFO with reinsertion ("2-bit clock") for the rest, target M = c − S;
 * - ghost: a FIFO of keys evicted from small (keys only), G = floor(c × (100 − small) / 100)
 *   entries: main's share rounded down, so G = M or M − 1. libCacheSim sizes its ghost as
 *   floor(0.9 × c) independently of M; with the default small = 10 this is the same number, and
 *   it is what makes the miss counts agree exactly.
 *
 * Every resident key has a frequency counter, 0 on insertion, +1 per hit, capped at 3 (two bits).
 * A miss on a key in the ghost inserts it into main (and forgets the ghost entry); any other miss
 * inserts into small.
 *
 * Eviction (one slot per call): from main when main holds more than M keys or small is empty,
 * otherwise from small.
 * - From small, oldest first: a key with freq >= `threshold` moves to main's head with its
 *   counter cleared (main may exceed M until the next eviction); the first key below the threshold
 *   is evicted and its key becomes the newest ghost. If every key of small moves, main evicts.
 * - From main, oldest first: a key with freq > 0 is reinserted at the head with freq − 1; the first
 *   key with freq 0 is evicted (no ghost).
 *
 * The move-to-main test: libCacheSim's default `move-to-main-threshold` is 2 (freq >= 2, i.e. the
 * `freq > 1` of the paper's pseudo-code), so `threshold` defaults to 2: a key needs two hits while
 * in small. `threshold=1` is the "accessed at least once" reading that other implementations use.
 * On zipf1.0 (10 M references) 2 reproduces libCacheSim's miss counts exactly; 1 does not.
 *
 * Not modelled: libCacheSim's current S3FIFO.c also sends new keys to main while small is full
 * before the cache's first eviction (its "S3FIFOv0" does not); here they always go to small, as in
 * the paper. This only changes the warm-up.
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import { KeyQueue } from "../queues/key_queue.js";
import { NONE, SlotLists } from "../queues/slot_lists.js";
import type { PolicyDefinition } from "../registry.js";

const SMALL = 0;
const MAIN = 1;
const MAX_FREQ = 3;

export class S3FifoPolicy implements ReplacementPolicy {
  /** small and main, newest at the head. */
  readonly lists: SlotLists;
  readonly ghost: KeyQueue;
  /** Per-slot frequency, 0..3. */
  readonly freq: Uint8Array;
  readonly smallTarget: number;
  readonly mainTarget: number;
  private readonly threshold: number;
  private readonly slotKeyHigh: Uint32Array;
  private readonly slotKeyLow: Uint32Array;
  /** The queue `evict` chose for the incoming key (main when it was a ghost), or NONE. */
  private pendingList = NONE;
  private pendingHigh = 0;
  private pendingLow = 0;

  constructor(capacity: number, smallPercent: number, threshold: number) {
    this.lists = new SlotLists(capacity, 2);
    this.freq = new Uint8Array(capacity);
    this.smallTarget = Math.min(capacity, Math.max(1, Math.floor((capacity * smallPercent) / 100)));
    this.mainTarget = capacity - this.smallTarget;
    this.ghost = new KeyQueue(Math.floor((capacity * (100 - smallPercent)) / 100));
    this.threshold = threshold;
    this.slotKeyHigh = new Uint32Array(capacity);
    this.slotKeyLow = new Uint32Array(capacity);
  }

  onHit(slot: number): void {
    const freq = this.freq[slot] as number;
    if (freq < MAX_FREQ) this.freq[slot] = freq + 1;
  }

  onInsert(slot: number, access: Access): void {
    const high = access.keyHigh;
    const low = access.keyLow;
    this.slotKeyHigh[slot] = high;
    this.slotKeyLow[slot] = low;
    let list = this.pendingList;
    if (list === NONE || this.pendingHigh !== high || this.pendingLow !== low) {
      list = this.ghost.remove(high, low) ? MAIN : SMALL;
    }
    this.pendingList = NONE;
    this.freq[slot] = 0;
    this.lists.pushHead(list, slot);
  }

  peekVictim(): number {
    const lists = this.lists;
    const newer = lists.newer;
    const freq = this.freq;
    let firstMoved = NONE;
    if (!this.evictsFromMain()) {
      for (let slot = lists.tail(SMALL); slot !== NONE; slot = newer[slot] as number) {
        if ((freq[slot] as number) < this.threshold) return slot;
        if (firstMoved === NONE) firstMoved = slot;
      }
    }
    // Main's sweep: pass k sees every counter lowered by k, so the victim is the oldest key with
    // freq 0 if any; else a key just moved from small (counter cleared, behind every old key);
    // else the oldest key with the smallest counter.
    let oldestMin = NONE;
    let min = MAX_FREQ + 1;
    for (let slot = lists.tail(MAIN); slot !== NONE; slot = newer[slot] as number) {
      const value = freq[slot] as number;
      if (value === 0) return slot;
      if (value < min) {
        min = value;
        oldestMin = slot;
      }
    }
    return firstMoved !== NONE ? firstMoved : oldestMin;
  }

  evict(incoming: Access): number {
    this.pendingHigh = incoming.keyHigh;
    this.pendingLow = incoming.keyLow;
    this.pendingList = this.ghost.remove(incoming.keyHigh, incoming.keyLow) ? MAIN : SMALL;
    if (!this.evictsFromMain()) {
      const victim = this.evictSmall();
      if (victim !== NONE) return victim;
    }
    return this.evictMain();
  }

  remove(slot: number): void {
    this.lists.unlink(slot);
  }

  private evictsFromMain(): boolean {
    return this.lists.size(MAIN) > this.mainTarget || this.lists.size(SMALL) === 0;
  }

  /** The first key of small below the threshold, or NONE if every key moved to main. */
  private evictSmall(): number {
    const lists = this.lists;
    const freq = this.freq;
    for (let slot = lists.tail(SMALL); slot !== NONE; slot = lists.tail(SMALL)) {
      if ((freq[slot] as number) >= this.threshold) {
        freq[slot] = 0;
        lists.moveToHead(MAIN, slot);
      } else {
        lists.unlink(slot);
        this.ghost.pushHead(this.slotKeyHigh[slot] as number, this.slotKeyLow[slot] as number);
        return slot;
      }
    }
    return NONE;
  }

  private evictMain(): number {
    const lists = this.lists;
    const freq = this.freq;
    for (let slot = lists.tail(MAIN); slot !== NONE; slot = lists.tail(MAIN)) {
      const value = freq[slot] as number;
      if (value === 0) {
        lists.unlink(slot);
        return slot;
      }
      freq[slot] = value - 1;
      lists.moveToHead(MAIN, slot);
    }
    throw new Error("s3fifo: evict with nothing resident");
  }
}

export const definition: PolicyDefinition = {
  name: "s3fifo",
  title: "S3-FIFO: small FIFO filter, main FIFO with 2-bit reinsertion, ghost FIFO",
  description:
    "Yang et al.'s S3-FIFO (SOSP 2023), as in the paper's Algorithm 1 and libCacheSim: new keys " +
    "enter a small FIFO (small% of the frames); a key evicted from small moves to the main FIFO " +
    "if it had at least `threshold` hits there (default 2: the paper's freq > 1), else it is " +
    "evicted and remembered in a ghost FIFO of floor(c*(100-small)/100) keys (main's share); a " +
    "miss on a ghost key enters main directly. Main evicts its oldest key with counter 0, " +
    "reinserting older keys with counter - 1 " +
    "(counters capped at 3). Eviction takes from main when main is over its size or small is " +
    "empty, else from small; one slot per eviction. Ties cannot occur: FIFO order decides.",
  params: {
    small: {
      description: "small FIFO's size, percent of the frames (at least 1 frame; paper: 10)",
      default: "10",
      min: 1,
      max: 99,
    },
    threshold: {
      description: "hits in small needed to move to main on eviction (paper/libCacheSim: 2)",
      default: "2",
      min: 1,
      max: 3,
    },
  },
  needsFuture: false,
  create: (context: PolicyContext, params) =>
    new S3FifoPolicy(context.capacity, params.small ?? 10, params.threshold ?? 2),
};
