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
  LEVEL_PGD,
  LEVEL_PTE,
  levelSpan,
  PAGE_SIZE,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_PROTNONE,
  PTE_RW,
  PTE_USER,
  pageNumber,
  tableIndex,
} from "../arch/x86/pgtable.js";
import {
  OUTCOME_ANON_PAGE,
  OUTCOME_COW_COPY,
  OUTCOME_COW_REUSE,
  OUTCOME_FILE_PAGE,
  OUTCOME_OOM,
  OUTCOME_SHARED_PAGE,
  OUTCOME_WRITE_NOTIFY,
  OUTCOME_ZERO_PAGE,
} from "../probe.js";
import type { Process } from "../process.js";
import type { AddressSpace } from "./address_space.js";
import { FRAME_ANON, FRAME_FILE, FRAME_SHMEM, FRAME_ZERO, type PhysicalMemory } from "./frames.js";
import type { MmStruct } from "./mm_struct.js";
import { PROT_EXEC, PROT_NONE, PROT_WRITE, type Vma } from "./vma.js";
import { PGALLOC_NORMAL, PGFAULT, PGFREE } from "./vmstat.js";

/** Flags of an upper-level entry (_PAGE_TABLE): present, writable, user, accessed, dirty. */
const TABLE_ENTRY_FLAGS = PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY;

/** fault_around_bytes / PAGE_SIZE: a read fault on a cached page maps up to 16 pages. */
export const FAULT_AROUND_PAGES = 16;

/** Results of handleMmFault (a subset of vm_fault_t). */
export const VM_FAULT_DONE = 0;
export const VM_FAULT_OOM = 1;
export const VM_FAULT_SIGBUS = 2;

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
  if (vma.prot & PROT_WRITE && vma.isShared) flags |= PTE_RW;
  return flags;
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

  constructor(
    readonly phys: PhysicalMemory,
    readonly vmstat: Float64Array,
    private readonly tlb: TlbInvalidator,
  ) {}

  // ---- page tables -------------------------------------------------------------------------

  /** A fresh top-level table for a new address space (pgd_alloc); false when out of memory. */
  allocatePgd(mm: MmStruct, pid: number): boolean {
    const pfn = this.phys.allocTable(pid);
    if (pfn < 0) return false;
    mm.pgd = pfn;
    return true;
  }

  /**
   * The entry offset of the PTE for `address`, or -1 when a table on the way is missing.
   * With `allocate`, missing tables are allocated (__pte_alloc); -2 means out of memory.
   */
  pteOffset(mm: MmStruct, pid: number, address: number, allocate: boolean): number {
    const phys = this.phys;
    let table = mm.pgd;
    for (let level = LEVEL_PGD; level > LEVEL_PTE; level--) {
      const offset = phys.entryOffset(table, tableIndex(address, level));
      const low = phys.tableLow[offset] as number;
      if (low & PTE_PRESENT) {
        table = entryPfn(low, phys.tableHigh[offset] as number);
        continue;
      }
      if (!allocate) return -1;
      const child = phys.allocTable(pid);
      if (child < 0) return -2;
      this.lastFaultTables++;
      mm.pgtablesBytes += PAGE_SIZE;
      phys.tableLow[offset] = entryLow(child, TABLE_ENTRY_FLAGS);
      phys.tableHigh[offset] = entryHigh(child, false);
      table = child;
    }
    return phys.entryOffset(table, tableIndex(address, LEVEL_PTE));
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

  private mapFrame(mm: MmStruct, pfn: number): void {
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
  private unmapFrame(mm: MmStruct, pfn: number): void {
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
  }

  private allocateFrame(kind: number, pid: number): number {
    const pfn = this.phys.allocFrame(kind, pid);
    if (pfn >= 0) this.vmstat[PGALLOC_NORMAL] = (this.vmstat[PGALLOC_NORMAL] as number) + 1;
    return pfn;
  }

  private releaseFrame(pfn: number): void {
    this.phys.freeFrame(pfn);
    this.vmstat[PGFREE] = (this.vmstat[PGFREE] as number) + 1;
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
    // Like vmf->address, the handlers work on the page-aligned address.
    const pageAddress = address - ((address >>> 0) & (PAGE_SIZE - 1));
    const result = this.dispatchFault(process, vma, pageAddress, write);
    if (result === VM_FAULT_DONE) process.minflt++;
    else this.lastFaultOutcome = OUTCOME_OOM;
    return result;
  }

  private dispatchFault(process: Process, vma: Vma, address: number, write: boolean): number {
    const mm = process.mm;
    const offset = this.pteOffset(mm, process.pid, address, true);
    if (offset === -2) return VM_FAULT_OOM;
    const low = this.phys.tableLow[offset] as number;
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
      this.setEntry(offset, oldPfn, writableFlags, nx);
      this.lastFaultOutcome = OUTCOME_WRITE_NOTIFY;
      this.lastFaultPfn = oldPfn;
      return VM_FAULT_DONE;
    }
    process.cowFaults++;
    if (phys.kind[oldPfn] === FRAME_ANON && phys.refcount[oldPfn] === 1) {
      // wp_can_reuse_anon_folio: the only reference is ours, so no copy (but still a fault).
      this.setEntry(offset, oldPfn, writableFlags, nx);
      this.lastFaultOutcome = OUTCOME_COW_REUSE;
      this.lastFaultPfn = oldPfn;
      return VM_FAULT_DONE;
    }
    const fromZeroPage = oldPfn === phys.zeroPfn;
    const pfn = this.newAnonPage(process, vma, address);
    if (pfn < 0) return VM_FAULT_OOM;
    if (!fromZeroPage) {
      // wp_page_copy copies the old contents instead of zeroing.
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
      if (pfn < 0) return VM_FAULT_OOM;
      this.setEntry(offset, pfn, pageProtection(vma), noExecute(vma));
      this.mapFrame(process.mm, pfn);
      this.lastFaultPfn = pfn;
    }
    this.lastFaultOutcome = vma.isAnonymous ? OUTCOME_SHARED_PAGE : OUTCOME_FILE_PAGE;
    return VM_FAULT_DONE;
  }

  /** do_shared_fault: a write to a shared mapping maps the cache page writable at once. */
  private doSharedFault(process: Process, vma: Vma, offset: number, address: number): number {
    const pfn = this.cachePage(process, vma, address);
    if (pfn < 0) return VM_FAULT_OOM;
    this.setEntry(offset, pfn, pageProtection(vma) | PTE_RW | PTE_DIRTY, noExecute(vma));
    this.mapFrame(process.mm, pfn);
    this.lastFaultOutcome = OUTCOME_SHARED_PAGE;
    this.lastFaultPfn = pfn;
    return VM_FAULT_DONE;
  }

  /** do_cow_fault: a write to an unmapped private file page gets a private copy of it. */
  private doCowFault(process: Process, vma: Vma, offset: number, address: number): number {
    const source = this.cachePage(process, vma, address);
    if (source < 0) return VM_FAULT_OOM;
    const pfn = this.newAnonPage(process, vma, address);
    if (pfn < 0) return VM_FAULT_OOM;
    this.lastFaultZeroed--;
    this.lastFaultCopied++;
    process.cowFaults++;
    this.setEntry(offset, pfn, pageProtection(vma) | PTE_RW | PTE_DIRTY, noExecute(vma));
    this.lastFaultOutcome = OUTCOME_COW_COPY;
    return VM_FAULT_DONE;
  }

  /**
   * The page-cache page for `address` of a file or shmem VMA, allocating a zeroed one when it
   * is not cached (shmem_get_folio; files are all cached until the page cache arrives).
   */
  private cachePage(process: Process, vma: Vma, address: number): number {
    const backing = vma.backing as AddressSpace;
    const index = vma.backingIndex(address);
    const cached = backing.pages.get(index);
    if (cached !== undefined) return cached;
    const pfn = this.allocateFrame(backing.isShmem ? FRAME_SHMEM : FRAME_FILE, process.pid);
    if (pfn < 0) return -1;
    this.phys.refcount[pfn] = 1; // the cache's own reference
    this.phys.pageIndex[pfn] = index;
    backing.pages.set(index, pfn);
    this.lastFaultZeroed++;
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
      if (pfn === undefined) continue;
      const offset = this.pteOffset(process.mm, process.pid, pageAddress, false);
      if (entryMapsFrame(this.phys.tableLow[offset] as number)) continue;
      this.setEntry(offset, pfn, flags, nx);
      this.mapFrame(process.mm, pfn);
    }
  }

  // ---- range operations (munmap, madvise, mprotect, fork, exit) ----------------------------

  /**
   * Visit every entry that maps a frame in [start, end) of `mm`: `visit(offset, address)`.
   * Skips whole missing tables, so sparse ranges are cheap.
   */
  forEachMappedEntry(
    mm: MmStruct,
    start: number,
    end: number,
    visit: (offset: number, address: number) => void,
  ): void {
    if (mm.pgd < 0) return;
    this.visitTable(mm.pgd, LEVEL_PGD, 0, start, end, visit);
  }

  private visitTable(
    table: number,
    level: number,
    base: number,
    start: number,
    end: number,
    visit: (offset: number, address: number) => void,
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
        if (entryMapsFrame(low)) visit(offset, entryBase);
      } else if (low & PTE_PRESENT) {
        const child = entryPfn(low, phys.tableHigh[offset] as number);
        this.visitTable(child, level - 1, entryBase, start, end, visit);
      }
    }
  }

  /** zap_page_range: unmap every page in [start, end) and flush the TLB for the range. */
  zapRange(mm: MmStruct, start: number, end: number): void {
    mm.updateHiwaterRss();
    let zapped = 0;
    this.forEachMappedEntry(mm, start, end, (offset) => {
      const pfn = entryPfn(
        this.phys.tableLow[offset] as number,
        this.phys.tableHigh[offset] as number,
      );
      this.clearEntry(offset);
      this.unmapFrame(mm, pfn);
      zapped++;
    });
    if (zapped > 0) this.tlb.invalidateRange(mm, start, end);
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
    this.forEachMappedEntry(mm, start, end, (offset) => {
      const low = phys.tableLow[offset] as number;
      const pfn = entryPfn(low, phys.tableHigh[offset] as number);
      // The dirty bit survives any protection change (it says the page must be written back).
      let flags = base | (low & PTE_DIRTY);
      const exclusiveAnon = phys.kind[pfn] === FRAME_ANON && phys.refcount[pfn] === 1;
      if (vma.prot & PROT_WRITE && !vma.isShared && exclusiveAnon) flags |= PTE_RW;
      this.setEntry(offset, pfn, flags, nx);
      changed++;
    });
    if (changed > 0) this.tlb.invalidateRange(mm, start, end);
  }

  /**
   * copy_page_range for fork: copy `vma`'s entries from parent to child. Private pages are
   * write-protected in both, so the first write on either side is a COW fault.
   * Returns false when the child's page tables cannot be allocated.
   */
  copyPageRange(parent: MmStruct, child: MmStruct, childPid: number, vma: Vma): boolean {
    const phys = this.phys;
    let ok = true;
    this.forEachMappedEntry(parent, vma.start, vma.end, (offset, address) => {
      if (!ok) return;
      let low = phys.tableLow[offset] as number;
      const high = phys.tableHigh[offset] as number;
      const childOffset = this.pteOffset(child, childPid, address, true);
      if (childOffset < 0) {
        ok = false;
        return;
      }
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
      if (!(low & PTE_PRESENT) || level === LEVEL_PTE) continue;
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
