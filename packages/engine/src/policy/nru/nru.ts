/**
 * NRU, Not Recently Used. Each key has a referenced bit R and a modified bit M, which sort the
 * keys into four classes:
 *
 *   class 0: not referenced, clean     class 2: referenced, clean
 *   class 1: not referenced, modified  class 3: referenced, modified
 *
 * The victim comes from the lowest non-empty class. A reference sets R (the faulting reference
 * too: a page just loaded is referenced), a write (`Access.write`) sets M. Every `interval`
 * references all R bits are cleared, as an OS does on a clock tick; M stays set while the key is
 * resident (the simulator does not model write-back).
 *
 * Ties within a class go to the key loaded earliest (FIFO order of loading), so the choice is
 * deterministic (the textbook says "at random").
 *
 * Structure: keys in a linked list in load order; R is "referenced during the current tick",
 * stored as the tick number of the last reference, so clearing every R bit is O(1). Class sizes
 * are counted, and eviction walks the list from the oldest to the first key of the lowest
 * non-empty class. Only keys referenced since the last tick can be skipped in a class-0 or
 * class-1 search, so a walk is at most `interval` + 1 steps.
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import type { PolicyDefinition } from "../registry.js";

const NONE = -1;

class NruPolicy implements ReplacementPolicy {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  /** Tick during which the key was last referenced: R is set when it equals `tick`. */
  private readonly referencedTick: Float64Array;
  /** M bit per slot. */
  private readonly modified: Uint8Array;
  private head = NONE;
  private tail = NONE;
  private readonly interval: number;
  private tick = 0;
  private sinceTick = 0;
  /** Resident keys with M clear / set. */
  private clean = 0;
  private dirty = 0;
  /** Of those, the ones with R set (classes 2 and 3). */
  private referencedClean = 0;
  private referencedDirty = 0;

  constructor(capacity: number, interval: number) {
    this.prev = new Int32Array(capacity).fill(NONE);
    this.next = new Int32Array(capacity).fill(NONE);
    this.referencedTick = new Float64Array(capacity).fill(-1);
    this.modified = new Uint8Array(capacity);
    this.interval = interval;
  }

  onHit(slot: number, access: Access): void {
    const wasReferenced = this.referencedTick[slot] === this.tick;
    if (access.write && this.modified[slot] === 0) {
      this.modified[slot] = 1;
      this.clean--;
      this.dirty++;
      if (wasReferenced) {
        this.referencedClean--;
        this.referencedDirty++;
      }
    }
    if (!wasReferenced) {
      this.referencedTick[slot] = this.tick;
      if (this.modified[slot] === 0) this.referencedClean++;
      else this.referencedDirty++;
    }
    this.countReference();
  }

  onInsert(slot: number, access: Access): void {
    this.referencedTick[slot] = this.tick;
    if (access.write) {
      this.modified[slot] = 1;
      this.dirty++;
      this.referencedDirty++;
    } else {
      this.modified[slot] = 0;
      this.clean++;
      this.referencedClean++;
    }
    const tail = this.tail;
    this.prev[slot] = tail;
    this.next[slot] = NONE;
    if (tail === NONE) this.head = slot;
    else this.next[tail] = slot;
    this.tail = slot;
    this.countReference();
  }

  /** The oldest key of the lowest non-empty class, or -1 when nothing is resident. */
  peekVictim(): number {
    let wantReferenced: boolean;
    let wantModified: number;
    if (this.clean > this.referencedClean) {
      wantReferenced = false;
      wantModified = 0;
    } else if (this.dirty > this.referencedDirty) {
      wantReferenced = false;
      wantModified = 1;
    } else if (this.referencedClean > 0) {
      wantReferenced = true;
      wantModified = 0;
    } else {
      wantReferenced = true;
      wantModified = 1;
    }
    const tick = this.tick;
    let slot = this.head;
    while (slot !== NONE) {
      const referenced = this.referencedTick[slot] === tick;
      if (referenced === wantReferenced && this.modified[slot] === wantModified) return slot;
      slot = this.next[slot] as number;
    }
    return NONE;
  }

  evict(_incoming: Access): number {
    const victim = this.peekVictim();
    if (victim === NONE) throw new Error("nru: evict with nothing resident");
    this.forget(victim);
    return victim;
  }

  remove(slot: number): void {
    if (this.prev[slot] === NONE && this.head !== slot) return; // not resident
    this.forget(slot);
  }

  private forget(slot: number): void {
    const referenced = this.referencedTick[slot] === this.tick;
    if (this.modified[slot] === 0) {
      this.clean--;
      if (referenced) this.referencedClean--;
    } else {
      this.dirty--;
      if (referenced) this.referencedDirty--;
    }
    this.referencedTick[slot] = -1;
    this.modified[slot] = 0;
    const before = this.prev[slot] as number;
    const after = this.next[slot] as number;
    if (before === NONE) this.head = after;
    else this.next[before] = after;
    if (after === NONE) this.tail = before;
    else this.prev[after] = before;
    this.prev[slot] = NONE;
    this.next[slot] = NONE;
  }

  /** The clock tick: every `interval` references, every R bit is cleared. */
  private countReference(): void {
    if (++this.sinceTick < this.interval) return;
    this.sinceTick = 0;
    this.tick++;
    this.referencedClean = 0;
    this.referencedDirty = 0;
  }
}

export const definition: PolicyDefinition = {
  name: "nru",
  title: "Not recently used: evict from the lowest (referenced, modified) class",
  description:
    "Classes by reference bit R and modified bit M (writes): 0 = !R!M, 1 = !R M, 2 = R!M, " +
    "3 = R M; evicts from the lowest non-empty class. A reference (the faulting one too) sets R; " +
    "all R bits are cleared every `interval` references (the OS clock tick). Ties within a " +
    "class: the key loaded earliest.",
  params: {
    interval: {
      description: "references between clock ticks, each of which clears every reference bit",
      default: "100",
      min: 1,
      max: 1_000_000_000,
    },
  },
  needsFuture: false,
  create: (context: PolicyContext, params) => {
    const interval = params.interval ?? 100;
    if (!Number.isInteger(interval) || interval < 1) {
      throw new RangeError(`nru: interval must be a positive integer, not ${interval}`);
    }
    return new NruPolicy(context.capacity, interval);
  },
};
