/**
 * /proc/vmstat (mm/vmstat.c: vmstat_show): `name value` lines, the page-count gauges first, then
 * the event counters.
 *
 * Gauges printed, in the order of the kernel's vmstat_text (zone items, then node items):
 * - nr_free_pages (NR_FREE_PAGES);
 * - nr_zone_inactive_anon .. nr_zone_unevictable and nr_zone_write_pending: the zone's copies of
 *   the LRU sizes (one zone, so they equal the node's) and its dirty + writeback pages;
 * - nr_inactive_anon, nr_active_anon, nr_inactive_file, nr_active_file: the LRU lists;
 *   nr_unevictable: shmem pages, which vmscope keeps off the lists (Linux puts them on the anon
 *   lists; here they cannot be reclaimed, so they are counted where unreclaimable pages go);
 * - nr_anon_pages (NR_ANON_MAPPED: anonymous pages mapped by at least one PTE; a page swap
 *   readahead brought in but nobody has mapped yet is not counted, as on Linux);
 * - nr_mapped (NR_FILE_MAPPED: file and shmem pages mapped by at least one PTE);
 * - nr_file_pages (NR_FILE_PAGES: the page cache, shmem and the swap cache included, as Linux
 *   counts it; /proc/meminfo's Cached subtracts the swap cache again);
 * - nr_dirty (NR_FILE_DIRTY: file pages with PG_dirty; shmem does not account dirty pages);
 * - nr_writeback (0: pageout completes at once in vmscope);
 * - nr_shmem, nr_page_table_pages (every page-table page, the PGD included, as 6.x kernels count
 *   it) and nr_swapcached (NR_SWAPCACHE), which Linux prints after the page-table lines.
 *
 * Left out: the NUMA, slab, workingset, kernel-stack and most THP items (vmscope has
 * thp_fault_alloc, thp_fault_fallback, thp_split_pmd and nr_anon_transparent_hugepages).
 *
 * The events follow in the order of mm/vmstat.ts, except that pgpgin and pgpgout are computed
 * here as Linux computes them: submit_bio counts the sectors of every read and write bio
 * (file pages and swap alike) and vmstat_start halves them into KiB, so they are the disk's
 * pages read and written × 4.
 */
import type { Machine } from "../machine.js";
import {
  FRAME_ANON,
  FRAME_FILE,
  FRAME_PAGETABLE,
  FRAME_SHMEM,
  PG_DIRTY,
  type PhysicalMemory,
} from "../mm/frames.js";
import {
  LRU_ACTIVE_ANON,
  LRU_ACTIVE_FILE,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
} from "../mm/lru.js";
import { VMSTAT_NAMES } from "../mm/vmstat.js";
import { pagesToKb } from "./format.js";

/** Page counts that need a scan of every frame (the kernel keeps them as counters). */
export interface PageStates {
  /** Anonymous frames mapped by at least one PTE (NR_ANON_MAPPED). */
  anonMapped: number;
  /** File and shmem frames mapped by at least one PTE (NR_FILE_MAPPED). */
  fileMapped: number;
  /** File frames with PG_dirty (NR_FILE_DIRTY). */
  fileDirty: number;
  /** Anonymous frames in the swap cache (NR_SWAPCACHE, total_swapcache_pages). */
  swapCached: number;
}

/** One pass over the frames, counting what /proc/meminfo and /proc/vmstat need. */
export function pageStates(phys: PhysicalMemory): PageStates {
  const states: PageStates = { anonMapped: 0, fileMapped: 0, fileDirty: 0, swapCached: 0 };
  const { kind, mapcount, flags, swapSlot } = phys;
  for (let pfn = 0; pfn < phys.totalFrames; pfn++) {
    const k = kind[pfn];
    const mapped = (mapcount[pfn] as number) > 0;
    if (k === FRAME_ANON) {
      if (mapped) states.anonMapped++;
      if ((swapSlot[pfn] as number) >= 0) states.swapCached++;
    } else if (k === FRAME_FILE || k === FRAME_SHMEM) {
      if (mapped) states.fileMapped++;
      if (k === FRAME_FILE && (flags[pfn] as number) & PG_DIRTY) states.fileDirty++;
    }
  }
  return states;
}

/** File and shmem frames mapped into some page table (NR_FILE_MAPPED). */
export function mappedFilePages(phys: PhysicalMemory): number {
  return pageStates(phys).fileMapped;
}

function framesOf(phys: PhysicalMemory, kind: number): number {
  return phys.framesOfKind[kind] as number;
}

/** Every /proc/vmstat value vmscope knows, in print order. */
export function vmstatValues(machine: Machine): Record<string, number> {
  const phys = machine.phys;
  const sizes = machine.lru.sizes;
  const states = pageStates(phys);
  const inactiveAnon = sizes[LRU_INACTIVE_ANON] as number;
  const activeAnon = sizes[LRU_ACTIVE_ANON] as number;
  const inactiveFile = sizes[LRU_INACTIVE_FILE] as number;
  const activeFile = sizes[LRU_ACTIVE_FILE] as number;
  const shmem = framesOf(phys, FRAME_SHMEM);
  const writeback = 0;
  const values: Record<string, number> = {
    nr_free_pages: phys.freeFrames,
    nr_zone_inactive_anon: inactiveAnon,
    nr_zone_active_anon: activeAnon,
    nr_zone_inactive_file: inactiveFile,
    nr_zone_active_file: activeFile,
    nr_zone_unevictable: shmem,
    // NR_ZONE_WRITE_PENDING: dirty and under writeback.
    nr_zone_write_pending: states.fileDirty + writeback,
    nr_inactive_anon: inactiveAnon,
    nr_active_anon: activeAnon,
    nr_inactive_file: inactiveFile,
    nr_active_file: activeFile,
    nr_unevictable: shmem,
    nr_anon_pages: states.anonMapped,
    nr_mapped: states.fileMapped,
    nr_file_pages: framesOf(phys, FRAME_FILE) + shmem + states.swapCached,
    nr_dirty: states.fileDirty,
    nr_writeback: writeback,
    nr_shmem: shmem,
    nr_anon_transparent_hugepages: machine.memory.huge.anonThps,
    nr_page_table_pages: framesOf(phys, FRAME_PAGETABLE),
    nr_swapcached: states.swapCached,
  };
  VMSTAT_NAMES.forEach((name, index) => {
    values[name] = machine.vmstat[index] as number;
  });
  // submit_bio's PGPGIN/PGPGOUT, in KiB: every page the disk read or wrote, swap included.
  values.pgpgin = pagesToKb(machine.disk.pagesRead);
  values.pgpgout = pagesToKb(machine.disk.pagesWritten);
  return values;
}

/** The text of /proc/vmstat. */
export function renderVmstat(machine: Machine): string {
  let text = "";
  for (const [name, value] of Object.entries(vmstatValues(machine))) text += `${name} ${value}\n`;
  return text;
}
