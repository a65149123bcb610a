/**
 * /proc/meminfo (fs/proc/meminfo.c: meminfo_proc_show). Each line is the label and colon padded
 * to 16 columns, the value in kB right-aligned in 8, then ` kB` (show_val_kb):
 *
 *     MemTotal:         261116 kB
 *
 * Printed, in Linux's order: MemTotal, MemFree, MemAvailable, Buffers, Cached, SwapCached,
 * Active, Inactive, Active(anon), Inactive(anon), Active(file), Inactive(file), Unevictable,
 * SwapTotal, SwapFree, Dirty, Writeback, AnonPages, Mapped, Shmem, PageTables.
 *
 * Where vmscope differs from Linux:
 * - Shared anonymous memory (shmem) is kept off the LRU lists and never reclaimed, so its pages
 *   are counted under Unevictable; Linux puts them on the anon lists (they are swap-backed) and
 *   counts them in Active(anon)/Inactive(anon).
 * - Writeback is 0: pageout and writeback complete at once, no page is ever caught in flight.
 * - Buffers is 0: there is no block-device page cache (no filesystem metadata).
 *
 * Left out until vmscope models them: Mlocked, Zswap, the slab and kernel-stack lines, the commit
 * limits, vmalloc, huge pages and the direct map.
 */
import type { Machine } from "../machine.js";
import { FRAME_FILE, FRAME_PAGETABLE, FRAME_RESERVED, FRAME_SHMEM } from "../mm/frames.js";
import { PMD_PAGES } from "../mm/huge_memory.js";
import {
  LRU_ACTIVE_ANON,
  LRU_ACTIVE_FILE,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
} from "../mm/lru.js";
import { kbLine, pagesToKb } from "./format.js";
import { pageStates } from "./vmstat.js";

/**
 * si_mem_available (mm/show_mem.c), in pages: free pages less the reserve (totalreserve_pages,
 * which for a single zone without lowmem reserves is its high watermark), plus the file LRU
 * pages less what must stay cached (half of them, at most the low watermark). The reclaimable
 * slab and kernel memory term is 0 here: vmscope has no slab. Never negative.
 */
export function memAvailablePages(machine: Machine): number {
  const { high, low } = machine.reclaim.watermarks;
  const sizes = machine.lru.sizes;
  let available = machine.phys.freeFrames - high;
  let pagecache = (sizes[LRU_ACTIVE_FILE] as number) + (sizes[LRU_INACTIVE_FILE] as number);
  pagecache -= Math.min(Math.floor(pagecache / 2), low);
  available += pagecache;
  return Math.max(0, available);
}

/** The values of /proc/meminfo in kB, in print order. */
export function meminfoValues(machine: Machine): Record<string, number> {
  const phys = machine.phys;
  const frames = (kind: number): number => phys.framesOfKind[kind] as number;
  const lru = (list: number): number => machine.lru.sizes[list] as number;
  const states = pageStates(phys);
  const shmem = frames(FRAME_SHMEM);
  const swap = machine.memory.swap;
  return {
    // totalram_pages: RAM the kernel manages, without the reserved low megabyte.
    MemTotal: pagesToKb(phys.totalFrames - frames(FRAME_RESERVED)),
    MemFree: pagesToKb(phys.freeFrames),
    MemAvailable: pagesToKb(memAvailablePages(machine)),
    Buffers: 0,
    // NR_FILE_PAGES minus the swap cache and buffers: the file pages and shmem, as on Linux.
    // (vmscope's swap cache pages are anonymous frames, so they were never in this sum.)
    Cached: pagesToKb(frames(FRAME_FILE) + shmem),
    // total_swapcache_pages: anonymous pages that also have a swap slot.
    SwapCached: pagesToKb(states.swapCached),
    Active: pagesToKb(lru(LRU_ACTIVE_ANON) + lru(LRU_ACTIVE_FILE)),
    Inactive: pagesToKb(lru(LRU_INACTIVE_ANON) + lru(LRU_INACTIVE_FILE)),
    "Active(anon)": pagesToKb(lru(LRU_ACTIVE_ANON)),
    "Inactive(anon)": pagesToKb(lru(LRU_INACTIVE_ANON)),
    "Active(file)": pagesToKb(lru(LRU_ACTIVE_FILE)),
    "Inactive(file)": pagesToKb(lru(LRU_INACTIVE_FILE)),
    // NR_UNEVICTABLE: vmscope keeps shmem off the LRU lists and never reclaims it.
    Unevictable: pagesToKb(shmem),
    // total_swap_pages and get_nr_swap_pages(): usable slots, and those neither referenced by a
    // swap entry nor held by the swap cache.
    SwapTotal: pagesToKb(swap?.capacity ?? 0),
    SwapFree: pagesToKb(swap?.free ?? 0),
    // NR_FILE_DIRTY: page-cache pages with PG_dirty (shmem does not account dirty pages).
    Dirty: pagesToKb(states.fileDirty),
    Writeback: 0,
    // NR_ANON_MAPPED: anonymous pages mapped somewhere (not swap-readahead pages no one mapped).
    AnonPages: pagesToKb(states.anonMapped),
    Mapped: pagesToKb(states.fileMapped),
    Shmem: pagesToKb(shmem),
    PageTables: pagesToKb(frames(FRAME_PAGETABLE)),
    // NR_ANON_THPS: huge pages mapped by at least one huge PMD.
    AnonHugePages: pagesToKb(machine.memory.huge.anonThps * PMD_PAGES),
  };
}

/** The text of /proc/meminfo. */
export function renderMeminfo(machine: Machine): string {
  let text = "";
  for (const [label, kb] of Object.entries(meminfoValues(machine)))
    text += `${kbLine(label, kb)}\n`;
  return text;
}
