/**
 * Cycle costs of each hop of a memory access, for a core at about 3 GHz.
 *
 * These are round figures of the right order, from published latencies of recent Intel and AMD
 * cores and from measured fault costs; the CPU caches (which decide what a walk read or a data
 * access really costs) are not simulated yet, so every memory read is charged as an L1/L2 hit.
 */
export interface Timing {
  /** A load or store that hits the L1 data cache. */
  memoryAccess: number;
  /** An L1 TLB hit (overlapped with the cache lookup on real cores). */
  l1TlbHit: number;
  /** An L2 STLB hit after an L1 miss. */
  stlbHit: number;
  /** One read of a page-table entry by the walker. */
  walkRead: number;
  /** Exception entry and return for a page fault, plus handle_mm_fault's bookkeeping. */
  faultOverhead: number;
  /** Zeroing a fresh 4 KiB page (clear_page). */
  zeroPage: number;
  /** Copying a 4 KiB page (copy_page, for COW). */
  copyPage: number;
  /** Allocating and zeroing a page-table page. */
  tableAllocation: number;
  /** Cycles per nanosecond (the clock in GHz), to turn a disk's latency into cycles. */
  cyclesPerNs: number;
}

export const DEFAULT_TIMING: Readonly<Timing> = {
  memoryAccess: 4,
  l1TlbHit: 0,
  stlbHit: 9,
  walkRead: 20,
  faultOverhead: 1200,
  zeroPage: 400,
  copyPage: 800,
  tableAllocation: 450,
  cyclesPerNs: 3,
};
