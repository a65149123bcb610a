/**
 * A set-associative translation lookaside buffer, one instance per level (L1 dTLB, L1 iTLB,
 * L2 STLB).
 *
 * State is a struct of typed arrays indexed by `slot = set * ways + way`, so a hit is a handful
 * of array reads and compares and allocates nothing.
 *
 * Simplification: replacement within a set is true LRU, kept as a per-slot stamp taken from a
 * per-TLB counter. Real x86 TLBs use a pseudo-LRU (tree or bit-PLRU) whose exact policy Intel and
 * AMD do not document; true LRU is the usual stand-in and is easy to reason about in a lesson.
 *
 * Invariants (the insert and invalidate methods keep them):
 * - a slot is invalid iff `flags[slot] === 0`, and an invalid slot holds `vpn = -1`, so the hot
 *   lookup can skip the validity test: no page number is negative;
 * - for any (vpn, asid) at most one slot matches (same vpn, and same asid or GLOBAL);
 * - a GLOBAL entry for a vpn is the only entry for that vpn in its set.
 */
import { PTE_DIRTY, PTE_RW } from "./pgtable.js";

/** Bits of a TLB entry's flags byte: what the hardware caches from the PTE walk (permissions ANDed across levels). */
export const TLB_VALID = 1;
export const TLB_WRITABLE = 2;
export const TLB_USER = 4;
export const TLB_NX = 8;
export const TLB_DIRTY = 16;
export const TLB_GLOBAL = 32;

/**
 * The flags a walk caches for a user translation: writable when the rights ANDed over the
 * levels allow it (`rights` holds PTE_RW from pgtable.ts), no-execute when any level said NX,
 * dirty when the leaf entry, as the walk left it, is.
 */
export function userTlbFlags(rights: number, noExecute: boolean, leafEntry: number): number {
  return (
    TLB_VALID |
    TLB_USER |
    (rights & PTE_RW ? TLB_WRITABLE : 0) |
    (noExecute ? TLB_NX : 0) |
    (leafEntry & PTE_DIRTY ? TLB_DIRTY : 0)
  );
}

/**
 * The key a 2 MiB translation is stored under: -2 - (vpn >> 9), never a 4 KiB page number
 * (those are >= 0) nor the empty slot's -1. A structure that holds both sizes (the STLB)
 * keeps them apart by key alone; its set index is the key's low bits, as Intel indexes 2 MiB
 * entries by the address bits above 21.
 * @example hugeTlbKey(0x7f000 >> 0) // -2 - 0x3f8 = -1018
 */
export function hugeTlbKey(vpn: number): number {
  return -2 - Math.floor(vpn / 512);
}

/** Shape of one TLB level. `entries / ways` (the set count) must be a power of two; `ways === entries` is fully associative. */
export interface TlbGeometry {
  entries: number;
  ways: number;
}

/** Largest tag the `asid` array holds; x86 PCIDs are 12 bits, so this leaves room. */
const MAX_ASID = 0xffff;

function isPositiveInt(n: number): boolean {
  return Number.isInteger(n) && n >= 1;
}

/** Throws a readable Error unless `geometry` describes a buildable TLB; returns the set count. */
function checkGeometry(name: string, geometry: TlbGeometry): number {
  const { entries, ways } = geometry;
  if (!isPositiveInt(ways)) {
    throw new Error(`TLB ${name}: ways must be an integer >= 1, got ${ways}`);
  }
  if (!isPositiveInt(entries)) {
    throw new Error(`TLB ${name}: entries must be an integer >= 1, got ${entries}`);
  }
  if (entries % ways !== 0) {
    throw new Error(`TLB ${name}: entries (${entries}) must be a multiple of ways (${ways})`);
  }
  const sets = entries / ways;
  // The set index is taken with a 32-bit mask, so the set count must be a power of two that a
  // signed 32-bit AND can produce.
  if (sets > 2 ** 30 || (sets & (sets - 1)) !== 0) {
    throw new Error(
      `TLB ${name}: the set count entries/ways = ${entries}/${ways} = ${sets} must be a power of two`,
    );
  }
  return sets;
}

export class Tlb {
  readonly name: string;
  readonly entries: number;
  readonly sets: number;
  readonly ways: number;
  /** `sets - 1`: the set index is `vpn & setMask`. */
  readonly setMask: number;

  // Struct of arrays, indexed by slot = set * ways + way. Public so the MMU can read pfn/flags
  // of a hit slot without a call.
  /** Virtual page number; -1 in an invalid slot. Float64 because a 57-bit VA has 45-bit page numbers. */
  readonly vpn: Float64Array;
  /** PCID tag. Ignored on lookup when the entry is GLOBAL. */
  readonly asid: Uint16Array;
  /** Physical frame number. */
  readonly pfn: Float64Array;
  /** TLB_* bits; 0 means the slot is invalid. */
  readonly flags: Uint8Array;
  /** LRU recency: the value of the use counter when the slot was last filled or hit; larger is more recent. */
  readonly stamp: Float64Array;

  /** Counters, incremented by lookup (hits, misses) and insert (evictions). */
  hits = 0;
  misses = 0;
  evictions = 0;

  /** Use counter feeding `stamp`; a double stays exact for 2^53 uses, far beyond any run. */
  private clock = 0;

  constructor(name: string, geometry: TlbGeometry) {
    const sets = checkGeometry(name, geometry);
    this.name = name;
    this.entries = geometry.entries;
    this.sets = sets;
    this.ways = geometry.ways;
    this.setMask = sets - 1;
    this.vpn = new Float64Array(geometry.entries).fill(-1);
    this.asid = new Uint16Array(geometry.entries);
    this.pfn = new Float64Array(geometry.entries);
    this.flags = new Uint8Array(geometry.entries);
    this.stamp = new Float64Array(geometry.entries);
  }

  /**
   * Set index of a page number: its low bits. `&` converts with ToInt32, which keeps the low 32
   * bits of any integer below 2^53 exactly, so page numbers above 2^32 index correctly.
   * @example new Tlb("dtlb", { entries: 64, ways: 4 }).setIndex(2 ** 40 + 21) // 5
   */
  setIndex(vpn: number): number {
    return vpn & this.setMask;
  }

  /**
   * Hot path. The slot holding (vpn, asid), or a GLOBAL entry for vpn whatever its asid, or -1.
   * A hit marks the slot most recently used.
   */
  lookup(vpn: number, asid: number): number {
    const base = (vpn & this.setMask) * this.ways;
    const end = base + this.ways;
    const vpns = this.vpn;
    for (let s = base; s < end; s++) {
      // Invalid slots hold vpn -1, so this one compare rejects them too.
      if (
        vpns[s] === vpn &&
        (this.asid[s] === asid || ((this.flags[s] as number) & TLB_GLOBAL) !== 0)
      ) {
        this.stamp[s] = ++this.clock;
        this.hits++;
        return s;
      }
    }
    this.misses++;
    return -1;
  }

  /** Like lookup, without touching the replacement state or the counters (for displays and invariant checks). */
  peek(vpn: number, asid: number): number {
    const base = (vpn & this.setMask) * this.ways;
    const end = base + this.ways;
    const vpns = this.vpn;
    for (let s = base; s < end; s++) {
      if (
        vpns[s] === vpn &&
        (this.asid[s] === asid || ((this.flags[s] as number) & TLB_GLOBAL) !== 0)
      ) {
        return s;
      }
    }
    return -1;
  }

  /**
   * Fill after a walk. Returns the slot, now the most recently used of its set.
   *
   * The slot is: the one already matching (vpn, asid) (same asid or GLOBAL) if any, else the
   * lowest invalid way, else the least recently used way, which counts one eviction. Refilling a
   * matching slot is an update, not an eviction.
   *
   * A GLOBAL fill applies to every address space, so it takes over any entry for vpn whatever its
   * asid: the first is reused and the others are dropped (not counted as evictions). A non-GLOBAL
   * fill that finds a GLOBAL entry for vpn replaces it: the mapping stopped being global.
   *
   * `TLB_VALID` is always set in the stored flags. `vpn` must be a non-negative integer below
   * 2^53 and `asid` an integer in 0..65535 (x86 PCIDs use 0..4095).
   */
  insert(vpn: number, asid: number, pfn: number, flags: number): number {
    if (!(asid >= 0 && asid <= MAX_ASID && (asid | 0) === asid)) {
      throw new RangeError(
        `TLB ${this.name}: asid must be an integer in 0..${MAX_ASID}, got ${asid}`,
      );
    }
    const f = (flags | TLB_VALID) & 0xff;
    const global = (f & TLB_GLOBAL) !== 0;
    const base = (vpn & this.setMask) * this.ways;
    const end = base + this.ways;
    let reuse = -1;
    let free = -1;
    let lru = -1;
    let lruStamp = Number.POSITIVE_INFINITY;
    for (let s = base; s < end; s++) {
      const sf = this.flags[s] as number;
      if (sf === 0) {
        if (free < 0) free = s;
      } else if (
        this.vpn[s] === vpn &&
        (global || this.asid[s] === asid || (sf & TLB_GLOBAL) !== 0)
      ) {
        // By the invariants a second match is only possible for a GLOBAL fill.
        if (reuse < 0) reuse = s;
        else this.drop(s);
      } else {
        const st = this.stamp[s] as number;
        if (st < lruStamp) {
          lruStamp = st;
          lru = s;
        }
      }
    }
    let slot = reuse;
    if (slot < 0) {
      if (free >= 0) {
        slot = free;
      } else {
        // Every way is valid and none matches, so lru was set (ways >= 1).
        slot = lru;
        this.evictions++;
      }
    }
    this.vpn[slot] = vpn;
    this.asid[slot] = asid;
    this.pfn[slot] = pfn;
    this.flags[slot] = f;
    this.stamp[slot] = ++this.clock;
    return slot;
  }

  /**
   * INVLPG for one address space: drop (vpn, asid) and any GLOBAL entry for vpn. Returns whether
   * something was dropped. Mirrors the kernel's flush_tlb_one_user().
   */
  invalidatePage(vpn: number, asid: number): boolean {
    const base = (vpn & this.setMask) * this.ways;
    const end = base + this.ways;
    let dropped = false;
    for (let s = base; s < end; s++) {
      if (
        this.vpn[s] === vpn &&
        (this.asid[s] === asid || ((this.flags[s] as number) & TLB_GLOBAL) !== 0)
      ) {
        this.drop(s);
        dropped = true;
      }
    }
    return dropped;
  }

  /** Drop every non-GLOBAL entry tagged asid: INVPCID single-context, a PCID flush. */
  invalidateAsid(asid: number): void {
    const n = this.entries;
    for (let s = 0; s < n; s++) {
      const f = this.flags[s] as number;
      if (f !== 0 && (f & TLB_GLOBAL) === 0 && this.asid[s] === asid) this.drop(s);
    }
  }

  /**
   * Drop every entry, keeping GLOBAL ones unless includeGlobal: a CR3 write without PCID keeps
   * globals; toggling CR4.PGE drops all (the kernel's __flush_tlb_global()).
   */
  flushAll(includeGlobal: boolean): void {
    const n = this.entries;
    for (let s = 0; s < n; s++) {
      const f = this.flags[s] as number;
      if (f !== 0 && (includeGlobal || (f & TLB_GLOBAL) === 0)) this.drop(s);
    }
  }

  /** Number of valid entries (for views). */
  validCount(): number {
    const n = this.entries;
    let count = 0;
    for (let s = 0; s < n; s++) if (this.flags[s] !== 0) count++;
    return count;
  }

  /** Zero the hit, miss and eviction counters; the entries stay. */
  resetCounters(): void {
    this.hits = 0;
    this.misses = 0;
    this.evictions = 0;
  }

  /** Invalidate one slot, restoring the empty-slot encoding the lookup relies on (vpn -1). */
  private drop(slot: number): void {
    this.vpn[slot] = -1;
    this.asid[slot] = 0;
    this.pfn[slot] = 0;
    this.flags[slot] = 0;
    this.stamp[slot] = 0;
  }
}
