/**
 * The LRU lists (mm/vmscan.c, struct lruvec) as text. No Linux file shows them page by page; the
 * layout is vmscope's own. For each list in enum lru_list order its size, then its first pages
 * from head (most recently added or activated) to tail (where reclaim scans next):
 *
 *     inactive_anon: 1848 pages (7392 kB)
 *              pfn  flags  page
 *            0xf3a  _D__s  anon vpn 0x7ffff6e0f (pid 1000), mapcount 1, swap slot 12
 *       ... 1847 more
 *     active_file: 1 page (4 kB)
 *              pfn  flags  page
 *            0x105  R_A__  file /usr/bin/app index 1, mapcount 1
 *
 * The flags are page-types' letters (tools/mm/page-types.c) for the page flags vmscope keeps, in
 * its bit order, `_` where clear: R PG_referenced, D PG_dirty, A PG_active, I PG_readahead,
 * s in the swap cache. An anonymous page is named by the virtual page it was first mapped at and
 * the process that mapped it; one that swap readahead read but no fault has mapped yet has none.
 * Shmem pages are on no list (vmscope never reclaims them): their count ends the view as
 * Unevictable, as /proc/meminfo shows it. With `machine policy=NAME` a first line names the
 * policy and the page it would reclaim next. Reading the lists changes nothing.
 */
import type { Machine } from "../machine.js";
import {
  FRAME_ANON,
  FRAME_KIND_NAMES,
  FRAME_SHMEM,
  PG_ACTIVE,
  PG_DIRTY,
  PG_READAHEAD,
  PG_REFERENCED,
} from "../mm/frames.js";
import { LRU_NAMES } from "../mm/lru.js";
import { hex, pagesToKb } from "./format.js";

/** Pages listed per list before `... N more`. */
export const LRU_PAGES_SHOWN = 16;

/** Width of the pfn column. */
const PFN_WIDTH = 10;

function pagesLabel(pages: number): string {
  return `${pages} page${pages === 1 ? "" : "s"} (${pagesToKb(pages)} kB)`;
}

/** The `RDAIs` flag letters of a page, `_` for each flag that is clear. */
export function lruFlagLetters(machine: Machine, pfn: number): string {
  const flags = machine.phys.flags[pfn] as number;
  const swapCached = (machine.phys.swapSlot[pfn] as number) >= 0;
  return [
    flags & PG_REFERENCED ? "R" : "_",
    flags & PG_DIRTY ? "D" : "_",
    flags & PG_ACTIVE ? "A" : "_",
    flags & PG_READAHEAD ? "I" : "_",
    swapCached ? "s" : "_",
  ].join("");
}

/** What a page on a list holds: the file and index, or the anonymous page and its owner. */
function pageDescription(machine: Machine, pfn: number): string {
  const phys = machine.phys;
  const kind = phys.kind[pfn] as number;
  const mapcount = `mapcount ${phys.mapcount[pfn]}`;
  const index = phys.pageIndex[pfn] as number;
  if (kind === FRAME_ANON) {
    const slot = phys.swapSlot[pfn] as number;
    const swap = slot >= 0 ? `, swap slot ${slot}` : "";
    // A page swap readahead brought in has no virtual address until a fault maps it.
    if (phys.mapcount[pfn] === 0) return `anon, not mapped${swap}`;
    return `anon vpn 0x${hex(index)} (pid ${phys.ownerPid[pfn]}), ${mapcount}${swap}`;
  }
  const space = phys.mapping[pfn];
  if (space !== null && space !== undefined) {
    return `${FRAME_KIND_NAMES[kind] ?? "?"} ${space.name} index ${index}, ${mapcount}`;
  }
  return `${FRAME_KIND_NAMES[kind] ?? "?"}, ${mapcount}`;
}

/** The text of the LRU view: each list's size and its first LRU_PAGES_SHOWN pages. */
export function renderLru(machine: Machine): string {
  const lru = machine.lru;
  const lines: string[] = [];
  const order = machine.reclaim.order;
  if (order !== null) {
    // The policy, not the lists, picks victims; the lists still sort pages for /proc/meminfo.
    const victim = order.peekVictim();
    const next = victim < 0 ? "none" : `0x${hex(victim)} (${pageDescription(machine, victim)})`;
    lines.push(
      `reclaim order: policy ${order.spec}, ${pagesLabel(order.resident)}; next victim ${next}`,
    );
    lines.push("the lists below are kept for accounting only");
  }
  LRU_NAMES.forEach((name, list) => {
    const size = lru.sizes[list] as number;
    lines.push(`${name}: ${pagesLabel(size)}`);
    if (size === 0) return;
    lines.push(`${"pfn".padStart(PFN_WIDTH)}  flags  page`);
    const pages = lru.pagesOf(list);
    for (const pfn of pages.slice(0, LRU_PAGES_SHOWN)) {
      lines.push(
        `${`0x${hex(pfn)}`.padStart(PFN_WIDTH)}  ${lruFlagLetters(machine, pfn)}  ${pageDescription(machine, pfn)}`,
      );
    }
    if (pages.length > LRU_PAGES_SHOWN) lines.push(`  ... ${pages.length - LRU_PAGES_SHOWN} more`);
  });
  const shmem = machine.phys.framesOfKind[FRAME_SHMEM] as number;
  lines.push(`unevictable: ${pagesLabel(shmem)} of shmem, kept off the lists`);
  return `${lines.join("\n")}\n`;
}
