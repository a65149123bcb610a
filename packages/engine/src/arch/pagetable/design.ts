/**
 * What every page-table design provides: the structure the hardware walks on a TLB miss.
 *
 * The kernel keeps its own page table in the x86-64 four-level format whatever the design, as
 * Linux keeps its generic radix table on PowerPC while the hardware walks a hashed page table:
 * faults, reclaim, rmap, fork and swap entries all work on the kernel's table. A design adds the
 * tables the hardware walks (in simulated frames, so they take memory), says which entries a walk
 * reads (so the reads go through the CPU caches), and keeps its entries in step with the kernel's:
 * filled from the kernel's PTE after a fault or on a miss, removed when the kernel invalidates a
 * translation. The kernel's walk still decides the result (frame, rights, fault), and the accessed
 * and dirty bits are still set on the kernel's PTE, where reclaim reads them (PowerPC syncs its
 * hash table's R/C bits back the same way).
 */
import type { MmStruct } from "../../mm/mm_struct.js";
import type { PageTableSpec } from "./spec.js";

/**
 * The entries one walk read, in order: each as the frame holding it and the byte offset in that
 * frame (a frame number may lie beyond RAM for a table that is counted but not allocated: the
 * linear one). Reused for every walk: no allocation per access.
 */
export class WalkReads {
  count = 0;
  /** Frame and byte offset of each read. */
  pfn = new Float64Array(8);
  offset = new Int32Array(8);
  /** Index of the entry within its table (or bucket / frame number for the inverted table). */
  index = new Float64Array(8);
  /** What each read is, a READ_* constant, for the journey and the views. */
  kind = new Uint8Array(8);
  /**
   * Where each read is in the design's structure: a radix level from the top (0), or an
   * inverted-table entry's position on its chain (1 for the head); 0 otherwise.
   */
  level = new Uint8Array(8);
  /** Cycles the walk cost besides its reads: a software refill, a table allocated on demand. */
  extraCycles = 0;

  reset(): void {
    this.count = 0;
    this.extraCycles = 0;
  }

  push(pfn: number, offset: number, index: number, kind: number, level = 0): void {
    if (this.count === this.pfn.length) this.grow();
    const at = this.count++;
    this.pfn[at] = pfn;
    this.offset[at] = offset;
    this.index[at] = index;
    this.kind[at] = kind;
    this.level[at] = Math.min(level, 255);
  }

  /** A chain longer than the arrays: double them (rare, and kept afterwards). */
  private grow(): void {
    const size = this.pfn.length * 2;
    const pfn = new Float64Array(size);
    pfn.set(this.pfn);
    const offset = new Int32Array(size);
    offset.set(this.offset);
    const index = new Float64Array(size);
    index.set(this.index);
    const kind = new Uint8Array(size);
    kind.set(this.kind);
    const level = new Uint8Array(size);
    level.set(this.level);
    this.level = level;
    this.pfn = pfn;
    this.offset = offset;
    this.index = index;
    this.kind = kind;
  }
}

/** A read of a radix table entry that points to the next table down. */
export const READ_TABLE = 0;
/** A read of the leaf entry (the PTE, or the linear table's entry). */
export const READ_LEAF = 1;
/** The inverted table's hash anchor: the bucket's first entry. */
export const READ_ANCHOR = 2;
/** An inverted-table entry on the chain. */
export const READ_CHAIN = 3;
/** After a software refill (hash_page) the walk is retried: its anchor read, then its entry's. */
export const READ_REFILL_ANCHOR = 4;
export const READ_REFILL_CHAIN = 5;

/** Counters a design keeps besides the CPU's walks and walk reads. */
export interface DesignCounters {
  /** Entries filled after a fault (the kernel writes them as it sets its PTE; hash_preload). */
  fills: number;
  /** Entries filled on a walk that found none while the kernel's PTE was present (a refill). */
  refills: number;
  /** Refills that had to evict another (PID, page) holding the same frame (inverted only). */
  aliasEvictions: number;
  /** Entries found disagreeing with the kernel's PTE on a walk, and dropped (0 while the hooks work). */
  staleEntries: number;
  /** Entries removed because the kernel invalidated a translation. */
  invalidations: number;
  /** Tables allocated and freed since boot (their frames). */
  tablesAllocated: number;
  tablesFreed: number;
  /** Table allocations a walk could not make (memory exhausted): the walk read a missing entry. */
  allocationFailures: number;
  /** Bytes of the design's tables now, and the most there ever were. */
  tableBytes: number;
  peakTableBytes: number;
}

export function newDesignCounters(): DesignCounters {
  return {
    fills: 0,
    refills: 0,
    aliasEvictions: 0,
    staleEntries: 0,
    invalidations: 0,
    tablesAllocated: 0,
    tablesFreed: 0,
    allocationFailures: 0,
    tableBytes: 0,
    peakTableBytes: 0,
  };
}

/** One frame a design's tables occupy, with the process it belongs to (0: the machine's). */
export interface DesignTableFrame {
  pfn: number;
  pid: number;
}

/**
 * The hardware side of a design, as the CPU and the machine use it. x86-64 has none: its tables
 * are the kernel's.
 */
export interface PageTableDesign {
  readonly spec: PageTableSpec;
  /**
   * false: the design's reads come before the x86-64 walk, which goes on as usual (la57's PML5);
   * true: they replace its reads (the kernel's table is then read only to decide the result).
   */
  readonly replacesWalk: boolean;
  readonly counters: DesignCounters;
  /** Reads of the last walk or fill (the CPU charges them). */
  readonly reads: WalkReads;

  /** A new address space (after its PGD): allocate what it needs. false when out of memory. */
  createMm(mm: MmStruct, pid: number): boolean;
  /** exit_mmap: free the address space's tables and entries (after the kernel's are gone). */
  exitMm(mm: MmStruct): void;
  /**
   * The hardware walk of `address` for `mm` on a TLB miss, into `reads`. `kernelPfn` is the frame
   * the kernel's PTE maps (-1 when it maps none); a design with its own entries fills a missing
   * one from it (a refill) and drops an entry that disagrees. `fromTop`: no paging-structure cache
   * let the x86-64 walk start below the PGD (la57 then reads its PML5 entry).
   */
  walk(mm: MmStruct, address: number, kernelPfn: number, fromTop: boolean): WalkReads;
  /**
   * After a fault set the kernel's PTE for `address`: fill the design's entry from it (mapping
   * `kernelPfn`, or nothing when -1), and return in `reads` the entries the kernel wrote.
   */
  afterFault(mm: MmStruct, address: number, kernelPfn: number): WalkReads;
  /** The kernel invalidated the translations of [start, end) (flush_tlb_page / _range). */
  invalidateRange(mm: MmStruct, start: number, end: number): void;
  /**
   * The kernel invalidated every translation of `mm` (flush_tlb_mm, after fork write-protected
   * the parent): entries that no longer agree with the kernel's PTEs go.
   */
  invalidateMm(mm: MmStruct): void;
  /** Bytes of `mm`'s own tables (0 for a design with one shared table). */
  tableBytesOf(mm: MmStruct): number;
  /** Bytes of tables shared by every process (the inverted table and its hash anchors). */
  sharedTableBytes(): number;
  /** Whether the tables are counted but not allocated in simulated frames (linear). */
  readonly notional: boolean;
  /** Every frame the design's tables occupy, for the invariant checks. */
  tableFrames(): DesignTableFrame[];
  /**
   * Internal consistency, and agreement with the kernel's page table (every entry maps the frame
   * the kernel's PTE maps). One line per problem; changes nothing.
   */
  check(): string[];
  /**
   * The walk of `address` in the design's own terms, for `show pagetable`: one line per entry a
   * walk would read, and where it leads. `kernelPfn` as for walk. Changes nothing.
   */
  describeWalk(mm: MmStruct, address: number, kernelPfn: number): string[];
  /**
   * The reads a walk of `address` would make now, for `show walk`: up to a missing entry, with
   * nothing filled, refilled or counted. The kernel's PTE is not consulted.
   */
  peekWalk(mm: MmStruct, address: number): WalkReads;
}
