/**
 * The journey of one memory access, hop by hop, for whoever listens (the web page, `--events`).
 *
 * The CPU calls a probe only when one is attached; with none (the default) the hot path makes no
 * call and allocates nothing. Hops and outcomes are small integers so recording allocates nothing.
 */

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;
export const ACCESS_KIND_NAMES = ["READ", "WRITE", "EXEC"] as const;

/** Where the access is. */
export const HOP_L1_TLB = 0;
export const HOP_STLB = 1;
/** Walk reads: HOP_WALK_PGD + (3 - level), i.e. PGD, PUD, PMD, PTE in walk order. */
export const HOP_WALK_PGD = 2;
export const HOP_WALK_PUD = 3;
export const HOP_WALK_PMD = 4;
export const HOP_WALK_PTE = 5;
export const HOP_FAULT = 6;
/** The translated access reaches its physical address (a: PFN; 0 cycles: the caches charge). */
export const HOP_MEMORY = 7;
/**
 * The paging-structure caches before a walk (hit: a is the level of the cached entry, LEVEL_PMD
 * for the PDE cache, LEVEL_PUD for the PDPTE cache, LEVEL_PGD for the PML4E cache, and b the
 * table the walk resumes in; miss: a = -1).
 */
export const HOP_PSC = 8;
/**
 * Cache levels a memory read went through, for a walk read (just before its walk hop) or the
 * data access (after HOP_MEMORY): a miss at each level above the one that served it, then a hit.
 * Each costs what its level adds to the latency of the one above. a: the line's physical
 * address, b: its set in that level.
 */
export const HOP_L1D = 9;
export const HOP_L1I = 10;
export const HOP_L2 = 11;
export const HOP_L3 = 12;
export const HOP_DRAM = 13;
export const HOP_NAMES = [
  "L1 TLB",
  "STLB",
  "walk PGD",
  "walk PUD",
  "walk PMD",
  "walk PTE",
  "page fault",
  "memory",
  "paging-structure cache",
  "L1d",
  "L1i",
  "L2",
  "L3",
  "DRAM",
] as const;

/** What happened there. */
export const OUTCOME_HIT = 0;
export const OUTCOME_MISS = 1;
/** A walk read found a present entry (a: table PFN, b: index). */
export const OUTCOME_PRESENT = 2;
/** A walk read found no present entry: the walk stops with a page fault. */
export const OUTCOME_NOT_PRESENT = 3;
/** The walk or TLB entry forbids the access (write to read-only, fetch from NX). */
export const OUTCOME_PROTECTION = 4;
/** Fault outcomes (a: the PFN mapped, b: 0). */
export const OUTCOME_ANON_PAGE = 5;
export const OUTCOME_ZERO_PAGE = 6;
export const OUTCOME_COW_COPY = 7;
export const OUTCOME_COW_REUSE = 8;
export const OUTCOME_SHARED_PAGE = 9;
export const OUTCOME_FILE_PAGE = 10;
export const OUTCOME_WRITE_NOTIFY = 11;
export const OUTCOME_STACK_GROWTH = 12;
export const OUTCOME_SIGSEGV = 13;
export const OUTCOME_OOM = 14;
/** A page came back from swap (from the swap cache: minor; from the device: major). */
export const OUTCOME_SWAP_IN = 15;
/** A file page that had to be read from the disk (a major fault). */
export const OUTCOME_FILE_READ = 16;
/** An access beyond the end of a mapped file: SIGBUS. */
export const OUTCOME_SIGBUS = 17;
export const OUTCOME_NAMES = [
  "hit",
  "miss",
  "present",
  "not present",
  "protection",
  "new anonymous page",
  "zero page",
  "copy-on-write copy",
  "copy-on-write reuse",
  "shared page",
  "file page",
  "made writable",
  "stack grown",
  "SIGSEGV",
  "out of memory",
  "swapped in",
  "file page read from disk",
  "SIGBUS",
] as const;

export interface AccessProbe {
  /** An access begins (one call per page an access touches). */
  accessStart(pid: number, address: number, size: number, kind: number): void;
  /** One hop: where, what happened, its cost in cycles, and two hop-specific numbers. */
  hop(hop: number, outcome: number, cycles: number, a: number, b: number): void;
  /** The access completed at `physicalAddress` (or -1 when the process was killed). */
  accessEnd(physicalAddress: number, totalCycles: number): void;
  /**
   * Optional, on a page-table design other than x86-64 (`machine pagetable=`): called just before
   * the walk hop of each of the design's reads, with what it reads (a READ_* kind of
   * arch/pagetable/design.ts), where (a radix level from the top, or a chain position), and
   * whether it is the walk's last read.
   */
  designRead?(kind: number, level: number, last: boolean): void;
}
