/**
 * Cycle costs of the hops of a memory access that are not cache reads.
 *
 * What a data access or a page-walk read costs is decided by the cache level that serves it (see
 * cache/hierarchy.ts and each preset's latencies in cpu_presets.ts); these are the rest: the TLB
 * lookups, and the kernel's work in a page fault, which is charged as fixed costs (the kernel's
 * own loads and stores, apart from the page-table entries it writes, are not simulated).
 */
export interface Timing {
  /** An L1 TLB lookup (0: overlapped with the L1 cache lookup, as on real cores). */
  l1TlbHit: number;
  /** What an L1 TLB miss that hits the STLB adds. */
  stlbHit: number;
  /** Exception entry and return for a page fault, plus handle_mm_fault's bookkeeping. */
  faultOverhead: number;
  /** Zeroing a fresh 4 KiB page (clear_page). */
  zeroPage: number;
  /** Copying a 4 KiB page (copy_page, for COW). */
  copyPage: number;
  /** Allocating and zeroing a page-table page. */
  tableAllocation: number;
  /** Cycles per nanosecond (the clock in GHz): turns a disk's latency into cycles, cycles into time. */
  cyclesPerNs: number;
}

/**
 * The kernel-side costs, measured orders of magnitude at about 3 GHz (a minor fault costs some
 * 0.5-1 µs on current cores); every preset shares them, with its own TLB latency and clock.
 */
export const DEFAULT_TIMING: Readonly<Timing> = {
  l1TlbHit: 0,
  stlbHit: 9,
  faultOverhead: 1200,
  zeroPage: 400,
  copyPage: 800,
  tableAllocation: 450,
  cyclesPerNs: 3,
};
