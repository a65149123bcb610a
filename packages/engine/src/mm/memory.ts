/**
 * Page-table manipulation and page-fault handling: the model of mm/memory.c.
 *
 * Entries live in simulated page-table pages (PhysicalMemory's entry arrays). Faults here are the
 * part after the architecture has found the VMA and checked the access (arch/x86/mm/fault.c):
 * handle_mm_fault and the handlers it dispatches to.
 */
import {
  ENTRIES_PER_TABLE,
  entryHigh,
  entryLow,
  entryPfn,
  isSwapEntry,
  LEVEL_PGD,
  LEVEL_PTE,
  levelSpan,
  PAGE_SIZE,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_PROTNONE,
  PTE_PSE,
  PTE_RW,
  PTE_SWAP,
  PTE_USER,
  pageNumber,
  tableIndex,
} from "../arch/x86/pgtable.js";
import {
  OUTCOME_ANON_PAGE,
  OUTCOME_COW_COPY,
  OUTCOME_COW_REUSE,
  OUTCOME_FILE_PAGE,
  OUTCOME_FILE_READ,
  OUTCOME_OOM,
  OUTCOME_SHARED_PAGE,
  OUTCOME_SIGBUS,
  OUTCOME_SWAP_IN,
  OUTCOME_WRITE_NOTIFY,
  OUTCOME_ZERO_PAGE,
} from "../probe.js";
import type { Process } from "../process.js";
import type { AddressSpace } from "./address_space.js";
import type { PageCache } from "./filemap.js";
import {
  FRAME_ANON,
  FRAME_FILE,
  FRAME_SHMEM,
  FRAME_ZERO,
  PG_DIRTY,
  PG_READAHEAD,
  type PhysicalMemory,
} from "./frames.js";
import { HugeMemory, VM_FAULT_FALLBACK } from "./huge_memory.js";
import type { MmStruct } from "./mm_struct.js";
import type { SwapDevice } from "./swapfile.js";
import type { UserPages } from "./user_pages.js";
import { PROT_EXEC, PROT_NONE, PROT_WRITE, type Vma } from "./vma.js";
import { PGFAULT, PGMAJFAULT, PSWPIN } from "./vmstat.js";

/** Flags of an upper-level entry (_PAGE_TABLE): present, writable, user, accessed, dirty. */
const TABLE_ENTRY_FLAGS = PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY;

/** fault_around_bytes / PAGE_SIZE: a read fault on a cached page maps up to 16 pages. */
export const FAULT_AROUND_PAGES = 16;

/** Results of handleMmFault (a subset of vm_fault_t). */
export const VM_FAULT_DONE = 0;
export const VM_FAULT_OOM = 1;
export const VM_FAULT_SIGBUS = 2;

/** pteOffset's answer when a huge PMD maps the address: there is no PTE. */
export const HUGE_PMD = -3;

/** cachePage's failures: out of memory, or a page beyond the end of the file. */
const NO_MEMORY = -1;
const BEYOND_EOF = -2;

/** What the CPU must do to its TLBs when page tables change (flush_tlb_page, flush_tlb_range, flush_tlb_mm). */
export interface TlbInvalidator {
  invalidatePage(mm: MmStruct, address: number): void;
  invalidateRange(mm: MmStruct, start: number, end: number): void;
  invalidateMm(mm: MmStruct): void;
}

/**
 * The low flag bits a PTE of `vma` gets (vm_page_prot): x86's protection_map sets A on every
 * present entry; private mappings start read-only so the first write can copy.
 */
export function pageProtection(vma: Vma): number {
  if (vma.prot === PROT_NONE) return PTE_ACCESSED | PTE_PROTNONE;
  let flags = PTE_PRESENT | PTE_USER | PTE_ACCESSED;
  if (vma.prot & PROT_WRITE && vma.isShared && !wantsWriteNotify(vma)) flags |= PTE_RW;
  return flags;
}

/**
 * vma_wants_writenotify: a shared writable file mapping starts read-only, so that the first store
 * to a clean page faults and the kernel can mark the page dirty (shmem needs no such notice).
 */
export function wantsWriteNotify(vma: Vma): boolean {
  return vma.isShared && vma.backing !== null && !vma.backing.isShmem;
}

function noExecute(vma: Vma): boolean {
  return (vma.prot & PROT_EXEC) === 0;
}

/** A present (or PROT_NONE but resident) entry maps a frame. */
export function entryMapsFrame(low: number): boolean {
  return (low & (PTE_PRESENT | PTE_PROTNONE)) !== 0;
}

export class MemoryManager {
  /** What the last handleMmFault did (an OUTCOME_* of probe.ts), for the access's journey. */
  lastFaultOutcome = 0;
  /** PFN the last fault mapped at the faulting address. */
  lastFaultPfn = -1;
  /** Table pages allocated and pages zeroed or copied by the last fault, for its cost. */
  lastFaultTables = 0;
  lastFaultZeroed = 0;
  lastFaultCopied = 0;
  /** Whether the last fault waited for the disk (a major fault), and for how long in ns. */
  lastFaultMajor = false;
  lastFaultIoNs = 0;
  /** The swap device, when the machine has one (swapon). */
  swap: SwapDevice | null = null;
  /** log2 of the pages swap readahead reads around a missing slot (vm.page-cluster). */
  pageCluster = 3;
  /** Transparent huge pages (huge_memory.ts). */
  readonly huge: HugeMemory = new HugeMemory(this);

  constructor(
    readonly phys: PhysicalMemory,
    readonly vmstat: Float64Array,
    readonly tlb: TlbInvalidator,
    readonly pages: UserPages,
    readonly pageCache: PageCache,
  ) {}

  // ---- page tables -------------------------------------------------------------------------

  /** A fresh top-level table for a new address space (pgd_alloc); false when out of memory. */
  allocatePgd(mm: MmStruct, pid: number): boolean {
    const pfn = this.pages.allocateTable(pid);
    if (pfn < 0) return false;
    mm.pgd = pfn;
    return true;
  }

  /**
   * The entry offset of the PTE for `address`, or -1 when a table on the way is missing.
   * With `allocate`, missing tables are allocated (__pte_alloc); -2 means out of memory.
   * HUGE_PMD when a huge PMD maps the address.
   */
  pteOffset(mm: MmStruct, pid: number, address: number, allocate: boolean): number {
    return this.entryOffsetAt(mm, pid, address, allocate, LEVEL_PTE);
  }

  /**
   * The offset of the entry at `leafLevel` (LEVEL_PTE, or LEVEL_PMD for a huge page) for
   * `address`, walking from the PGD; -1 when a table on the way is missing or the address space
   * has no PGD. With `allocate`, missing tables are allocated (__pud_alloc, __pmd_alloc,
   * __pte_alloc); -2 means out of memory. HUGE_PMD when a huge PMD lies above `leafLevel`.
   */
  entryOffsetAt(
    mm: MmStruct,
    pid: number,
    address: number,
    allocate: boolean,
    leafLevel: number,
  ): number {
    const phys = this.phys;
    let table = mm.pgd;
    if (table < 0) return -1;
    for (let level = LEVEL_PGD; level > leafLevel; level--) {
      const offset = phys.entryOffset(table, tableIndex(address, level));
      const low = phys.tableLow[offset] as number;
      if (low & PTE_PRESENT) {
        if (low & PTE_PSE) return HUGE_PMD;
        table = entryPfn(low, phys.tableHigh[offset] as number);
        continue;
      }
      if (!allocate) return -1;
      const child = this.pages.allocateTable(pid);
      if (child < 0) return -2;
      this.lastFaultTables++;
      mm.pgtablesBytes += PAGE_SIZE;
      phys.tableLow[offset] = entryLow(child, TABLE_ENTRY_FLAGS);
      phys.tableHigh[offset] = entryHigh(child, false);
      table = child;
    }
    return phys.entryOffset(table, tableIndex(address, leafLevel));
  }

  private setEntry(offset: number, pfn: number, flags: number, nx: boolean): void {
    this.phys.tableLow[offset] = entryLow(pfn, flags);
    this.phys.tableHigh[offset] = entryHigh(pfn, nx);
  }

  private clearEntry(offset: number): void {
    this.phys.tableLow[offset] = 0;
    this.phys.tableHigh[offset] = 0;
  }

  // ---- frame references (the rmap side: mapcount and refcount) -------------------------------

  mapFrame(mm: MmStruct, pfn: number): void {
    const phys = this.phys;
    const kind = phys.kind[pfn];
    if (kind === FRAME_ZERO) return;
    phys.mapcount[pfn] = (phys.mapcount[pfn] as number) + 1;
    phys.refcount[pfn] = (phys.refcount[pfn] as number) + 1;
    if (kind === FRAME_ANON) mm.rssAnon++;
    else if (kind === FRAME_SHMEM) mm.rssShmem++;
    else mm.rssFile++;
  }

  /** Drop one mapping of a frame; an anonymous frame nobody references any more is freed. */
  unmapFrame(mm: MmStruct, pfn: number): void {
    const phys = this.phys;
    const kind = phys.kind[pfn];
    if (kind === FRAME_ZERO) return;
    phys.mapcount[pfn] = (phys.mapcount[pfn] as number) - 1;
    const references = (phys.refcount[pfn] as number) - 1;
    phys.refcount[pfn] = references;
    if (kind === FRAME_ANON) mm.rssAnon--;
    else if (kind === FRAME_SHMEM) mm.rssShmem--;
    else mm.rssFile--;
    if (references === 0) this.releaseFrame(pfn);
    // free_swap_cache: the last mapping of a swap-cache page is gone; if no swap entry needs
    // the slot either, drop both.
    else if (kind === FRAME_ANON && phys.mapcount[pfn] === 0) this.freeSwapCache(pfn);
  }

  private allocateFrame(kind: number, pid: number): number {
    return this.pages.allocate(kind, pid);
  }

  private releaseFrame(pfn: number): void {
    this.pages.release(pfn);
  }

  /** Hold an extra reference so reclaim leaves the page alone while a fault works on it. */
  private pin(pfn: number): void {
    if (pfn !== this.phys.zeroPfn)
      this.phys.refcount[pfn] = (this.phys.refcount[pfn] as number) + 1;
  }

  private unpin(pfn: number): void {
    if (pfn === this.phys.zeroPfn) return;
    const references = (this.phys.refcount[pfn] as number) - 1;
    this.phys.refcount[pfn] = references;
    if (references === 0) this.releaseFrame(pfn);
  }

  /**
   * Whether an anonymous page is ours alone: one mapping and no other reference, not even the
   * swap cache's (the refcount test of wp_can_reuse_anon_folio). A page still in the swap cache
   * may be shared through a swap entry of another process, so it never counts as exclusive.
   */
  private isExclusiveAnon(pfn: number): boolean {
    const phys = this.phys;
    return phys.kind[pfn] === FRAME_ANON && phys.mapcount[pfn] === 1 && phys.refcount[pfn] === 1;
  }

  /**
   * folio_free_swap: drop an anonymous page from the swap cache once no swap entry refers to its
   * slot any more, freeing the slot (the page in memory is now the only copy).
   */
  freeSwapCache(pfn: number): void {
    const phys = this.phys;
    const slot = phys.swapSlot[pfn] as number;
    const swap = this.swap;
    if (slot < 0 || swap === null || (swap.count[slot] as number) > 0) return;
    swap.removeFromCache(slot);
    phys.swapSlot[pfn] = -1;
    phys.flags[pfn] = (phys.flags[pfn] as number) & ~PG_DIRTY;
    this.unpin(pfn);
  }

  // ---- faults ------------------------------------------------------------------------------

  /**
   * handle_mm_fault: resolve a fault the architecture has already validated against `vma`.
   * Counts pgfault (as Linux does, even for faults that fail) and the task's minflt when it
   * completes; sets lastFault* for the journey.
   */
  handleMmFault(process: Process, vma: Vma, address: number, write: boolean): number {
    this.vmstat[PGFAULT] = (this.vmstat[PGFAULT] as number) + 1;
    this.lastFaultTables = 0;
    this.lastFaultZeroed = 0;
    this.lastFaultCopied = 0;
    this.lastFaultPfn = -1;
    this.lastFaultMajor = false;
    this.lastFaultIoNs = 0;
    // Like vmf->address, the handlers work on the page-aligned address.
    const pageAddress = address - ((address >>> 0) & (PAGE_SIZE - 1));
    const result = this.dispatchFault(process, vma, pageAddress, write);
    if (result === VM_FAULT_DONE) {
      if (this.lastFaultMajor) {
        process.majflt++;
        this.vmstat[PGMAJFAULT] = (this.vmstat[PGMAJFAULT] as number) + 1;
      } else {
        process.minflt++;
      }
    } else {
      this.lastFaultOutcome = result === VM_FAULT_SIGBUS ? OUTCOME_SIGBUS : OUTCOME_OOM;
    }
    return result;
  }

  private dispatchFault(process: Process, vma: Vma, address: number, write: boolean): number {
    const mm = process.mm;
    const huge = this.huge.handlePmdFault(process, vma, address, write);
    if (huge !== VM_FAULT_FALLBACK) return huge;
    const offset = this.pteOffset(mm, process.pid, address, true);
    if (offset === -2) return VM_FAULT_OOM;
    const low = this.phys.tableLow[offset] as number;
    if (isSwapEntry(low)) return this.doSwapPage(process, vma, offset, address, write);
    if (!entryMapsFrame(low)) {
      if (vma.backing === null) return this.doAnonymousPage(process, vma, offset, address, write);
      if (!write) return this.doReadFault(process, vma, offset, address);
      if (vma.isShared) return this.doSharedFault(process, vma, offset, address);
      return this.doCowFault(process, vma, offset, address);
    }
    if (write && !(low & PTE_RW)) return this.doWpPage(process, vma, offset, address);
    // A spurious fault (the TLB held a stale entry): the entry is already fine; make it young.
    this.phys.tableLow[offset] = low | PTE_ACCESSED | (write ? PTE_DIRTY : 0);
    this.lastFaultOutcome = OUTCOME_WRITE_NOTIFY;
    this.lastFaultPfn = entryPfn(low, this.phys.tableHigh[offset] as number);
    return VM_FAULT_DONE;
  }

  /** do_anonymous_page: a read maps the shared zero page; a write gets a private zeroed page. */
  private doAnonymousPage(
    process: Process,
    vma: Vma,
    offset: number,
    address: number,
    write: boolean,
  ): number {
    if (!write) {
      this.setEntry(offset, this.phys.zeroPfn, pageProtection(vma), noExecute(vma));
      this.lastFaultOutcome = OUTCOME_ZERO_PAGE;
      this.lastFaultPfn = this.phys.zeroPfn;
      return VM_FAULT_DONE;
    }
    const pfn = this.newAnonPage(process, vma, address);
    if (pfn < 0) return VM_FAULT_OOM;
    this.setEntry(offset, pfn, pageProtection(vma) | PTE_RW | PTE_DIRTY, noExecute(vma));
    this.lastFaultOutcome = OUTCOME_ANON_PAGE;
    return VM_FAULT_DONE;
  }

  /** A zeroed anonymous frame for `address`, mapped once (counted in RSS); -1 when out of memory. */
  private newAnonPage(process: Process, vma: Vma, address: number): number {
    const pfn = this.allocateFrame(FRAME_ANON, process.pid);
    if (pfn < 0) return -1;
    vma.hasAnonVma = true; // anon_vma_prepare
    this.phys.pageIndex[pfn] = pageNumber(address);
    this.mapFrame(process.mm, pfn);
    this.lastFaultZeroed++;
    this.lastFaultPfn = pfn;
    return pfn;
  }

  /**
   * do_wp_page: a write to a present read-only page of a writable VMA. Shared mappings just
   * become writable; private ones copy, or reuse a page nobody else references.
   */
  private doWpPage(process: Process, vma: Vma, offset: number, address: number): number {
    const phys = this.phys;
    const mm = process.mm;
    const low = phys.tableLow[offset] as number;
    const oldPfn = entryPfn(low, phys.tableHigh[offset] as number);
    const nx = noExecute(vma);
    const writableFlags = pageProtection(vma) | PTE_RW | PTE_DIRTY;
    if (vma.isShared) {
      // wp_page_shared: the write notice; the page is dirty from now on.
      if (phys.kind[oldPfn] === FRAME_FILE) this.pageCache.markDirty(oldPfn);
      this.setEntry(offset, oldPfn, writableFlags, nx);
      this.lastFaultOutcome = OUTCOME_WRITE_NOTIFY;
      this.lastFaultPfn = oldPfn;
      return VM_FAULT_DONE;
    }
    process.cowFaults++;
    // wp_can_reuse_anon_folio first lets go of a swap copy no swap entry needs any more.
    if (phys.kind[oldPfn] === FRAME_ANON) this.freeSwapCache(oldPfn);
    if (this.isExclusiveAnon(oldPfn)) {
      // The only reference is ours, so no copy (but still a fault).
      this.setEntry(offset, oldPfn, writableFlags, nx);
      this.lastFaultOutcome = OUTCOME_COW_REUSE;
      this.lastFaultPfn = oldPfn;
      return VM_FAULT_DONE;
    }
    const fromZeroPage = oldPfn === phys.zeroPfn;
    this.pin(oldPfn);
    const pfn = this.newAnonPage(process, vma, address);
    this.unpin(oldPfn);
    if (pfn < 0) return VM_FAULT_OOM;
    if (!fromZeroPage) {
      // wp_page_copy copies the old contents instead of zeroing.
      phys.stamp[pfn] = phys.stamp[oldPfn] as number;
      this.lastFaultZeroed--;
      this.lastFaultCopied++;
    }
    this.unmapFrame(mm, oldPfn);
    this.setEntry(offset, pfn, writableFlags, nx);
    this.tlb.invalidatePage(mm, address); // ptep_clear_flush
    this.lastFaultOutcome = OUTCOME_COW_COPY;
    return VM_FAULT_DONE;
  }

  /**
   * do_read_fault: map up to FAULT_AROUND_PAGES cached pages around the fault (do_fault_around,
   * filemap_map_pages), then the faulting page itself, bringing it into the cache if needed.
   */
  private doReadFault(process: Process, vma: Vma, offset: number, address: number): number {
    this.faultAround(process, vma, address);
    if (entryMapsFrame(this.phys.tableLow[offset] as number)) {
      this.lastFaultPfn = entryPfn(
        this.phys.tableLow[offset] as number,
        this.phys.tableHigh[offset] as number,
      );
    } else {
      const pfn = this.cachePage(process, vma, address);
      if (pfn < 0) return failure(pfn);
      this.setEntry(offset, pfn, pageProtection(vma), noExecute(vma));
      this.mapFrame(process.mm, pfn);
      this.lastFaultPfn = pfn;
    }
    this.lastFaultOutcome = vma.isAnonymous
      ? OUTCOME_SHARED_PAGE
      : this.lastFaultMajor
        ? OUTCOME_FILE_READ
        : OUTCOME_FILE_PAGE;
    return VM_FAULT_DONE;
  }

  /** do_shared_fault: a write to a shared mapping maps the cache page writable at once. */
  private doSharedFault(process: Process, vma: Vma, offset: number, address: number): number {
    const pfn = this.cachePage(process, vma, address);
    if (pfn < 0) return failure(pfn);
    if (this.phys.kind[pfn] === FRAME_FILE) this.pageCache.markDirty(pfn);
    this.setEntry(offset, pfn, pageProtection(vma) | PTE_RW | PTE_DIRTY, noExecute(vma));
    this.mapFrame(process.mm, pfn);
    this.lastFaultOutcome = OUTCOME_SHARED_PAGE;
    this.lastFaultPfn = pfn;
    return VM_FAULT_DONE;
  }

  /** do_cow_fault: a write to an unmapped private file page gets a private copy of it. */
  private doCowFault(process: Process, vma: Vma, offset: number, address: number): number {
    const source = this.cachePage(process, vma, address);
    if (source < 0) return failure(source);
    this.pin(source);
    const pfn = this.newAnonPage(process, vma, address);
    this.unpin(source);
    if (pfn < 0) return VM_FAULT_OOM;
    this.phys.stamp[pfn] = this.phys.stamp[source] as number;
    this.lastFaultZeroed--;
    this.lastFaultCopied++;
    process.cowFaults++;
    this.setEntry(offset, pfn, pageProtection(vma) | PTE_RW | PTE_DIRTY, noExecute(vma));
    this.lastFaultOutcome = OUTCOME_COW_COPY;
    return VM_FAULT_DONE;
  }

  /**
   * The page-cache page for `address` of a file or shmem VMA (filemap_fault, shmem_get_folio):
   * a file page missing from the cache is read from the disk (the fault becomes major); a shmem
   * page missing is a fresh zeroed page. BEYOND_EOF past the end of the object.
   */
  private cachePage(process: Process, vma: Vma, address: number): number {
    const backing = vma.backing as AddressSpace;
    const index = vma.backingIndex(address);
    if (index >= backing.sizeInPages) return BEYOND_EOF;
    if (!backing.isShmem) {
      const cache = this.pageCache;
      const pfn = cache.faultPage(backing, vma.readahead, vma.readAdvice, index, process.pid);
      if (cache.pagesRead > 0 && cache.waitedNs > 0) {
        this.lastFaultMajor = true;
        this.lastFaultIoNs += cache.waitedNs;
      }
      return pfn < 0 ? NO_MEMORY : pfn;
    }
    const cached = backing.pages.get(index);
    if (cached !== undefined) return cached;
    const pfn = this.pageCache.addPage(backing, index, process.pid);
    if (pfn < 0) return NO_MEMORY;
    this.lastFaultZeroed++;
    return pfn;
  }

  /**
   * do_swap_page: the entry holds a swap slot. A page still in the swap cache is mapped at once
   * (minor); otherwise the slot and its neighbours are read from the device (major). An
   * exclusive page is mapped writable, and a write to it frees its slot; a shared one is copied
   * by do_wp_page in the same fault.
   */
  private doSwapPage(
    process: Process,
    vma: Vma,
    offset: number,
    address: number,
    write: boolean,
  ): number {
    const phys = this.phys;
    const swap = this.swap as SwapDevice;
    const slot = entryPfn(phys.tableLow[offset] as number, phys.tableHigh[offset] as number);
    let pfn = swap.cachePfn[slot] as number;
    if (pfn < 0) {
      pfn = this.swapReadahead(process, slot);
      if (pfn < 0) return VM_FAULT_OOM;
      this.lastFaultMajor = true;
    }
    const mm = process.mm;
    swap.release(slot);
    mm.swapEntries--;
    phys.pageIndex[pfn] = pageNumber(address);
    vma.hasAnonVma = true;
    this.mapFrame(mm, pfn);
    const exclusive = phys.mapcount[pfn] === 1 && swap.count[slot] === 0;
    let flags = pageProtection(vma);
    if (exclusive && vma.prot & PROT_WRITE) {
      flags |= PTE_RW;
      if (write) {
        // should_try_to_free_swap: the copy in swap is about to be stale.
        this.freeSwapCache(pfn);
        flags |= PTE_DIRTY;
      }
    }
    this.setEntry(offset, pfn, flags, noExecute(vma));
    this.lastFaultOutcome = OUTCOME_SWAP_IN;
    this.lastFaultPfn = pfn;
    if (write && !exclusive) return this.doWpPage(process, vma, offset, address);
    return VM_FAULT_DONE;
  }

  /**
   * swap_cluster_readahead: read the aligned block of 2^pageCluster slots around `slot` (the
   * slots in use and not already cached) into the swap cache, one request per run. Returns the
   * frame holding `slot`'s page, or -1 when memory ran out.
   */
  private swapReadahead(process: Process, slot: number): number {
    const phys = this.phys;
    const swap = this.swap as SwapDevice;
    const target = this.readSwapSlot(process, slot);
    if (target < 0) return -1;
    this.pin(target);
    const mask = (1 << this.pageCluster) - 1;
    const first = Math.max(1, slot - (slot & mask));
    const last = Math.min(swap.slots - 1, slot | mask);
    const read: number[] = [];
    for (let neighbour = first; neighbour <= last; neighbour++) {
      if (neighbour === slot) {
        read.push(slot);
        continue;
      }
      if (swap.count[neighbour] === 0 || (swap.cachePfn[neighbour] as number) >= 0) continue;
      if (this.readSwapSlot(process, neighbour) < 0) break;
      read.push(neighbour);
    }
    this.unpin(target);
    this.lastFaultIoNs += swap.device.readRuns(read);
    this.vmstat[PSWPIN] = (this.vmstat[PSWPIN] as number) + read.length;
    return phys.swapSlot[target] === slot ? target : -1;
  }

  /** A fresh frame holding `slot`'s page, added to the swap cache (the I/O is charged by the caller). */
  private readSwapSlot(process: Process, slot: number): number {
    const swap = this.swap as SwapDevice;
    const pfn = this.allocateFrame(FRAME_ANON, process.pid);
    if (pfn < 0) return -1;
    const phys = this.phys;
    phys.stamp[pfn] = swap.stamp[slot] as number;
    phys.swapSlot[pfn] = slot;
    phys.refcount[pfn] = 1; // the swap cache's reference
    swap.addToCache(slot, pfn);
    return pfn;
  }

  /**
   * do_fault_around: the window starts at the larger of the fault's 16-page-aligned PTE index and
   * the VMA start, spans FAULT_AROUND_PAGES, and is cut at the VMA end and the end of the PTE
   * table. Only pages already cached are mapped; populated entries are left alone.
   */
  private faultAround(process: Process, vma: Vma, address: number): void {
    const pteIndex = tableIndex(address, LEVEL_PTE);
    const vmaOffset = (address - vma.start) / PAGE_SIZE;
    const fromPte = Math.max(
      pteIndex - (pteIndex % FAULT_AROUND_PAGES),
      pteIndex - Math.min(pteIndex, vmaOffset),
    );
    const toPte = Math.min(
      fromPte + FAULT_AROUND_PAGES,
      ENTRIES_PER_TABLE,
      pteIndex + vma.pages - vmaOffset,
    );
    const backing = vma.backing as AddressSpace;
    const flags = pageProtection(vma);
    const nx = noExecute(vma);
    for (let pte = fromPte; pte < toPte; pte++) {
      const pageAddress = address + (pte - pteIndex) * PAGE_SIZE;
      const pfn = backing.pages.get(vma.backingIndex(pageAddress));
      // filemap_map_pages leaves a PG_readahead page to a real fault, which starts the next window.
      if (pfn === undefined || (this.phys.flags[pfn] as number) & PG_READAHEAD) continue;
      const offset = this.pteOffset(process.mm, process.pid, pageAddress, false);
      if (entryMapsFrame(this.phys.tableLow[offset] as number)) continue;
      this.setEntry(offset, pfn, flags, nx);
      this.mapFrame(process.mm, pfn);
    }
  }

  // ---- range operations (munmap, madvise, mprotect, fork, exit) ----------------------------

  /**
   * Visit every entry that maps a frame in [start, end) of `mm`: `visit(offset, address)`.
   * Skips whole missing tables, so sparse ranges are cheap. A huge PMD goes to `visitHuge`
   * (with the 2 MiB-aligned address it maps), or is skipped without one.
   */
  forEachMappedEntry(
    mm: MmStruct,
    start: number,
    end: number,
    visit: EntryVisitor,
    visitHuge?: EntryVisitor,
  ): void {
    if (mm.pgd < 0) return;
    this.visitTable(mm.pgd, LEVEL_PGD, 0, start, end, false, visit, visitHuge);
  }

  /** Like forEachMappedEntry, but also visits entries holding a swap entry. */
  forEachUsedEntry(
    mm: MmStruct,
    start: number,
    end: number,
    visit: EntryVisitor,
    visitHuge?: EntryVisitor,
  ): void {
    if (mm.pgd < 0) return;
    this.visitTable(mm.pgd, LEVEL_PGD, 0, start, end, true, visit, visitHuge);
  }

  private visitTable(
    table: number,
    level: number,
    base: number,
    start: number,
    end: number,
    withSwap: boolean,
    visit: EntryVisitor,
    visitHuge: EntryVisitor | undefined,
  ): void {
    const phys = this.phys;
    const span = levelSpan(level);
    const first = Math.max(0, Math.floor((start - base) / span));
    const last = Math.min(ENTRIES_PER_TABLE - 1, Math.floor((end - 1 - base) / span));
    for (let index = first; index <= last; index++) {
      const offset = phys.entryOffset(table, index);
      const low = phys.tableLow[offset] as number;
      const entryBase = base + index * span;
      if (level === LEVEL_PTE) {
        if (entryMapsFrame(low) || (withSwap && isSwapEntry(low))) visit(offset, entryBase);
      } else if (low & PTE_PSE) {
        if (low & PTE_PRESENT && visitHuge !== undefined) visitHuge(offset, entryBase);
      } else if (low & PTE_PRESENT) {
        const child = entryPfn(low, phys.tableHigh[offset] as number);
        this.visitTable(child, level - 1, entryBase, start, end, withSwap, visit, visitHuge);
      }
    }
  }

  /** zap_page_range: unmap every page in [start, end) and flush the TLB for the range. */
  zapRange(mm: MmStruct, start: number, end: number): void {
    mm.updateHiwaterRss();
    this.huge.splitEdges(mm, start, end);
    let zapped = 0;
    this.forEachUsedEntry(
      mm,
      start,
      end,
      (offset) => {
        const low = this.phys.tableLow[offset] as number;
        const target = entryPfn(low, this.phys.tableHigh[offset] as number);
        this.clearEntry(offset);
        if (isSwapEntry(low)) {
          this.releaseSwapEntry(mm, target);
          return;
        }
        this.transferDirty(target, low);
        this.unmapFrame(mm, target);
        zapped++;
      },
      (offset) => {
        this.huge.zapHugePmd(mm, offset);
        zapped++;
      },
    );
    if (zapped > 0) this.tlb.invalidateRange(mm, start, end);
  }

  /** free_swap_and_cache: a swap entry is gone; a slot left only in the swap cache is dropped. */
  private releaseSwapEntry(mm: MmStruct, slot: number): void {
    const swap = this.swap as SwapDevice;
    mm.swapEntries--;
    if (!swap.release(slot)) return;
    const pfn = swap.cachePfn[slot] as number;
    if (this.phys.mapcount[pfn] === 0) this.freeSwapCache(pfn);
  }

  /** A dirty PTE of a file page going away leaves its dirtiness on the page (zap_pte_range). */
  transferDirty(pfn: number, low: number): void {
    if (low & PTE_DIRTY && this.phys.kind[pfn] === FRAME_FILE) this.pageCache.markDirty(pfn);
  }

  /**
   * try_to_unmap_one for reclaim: take the entry at `offset` (mapping `pfn`) away. An anonymous
   * page leaves a swap entry for `slot`; a file page leaves nothing. Returns the entry's dirty
   * bit, which the caller moves to the page.
   */
  unmapForReclaim(
    mm: MmStruct,
    offset: number,
    address: number,
    pfn: number,
    slot: number,
  ): boolean {
    const low = this.phys.tableLow[offset] as number;
    if (slot >= 0) {
      this.phys.tableLow[offset] = entryLow(slot, PTE_SWAP);
      this.phys.tableHigh[offset] = entryHigh(slot, false);
      (this.swap as SwapDevice).duplicate(slot);
      mm.swapEntries++;
    } else {
      this.clearEntry(offset);
    }
    mm.updateHiwaterRss();
    this.unmapFrame(mm, pfn);
    this.tlb.invalidatePage(mm, address);
    return (low & PTE_DIRTY) !== 0;
  }

  /** folio_mkclean's step for one mapping: write-protect and clean the entry so the next store faults. */
  cleanEntry(mm: MmStruct, offset: number, address: number): void {
    const low = this.phys.tableLow[offset] as number;
    if (!(low & (PTE_RW | PTE_DIRTY))) return;
    this.phys.tableLow[offset] = (low & ~(PTE_RW | PTE_DIRTY)) >>> 0;
    this.tlb.invalidatePage(mm, address);
  }

  /**
   * change_protection after mprotect: rewrite the entries of [start, end) for `vma`'s new
   * protection. Private pages stay read-only unless they are exclusively ours (Linux then makes
   * them writable at once: can_change_pte_writable), so COW still happens where it must.
   * Simplified: "exclusive" is judged by the refcount, where Linux keeps a PageAnonExclusive flag
   * that fork clears and only a write fault sets again.
   */
  changeProtection(mm: MmStruct, vma: Vma, start: number, end: number): void {
    const phys = this.phys;
    const base = pageProtection(vma);
    const nx = noExecute(vma);
    let changed = 0;
    this.huge.splitEdges(mm, start, end);
    if (vma.prot === PROT_NONE) this.huge.splitRange(mm, start, end);
    const changeHuge = (offset: number): void => {
      this.huge.changeHugePmd(vma, offset);
      changed++;
    };
    this.forEachMappedEntry(
      mm,
      start,
      end,
      (offset) => {
        const low = phys.tableLow[offset] as number;
        const pfn = entryPfn(low, phys.tableHigh[offset] as number);
        // The dirty bit survives any protection change (it says the page must be written back).
        let flags = base | (low & PTE_DIRTY);
        if (vma.prot & PROT_WRITE && !vma.isShared && this.isExclusiveAnon(pfn)) flags |= PTE_RW;
        // A shared file page already dirty may stay writable; a clean one waits for its write notice.
        if (wantsWriteNotify(vma) && !(low & PTE_DIRTY)) flags &= ~PTE_RW;
        this.setEntry(offset, pfn, flags, nx);
        changed++;
      },
      changeHuge,
    );
    if (changed > 0) this.tlb.invalidateRange(mm, start, end);
  }

  /**
   * copy_page_range for fork: copy `vma`'s entries from parent to child. Private pages are
   * write-protected in both, so the first write on either side is a COW fault.
   * Returns false when the child's page tables cannot be allocated.
   */
  copyPageRange(parent: MmStruct, child: MmStruct, childPid: number, vma: Vma): boolean {
    const phys = this.phys;
    if (!this.huge.copyHugePmds(parent, child, childPid, vma)) return false;
    let ok = true;
    this.forEachUsedEntry(parent, vma.start, vma.end, (offset, address) => {
      if (!ok) return;
      const childOffset = this.pteOffset(child, childPid, address, true);
      // Split by reclaim after copy_huge_pmd: the child maps the page through its huge PMD.
      if (childOffset === HUGE_PMD) return;
      if (childOffset < 0) {
        ok = false;
        return;
      }
      // Read the parent's entry only now: reclaim may have run while the child's table was allocated.
      let low = phys.tableLow[offset] as number;
      const high = phys.tableHigh[offset] as number;
      if (isSwapEntry(low)) {
        // copy_nonpresent_pte: both entries now refer to the slot.
        (this.swap as SwapDevice).duplicate(entryPfn(low, high));
        child.swapEntries++;
        phys.tableLow[childOffset] = low;
        phys.tableHigh[childOffset] = high;
        return;
      }
      if (!entryMapsFrame(low)) return;
      if (!vma.isShared && low & PTE_RW) {
        low &= ~PTE_RW;
        phys.tableLow[offset] = low >>> 0;
      }
      // The child's entry starts old (pte_mkold); the hardware sets A again on its first use.
      phys.tableLow[childOffset] = (low & ~PTE_ACCESSED) >>> 0;
      phys.tableHigh[childOffset] = high;
      this.mapFrame(child, entryPfn(low, high));
    });
    return ok;
  }

  /**
   * free_pgtables: release page-table pages whose whole span lies in [floor, ceiling), i.e. no
   * VMA can need them any more. Called after zapping [start, end) with floor/ceiling the
   * neighbouring VMAs' edges.
   */
  freePageTables(mm: MmStruct, start: number, end: number, floor: number, ceiling: number): void {
    if (mm.pgd < 0) return;
    this.freeTablesBelow(mm, mm.pgd, LEVEL_PGD, 0, start, end, floor, ceiling);
  }

  private freeTablesBelow(
    mm: MmStruct,
    table: number,
    level: number,
    base: number,
    start: number,
    end: number,
    floor: number,
    ceiling: number,
  ): void {
    const phys = this.phys;
    const span = levelSpan(level);
    const first = Math.max(0, Math.floor((start - base) / span));
    const last = Math.min(ENTRIES_PER_TABLE - 1, Math.floor((end - 1 - base) / span));
    for (let index = first; index <= last; index++) {
      const offset = phys.entryOffset(table, index);
      const low = phys.tableLow[offset] as number;
      if (!(low & PTE_PRESENT) || low & PTE_PSE || level === LEVEL_PTE) continue;
      const child = entryPfn(low, phys.tableHigh[offset] as number);
      const childBase = base + index * span;
      if (level - 1 > LEVEL_PTE) {
        this.freeTablesBelow(mm, child, level - 1, childBase, start, end, floor, ceiling);
      }
      if (childBase >= floor && childBase + span <= ceiling) {
        this.clearEntry(offset);
        this.releaseTable(mm, child);
      }
    }
  }

  private releaseTable(mm: MmStruct, pfn: number): void {
    mm.pgtablesBytes -= PAGE_SIZE;
    this.phys.refcount[pfn] = 0;
    this.releaseFrame(pfn);
  }

  /** exit_mmap's last step: free the top-level table (after every VMA is gone). */
  freePgd(mm: MmStruct): void {
    if (mm.pgd < 0) return;
    this.phys.refcount[mm.pgd] = 0;
    this.releaseFrame(mm.pgd);
    mm.pgd = -1;
  }
}

/** Called with an entry's offset in the entry arrays and the virtual address it maps. */
export type EntryVisitor = (offset: number, address: number) => void;

/** The vm_fault_t for a cachePage failure. */
function failure(code: number): number {
  return code === BEYOND_EOF ? VM_FAULT_SIGBUS : VM_FAULT_OOM;
}
