/**
 * Whose translations the TLBs may hold, and how the kernel drops them (arch/x86/mm/tlb.c): the
 * PCID slots handed out at switch_mm, and the flushes of one page, a range or a whole address
 * space. The Cpu delegates its switches and TLB invalidations here; it drops the page-table
 * design's own entries itself.
 */
import type { MmStruct } from "../../mm/mm_struct.js";
import { NR_TLB_LOCAL_FLUSH_ALL, NR_TLB_LOCAL_FLUSH_ONE } from "../../mm/vmstat.js";
import type { Cpu } from "./mmu.js";
import { PAGE_SIZE, pageNumber } from "./pgtable.js";
import { hugeTlbKey } from "./tlb.js";

/** Linux keeps this many address spaces' PCIDs per CPU (TLB_NR_DYN_ASIDS). */
export const DYNAMIC_ASIDS = 6;
/** A range flush of more pages than this flushes everything (tlb_single_page_flush_ceiling). */
export const SINGLE_PAGE_FLUSH_CEILING = 33;

/** The translation caches a flush reaches: the Cpu's TLBs and paging-structure caches. */
export type TranslationCaches = Pick<Cpu, "dtlb" | "itlb" | "dtlb2m" | "itlb2m" | "stlb" | "psc">;

/**
 * The PCIDs of the address spaces and the TLB flushes. `running` parameters are the address
 * space of the process on the CPU (null when none): without PCID only it may have entries.
 */
export class TlbContexts {
  /**
   * Set by the first 2 MiB fill: until then a TLB miss need not look for 2 MiB entries, nor a
   * flush drop them.
   */
  hugeEntries = false;
  /** Context id owning each dynamic ASID slot (-1 free); PCID = slot + 1. */
  private readonly asidOwner = new Float64Array(DYNAMIC_ASIDS).fill(-1);
  private nextAsidSlot = 0;

  constructor(
    private readonly tlbs: TranslationCaches,
    private readonly pcid: boolean,
    private readonly vmstat: Float64Array,
  ) {}

  /**
   * switch_mm: returns the PCID `mm` runs under. Without PCID every switch flushes the
   * non-global entries; with PCID the address space keeps its entries while it owns one of the
   * DYNAMIC_ASIDS slots (handed out round robin, flushed when reassigned).
   */
  switchMm(mm: MmStruct): number {
    if (!this.pcid) {
      this.flushAsid(0);
      return 0;
    }
    const slot = this.asidOwner.indexOf(mm.contextId);
    if (slot >= 0) return slot + 1;
    const fresh = this.nextAsidSlot;
    this.nextAsidSlot = (fresh + 1) % DYNAMIC_ASIDS;
    this.asidOwner[fresh] = mm.contextId;
    this.flushAsid(fresh + 1);
    return fresh + 1;
  }

  /** `mm` no longer runs (its process exited): forget its TLB state and free its PCID. */
  dropMm(mm: MmStruct, running: MmStruct | null): void {
    const asid = this.asidOf(mm, running);
    if (asid >= 0) this.flushAsid(asid);
    const slot = this.asidOwner.indexOf(mm.contextId);
    if (slot >= 0) this.asidOwner[slot] = -1;
  }

  /** The PCID under which `mm`'s translations may be cached, or -1 when none can be. */
  asidOf(mm: MmStruct, running: MmStruct | null): number {
    if (!this.pcid) return running === mm ? 0 : -1;
    const slot = this.asidOwner.indexOf(mm.contextId);
    return slot >= 0 ? slot + 1 : -1;
  }

  /** flush_tlb_page's TLB side: INVLPG of one page of `mm`. */
  flushPage(mm: MmStruct, address: number, running: MmStruct | null): void {
    const asid = this.asidOf(mm, running);
    if (asid < 0) return;
    const tlbs = this.tlbs;
    const vpn = pageNumber(address);
    tlbs.dtlb.invalidatePage(vpn, asid);
    tlbs.itlb.invalidatePage(vpn, asid);
    tlbs.stlb.invalidatePage(vpn, asid);
    if (this.hugeEntries) this.invalidateHuge(vpn, asid);
    // INVLPG also drops every paging-structure-cache entry of the PCID (SDM 4.10.4.1).
    tlbs.psc?.invalidateAsid(asid);
    if (running === mm) this.count(NR_TLB_LOCAL_FLUSH_ONE, 1);
  }

  /**
   * flush_tlb_mm_range's TLB side: one INVLPG per page, or a full flush of the address space
   * past SINGLE_PAGE_FLUSH_CEILING pages.
   */
  flushRange(mm: MmStruct, start: number, end: number, running: MmStruct | null): void {
    const pages = (end - start) / PAGE_SIZE;
    if (pages > SINGLE_PAGE_FLUSH_CEILING) {
      this.flushMm(mm, running);
      return;
    }
    const asid = this.asidOf(mm, running);
    if (asid < 0) return;
    const tlbs = this.tlbs;
    for (let address = start; address < end; address += PAGE_SIZE) {
      const vpn = pageNumber(address);
      tlbs.dtlb.invalidatePage(vpn, asid);
      tlbs.itlb.invalidatePage(vpn, asid);
      tlbs.stlb.invalidatePage(vpn, asid);
      if (this.hugeEntries && vpn % 512 === 0) this.invalidateHuge(vpn, asid);
    }
    if (this.hugeEntries && start % (512 * PAGE_SIZE) !== 0) {
      this.invalidateHuge(pageNumber(start), asid);
    }
    tlbs.psc?.invalidateAsid(asid);
    if (running === mm) this.count(NR_TLB_LOCAL_FLUSH_ONE, pages);
  }

  /** flush_tlb_mm's TLB side (the design's entries are not touched). */
  flushMm(mm: MmStruct, running: MmStruct | null): void {
    const asid = this.asidOf(mm, running);
    if (asid < 0) return;
    this.flushAsid(asid);
    if (running === mm) this.count(NR_TLB_LOCAL_FLUSH_ALL, 1);
  }

  private flushAsid(asid: number): void {
    const tlbs = this.tlbs;
    tlbs.dtlb.invalidateAsid(asid);
    tlbs.itlb.invalidateAsid(asid);
    tlbs.dtlb2m.invalidateAsid(asid);
    tlbs.itlb2m.invalidateAsid(asid);
    tlbs.stlb.invalidateAsid(asid);
    tlbs.psc?.invalidateAsid(asid);
  }

  /** INVLPG of any address inside a 2 MiB page drops its 2 MiB entries (SDM 4.10.4.1). */
  private invalidateHuge(vpn: number, asid: number): void {
    const key = hugeTlbKey(vpn);
    this.tlbs.dtlb2m.invalidatePage(key, asid);
    this.tlbs.itlb2m.invalidatePage(key, asid);
    this.tlbs.stlb.invalidatePage(key, asid);
  }

  private count(counter: number, amount: number): void {
    this.vmstat[counter] = (this.vmstat[counter] as number) + amount;
  }
}
