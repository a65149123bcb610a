/**
 * The CPU side of an access: L1 TLBs, the STLB, the hardware page walker and the page-fault
 * exception. A TLB hit is a lookup and a mask test; the rest is in colder functions.
 */

import type { PhysicalMemory } from "../../mm/frames.js";
import type { TlbInvalidator } from "../../mm/memory.js";
import type { MmStruct } from "../../mm/mm_struct.js";
import { NR_TLB_LOCAL_FLUSH_ALL, NR_TLB_LOCAL_FLUSH_ONE } from "../../mm/vmstat.js";
import {
  ACCESS_EXEC,
  ACCESS_WRITE,
  type AccessProbe,
  HOP_FAULT,
  HOP_L1_TLB,
  HOP_MEMORY,
  HOP_STLB,
  HOP_WALK_PGD,
  OUTCOME_HIT,
  OUTCOME_MISS,
  OUTCOME_NOT_PRESENT,
  OUTCOME_PRESENT,
  OUTCOME_PROTECTION,
} from "../../probe.js";
import type { Process } from "../../process.js";
import {
  entryPfn,
  LEVEL_PGD,
  LEVEL_PTE,
  PAGE_SIZE,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_HI_NX,
  PTE_PRESENT,
  PTE_RW,
  PTE_USER,
  pageNumber,
  tableIndex,
} from "./pgtable.js";
import { DEFAULT_TIMING, type Timing } from "./timing.js";
import {
  TLB_DIRTY,
  TLB_NX,
  TLB_USER,
  TLB_VALID,
  TLB_WRITABLE,
  Tlb,
  type TlbGeometry,
} from "./tlb.js";

/** x86 page-fault error code bits (X86_PF_*). */
export const PF_PROT = 1;
export const PF_WRITE = 2;
export const PF_USER = 4;
export const PF_RSVD = 8;
export const PF_INSTR = 16;

/** Linux keeps this many address spaces' PCIDs per CPU (TLB_NR_DYN_ASIDS). */
export const DYNAMIC_ASIDS = 6;
/** A range flush of more pages than this flushes everything (tlb_single_page_flush_ceiling). */
export const SINGLE_PAGE_FLUSH_CEILING = 33;

/** The kernel's page-fault entry (do_user_addr_fault). */
export interface FaultHandler {
  /** Resolve a fault; true when the access may be retried, false when the process was killed. */
  pageFault(process: Process, address: number, errorCode: number): boolean;
}

export interface CpuConfig {
  dtlb: TlbGeometry;
  itlb: TlbGeometry;
  stlb: TlbGeometry;
  pcid: boolean;
  timing: Timing;
}

export const DEFAULT_CPU_CONFIG: Readonly<CpuConfig> = {
  dtlb: { entries: 64, ways: 4 },
  itlb: { entries: 128, ways: 8 },
  stlb: { entries: 1536, ways: 12 },
  pcid: true,
  timing: DEFAULT_TIMING,
};

/**
 * Told of every access that reaches a page, with its frame: how `machine policy=NAME` lets a
 * textbook policy see each reference, as the trace simulator does (Linux itself sees only the
 * accessed bits the walk sets).
 */
export interface PageReferenceHook {
  referenced(pfn: number, write: boolean): void;
}

/** Result of a walk: the leaf's PFN and TLB flags, or a fault error code. */
const walkResult = { pfn: 0, tlbFlags: 0, errorCode: 0 };

export class Cpu implements TlbInvalidator {
  readonly dtlb: Tlb;
  readonly itlb: Tlb;
  readonly stlb: Tlb;
  readonly pcid: boolean;
  readonly timing: Timing;
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

  private current: Process | null = null;
  /** PCID of the running address space (0 when PCID is off). */
  private asid = 0;
  /** Context id owning each dynamic ASID slot (-1 free); PCID = slot + 1. */
  private readonly asidOwner = new Float64Array(DYNAMIC_ASIDS).fill(-1);
  private nextAsidSlot = 0;
  /** Cycles of the access in progress, for the journey's running total. */
  private accessCycles = 0;

  constructor(
    config: CpuConfig,
    private readonly phys: PhysicalMemory,
    private readonly vmstat: Float64Array,
    private readonly faults: FaultHandler,
  ) {
    this.dtlb = new Tlb("dTLB", config.dtlb);
    this.itlb = new Tlb("iTLB", config.itlb);
    this.stlb = new Tlb("STLB", config.stlb);
    this.pcid = config.pcid;
    this.timing = config.timing;
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

  /** The hot path: an L1 TLB hit with sufficient rights costs a lookup and a mask test. */
  private accessPage(process: Process, address: number, size: number, kind: number): boolean {
    const vpn = pageNumber(address);
    const tlb = kind === ACCESS_EXEC ? this.itlb : this.dtlb;
    const slot = tlb.lookup(vpn, this.asid);
    if (slot >= 0 && permits(tlb.flags[slot] as number, kind)) {
      if (kind === ACCESS_WRITE) this.phys.stamp[tlb.pfn[slot] as number] = ++this.writeSerial;
      if (this.referenceHook !== null) {
        this.referenceHook.referenced(tlb.pfn[slot] as number, kind === ACCESS_WRITE);
      }
      const cycles = this.timing.l1TlbHit + this.timing.memoryAccess;
      process.accesses++;
      process.cycles += cycles;
      if (this.probe !== null)
        this.reportHit(process, address, size, kind, tlb.pfn[slot] as number);
      return true;
    }
    return this.accessSlow(process, address, size, kind, tlb, vpn);
  }

  private reportHit(process: Process, address: number, size: number, kind: number, pfn: number) {
    const probe = this.probe as AccessProbe;
    probe.accessStart(process.pid, address, size, kind);
    probe.hop(HOP_L1_TLB, OUTCOME_HIT, this.timing.l1TlbHit, pfn, 0);
    probe.hop(HOP_MEMORY, OUTCOME_HIT, this.timing.memoryAccess, pfn, 0);
    probe.accessEnd(physicalAddress(pfn, address), this.timing.l1TlbHit + this.timing.memoryAccess);
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
      if (probe !== null) probe.hop(HOP_L1_TLB, OUTCOME_MISS, timing.l1TlbHit, 0, 0);
      const stlbSlot = this.stlb.lookup(vpn, this.asid);
      this.accessCycles += timing.stlbHit;
      if (stlbSlot >= 0 && permits(this.stlb.flags[stlbSlot] as number, kind)) {
        const pfn = this.stlb.pfn[stlbSlot] as number;
        if (probe !== null) probe.hop(HOP_STLB, OUTCOME_HIT, timing.stlbHit, pfn, 0);
        l1.insert(vpn, this.asid, pfn, this.stlb.flags[stlbSlot] as number);
        return this.finishAccess(process, address, pfn, kind);
      }
      if (probe !== null) probe.hop(HOP_STLB, OUTCOME_MISS, timing.stlbHit, 0, 0);
      if (this.walk(process.mm, address, kind)) {
        const { pfn, tlbFlags } = walkResult;
        this.stlb.insert(vpn, this.asid, pfn, tlbFlags);
        l1.insert(vpn, this.asid, pfn, tlbFlags);
        return this.finishAccess(process, address, pfn, kind);
      }
      if (!this.raiseFault(process, address, walkResult.errorCode)) {
        process.accesses++;
        process.cycles += this.accessCycles;
        if (probe !== null) probe.accessEnd(-1, this.accessCycles);
        return false;
      }
      const slot = l1.lookup(vpn, this.asid);
      if (slot >= 0 && permits(l1.flags[slot] as number, kind)) {
        this.accessCycles += timing.l1TlbHit;
        if (probe !== null) probe.hop(HOP_L1_TLB, OUTCOME_HIT, timing.l1TlbHit, 0, 0);
        return this.finishAccess(process, address, l1.pfn[slot] as number, kind);
      }
    }
  }

  private finishAccess(process: Process, address: number, pfn: number, kind: number): boolean {
    if (kind === ACCESS_WRITE) this.phys.stamp[pfn] = ++this.writeSerial;
    if (this.referenceHook !== null) this.referenceHook.referenced(pfn, kind === ACCESS_WRITE);
    this.accessCycles += this.timing.memoryAccess;
    process.accesses++;
    process.cycles += this.accessCycles;
    const probe = this.probe;
    if (probe !== null) {
      probe.hop(HOP_MEMORY, OUTCOME_HIT, this.timing.memoryAccess, pfn, 0);
      probe.accessEnd(physicalAddress(pfn, address), this.accessCycles);
    }
    return true;
  }

  /** The exception: the kernel handles it and reports its work through reportFault. */
  private raiseFault(process: Process, address: number, errorCode: number): boolean {
    return this.faults.pageFault(process, address, errorCode);
  }

  /**
   * The hardware walk: read PGD, PUD, PMD and PTE entries, AND the rights across levels, set the
   * accessed bit on every entry used and the dirty bit on the leaf for a write. On success
   * fills walkResult.pfn/tlbFlags and returns true; otherwise walkResult.errorCode.
   */
  private walk(mm: MmStruct, address: number, kind: number): boolean {
    const phys = this.phys;
    const low = phys.tableLow;
    const high = phys.tableHigh;
    const probe = this.probe;
    const readCost = this.timing.walkRead;
    this.pageWalks++;
    let table = mm.pgd;
    let rights = PTE_RW | PTE_USER;
    let noExecute = 0;
    const write = kind === ACCESS_WRITE;
    const baseError = PF_USER | (write ? PF_WRITE : 0) | (kind === ACCESS_EXEC ? PF_INSTR : 0);
    for (let level = LEVEL_PGD; level >= LEVEL_PTE; level--) {
      const index = tableIndex(address, level);
      const offset = phys.entryOffset(table, index);
      const entry = low[offset] as number;
      this.walkReads++;
      this.accessCycles += readCost;
      const hop = HOP_WALK_PGD + (LEVEL_PGD - level);
      if (!(entry & PTE_PRESENT)) {
        if (probe !== null) probe.hop(hop, OUTCOME_NOT_PRESENT, readCost, table, index);
        walkResult.errorCode = baseError;
        return false;
      }
      rights &= entry;
      noExecute |= (high[offset] as number) & PTE_HI_NX;
      const allowed =
        (rights & PTE_USER) !== 0 &&
        (!write || (rights & PTE_RW) !== 0) &&
        (kind !== ACCESS_EXEC || noExecute === 0);
      if (level === LEVEL_PTE && !allowed) {
        if (probe !== null) probe.hop(hop, OUTCOME_PROTECTION, readCost, table, index);
        walkResult.errorCode = baseError | PF_PROT;
        return false;
      }
      if (probe !== null) probe.hop(hop, OUTCOME_PRESENT, readCost, table, index);
      let updated = entry | PTE_ACCESSED;
      if (level === LEVEL_PTE && write) updated |= PTE_DIRTY;
      if (updated !== entry) low[offset] = updated >>> 0;
      if (level === LEVEL_PTE) {
        walkResult.pfn = entryPfn(entry, high[offset] as number);
        walkResult.tlbFlags =
          TLB_VALID |
          TLB_USER |
          (rights & PTE_RW ? TLB_WRITABLE : 0) |
          (noExecute !== 0 ? TLB_NX : 0) |
          (updated & PTE_DIRTY ? TLB_DIRTY : 0);
        return true;
      }
      table = entryPfn(entry, high[offset] as number);
    }
    return false;
  }

  /** Charge a fault's kernel work to the access in progress (called by the fault handler). */
  reportFault(outcome: number, cycles: number, pfn: number, errorCode: number): void {
    this.accessCycles += cycles;
    if (this.probe !== null) this.probe.hop(HOP_FAULT, outcome, cycles, pfn, errorCode);
  }

  // ---- address-space switches and TLB invalidation ------------------------------------------

  /**
   * switch_mm: without PCID every switch flushes the non-global entries; with PCID the address
   * space keeps its entries while it owns one of the DYNAMIC_ASIDS slots (handed out round robin,
   * flushed when reassigned).
   */
  switchTo(process: Process): void {
    this.contextSwitches++;
    this.current = process;
    if (!this.pcid) {
      this.flushAsid(0);
      this.asid = 0;
      return;
    }
    const slot = this.asidOwner.indexOf(process.mm.contextId);
    if (slot >= 0) {
      this.asid = slot + 1;
      return;
    }
    const fresh = this.nextAsidSlot;
    this.nextAsidSlot = (fresh + 1) % DYNAMIC_ASIDS;
    this.asidOwner[fresh] = process.mm.contextId;
    this.asid = fresh + 1;
    this.flushAsid(this.asid);
  }

  /** The process no longer runs (it exited): forget its address space's TLB state. */
  dropAddressSpace(mm: MmStruct): void {
    const asid = this.asidOf(mm);
    if (asid >= 0) this.flushAsid(asid);
    const slot = this.asidOwner.indexOf(mm.contextId);
    if (slot >= 0) this.asidOwner[slot] = -1;
    if (this.current !== null && this.current.mm === mm) this.current = null;
  }

  /** The PCID under which `mm`'s translations may be cached, or -1 when none can be. */
  asidOf(mm: MmStruct): number {
    if (!this.pcid) return this.current !== null && this.current.mm === mm ? 0 : -1;
    const slot = this.asidOwner.indexOf(mm.contextId);
    return slot >= 0 ? slot + 1 : -1;
  }

  private flushAsid(asid: number): void {
    this.dtlb.invalidateAsid(asid);
    this.itlb.invalidateAsid(asid);
    this.stlb.invalidateAsid(asid);
  }

  private isCurrent(mm: MmStruct): boolean {
    return this.current !== null && this.current.mm === mm;
  }

  private count(counter: number, amount: number): void {
    this.vmstat[counter] = (this.vmstat[counter] as number) + amount;
  }

  invalidatePage(mm: MmStruct, address: number): void {
    const asid = this.asidOf(mm);
    if (asid < 0) return;
    const vpn = pageNumber(address);
    this.dtlb.invalidatePage(vpn, asid);
    this.itlb.invalidatePage(vpn, asid);
    this.stlb.invalidatePage(vpn, asid);
    if (this.isCurrent(mm)) this.count(NR_TLB_LOCAL_FLUSH_ONE, 1);
  }

  invalidateRange(mm: MmStruct, start: number, end: number): void {
    const pages = (end - start) / PAGE_SIZE;
    if (pages > SINGLE_PAGE_FLUSH_CEILING) {
      this.invalidateMm(mm);
      return;
    }
    const asid = this.asidOf(mm);
    if (asid < 0) return;
    for (let address = start; address < end; address += PAGE_SIZE) {
      const vpn = pageNumber(address);
      this.dtlb.invalidatePage(vpn, asid);
      this.itlb.invalidatePage(vpn, asid);
      this.stlb.invalidatePage(vpn, asid);
    }
    if (this.isCurrent(mm)) this.count(NR_TLB_LOCAL_FLUSH_ONE, pages);
  }

  invalidateMm(mm: MmStruct): void {
    const asid = this.asidOf(mm);
    if (asid < 0) return;
    this.flushAsid(asid);
    if (this.isCurrent(mm)) this.count(NR_TLB_LOCAL_FLUSH_ALL, 1);
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
