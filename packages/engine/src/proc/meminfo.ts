/**
 * /proc/meminfo (fs/proc/meminfo.c: meminfo_proc_show). Each line is the label and colon padded
 * to 16 columns, the value in kB right-aligned in 8, then ` kB` (show_val_kb):
 *
 *     MemTotal:         261116 kB
 *
 * Printed, in Linux's order: MemTotal, MemFree, MemAvailable, Buffers, Cached, SwapCached,
 * SwapTotal, SwapFree, AnonPages, Mapped, Shmem, PageTables.
 *
 * Left out until vmscope models them: Active, Inactive and their (anon)/(file) parts, Unevictable
 * and Mlocked (they need the LRU lists), Dirty and Writeback, the slab and kernel-stack lines,
 * the commit limits, vmalloc, huge pages and the direct map.
 */
import type { Machine } from "../machine.js";
import {
  FRAME_ANON,
  FRAME_FILE,
  FRAME_PAGETABLE,
  FRAME_RESERVED,
  FRAME_SHMEM,
} from "../mm/frames.js";
import { kbLine, pagesToKb } from "./format.js";
import { mappedFilePages } from "./vmstat.js";

/** The values of /proc/meminfo in kB, in print order. */
export function meminfoValues(machine: Machine): Record<string, number> {
  const phys = machine.phys;
  const frames = (kind: number): number => phys.framesOfKind[kind] as number;
  const free = phys.freeFrames;
  const file = frames(FRAME_FILE);
  const shmem = frames(FRAME_SHMEM);
  return {
    // totalram_pages: RAM the kernel manages, without the reserved low megabyte.
    MemTotal: pagesToKb(phys.totalFrames - frames(FRAME_RESERVED)),
    MemFree: pagesToKb(free),
    // si_mem_available, roughly: free memory plus the file page cache (shmem cannot be dropped).
    // vmscope has no watermarks yet, so nothing is held back for the reserve or the low mark.
    MemAvailable: pagesToKb(free + file),
    Buffers: 0,
    // NR_FILE_PAGES minus swap cache and buffers: shmem pages are included, as on Linux.
    Cached: pagesToKb(file + shmem),
    SwapCached: 0,
    SwapTotal: 0,
    SwapFree: 0,
    AnonPages: pagesToKb(frames(FRAME_ANON)),
    Mapped: pagesToKb(mappedFilePages(phys)),
    Shmem: pagesToKb(shmem),
    PageTables: pagesToKb(frames(FRAME_PAGETABLE)),
  };
}

/** The text of /proc/meminfo. */
export function renderMeminfo(machine: Machine): string {
  let text = "";
  for (const [label, kb] of Object.entries(meminfoValues(machine)))
    text += `${kbLine(label, kb)}\n`;
  return text;
}
