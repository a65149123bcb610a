/**
 * The paging-structure caches (Intel SDM vol. 3A §4.10.3): the PML4E cache, indexed by address
 * bits 47:39, the PDPTE cache (47:30) and the PDE cache (47:21). Each entry holds the physical
 * address of the next table down with the rights ANDed (R/W, U/S) and ORed (XD) over the levels
 * above it. On an STLB miss the walker takes the longest match (PDE, then PDPTE, then PML4E) and
 * reads only the levels below it.
 *
 * Each cache is a small Tlb keyed by the address prefix instead of the page number, tagged with
 * the PCID like the TLBs. As the SDM allows, entries are created for every present upper entry a
 * walk reads (even when the walk then faults); they are dropped with the address space's TLB
 * entries: INVLPG drops every paging-structure-cache entry of the current PCID (§4.10.4.1), and
 * so do the PCID flushes. Entries for 2 MiB or 1 GiB pages are never made (the engine maps 4 KiB
 * pages only).
 *
 * AMD's cores keep page-directory entries in the L2 TLB and have a page walk cache for the upper
 * levels; vmscope models both vendors with these three caches.
 */
import { LEVEL_PGD, LEVEL_PMD, LEVEL_PTE, LEVEL_PUD, TWO_POW_32 } from "./pgtable.js";
import { TLB_NX, TLB_USER, TLB_WRITABLE, Tlb, type TlbGeometry } from "./tlb.js";

export interface PscGeometry {
  pml4e: TlbGeometry;
  pdpte: TlbGeometry;
  pde: TlbGeometry;
}

/** The walk's starting point after a lookup: the level to read first, its table and rights. */
export interface PscStart {
  /** LEVEL_PGD when nothing matched; LEVEL_PUD, LEVEL_PMD or LEVEL_PTE after a hit. */
  level: number;
  table: number;
  /** TLB_WRITABLE | TLB_USER | TLB_NX as accumulated above `level`. */
  flags: number;
}

/**
 * The prefix of `address` that a cache for entries at `level` is indexed by: bits 47:39 for PGD
 * (PML4) entries, 47:30 for PUD (PDPT) entries, 47:21 for PMD (PD) entries.
 * @example pscKey(0x7ffff7fef000, LEVEL_PMD) // 0x3ffffbf (bits 47:21)
 */
export function pscKey(address: number, level: number): number {
  const high = Math.floor(address / TWO_POW_32) & 0xffff;
  const low = address >>> 0;
  if (level === LEVEL_PGD) return high >>> 7;
  if (level === LEVEL_PUD) return high * 4 + (low >>> 30);
  return high * 2048 + (low >>> 21);
}

export class PagingStructureCaches {
  readonly pml4e: Tlb;
  readonly pdpte: Tlb;
  readonly pde: Tlb;
  /** Where the last lookup lets the walk start (reused: no allocation per walk). */
  readonly start: PscStart = { level: LEVEL_PGD, table: -1, flags: 0 };

  constructor(geometry: PscGeometry) {
    this.pml4e = new Tlb("PML4E cache", geometry.pml4e);
    this.pdpte = new Tlb("PDPTE cache", geometry.pdpte);
    this.pde = new Tlb("PDE cache", geometry.pde);
  }

  /** The caches from the top level down. */
  all(): Tlb[] {
    return [this.pml4e, this.pdpte, this.pde];
  }

  /** The cache holding entries read at `level` (PGD, PUD or PMD). */
  cacheFor(level: number): Tlb {
    return level === LEVEL_PGD ? this.pml4e : level === LEVEL_PUD ? this.pdpte : this.pde;
  }

  /**
   * Look `address` up, longest match first, and fill `start`. A hit marks its entry most
   * recently used and counts; a cache is asked only when the ones below it missed.
   */
  lookup(address: number, asid: number): PscStart {
    const start = this.start;
    for (let level = LEVEL_PMD; level <= LEVEL_PGD; level++) {
      const cache = this.cacheFor(level);
      const slot = cache.lookup(pscKey(address, level), asid);
      if (slot >= 0) {
        start.level = level - 1;
        start.table = cache.pfn[slot] as number;
        start.flags = (cache.flags[slot] as number) & (TLB_WRITABLE | TLB_USER | TLB_NX);
        return start;
      }
    }
    start.level = LEVEL_PGD;
    start.table = -1;
    start.flags = TLB_WRITABLE | TLB_USER;
    return start;
  }

  /** Like lookup, changing nothing (no LRU update, no counters): for inspection. */
  peek(address: number, asid: number): PscStart {
    const start: PscStart = { level: LEVEL_PGD, table: -1, flags: TLB_WRITABLE | TLB_USER };
    if (asid < 0) return start;
    for (let level = LEVEL_PMD; level <= LEVEL_PGD; level++) {
      const cache = this.cacheFor(level);
      const slot = cache.peek(pscKey(address, level), asid);
      if (slot >= 0) {
        start.level = level - 1;
        start.table = cache.pfn[slot] as number;
        start.flags = (cache.flags[slot] as number) & (TLB_WRITABLE | TLB_USER | TLB_NX);
        return start;
      }
    }
    return start;
  }

  /** Remember a present entry read at `level` (above the PTE level) pointing to `table`. */
  fill(address: number, asid: number, level: number, table: number, flags: number): void {
    if (level === LEVEL_PTE) return;
    this.cacheFor(level).insert(pscKey(address, level), asid, table, flags);
  }

  /** Drop the entries of one PCID (INVLPG, a PCID flush, a CR3 write without PCID). */
  invalidateAsid(asid: number): void {
    this.pml4e.invalidateAsid(asid);
    this.pdpte.invalidateAsid(asid);
    this.pde.invalidateAsid(asid);
  }

  /** Drop one entry found to point at a frame that is no longer a table (see Cpu.walk). */
  dropStale(address: number, asid: number, level: number): void {
    const cache = this.cacheFor(level + 1);
    cache.invalidatePage(pscKey(address, level + 1), asid);
  }
}
