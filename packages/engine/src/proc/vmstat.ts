/**
 * /proc/vmstat (mm/vmstat.c: vmstat_show): `name value` lines, the page-count gauges first, then
 * the event counters.
 *
 * Gauges printed, in the order Linux prints them: nr_free_pages, nr_anon_pages (NR_ANON_MAPPED),
 * nr_mapped (NR_FILE_MAPPED: file and shmem pages mapped by at least one PTE), nr_file_pages
 * (NR_FILE_PAGES: the page cache, shmem included), nr_shmem and nr_page_table_pages (every
 * page-table page, the PGD included, as 6.x kernels count it). The LRU gauges
 * (nr_zone_inactive_anon, nr_active_file, ...) are left out until vmscope has LRU lists.
 * The events follow in the order of mm/vmstat.ts.
 */
import type { Machine } from "../machine.js";
import {
  FRAME_ANON,
  FRAME_FILE,
  FRAME_PAGETABLE,
  FRAME_SHMEM,
  type PhysicalMemory,
} from "../mm/frames.js";
import { VMSTAT_NAMES } from "../mm/vmstat.js";

/** File and shmem frames mapped into some page table (NR_FILE_MAPPED). */
export function mappedFilePages(phys: PhysicalMemory): number {
  let mapped = 0;
  const kind = phys.kind;
  const mapcount = phys.mapcount;
  for (let pfn = 0; pfn < phys.totalFrames; pfn++) {
    const k = kind[pfn];
    if ((k === FRAME_FILE || k === FRAME_SHMEM) && (mapcount[pfn] as number) > 0) mapped++;
  }
  return mapped;
}

function framesOf(phys: PhysicalMemory, kind: number): number {
  return phys.framesOfKind[kind] as number;
}

/** Every /proc/vmstat value vmscope knows, in print order. */
export function vmstatValues(machine: Machine): Record<string, number> {
  const phys = machine.phys;
  const values: Record<string, number> = {
    nr_free_pages: phys.freeFrames,
    nr_anon_pages: framesOf(phys, FRAME_ANON),
    nr_mapped: mappedFilePages(phys),
    nr_file_pages: framesOf(phys, FRAME_FILE) + framesOf(phys, FRAME_SHMEM),
    nr_shmem: framesOf(phys, FRAME_SHMEM),
    nr_page_table_pages: framesOf(phys, FRAME_PAGETABLE),
  };
  VMSTAT_NAMES.forEach((name, index) => {
    values[name] = machine.vmstat[index] as number;
  });
  return values;
}

/** The text of /proc/vmstat. */
export function renderVmstat(machine: Machine): string {
  let text = "";
  for (const [name, value] of Object.entries(vmstatValues(machine))) text += `${name} ${value}\n`;
  return text;
}
