/**
 * Transparent huge pages for private anonymous memory: the model of mm/huge_memory.c.
 *
 * A THP is an order-9 block of 512 frames mapped by one PMD entry with the PS bit. Each of its
 * frames keeps its own mapcount and refcount, raised once per PMD that maps the block (as if
 * the PMD were 512 PTEs), so that splitting a PMD into a PTE table changes no count and every
 * 4 KiB path (COW, reclaim, zap) works on the frames afterwards. Linux instead counts the
 * folio's "entire" mappings; `entireMapcount` here plays that part for AnonHugePages.
 *
 * As in Linux, every huge PMD has a PTE table deposited beside it (pgtable_trans_huge_deposit),
 * counted in the process's page-table bytes (VmPTE), so that a split never needs memory.
 *
 * The huge zero page (transparent_hugepage/use_zero_page): a read fault in an empty huge range
 * maps one shared order-9 block of zeroes read-only. Its frames are FRAME_ZERO, like the 4 KiB
 * zero page: no mapcount, refcount, RSS, LRU or rmap; allocated on first use and kept (Linux
 * may free it under memory pressure when no PMD maps it; this model never does).
 */
import {
  entryHigh,
  entryLow,
  entryPfn,
  LEVEL_PMD,
  PAGE_SIZE,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_FLAGS_MASK,
  PTE_HI_NX,
  PTE_PRESENT,
  PTE_PSE,
  PTE_RW,
  PTE_USER,
  pageNumber,
} from "../arch/x86/pgtable.js";
import {
  OUTCOME_ANON_PAGE,
  OUTCOME_COW_COPY,
  OUTCOME_COW_REUSE,
  OUTCOME_WRITE_NOTIFY,
  OUTCOME_ZERO_PAGE,
} from "../probe.js";
import type { Process } from "../process.js";
import { FRAME_ANON, FRAME_ZERO } from "./frames.js";
import { type MemoryManager, pageProtection, VM_FAULT_DONE, VM_FAULT_OOM } from "./memory.js";
import type { MmStruct } from "./mm_struct.js";
import { PROT_EXEC, PROT_NONE, PROT_WRITE, VM_HUGEPAGE, VM_NOHUGEPAGE, type Vma } from "./vma.js";
import {
  PGALLOC_NORMAL,
  THP_FAULT_ALLOC,
  THP_FAULT_FALLBACK,
  THP_SPLIT_PMD,
  THP_ZERO_PAGE_ALLOC,
  THP_ZERO_PAGE_ALLOC_FAILED,
} from "./vmstat.js";

/** HPAGE_PMD_ORDER: a huge page is an order-9 block of 512 frames, 2 MiB. */
export const PMD_ORDER = 9;
export const PMD_PAGES = 1 << PMD_ORDER;
export const HPAGE_SIZE = PMD_PAGES * PAGE_SIZE;

/** /sys/kernel/mm/transparent_hugepage/enabled. */
export type ThpMode = "always" | "madvise" | "never";
export const THP_MODES: readonly ThpMode[] = ["always", "madvise", "never"];

/** handlePmdFault's answer when the 4 KiB path must handle the fault (VM_FAULT_FALLBACK). */
export const VM_FAULT_FALLBACK = -1;

/** Flags of an entry that points at a table (_PAGE_TABLE), as memory.ts writes them. */
const TABLE_ENTRY_FLAGS = PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY;

/** The 2 MiB-aligned start of the huge page around `address`. */
export function hugeStart(address: number): number {
  return address - (address % HPAGE_SIZE);
}

export class HugeMemory {
  /** transparent_hugepage/enabled; `never` also when another page-table design is walked. */
  mode: ThpMode = "madvise";
  /** transparent_hugepage/use_zero_page: a read fault maps the huge zero page. */
  useZeroPage = true;
  /** PMD-mapped huge pages (NR_ANON_THPS): AnonHugePages in meminfo, nr_anon_transparent_hugepages. */
  anonThps = 0;
  /** First frame of the huge zero page (huge_zero_folio), -1 until a read fault first needs it. */
  hugeZeroPfn = -1;
  /** PMDs, in all processes, that map the huge zero page. */
  hugeZeroPmds = 0;
  /** PMDs mapping each huge page, by its first frame (the folio's entire mapcount). */
  private readonly entireMapcount = new Map<number, number>();
  /** The PTE table deposited with each huge PMD, by the PMD entry's offset. */
  private readonly deposited = new Map<number, number>();

  constructor(private readonly memory: MemoryManager) {}

  /** Deposited tables of `mm`'s huge PMDs (for the invariant checks): PMD offset → table PFN. */
  depositedTables(): ReadonlyMap<number, number> {
    return this.deposited;
  }

  /** Whether any huge PMD exists, so that range operations can skip looking for them. */
  private anyHugePmd(): boolean {
    return this.anonThps > 0 || this.hugeZeroPmds > 0;
  }

  /** is_huge_zero_pmd: whether the huge PMD entry `low`/`high` maps the huge zero page. */
  isHugeZeroPmd(low: number, high: number): boolean {
    return this.hugeZeroPfn >= 0 && entryPfn(low, high) === this.hugeZeroPfn;
  }

  /** PMDs that map the huge page starting at `head` (0 when none). */
  pmdMappings(head: number): number {
    return this.entireMapcount.get(head) ?? 0;
  }

  /**
   * thp_vma_allowable_order for an anonymous fault: THP is on for the VMA (always, or madvise
   * with VM_HUGEPAGE, never with VM_NOHUGEPAGE), the VMA is private anonymous and accessible,
   * and the whole 2 MiB-aligned range around `address` lies inside it.
   */
  allowed(vma: Vma, address: number): boolean {
    if (this.mode === "never" || vma.backing !== null || vma.isShared) return false;
    if (vma.prot === PROT_NONE || vma.flags & VM_NOHUGEPAGE) return false;
    if (this.mode === "madvise" && !(vma.flags & VM_HUGEPAGE)) return false;
    const start = hugeStart(address);
    return start >= vma.start && start + HPAGE_SIZE <= vma.end;
  }

  /**
   * The offset of the PMD entry for `address`, walking from the PGD; with `allocate`, missing
   * upper tables are allocated (-2 when memory runs out), otherwise -1 when one is missing.
   */
  pmdEntryOffset(mm: MmStruct, pid: number, address: number, allocate: boolean): number {
    return this.memory.entryOffsetAt(mm, pid, address, allocate, LEVEL_PMD);
  }

  /** The offset of the huge PMD entry that maps `address`, or -1 when there is none. */
  hugePmdOffset(mm: MmStruct, address: number): number {
    const offset = this.pmdEntryOffset(mm, 0, address, false);
    if (offset < 0) return -1;
    const low = this.memory.phys.tableLow[offset] as number;
    return low & PTE_PRESENT && low & PTE_PSE ? offset : -1;
  }

  /**
   * The PMD part of __handle_mm_fault: an empty PMD in a THP range gets a huge page
   * (do_huge_pmd_anonymous_page); a write to a write-protected huge PMD goes to
   * do_huge_pmd_wp_page; a huge PMD that already allows the access was a stale TLB entry.
   * Returns a VM_FAULT_* result, or VM_FAULT_FALLBACK for the 4 KiB path.
   */
  handlePmdFault(process: Process, vma: Vma, address: number, write: boolean): number {
    const memory = this.memory;
    const phys = memory.phys;
    const mm = process.mm;
    const eligible = this.allowed(vma, address);
    if (!eligible && !this.anyHugePmd()) return VM_FAULT_FALLBACK;
    const offset = this.pmdEntryOffset(mm, process.pid, address, eligible);
    if (offset === -2) return VM_FAULT_OOM;
    if (offset < 0) return VM_FAULT_FALLBACK;
    const low = phys.tableLow[offset] as number;
    if (low & PTE_PSE) {
      if (write && !(low & PTE_RW)) return this.doHugePmdWpPage(process, vma, offset, address);
      phys.tableLow[offset] = (low | PTE_ACCESSED | (write ? PTE_DIRTY : 0)) >>> 0;
      memory.lastFaultOutcome = OUTCOME_WRITE_NOTIFY;
      memory.lastFaultPfn = this.subpage(offset, address);
      return VM_FAULT_DONE;
    }
    if (low !== 0 || !eligible) return VM_FAULT_FALLBACK;
    if (!write && this.useZeroPage) return this.doHugeZeroPageFault(process, vma, offset, address);
    return this.doHugePmdAnonymousPage(process, vma, offset, address);
  }

  /**
   * do_huge_pmd_anonymous_page: a zeroed order-9 block mapped by one PMD, writable and dirty
   * when the VMA is writable (a read fault with use_zero_page off does the same).
   * No block (or memory too low for one): thp_fault_fallback and the 4 KiB path.
   */
  private doHugePmdAnonymousPage(
    process: Process,
    vma: Vma,
    offset: number,
    address: number,
  ): number {
    const memory = this.memory;
    // The deposit first: its allocation may reclaim, which must not meet the unmapped block.
    const table = memory.pages.allocateTable(process.pid);
    const head = table < 0 ? -1 : memory.pages.allocateBlock(PMD_ORDER, process.pid);
    if (head < 0) {
      if (table >= 0) this.releaseTable(table);
      this.count(THP_FAULT_FALLBACK);
      return VM_FAULT_FALLBACK;
    }
    this.deposited.set(offset, table);
    process.mm.pgtablesBytes += PAGE_SIZE;
    memory.lastFaultTables++;
    this.mapAnonHugePage(process.mm, vma, offset, address, head);
    memory.lastFaultOutcome = OUTCOME_ANON_PAGE;
    return VM_FAULT_DONE;
  }

  /**
   * map_anon_folio_pmd: the fresh zeroed block at `head` becomes the huge page the PMD at
   * `offset` maps (its deposited table already in place); counts thp_fault_alloc.
   */
  private mapAnonHugePage(mm: MmStruct, vma: Vma, offset: number, address: number, head: number) {
    const memory = this.memory;
    const phys = memory.phys;
    const start = hugeStart(address);
    const firstPage = pageNumber(start);
    vma.hasAnonVma = true;
    for (let index = 0; index < PMD_PAGES; index++) {
      phys.pageIndex[head + index] = firstPage + index;
      memory.mapFrame(mm, head + index);
    }
    this.addPmdMapping(head);
    let flags = pageProtection(vma) | PTE_PSE | PTE_DIRTY;
    if (vma.prot & PROT_WRITE) flags |= PTE_RW;
    phys.tableLow[offset] = entryLow(head, flags);
    phys.tableHigh[offset] = entryHigh(head, (vma.prot & PROT_EXEC) === 0);
    memory.lastFaultZeroed += PMD_PAGES;
    memory.lastFaultPfn = head + ((address - start) >>> 12);
    this.count(THP_FAULT_ALLOC);
  }

  /**
   * The read-fault branch of do_huge_pmd_anonymous_page (set_huge_zero_folio): the PMD maps the
   * huge zero page read-only, with a deposited table like any huge PMD. No huge zero page (it
   * cannot be allocated): thp_fault_fallback and the 4 KiB path, which maps the 4 KiB zero page.
   */
  private doHugeZeroPageFault(process: Process, vma: Vma, offset: number, address: number): number {
    const memory = this.memory;
    const phys = memory.phys;
    vma.hasAnonVma = true; // anon_vma_prepare comes before the zero-page branch
    const table = memory.pages.allocateTable(process.pid);
    if (table < 0) return VM_FAULT_OOM;
    const zero = this.getHugeZeroPage();
    if (zero < 0) {
      this.releaseTable(table);
      this.count(THP_FAULT_FALLBACK);
      return VM_FAULT_FALLBACK;
    }
    this.deposited.set(offset, table);
    process.mm.pgtablesBytes += PAGE_SIZE;
    memory.lastFaultTables++;
    this.hugeZeroPmds++;
    phys.tableLow[offset] = entryLow(zero, pageProtection(vma) | PTE_PSE);
    phys.tableHigh[offset] = entryHigh(zero, (vma.prot & PROT_EXEC) === 0);
    memory.lastFaultOutcome = OUTCOME_ZERO_PAGE;
    memory.lastFaultPfn = zero + ((address % HPAGE_SIZE) >>> 12);
    return VM_FAULT_DONE;
  }

  /**
   * get_huge_zero_folio: the huge zero page, allocated (thp_zero_page_alloc) the first time it
   * is needed and kept from then on; -1 when no order-9 block can be had
   * (thp_zero_page_alloc_failed).
   */
  private getHugeZeroPage(): number {
    if (this.hugeZeroPfn >= 0) return this.hugeZeroPfn;
    const pages = this.memory.pages;
    const allowed = pages.gate.allowsBlock === undefined || pages.gate.allowsBlock(PMD_PAGES);
    const head = allowed ? this.memory.phys.allocFrames(PMD_ORDER, FRAME_ZERO, 0) : -1;
    if (head < 0) {
      this.count(THP_ZERO_PAGE_ALLOC_FAILED);
      return -1;
    }
    const vmstat = this.memory.vmstat;
    vmstat[PGALLOC_NORMAL] = (vmstat[PGALLOC_NORMAL] as number) + PMD_PAGES;
    this.hugeZeroPfn = head;
    this.count(THP_ZERO_PAGE_ALLOC);
    return head;
  }

  /**
   * do_huge_pmd_wp_page: a huge page only this PMD references becomes writable in place;
   * otherwise (shared after fork) the PMD is split and the 4 KiB do_wp_page copies just the
   * page written, as Linux does since 5.8. The huge zero page goes to do_huge_zero_wp_pmd.
   */
  private doHugePmdWpPage(process: Process, vma: Vma, offset: number, address: number): number {
    const memory = this.memory;
    const phys = memory.phys;
    const low = phys.tableLow[offset] as number;
    const head = entryPfn(low, phys.tableHigh[offset] as number);
    if (head === this.hugeZeroPfn) return this.doHugeZeroWpPmd(process, vma, offset, address);
    if (!vma.isShared && this.exclusive(head)) {
      process.cowFaults++;
      phys.tableLow[offset] = (low | PTE_RW | PTE_DIRTY | PTE_ACCESSED) >>> 0;
      memory.lastFaultOutcome = OUTCOME_COW_REUSE;
      memory.lastFaultPfn = this.subpage(offset, address);
      return VM_FAULT_DONE;
    }
    this.splitHugePmd(process.mm, address);
    return VM_FAULT_FALLBACK;
  }

  /**
   * do_huge_zero_wp_pmd: a write to the huge zero page gets a fresh zeroed huge page in its
   * place, under the same PMD and deposited table. Without a block (thp_fault_fallback) the
   * PMD is split into 512 entries for the 4 KiB zero page and the 4 KiB path copies on write.
   */
  private doHugeZeroWpPmd(process: Process, vma: Vma, offset: number, address: number): number {
    const memory = this.memory;
    const head = memory.pages.allocateBlock(PMD_ORDER, process.pid);
    if (head < 0) {
      this.count(THP_FAULT_FALLBACK);
      this.splitHugePmd(process.mm, address);
      return VM_FAULT_FALLBACK;
    }
    // Reclaim while allocating cannot have touched the PMD: the huge zero page is never reclaimed.
    process.cowFaults++;
    this.hugeZeroPmds--;
    this.mapAnonHugePage(process.mm, vma, offset, address, head);
    memory.tlb.invalidatePage(process.mm, hugeStart(address)); // pmdp_huge_clear_flush
    memory.lastFaultOutcome = OUTCOME_COW_COPY;
    return VM_FAULT_DONE;
  }

  /** Whether every frame of the huge page is mapped once and referenced by nothing else. */
  private exclusive(head: number): boolean {
    const phys = this.memory.phys;
    for (let pfn = head; pfn < head + PMD_PAGES; pfn++) {
      if (phys.kind[pfn] !== FRAME_ANON || phys.mapcount[pfn] !== 1 || phys.refcount[pfn] !== 1) {
        return false;
      }
    }
    return true;
  }

  /**
   * __split_huge_pmd: replace the huge PMD mapping `address` by its deposited PTE table, filled
   * with 512 entries carrying the PMD's rights and A/D bits. Counts thp_split_pmd; the huge TLB
   * entry is flushed with one INVLPG. Does nothing when no huge PMD maps `address`.
   */
  splitHugePmd(mm: MmStruct, address: number): void {
    const offset = this.hugePmdOffset(mm, address);
    if (offset < 0) return;
    const memory = this.memory;
    const phys = memory.phys;
    const table = this.deposited.get(offset);
    if (table === undefined) throw new Error(`huge PMD at offset ${offset} has no deposited table`);
    this.deposited.delete(offset);
    const low = phys.tableLow[offset] as number;
    const high = phys.tableHigh[offset] as number;
    const head = entryPfn(low, high);
    const flags = low & PTE_FLAGS_MASK & ~PTE_PSE;
    const noExecute = (high & PTE_HI_NX) !== 0;
    // __split_huge_zero_page_pmd: every entry maps the 4 KiB zero page instead.
    const zero = head === this.hugeZeroPfn;
    for (let index = 0; index < PMD_PAGES; index++) {
      const entry = phys.entryOffset(table, index);
      const pfn = zero ? phys.zeroPfn : head + index;
      phys.tableLow[entry] = entryLow(pfn, flags);
      phys.tableHigh[entry] = entryHigh(pfn, noExecute);
    }
    phys.tableLow[offset] = entryLow(table, TABLE_ENTRY_FLAGS);
    phys.tableHigh[offset] = entryHigh(table, false);
    if (zero) this.hugeZeroPmds--;
    else this.dropPmdMapping(head);
    this.count(THP_SPLIT_PMD);
    memory.tlb.invalidatePage(mm, hugeStart(address));
  }

  /**
   * Split the huge PMDs that straddle `start` or `end` (vma_adjust_trans_huge, and the partial
   * cases of zap, mprotect and madvise), so that whole huge PMDs remain inside [start, end).
   */
  splitEdges(mm: MmStruct, start: number, end: number): void {
    if (!this.anyHugePmd()) return;
    if (start % HPAGE_SIZE !== 0) this.splitHugePmd(mm, start);
    if (end % HPAGE_SIZE !== 0) this.splitHugePmd(mm, end);
  }

  /** Split every huge PMD in [start, end) (mprotect to PROT_NONE: no huge PROT_NONE entries here). */
  splitRange(mm: MmStruct, start: number, end: number): void {
    if (!this.anyHugePmd()) return;
    const found: number[] = [];
    this.memory.forEachMappedEntry(mm, start, end, noVisit, (_offset, address) => {
      found.push(address);
    });
    for (const address of found) this.splitHugePmd(mm, address);
  }

  /**
   * zap_huge_pmd: unmap the whole huge page, withdraw the deposited table, clear the PMD.
   * The huge zero page just loses a mapping; it is never freed.
   */
  zapHugePmd(mm: MmStruct, offset: number): void {
    const memory = this.memory;
    const phys = memory.phys;
    const head = entryPfn(phys.tableLow[offset] as number, phys.tableHigh[offset] as number);
    phys.tableLow[offset] = 0;
    phys.tableHigh[offset] = 0;
    const table = this.deposited.get(offset);
    this.deposited.delete(offset);
    if (table !== undefined) {
      mm.pgtablesBytes -= PAGE_SIZE;
      this.releaseTable(table);
    }
    if (head === this.hugeZeroPfn) {
      this.hugeZeroPmds--;
      return;
    }
    this.dropPmdMapping(head);
    for (let pfn = head; pfn < head + PMD_PAGES; pfn++) memory.unmapFrame(mm, pfn);
  }

  /**
   * change_huge_pmd: the PMD takes the VMA's new rights. Like changeProtection for PTEs, a
   * private huge page stays read-only unless this PMD alone references it.
   */
  changeHugePmd(vma: Vma, offset: number): void {
    const phys = this.memory.phys;
    const low = phys.tableLow[offset] as number;
    const head = entryPfn(low, phys.tableHigh[offset] as number);
    let flags = pageProtection(vma) | PTE_PSE | (low & PTE_DIRTY);
    if (vma.prot & PROT_WRITE && this.exclusive(head)) flags |= PTE_RW;
    phys.tableLow[offset] = entryLow(head, flags);
    phys.tableHigh[offset] = entryHigh(head, (vma.prot & PROT_EXEC) === 0);
  }

  /**
   * copy_huge_pmd for fork: the child's PMD maps the same huge page, both write-protected, the
   * child's old; the child gets its own deposited table. Huge PMDs the parent lost to a split
   * while the child's tables were allocated are left to the PTE copy. False when out of memory.
   */
  copyHugePmds(parent: MmStruct, child: MmStruct, childPid: number, vma: Vma): boolean {
    if (!this.anyHugePmd()) return true;
    const memory = this.memory;
    const phys = memory.phys;
    const found: number[] = [];
    memory.forEachMappedEntry(parent, vma.start, vma.end, noVisit, (_offset, address) => {
      found.push(address);
    });
    for (const address of found) {
      if (this.pmdEntryOffset(child, childPid, address, true) < 0) return false;
      const table = memory.pages.allocateTable(childPid);
      if (table < 0) return false;
      const offset = this.hugePmdOffset(parent, address);
      const childPmd = this.pmdEntryOffset(child, childPid, address, false);
      if (offset < 0 || childPmd < 0) {
        this.releaseTable(table);
        continue;
      }
      const low = (phys.tableLow[offset] as number) & ~PTE_RW;
      const high = phys.tableHigh[offset] as number;
      phys.tableLow[offset] = low >>> 0;
      phys.tableLow[childPmd] = (low & ~PTE_ACCESSED) >>> 0;
      phys.tableHigh[childPmd] = high;
      this.deposited.set(childPmd, table);
      child.pgtablesBytes += PAGE_SIZE;
      const head = entryPfn(low, high);
      if (head === this.hugeZeroPfn) {
        this.hugeZeroPmds++; // mm_get_huge_zero_folio: shared, no counts on its frames
        continue;
      }
      this.addPmdMapping(head);
      for (let pfn = head; pfn < head + PMD_PAGES; pfn++) memory.mapFrame(child, pfn);
    }
    return true;
  }

  /** The frame of `address` inside the huge page the PMD at `offset` maps. */
  private subpage(offset: number, address: number): number {
    const phys = this.memory.phys;
    const head = entryPfn(phys.tableLow[offset] as number, phys.tableHigh[offset] as number);
    return head + ((address % HPAGE_SIZE) >>> 12);
  }

  private addPmdMapping(head: number): void {
    const mappings = this.pmdMappings(head);
    if (mappings === 0) this.anonThps++;
    this.entireMapcount.set(head, mappings + 1);
  }

  private dropPmdMapping(head: number): void {
    const mappings = this.pmdMappings(head) - 1;
    if (mappings > 0) {
      this.entireMapcount.set(head, mappings);
      return;
    }
    this.entireMapcount.delete(head);
    this.anonThps--;
  }

  private releaseTable(pfn: number): void {
    this.memory.phys.refcount[pfn] = 0;
    this.memory.pages.release(pfn);
  }

  private count(counter: number): void {
    this.memory.vmstat[counter] = (this.memory.vmstat[counter] as number) + 1;
  }
}

function noVisit(): void {}
