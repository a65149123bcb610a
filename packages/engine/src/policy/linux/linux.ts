/**
 * The Linux active/inactive LRU lists ("split LRU" era, before MGLRU) as a trace policy:
 * mm/swap.c (folio_mark_accessed, lru_cache_add) and mm/vmscan.c (shrink_inactive_list,
 * shrink_folio_list / folio_check_references, shrink_active_list, inactive_is_low).
 *
 * State per resident page: the list it is on (inactive or active, newest at the head), the
 * software flag PG_referenced, and the hardware accessed bit of its PTE ("young").
 *
 * What a reference does depends on `mapped`:
 * - mapped=1 (default): the trace is loads and stores through page tables. A reference sets the
 *   PTE's accessed bit, as the page walk does; the kernel sees it only when reclaim looks
 *   (folio_referenced, which also clears it). A faulted-in page starts young (x86 creates PTEs
 *   with the accessed bit set) and unreferenced, at the head of the inactive list.
 * - mapped=0: the trace is read()/write() calls on unmapped page-cache pages. A reference is
 *   folio_mark_accessed: on an inactive page the first sets PG_referenced and the second
 *   activates it at once (to the active head, PG_referenced cleared); on an active page it only
 *   sets PG_referenced. A missed page is added to the inactive head and then marked accessed by
 *   the same read, so it starts with PG_referenced set: its next reference activates it.
 *
 * Reclaim, one page per eviction:
 * 1. Balance (shrink_active_list): while inactive × ratio < active (inactive_is_low), the page at
 *    the active tail is deactivated to the inactive head; folio_referenced clears its accessed
 *    bit, and it goes regardless (only VM_EXEC file pages are spared in Linux: not modelled).
 * 2. Look at the inactive tail (folio_check_references):
 *    - young: clear the accessed bit; if PG_referenced was already set, activate (to the active
 *      head, PG_referenced stays set); otherwise set PG_referenced and rotate to the inactive head
 *      (FOLIOREF_KEEP: mapped pages must be seen young twice to be activated);
 *    - not young: reclaim it, whatever PG_referenced says (an anonymous page is reclaimed; a
 *      referenced clean file page too: FOLIOREF_RECLAIM_CLEAN).
 *    Repeat from 1 until a page is reclaimed.
 *
 * `inactive_ratio`: 0 (default) is the kernel's rule, ratio = int_sqrt(10 × GiB of the two lists)
 * with 4 KiB pages, 1 below 1 GiB (262,144 frames), so inactive ≈ active for small memories; any
 * other value fixes the ratio.
 *
 * Simplifications: one pair of lists (no anon/file split, no swappiness, no cgroups or nodes);
 * reclaim is one page on demand (no batches of SWAP_CLUSTER_MAX, no watermarks or kswapd, no
 * scan priorities); no per-CPU folio batches (lru_add is immediate); no dirty or writeback pages
 * (Access.write is ignored); no workingset refault detection (shadow entries), no VM_EXEC
 * protection, no mlock, no MGLRU.
 */
import type { PolicyContext, ReplacementPolicy } from "../policy.js";
import { NONE, SlotLists } from "../queues/slot_lists.js";
import type { PolicyDefinition } from "../registry.js";

export const INACTIVE = 0;
export const ACTIVE = 1;

/** Kernel pages per GiB with 4 KiB pages. */
const PAGES_PER_GIB = 262144;

/** The kernel's inactive_ratio for `pages` pages on the two lists (int_sqrt(10 × GiB), min 1). */
export function kernelInactiveRatio(pages: number): number {
  const gib = Math.floor(pages / PAGES_PER_GIB);
  return gib === 0 ? 1 : Math.floor(Math.sqrt(10 * gib));
}

export class LinuxPolicy implements ReplacementPolicy {
  /** The inactive and active lists, newest at the head. */
  readonly lists: SlotLists;
  /** PG_referenced. */
  readonly referenced: Uint8Array;
  /** The PTE accessed bit (mapped mode only). */
  readonly young: Uint8Array;
  readonly ratio: number;
  private readonly mapped: boolean;

  constructor(capacity: number, mapped: boolean, inactiveRatio: number) {
    this.lists = new SlotLists(capacity, 2);
    this.referenced = new Uint8Array(capacity);
    this.young = new Uint8Array(capacity);
    this.mapped = mapped;
    this.ratio = inactiveRatio === 0 ? kernelInactiveRatio(capacity) : inactiveRatio;
  }

  onHit(slot: number): void {
    if (this.mapped) this.young[slot] = 1;
    else this.markAccessed(slot);
  }

  onInsert(slot: number): void {
    this.lists.pushHead(INACTIVE, slot);
    if (this.mapped) {
      this.young[slot] = 1;
      this.referenced[slot] = 0;
    } else {
      this.young[slot] = 0;
      this.referenced[slot] = 1;
    }
  }

  /** folio_mark_accessed. */
  private markAccessed(slot: number): void {
    if (this.referenced[slot] === 0) {
      this.referenced[slot] = 1;
    } else if (this.lists.listOf(slot) === INACTIVE) {
      this.lists.moveToHead(ACTIVE, slot);
      this.referenced[slot] = 0;
    }
  }

  private inactiveIsLow(inactive: number, active: number): boolean {
    return inactive * this.ratio < active;
  }

  peekVictim(): number {
    const lists = this.lists;
    const newer = lists.newer;
    // Pages added to the inactive head during the scan come after every page there now, so the
    // first page at the tail that is not young is the victim.
    for (let slot = lists.tail(INACTIVE); slot !== NONE; slot = newer[slot] as number) {
      if (this.young[slot] === 0) return slot;
    }
    // All young: the victim is the first page the scan puts at the inactive head (a rotated or a
    // deactivated page, not young any more).
    let inactive = lists.size(INACTIVE);
    let active = lists.size(ACTIVE);
    const activeTail = lists.tail(ACTIVE);
    let firstActivated = NONE;
    if (this.inactiveIsLow(inactive, active)) return activeTail;
    for (let slot = lists.tail(INACTIVE); slot !== NONE; slot = newer[slot] as number) {
      if (this.referenced[slot] === 0) return slot;
      inactive--;
      active++;
      if (firstActivated === NONE) firstActivated = slot;
      if (this.inactiveIsLow(inactive, active)) {
        return activeTail !== NONE ? activeTail : firstActivated;
      }
    }
    throw new Error("linux: evict with nothing resident");
  }

  evict(): number {
    const lists = this.lists;
    const young = this.young;
    const referenced = this.referenced;
    for (;;) {
      // shrink_active_list while inactive_is_low.
      while (this.inactiveIsLow(lists.size(INACTIVE), lists.size(ACTIVE))) {
        const slot = lists.tail(ACTIVE);
        young[slot] = 0;
        lists.moveToHead(INACTIVE, slot);
      }
      const slot = lists.tail(INACTIVE);
      if (slot === NONE) throw new Error("linux: evict with nothing resident");
      if (young[slot] === 0) {
        lists.unlink(slot);
        referenced[slot] = 0;
        return slot;
      }
      young[slot] = 0;
      if (referenced[slot] === 1) {
        lists.moveToHead(ACTIVE, slot);
      } else {
        referenced[slot] = 1;
        lists.moveToHead(INACTIVE, slot);
      }
    }
  }

  remove(slot: number): void {
    this.lists.unlink(slot);
    this.referenced[slot] = 0;
    this.young[slot] = 0;
  }
}

export const definition: PolicyDefinition = {
  name: "linux",
  title: "Linux active/inactive lists (mm/vmscan.c, pre-MGLRU) with PG_referenced and PTE young",
  description:
    "New pages enter the inactive list. With mapped=1 (default) a reference sets the PTE " +
    "accessed bit; reclaim at the inactive tail clears it and rotates a young page with " +
    "PG_referenced clear (setting it), activates a young page with PG_referenced set, and " +
    "evicts the first page that is not young. With mapped=0 a reference is folio_mark_accessed: " +
    "first sets PG_referenced, second activates; the inactive tail is evicted. Before each look " +
    "the active tail is deactivated while inactive*ratio < active (inactive_is_low). Lists are " +
    "ordered: the tail goes first, so there are no ties. One list pair, one page per reclaim.",
  params: {
    mapped: {
      description:
        "1: references set the PTE accessed bit (mmap'd memory); 0: references are " +
        "read()/write() calls (folio_mark_accessed)",
      default: "1",
      min: 0,
      max: 1,
    },
    inactive_ratio: {
      description:
        "age the active list while inactive*ratio < active; 0: the kernel's int_sqrt(10*GiB), " +
        "1 below 1 GiB",
      default: "0",
      min: 0,
      max: 1000,
    },
  },
  needsFuture: false,
  create: (context: PolicyContext, params) =>
    new LinuxPolicy(context.capacity, (params.mapped ?? 1) === 1, params.inactive_ratio ?? 0),
};
