import { ENTRIES_PER_TABLE } from "../arch/x86/pgtable.js";
import type { AddressSpace } from "./address_space.js";
import { BuddyAllocator } from "./page_alloc.js";

/** What a physical frame holds; the web page colours the frame map by it. */
export const FRAME_FREE = 0;
/** Firmware, the kernel image: never handed out. */
export const FRAME_RESERVED = 1;
/** The shared zero page (empty_zero_page), mapped read-only for reads of untouched memory. */
export const FRAME_ZERO = 2;
export const FRAME_PAGETABLE = 3;
export const FRAME_ANON = 4;
/** A page of shared anonymous memory (shmem/tmpfs). */
export const FRAME_SHMEM = 5;
/** A page-cache page of a file. */
export const FRAME_FILE = 6;

export const FRAME_KIND_NAMES = [
  "free",
  "reserved",
  "zero",
  "pagetable",
  "anon",
  "shmem",
  "file",
] as const;

/**
 * Page flags (the PG_* bits of struct page that reclaim and writeback use), in `flags`.
 */
/** On an active LRU list (PG_active). */
export const PG_ACTIVE = 1;
/** Seen once by read(2) or reclaim since it was last checked (PG_referenced). */
export const PG_REFERENCED = 2;
/** Contents newer than the disk or swap copy (PG_dirty). */
export const PG_DIRTY = 4;
/** The readahead marker: reaching this page starts the next asynchronous window (PG_readahead). */
export const PG_READAHEAD = 8;

/** Frames below 1 MiB are reserved, as x86 Linux reserves the low megabyte. */
const RESERVED_LOW_FRAMES = 256;

/**
 * Simulated physical memory: per-frame state as a struct of typed arrays indexed by PFN
 * (the role of `struct page`), the buddy allocator, and the contents of page-table pages.
 *
 * Only page-table pages have contents here: they are what the hardware walker reads. The data
 * in other pages is not simulated.
 */
export class PhysicalMemory {
  readonly totalFrames: number;
  readonly buddy: BuddyAllocator;
  /** FRAME_* per frame. */
  readonly kind: Uint8Array;
  /** References held on the frame: one per mapping PTE, plus one for a page-cache entry. */
  readonly refcount: Int32Array;
  /** PTEs mapping the frame (page_mapcount). */
  readonly mapcount: Int32Array;
  /** PID that allocated the frame (0 for none): the frame map's owner colour. */
  readonly ownerPid: Int32Array;
  /** For anonymous pages the virtual page number first mapped; for cache pages the file page index. */
  readonly pageIndex: Float64Array;
  /** PG_* flags. */
  readonly flags: Uint8Array;
  /**
   * What the page holds, as the serial number of the last store to it (0: zeroes or never
   * written). Copies, swap and writeback carry it along, so tests can check nothing is lost.
   */
  readonly stamp: Float64Array;
  /** Swap slot of a page in the swap cache, -1 otherwise (folio->swap). */
  readonly swapSlot: Int32Array;
  /** The file or shmem object of a page-cache page (folio->mapping), null otherwise. */
  readonly mapping: (AddressSpace | null)[];
  /** PFN of the shared zero page. */
  readonly zeroPfn: number;
  /** Frames of each FRAME_* kind, kept up to date for /proc/meminfo and /proc/vmstat. */
  readonly framesOfKind = new Int32Array(FRAME_KIND_NAMES.length);

  /** Page-table contents: slot per table frame (-1 for other frames), 512 entries of two halves per slot. */
  private readonly tableSlotOf: Int32Array;
  /** Low and high halves of every page-table entry; index with entryOffset. Replaced when grown. */
  tableLow: Uint32Array;
  tableHigh: Uint32Array;
  private readonly freeTableSlots: number[] = [];
  private tableSlotsUsed = 0;

  constructor(totalFrames: number) {
    if (totalFrames <= RESERVED_LOW_FRAMES + 16) {
      throw new Error(`RAM too small: ${totalFrames} frames`);
    }
    this.totalFrames = totalFrames;
    this.buddy = new BuddyAllocator(totalFrames, RESERVED_LOW_FRAMES);
    this.kind = new Uint8Array(totalFrames);
    this.kind.fill(FRAME_RESERVED, 0, RESERVED_LOW_FRAMES);
    this.framesOfKind[FRAME_RESERVED] = RESERVED_LOW_FRAMES;
    this.framesOfKind[FRAME_FREE] = totalFrames - RESERVED_LOW_FRAMES;
    this.refcount = new Int32Array(totalFrames);
    this.mapcount = new Int32Array(totalFrames);
    this.ownerPid = new Int32Array(totalFrames);
    this.pageIndex = new Float64Array(totalFrames);
    this.flags = new Uint8Array(totalFrames);
    this.stamp = new Float64Array(totalFrames);
    this.swapSlot = new Int32Array(totalFrames).fill(-1);
    this.mapping = new Array<AddressSpace | null>(totalFrames).fill(null);
    this.tableSlotOf = new Int32Array(totalFrames).fill(-1);
    this.tableLow = new Uint32Array(64 * ENTRIES_PER_TABLE);
    this.tableHigh = new Uint32Array(64 * ENTRIES_PER_TABLE);
    const zero = this.allocFrame(FRAME_ZERO, 0);
    this.zeroPfn = zero;
  }

  get freeFrames(): number {
    return this.buddy.freeFrames;
  }

  /** One frame of `kind` for process `pid`, or -1 when memory is exhausted. */
  allocFrame(kind: number, pid: number): number {
    const pfn = this.buddy.alloc(0);
    if (pfn < 0) return -1;
    this.kind[pfn] = kind;
    this.recount(FRAME_FREE, kind);
    this.refcount[pfn] = 0;
    this.mapcount[pfn] = 0;
    this.ownerPid[pfn] = pid;
    this.pageIndex[pfn] = 0;
    this.flags[pfn] = 0;
    this.stamp[pfn] = 0;
    return pfn;
  }

  /**
   * 2^order contiguous frames of `kind` for `pid` (a huge page's), aligned to their size, or -1.
   * The block is split at once into order-0 allocations (split_page), so that after a PMD split
   * every 4 KiB path can free its frames one by one.
   */
  allocFrames(order: number, kind: number, pid: number): number {
    const head = this.buddy.alloc(order);
    if (head < 0) return -1;
    this.buddy.splitBlock(head, order);
    for (let pfn = head; pfn < head + (1 << order); pfn++) {
      this.kind[pfn] = kind;
      this.recount(FRAME_FREE, kind);
      this.refcount[pfn] = 0;
      this.mapcount[pfn] = 0;
      this.ownerPid[pfn] = pid;
      this.pageIndex[pfn] = 0;
      this.flags[pfn] = 0;
      this.stamp[pfn] = 0;
    }
    return head;
  }

  /** Return a frame to the buddy allocator (it must hold no references). */
  freeFrame(pfn: number): void {
    if (this.tableSlotOf[pfn] !== -1) this.releaseTableSlot(pfn);
    this.recount(this.kind[pfn] as number, FRAME_FREE);
    this.kind[pfn] = FRAME_FREE;
    this.refcount[pfn] = 0;
    this.mapcount[pfn] = 0;
    this.ownerPid[pfn] = 0;
    this.flags[pfn] = 0;
    this.swapSlot[pfn] = -1;
    this.mapping[pfn] = null;
    this.buddy.free(pfn, 0);
  }

  /** A zeroed page-table page (pte_alloc and friends), or -1 when memory is exhausted. */
  allocTable(pid: number): number {
    const pfn = this.allocFrame(FRAME_PAGETABLE, pid);
    if (pfn < 0) return -1;
    this.refcount[pfn] = 1;
    let slot = this.freeTableSlots.pop();
    if (slot === undefined) {
      slot = this.tableSlotsUsed++;
      if (slot * ENTRIES_PER_TABLE >= this.tableLow.length) this.growTableStorage();
    }
    const base = slot * ENTRIES_PER_TABLE;
    this.tableLow.fill(0, base, base + ENTRIES_PER_TABLE);
    this.tableHigh.fill(0, base, base + ENTRIES_PER_TABLE);
    this.tableSlotOf[pfn] = slot;
    return pfn;
  }

  /** Index into the entry arrays of entry `index` of the table in frame `tablePfn`. */
  entryOffset(tablePfn: number, index: number): number {
    return (this.tableSlotOf[tablePfn] as number) * ENTRIES_PER_TABLE + index;
  }

  isTable(pfn: number): boolean {
    return this.tableSlotOf[pfn] !== -1;
  }

  private recount(from: number, to: number): void {
    this.framesOfKind[from] = (this.framesOfKind[from] as number) - 1;
    this.framesOfKind[to] = (this.framesOfKind[to] as number) + 1;
  }

  private releaseTableSlot(pfn: number): void {
    this.freeTableSlots.push(this.tableSlotOf[pfn] as number);
    this.tableSlotOf[pfn] = -1;
  }

  private growTableStorage(): void {
    const low = new Uint32Array(this.tableLow.length * 2);
    low.set(this.tableLow);
    const high = new Uint32Array(this.tableHigh.length * 2);
    high.set(this.tableHigh);
    this.tableLow = low;
    this.tableHigh = high;
  }
}
