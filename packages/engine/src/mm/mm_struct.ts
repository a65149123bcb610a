import type { Vma } from "./vma.js";

/**
 * One address space (struct mm_struct): its VMAs in address order, its page-table root and the
 * counters /proc/PID/status shows.
 */
export class MmStruct {
  /** VMAs sorted by start address, never overlapping. */
  readonly vmas: Vma[] = [];
  /** PFN of the top-level table (PGD / PML4); its physical address is what CR3 holds. */
  pgd = -1;
  /** Start and current end of the brk heap. */
  startBrk = 0;
  brk = 0;
  /** Highest address top-down mmap placement may use (mm->mmap_base). */
  mmapBase = 0;
  /** Top of the stack; the stack VMA may grow down from it up to the stack limit. */
  stackTop = 0;
  /** RLIMIT_STACK in bytes. */
  stackLimit = 8 * 1024 * 1024;
  /** Resident pages by kind (MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES). */
  rssAnon = 0;
  rssFile = 0;
  rssShmem = 0;
  /** Swap entries in the page tables (MM_SWAPENTS, VmSwap). */
  swapEntries = 0;
  /**
   * RSS in pages recorded before memory was last unmapped (mm->hiwater_rss). Like Linux, it is
   * updated lazily: VmHWM is the larger of it and the current RSS.
   */
  rssPeak = 0;
  /** Bytes of page tables below the PGD (mm->pgtables_bytes, VmPTE). */
  pgtablesBytes = 0;
  /** Identity for PCID bookkeeping (mm->context.ctx_id): never reused. */
  readonly contextId: number;
  /** Last VMA found, to skip the search on the common repeated lookup (the old vmacache). */
  private lastFound: Vma | null = null;

  constructor(contextId: number) {
    this.contextId = contextId;
  }

  get rssPages(): number {
    return this.rssAnon + this.rssFile + this.rssShmem;
  }

  /** update_hiwater_rss: called before pages are unmapped. */
  updateHiwaterRss(): void {
    const rss = this.rssPages;
    if (rss > this.rssPeak) this.rssPeak = rss;
  }

  /** Total mapped bytes (VmSize). */
  totalVm(): number {
    let bytes = 0;
    for (const vma of this.vmas) bytes += vma.end - vma.start;
    return bytes;
  }

  /** The first VMA ending above `address` (find_vma): it contains the address or lies above it. */
  findVma(address: number): Vma | null {
    const cached = this.lastFound;
    if (cached !== null && cached.start <= address && address < cached.end) return cached;
    const index = this.indexAbove(address);
    const vma = this.vmas[index] ?? null;
    if (vma !== null && vma.start <= address) this.lastFound = vma;
    return vma;
  }

  /** The VMA containing `address`, or null. */
  vmaAt(address: number): Vma | null {
    const vma = this.findVma(address);
    return vma !== null && vma.start <= address ? vma : null;
  }

  /** The VMA just below `vma` in address order, or null. */
  previous(vma: Vma): Vma | null {
    const index = this.vmas.indexOf(vma);
    return index > 0 ? (this.vmas[index - 1] ?? null) : null;
  }

  /** Index of the first VMA whose end is above `address` (vmas.length when none). */
  indexAbove(address: number): number {
    let low = 0;
    let high = this.vmas.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.vmas[middle] as Vma).end <= address) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  insert(vma: Vma): void {
    this.vmas.splice(this.indexAbove(vma.start), 0, vma);
  }

  remove(vma: Vma): void {
    const index = this.vmas.indexOf(vma);
    if (index >= 0) this.vmas.splice(index, 1);
    if (this.lastFound === vma) this.lastFound = null;
  }

  /** Forget the lookup cache (after VMAs change shape). */
  invalidateLookupCache(): void {
    this.lastFound = null;
  }
}
