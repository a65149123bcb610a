/**
 * The CPU side of an access: L1 TLBs, the STLB, the paging-structure caches, the hardware page
 * walker, the page-fault exception, and the data access through the cache hierarchy. A TLB hit
 * is a lookup, a mask test and an L1 cache lookup; the rest is in colder functions.
 *
 * Timing: every access is charged the L1 TLB lookup, then (on a miss) the STLB, then each walk
 * read as the cache level that served it charges, then the fault's kernel work, then the data
 * access as the level that served it charges. `process.cycles` sums them.
 *
 * Beside it: design_walk.ts (the walk of another page-table design), tlb_contexts.ts (PCIDs and
 * TLB flushes), page_fault.ts (the error code and the kernel's entry), line_journey.ts (a cache
 * line's hops, told to a probe).
 */

import { type CacheConfig, CacheHierarchy } from "../../cache/hierarchy.js";
import type { PhysicalMemory } from "../../mm/frames.js";
import type { TlbInvalidator } from "../../mm/memory.js";
import type { MmStruct } from "../../mm/mm_struct.js";
import {
  ACCESS_EXEC,
  ACCESS_WRITE,
  type AccessProbe,
  HOP_FAULT,
  HOP_L1_TLB,
  HOP_MEMORY,
  HOP_PSC,
  HOP_STLB,
  HOP_WALK_PGD,
  OUTCOME_HIT,
  OUTCOME_MISS,
  OUTCOME_NOT_PRESENT,
  OUTCOME_PRESENT,
  OUTCOME_PROTECTION,
} from "../../probe.js";
import type { Process } from "../../process.js";
import type { PageTableDesign } from "../pagetable/design.js";
import { CPU_PRESETS, DEFAULT_CPU_MODEL } from "./cpu_presets.js";
import { chargeLevelsAboveWalk, designAfterFault, walkReplacedByDesign } from "./design_walk.js";
import { reportLine } from "./line_journey.js";
import { type FaultHandler, PF_INSTR, PF_PROT, PF_USER, PF_WRITE } from "./page_fault.js";
import {
  entryPfn,
  LEVEL_PGD,
  LEVEL_PMD,
  LEVEL_PTE,
  PAGE_MASK_LOW,
  PAGE_SIZE,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_HI_NX,
  PTE_PRESENT,
  PTE_PSE,
  PTE_RW,
  PTE_USER,
  pageNumber,
  tableIndex,
} from "./pgtable.js";
import { PagingStructureCaches, type PscGeometry } from "./psc.js";
import type { Timing } from "./timing.js";
import {
  hugeTlbKey,
  TLB_DIRTY,
  TLB_NX,
  TLB_USER,
  TLB_WRITABLE,
  Tlb,
  type TlbGeometry,
  userTlbFlags,
} from "./tlb.js";
import { TlbContexts } from "./tlb_contexts.js";

export interface CpuConfig {
  /** The preset this configuration started from (`machine cpu=NAME`), for views. */
  model: string;
  dtlb: TlbGeometry;
  itlb: TlbGeometry;
  /** The L1 TLBs' separate arrays of 2 MiB entries; the STLB holds both sizes. */
  dtlb2m: TlbGeometry;
  itlb2m: TlbGeometry;
  stlb: TlbGeometry;
  pcid: boolean;
  /** Sizes of the paging-structure caches, used when pscEnabled. */
  psc: PscGeometry;
  pscEnabled: boolean;
  caches: CacheConfig;
  timing: Timing;
}

/** The machine without `cpu=`: the Skylake preset (cpu_presets.ts). */
export const DEFAULT_CPU_CONFIG: Readonly<CpuConfig> = CPU_PRESETS[DEFAULT_CPU_MODEL] as CpuConfig;

/**
 * Told of every access that reaches a page, with its frame: how `machine policy=NAME` lets a
 * textbook policy see each reference, as the trace simulator does (Linux itself sees only the
 * accessed bits the walk sets).
 */
export interface PageReferenceHook {
  referenced(pfn: number, write: boolean): void;
}

/**
 * Result of a walk: the leaf's PFN and TLB flags, or a fault error code. A 2 MiB leaf (a PMD
 * with PS) sets `huge`, and `pfn` is then the frame of the accessed 4 KiB part.
 */
export interface WalkResult {
  pfn: number;
  tlbFlags: number;
  errorCode: number;
  huge: boolean;
}

/** Where every walk leaves its result; reused, no allocation per walk. */
const walkResult: WalkResult = { pfn: 0, tlbFlags: 0, errorCode: 0, huge: false };

/** Bytes of a page-table entry: entry `index` of table `pfn` is at pfn * 4096 + index * 8. */
const ENTRY_BYTES = 8;

export class Cpu implements TlbInvalidator {
  readonly dtlb: Tlb;
  readonly itlb: Tlb;
  /** 2 MiB entries of the L1 TLBs (keyed by hugeTlbKey); the STLB mixes both sizes. */
  readonly dtlb2m: Tlb;
  readonly itlb2m: Tlb;
  readonly stlb: Tlb;
  readonly pcid: boolean;
  readonly timing: Timing;
  /** The L1d, L1i, L2, L3 and DRAM every access and walk read goes through. */
  readonly caches: CacheHierarchy;
  /** The PML4E, PDPTE and PDE caches, or null when the configuration turns them off. */
  readonly psc: PagingStructureCaches | null;
  /** The configuration the CPU was built from (for views). */
  readonly config: Readonly<CpuConfig>;
  /**
   * Paging-structure-cache entries found pointing at a frame that is no longer a page table and
   * dropped: always 0 while the kernel flushes as it should (the tests check it).
   */
  staleWalkCacheEntries = 0;
  /** Hardware page walks started, and entries they read. */
  pageWalks = 0;
  /**
   * Serial number of the last store: each store stamps its frame with the next one
   * (PhysicalMemory.stamp), so the contents of a page can be followed through copies and swap.
   */
  writeSerial = 0;
  walkReads = 0;
  contextSwitches = 0;
  /** Receives each access's journey when attached (see probe.ts). */
  probe: AccessProbe | null = null;
  /** Sees every reference when a replacement policy runs the machine (null otherwise). */
  referenceHook: PageReferenceHook | null = null;
  /** The page-table design walked on a TLB miss when it is not x86-64's (`machine pagetable=`). */
  pagetable: PageTableDesign | null = null;

  private current: Process | null = null;
  /** PCID of the running address space (0 when PCID is off). */
  private asid = 0;
  /** The address spaces' PCIDs and the TLB flushes (tlb_contexts.ts). */
  private readonly contexts: TlbContexts;
  /** Whether the fault in progress zeroed or copied the page (see kernelFilledPage). */
  private kernelWrotePage = false;
  /**
   * Pages the kernel cleared or copied, numbered in order, and each frame's latest number: the
   * lines of a page written k pages ago are where k pages of writes leave them (see
   * kernelWrittenLine). -1e15: never.
   */
  private kernelWrites = 0;
  private readonly kernelWrittenAt: Float64Array;
  /** Pages the L1d, the L2 and the L3 hold: how long a kernel-written page stays in each. */
  private readonly l1dPages: number;
  private readonly l2Pages: number;
  private readonly l3Pages: number;
  /** Cycles of the access in progress, for the journey's running total. */
  private accessCycles = 0;

  constructor(
    config: CpuConfig,
    private readonly phys: PhysicalMemory,
    vmstat: Float64Array,
    private readonly faults: FaultHandler,
  ) {
    this.dtlb = new Tlb("dTLB", config.dtlb);
    this.itlb = new Tlb("iTLB", config.itlb);
    this.dtlb2m = new Tlb("dTLB 2M", config.dtlb2m);
    this.itlb2m = new Tlb("iTLB 2M", config.itlb2m);
    this.stlb = new Tlb("STLB", config.stlb);
    this.pcid = config.pcid;
    this.timing = config.timing;
    this.caches = new CacheHierarchy(config.caches);
    this.kernelWrittenAt = new Float64Array(phys.totalFrames).fill(-1e15);
    this.l1dPages = Math.floor(config.caches.l1d.sizeBytes / PAGE_SIZE);
    this.l2Pages = Math.floor(config.caches.l2.sizeBytes / PAGE_SIZE);
    this.l3Pages = Math.floor(config.caches.l3.sizeBytes / PAGE_SIZE);
    this.psc = config.pscEnabled ? new PagingStructureCaches(config.psc) : null;
    this.contexts = new TlbContexts(this, this.pcid, vmstat);
    this.config = config;
  }

  get runningProcess(): Process | null {
    return this.current;
  }

  /**
   * One load, store or instruction fetch of `size` bytes. An access that crosses a page
   * boundary touches each page in turn. Returns false when the process was killed by it.
   */
  access(process: Process, address: number, size: number, kind: number): boolean {
    if (process !== this.current) this.switchTo(process);
    const pageOffset = (address >>> 0) & (PAGE_SIZE - 1);
    if (pageOffset + size <= PAGE_SIZE) return this.accessPage(process, address, size, kind);
    return this.accessAcrossPages(process, address, size, kind);
  }

  /** An access that crosses a page boundary: each page in turn (kept apart to keep access small). */
  private accessAcrossPages(
    process: Process,
    address: number,
    size: number,
    kind: number,
  ): boolean {
    let cursor = address;
    const end = address + size;
    while (cursor < end) {
      const pageEnd = cursor - ((cursor >>> 0) & (PAGE_SIZE - 1)) + PAGE_SIZE;
      const chunk = Math.min(end, pageEnd) - cursor;
      if (!this.accessPage(process, cursor, chunk, kind)) return false;
      cursor += chunk;
    }
    return true;
  }

  /**
   * The hot path: an L1 TLB hit with sufficient rights costs a lookup and a mask test, then the
   * data access, usually an L1 cache hit on the way used last.
   */
  private accessPage(process: Process, address: number, size: number, kind: number): boolean {
    const vpn = pageNumber(address);
    const tlb = kind === ACCESS_EXEC ? this.itlb : this.dtlb;
    const slot = tlb.lookup(vpn, this.asid);
    if (slot >= 0 && permits(tlb.flags[slot] as number, kind)) {
      const pfn = tlb.pfn[slot] as number;
      if (kind === ACCESS_WRITE) this.phys.stamp[pfn] = ++this.writeSerial;
      if (this.referenceHook !== null) this.referenceHook.referenced(pfn, kind === ACCESS_WRITE);
      if (this.probe !== null) return this.reportedHit(process, address, size, kind, pfn);
      process.accesses++;
      process.cycles += this.timing.l1TlbHit + this.dataCycles(pfn, address, size, kind);
      return true;
    }
    return this.accessSlow(process, address, size, kind, tlb, vpn);
  }

  /** A TLB hit with a probe attached: the same work, told hop by hop. */
  private reportedHit(
    process: Process,
    address: number,
    size: number,
    kind: number,
    pfn: number,
  ): boolean {
    const probe = this.probe as AccessProbe;
    probe.accessStart(process.pid, address, size, kind);
    probe.hop(HOP_L1_TLB, OUTCOME_HIT, this.timing.l1TlbHit, pfn, 0);
    probe.hop(HOP_MEMORY, OUTCOME_HIT, 0, pfn, 0);
    const cycles = this.timing.l1TlbHit + this.memoryAccess(pfn, address, size, kind);
    process.accesses++;
    process.cycles += cycles;
    probe.accessEnd(physicalAddress(pfn, address), cycles);
    return true;
  }

  /**
   * The data access of a TLB hit, without a probe. Its common case, the line its L1 set used
   * last and within one line, is two array reads; anything else goes through memoryAccess.
   */
  private dataCycles(pfn: number, address: number, size: number, kind: number): number {
    const caches = this.caches;
    const offset = address & PAGE_MASK_LOW;
    const l1 = kind === ACCESS_EXEC ? caches.l1i : caches.l1d;
    if (
      (offset & (caches.lineBytes - 1)) + size <= caches.lineBytes &&
      l1.hitsMostRecent(
        pfn * caches.linesPerPage + (offset >>> caches.lineShift),
        kind === ACCESS_WRITE,
      )
    ) {
      return l1.latency;
    }
    return this.memoryAccess(pfn, address, size, kind);
  }

  /**
   * The load, store or fetch itself, at physical frame `pfn`: each cache line it touches goes
   * through the hierarchy (an access that straddles two lines reads both, one after the other).
   * Returns its cycles: for each line, the latency of the level that served it.
   */
  private memoryAccess(pfn: number, address: number, size: number, kind: number): number {
    const caches = this.caches;
    const offset = address & PAGE_MASK_LOW;
    const instruction = kind === ACCESS_EXEC;
    const write = kind === ACCESS_WRITE;
    const latency = instruction ? caches.instructionLatency : caches.dataLatency;
    const first = pfn * caches.linesPerPage + (offset >>> caches.lineShift);
    if (!instruction) this.kernelWrittenLine(pfn, first);
    const served = caches.access(first, instruction, write);
    if (this.probe !== null) reportLine(this.probe, caches, first, served, instruction);
    let cycles = latency[served] as number;
    const lineBytes = caches.lineBytes;
    if ((offset & (lineBytes - 1)) + size > lineBytes) {
      const last = pfn * caches.linesPerPage + ((offset + size - 1) >>> caches.lineShift);
      for (let line = first + 1; line <= last; line++) {
        if (!instruction) this.kernelWrittenLine(pfn, line);
        const next = caches.access(line, instruction, write);
        if (this.probe !== null) reportLine(this.probe, caches, line, next, instruction);
        cycles += latency[next] as number;
      }
    }
    return cycles;
  }

  /**
   * L1 miss (or an entry without the needed rights): the STLB, then the walk. After a fault the
   * instruction restarts and looks the TLBs up again, as on real hardware.
   */
  private accessSlow(
    process: Process,
    address: number,
    size: number,
    kind: number,
    l1: Tlb,
    vpn: number,
  ): boolean {
    const probe = this.probe;
    const timing = this.timing;
    this.accessCycles = 0;
    if (probe !== null) probe.accessStart(process.pid, address, size, kind);
    for (;;) {
      this.accessCycles += timing.l1TlbHit;
      if (this.contexts.hugeEntries) {
        const pfn = this.hugeL1Lookup(vpn, kind, l1);
        if (pfn >= 0) {
          if (probe !== null) probe.hop(HOP_L1_TLB, OUTCOME_HIT, timing.l1TlbHit, pfn, 0);
          return this.finishAccess(process, address, size, pfn, kind);
        }
      }
      if (probe !== null) probe.hop(HOP_L1_TLB, OUTCOME_MISS, timing.l1TlbHit, 0, 0);
      const stlbSlot = this.stlbLookup(vpn);
      this.accessCycles += timing.stlbHit;
      if (stlbSlot >= 0 && permits(this.stlb.flags[stlbSlot] as number, kind)) {
        const stlbFlags = this.stlb.flags[stlbSlot] as number;
        let pfn = this.stlb.pfn[stlbSlot] as number;
        if ((this.stlb.vpn[stlbSlot] as number) < 0) {
          (kind === ACCESS_EXEC ? this.itlb2m : this.dtlb2m).insert(
            hugeTlbKey(vpn),
            this.asid,
            pfn,
            stlbFlags,
          );
          pfn += vpn % 512;
        } else {
          l1.insert(vpn, this.asid, pfn, stlbFlags);
        }
        if (probe !== null) probe.hop(HOP_STLB, OUTCOME_HIT, timing.stlbHit, pfn, 0);
        return this.finishAccess(process, address, size, pfn, kind);
      }
      if (probe !== null) probe.hop(HOP_STLB, OUTCOME_MISS, timing.stlbHit, 0, 0);
      const walked =
        this.pagetable === null
          ? this.walk(process.mm, address, kind)
          : this.walkDesign(this.pagetable, process.mm, address, kind);
      if (walked) {
        const { pfn, tlbFlags } = walkResult;
        if (walkResult.huge) {
          this.fillHuge(vpn, pfn - (vpn % 512), tlbFlags, kind);
        } else {
          this.stlb.insert(vpn, this.asid, pfn, tlbFlags);
          l1.insert(vpn, this.asid, pfn, tlbFlags);
        }
        return this.finishAccess(process, address, size, pfn, kind);
      }
      if (!this.raiseFault(process, address, walkResult.errorCode)) {
        process.accesses++;
        process.cycles += this.accessCycles;
        if (probe !== null) probe.accessEnd(-1, this.accessCycles);
        return false;
      }
      this.kernelTouchedEntries(process.mm, address);
      if (this.pagetable !== null) {
        designAfterFault(this, this.phys, this.pagetable, process.mm, address);
      }
      const slot = l1.lookup(vpn, this.asid);
      if (slot >= 0 && permits(l1.flags[slot] as number, kind)) {
        this.accessCycles += timing.l1TlbHit;
        if (probe !== null) probe.hop(HOP_L1_TLB, OUTCOME_HIT, timing.l1TlbHit, 0, 0);
        return this.finishAccess(process, address, size, l1.pfn[slot] as number, kind);
      }
    }
  }

  /**
   * The L1 TLB's 2 MiB array, looked up beside the 4 KiB one: the frame of the access on a hit
   * with sufficient rights, else -1. The L1 TLB's counters count both arrays as one structure,
   * so a hit here turns the 4 KiB array's miss into a hit.
   */
  private hugeL1Lookup(vpn: number, kind: number, l1: Tlb): number {
    const huge = kind === ACCESS_EXEC ? this.itlb2m : this.dtlb2m;
    const slot = huge.lookup(hugeTlbKey(vpn), this.asid);
    if (slot < 0 || !permits(huge.flags[slot] as number, kind)) return -1;
    l1.misses--;
    l1.hits++;
    return (huge.pfn[slot] as number) + (vpn % 512);
  }

  /** One STLB lookup for both page sizes (two probes, counted as one lookup). */
  private stlbLookup(vpn: number): number {
    const stlb = this.stlb;
    const slot = stlb.lookup(vpn, this.asid);
    if (slot >= 0 || !this.contexts.hugeEntries) return slot;
    stlb.misses--;
    return stlb.lookup(hugeTlbKey(vpn), this.asid);
  }

  /** Fill the STLB and the L1 2 MiB array with a 2 MiB translation starting at frame `head`. */
  private fillHuge(vpn: number, head: number, tlbFlags: number, kind: number): void {
    this.contexts.hugeEntries = true;
    const key = hugeTlbKey(vpn);
    this.stlb.insert(key, this.asid, head, tlbFlags);
    (kind === ACCESS_EXEC ? this.itlb2m : this.dtlb2m).insert(key, this.asid, head, tlbFlags);
  }

  private finishAccess(
    process: Process,
    address: number,
    size: number,
    pfn: number,
    kind: number,
  ): boolean {
    if (kind === ACCESS_WRITE) this.phys.stamp[pfn] = ++this.writeSerial;
    if (this.referenceHook !== null) this.referenceHook.referenced(pfn, kind === ACCESS_WRITE);
    const probe = this.probe;
    if (probe !== null) probe.hop(HOP_MEMORY, OUTCOME_HIT, 0, pfn, 0);
    this.accessCycles += this.memoryAccess(pfn, address, size, kind);
    process.accesses++;
    process.cycles += this.accessCycles;
    if (probe !== null) probe.accessEnd(physicalAddress(pfn, address), this.accessCycles);
    return true;
  }

  /**
   * After a fault the kernel has read the upper entries of the faulting address's walk
   * (pgd_offset .. pmd_alloc), maybe cleared or copied the page, and written its PTE: their
   * lines are in the caches, so the restarted walk and access find them there. Uncounted (the
   * fault's fixed cost pays for the kernel's work).
   */
  private kernelTouchedEntries(mm: MmStruct, address: number): void {
    const phys = this.phys;
    const wrotePage = this.kernelWrotePage;
    this.kernelWrotePage = false;
    let table = mm.pgd;
    if (table < 0) return;
    for (let level = LEVEL_PGD; level >= LEVEL_PTE; level--) {
      const index = tableIndex(address, level);
      const offset = phys.entryOffset(table, index);
      const entry = phys.tableLow[offset] as number;
      const leaf =
        level === LEVEL_PTE || (entry & (PTE_PRESENT | PTE_PSE)) === (PTE_PRESENT | PTE_PSE);
      if (leaf && wrotePage && entry & PTE_PRESENT) {
        // The kernel cleared or copied the page before it wrote the entry (set_pte_at comes
        // last): the page's lines first, then the entry's. For a 2 MiB page, the 4 KiB part
        // the address falls in.
        const head = entryPfn(entry, phys.tableHigh[offset] as number);
        const pfn = level === LEVEL_PTE ? head : head + tableIndex(address, LEVEL_PTE);
        this.kernelWrittenAt[pfn] = ++this.kernelWrites;
      }
      this.caches.install(this.entryLine(table, index), leaf);
      if (leaf || !(entry & PTE_PRESENT)) return;
      table = entryPfn(entry, phys.tableHigh[offset] as number);
    }
  }

  /**
   * clear_page or copy_page wrote the page in `pfn` with ordinary stores (rep stosb / movsq):
   * its 64 lines went through the caches, dirty. Rather than install them all at the fault (a
   * dozen times the cost of the fault itself in simulation), a line of such a page is put where
   * that many pages of writes since would have left it when the program first reaches it: in the
   * L1d while fewer pages than the L1d holds were written after it, else in the L2 or the L3
   * by the same rule. Other traffic since is not counted, so this favours the page a little.
   */
  private kernelWrittenLine(pfn: number, line: number): void {
    const age = this.kernelWrites - (this.kernelWrittenAt[pfn] as number);
    if (age >= this.l3Pages) return;
    this.caches.installWritten(line, age < this.l1dPages ? 0 : age < this.l2Pages ? 1 : 2);
  }

  /**
   * The fault in progress zeroed or copied a page (do_anonymous_page, do_wp_page...): told by
   * the kernel side, so that the restarted access finds that page's lines in the caches.
   */
  kernelFilledPage(): void {
    this.kernelWrotePage = true;
  }

  /** The cache line holding entry `index` of the table in frame `table`. */
  entryLine(table: number, index: number): number {
    return this.caches.lineOf(table, index * ENTRY_BYTES);
  }

  // ---- another page-table design (machine pagetable=, arch/pagetable/, design_walk.ts) ----------

  /**
   * A TLB miss when the MMU walks another design. la57 reads its PML5 entry, unless a
   * paging-structure cache lets the walk start lower, then walks the four levels as usual. The
   * others read their own entries instead, while the kernel's four-level table decides the
   * result.
   */
  private walkDesign(
    design: PageTableDesign,
    mm: MmStruct,
    address: number,
    kind: number,
  ): boolean {
    if (design.replacesWalk) {
      return walkReplacedByDesign(this, this.phys, design, mm, address, kind, walkResult);
    }
    chargeLevelsAboveWalk(this, design, mm, address, this.asid);
    return this.walk(mm, address, kind);
  }

  /** Add cycles to the access in progress (the design walk's reads, design_walk.ts). */
  chargeCycles(cycles: number): void {
    this.accessCycles += cycles;
  }

  /** The exception: the kernel handles it and reports its work through reportFault. */
  private raiseFault(process: Process, address: number, errorCode: number): boolean {
    this.kernelWrotePage = false;
    return this.faults.pageFault(process, address, errorCode);
  }

  /**
   * The hardware walk: read PGD, PUD, PMD and PTE entries, AND the rights across levels, set the
   * accessed bit on every entry used and the dirty bit on the leaf for a write. On success
   * fills walkResult.pfn/tlbFlags and returns true; otherwise walkResult.errorCode.
   *
   * The paging-structure caches may let the walk start below the PGD. Each entry read is a load
   * of its 8 bytes through the data caches, charged by the level that served it; setting A or D
   * is a write to that line (already in the L1d, so it costs nothing more).
   */
  private walk(mm: MmStruct, address: number, kind: number): boolean {
    const phys = this.phys;
    const low = phys.tableLow;
    const high = phys.tableHigh;
    const probe = this.probe;
    const caches = this.caches;
    const psc = this.psc;
    this.pageWalks++;
    let level = LEVEL_PGD;
    let table = mm.pgd;
    let rights = PTE_RW | PTE_USER;
    let noExecute = 0;
    if (psc !== null) {
      const start = psc.lookup(address, this.asid);
      if (start.level !== LEVEL_PGD && !phys.isTable(start.table)) {
        // Defensive: a stale entry would read a freed frame. The kernel's flushes prevent it.
        this.staleWalkCacheEntries++;
        psc.dropStale(address, this.asid, start.level);
        start.level = LEVEL_PGD;
      }
      if (start.level !== LEVEL_PGD) {
        level = start.level;
        table = start.table;
        rights =
          (start.flags & TLB_WRITABLE ? PTE_RW : 0) | (start.flags & TLB_USER ? PTE_USER : 0);
        noExecute = start.flags & TLB_NX ? PTE_HI_NX : 0;
      }
      if (probe !== null) {
        const hit = level !== LEVEL_PGD;
        probe.hop(
          HOP_PSC,
          hit ? OUTCOME_HIT : OUTCOME_MISS,
          0,
          hit ? level + 1 : -1,
          hit ? table : 0,
        );
      }
    }
    const write = kind === ACCESS_WRITE;
    const baseError = PF_USER | (write ? PF_WRITE : 0) | (kind === ACCESS_EXEC ? PF_INSTR : 0);
    for (; level >= LEVEL_PTE; level--) {
      const index = tableIndex(address, level);
      const offset = phys.entryOffset(table, index);
      const entry = low[offset] as number;
      this.walkReads++;
      const line = this.entryLine(table, index);
      const served = caches.access(line, false, false);
      this.accessCycles += caches.dataLatency[served] as number;
      if (probe !== null) reportLine(probe, caches, line, served, false);
      const hop = HOP_WALK_PGD + (LEVEL_PGD - level);
      if (!(entry & PTE_PRESENT)) {
        if (probe !== null) probe.hop(hop, OUTCOME_NOT_PRESENT, 0, table, index);
        walkResult.errorCode = baseError;
        return false;
      }
      rights &= entry;
      noExecute |= (high[offset] as number) & PTE_HI_NX;
      const allowed =
        (rights & PTE_USER) !== 0 &&
        (!write || (rights & PTE_RW) !== 0) &&
        (kind !== ACCESS_EXEC || noExecute === 0);
      // A PMD with PS is the leaf of a 2 MiB page: the walk ends there, after three reads.
      const leaf = level === LEVEL_PTE || (level === LEVEL_PMD && (entry & PTE_PSE) !== 0);
      if (leaf && !allowed) {
        if (probe !== null) probe.hop(hop, OUTCOME_PROTECTION, 0, table, index);
        walkResult.errorCode = baseError | PF_PROT;
        return false;
      }
      if (probe !== null) probe.hop(hop, OUTCOME_PRESENT, 0, table, index);
      let updated = entry | PTE_ACCESSED;
      if (leaf && write) updated |= PTE_DIRTY;
      if (updated !== entry) {
        low[offset] = updated >>> 0;
        caches.l1d.markDirty(line);
      }
      if (leaf) {
        walkResult.huge = level === LEVEL_PMD;
        walkResult.pfn =
          entryPfn(entry, high[offset] as number) +
          (level === LEVEL_PMD ? tableIndex(address, LEVEL_PTE) : 0);
        walkResult.tlbFlags = userTlbFlags(rights, noExecute !== 0, updated);
        return true;
      }
      table = entryPfn(entry, high[offset] as number);
      if (psc !== null && !(entry & PTE_PSE)) {
        const flags =
          (rights & PTE_RW ? TLB_WRITABLE : 0) |
          (rights & PTE_USER ? TLB_USER : 0) |
          (noExecute !== 0 ? TLB_NX : 0);
        psc.fill(address, this.asid, level, table, flags);
      }
    }
    return false;
  }

  /** Charge a fault's kernel work to the access in progress (called by the fault handler). */
  reportFault(outcome: number, cycles: number, pfn: number, errorCode: number): void {
    this.accessCycles += cycles;
    if (this.probe !== null) this.probe.hop(HOP_FAULT, outcome, cycles, pfn, errorCode);
  }

  // ---- address-space switches and TLB invalidation (tlb_contexts.ts) ------------------------

  /** switch_mm: the process's address space gets its PCID, maybe flushing (see TlbContexts). */
  switchTo(process: Process): void {
    this.contextSwitches++;
    this.current = process;
    this.asid = this.contexts.switchMm(process.mm);
  }

  /** The process no longer runs (it exited): forget its address space's TLB state. */
  dropAddressSpace(mm: MmStruct): void {
    this.contexts.dropMm(mm, this.runningMm());
    if (this.current !== null && this.current.mm === mm) this.current = null;
  }

  /** The PCID under which `mm`'s translations may be cached, or -1 when none can be. */
  asidOf(mm: MmStruct): number {
    return this.contexts.asidOf(mm, this.runningMm());
  }

  invalidatePage(mm: MmStruct, address: number): void {
    // The design's entries go whether or not the TLB may hold the translation.
    this.pagetable?.invalidateRange(mm, address, address + PAGE_SIZE);
    this.contexts.flushPage(mm, address, this.runningMm());
  }

  invalidateRange(mm: MmStruct, start: number, end: number): void {
    this.pagetable?.invalidateRange(mm, start, end);
    this.contexts.flushRange(mm, start, end, this.runningMm());
  }

  invalidateMm(mm: MmStruct): void {
    this.pagetable?.invalidateMm(mm);
    this.contexts.flushMm(mm, this.runningMm());
  }

  private runningMm(): MmStruct | null {
    return this.current === null ? null : this.current.mm;
  }
}

/** Whether cached TLB rights allow the access; a write also needs the dirty bit already set. */
function permits(flags: number, kind: number): boolean {
  if (kind === ACCESS_WRITE) {
    return (
      (flags & (TLB_USER | TLB_WRITABLE | TLB_DIRTY)) === (TLB_USER | TLB_WRITABLE | TLB_DIRTY)
    );
  }
  if (kind === ACCESS_EXEC) return (flags & (TLB_USER | TLB_NX)) === TLB_USER;
  return (flags & TLB_USER) !== 0;
}

function physicalAddress(pfn: number, address: number): number {
  return pfn * PAGE_SIZE + ((address >>> 0) & (PAGE_SIZE - 1));
}
