/**
 * /proc/buddyinfo (mm/vmstat.c: frag_show_print): for each zone, the number of free blocks of
 * each order 0..MAX_PAGE_ORDER (free_area[order].nr_free). The kernel prints
 * `Node %d, zone %8s ` and then `%6lu ` per order, so every field, the last one too, is
 * followed by a space (not shown at the end of this sample):
 *
 *     Node 0, zone   Normal      1      0      1      2      1      1      0      1      1      2      3
 *
 * vmscope has one node and one zone, which it calls Normal (a real x86-64 machine also has DMA
 * and DMA32 zones below 16 MiB and 4 GiB, printed first).
 */
import type { Machine } from "../machine.js";
import { decimal } from "./format.js";

/** The text of /proc/buddyinfo. */
export function renderBuddyinfo(machine: Machine): string {
  let line = `Node 0, zone ${"Normal".padStart(8, " ")} `;
  for (const blocks of machine.phys.buddy.freeBlocksPerOrder()) line += `${decimal(blocks, 6)} `;
  return `${line}\n`;
}
