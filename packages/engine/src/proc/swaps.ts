/**
 * /proc/swaps (mm/swapfile.c: swap_show). A header, then one line per active swap area:
 *
 *     Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
 *     /swapfile                               file\t\t524284\t\t0\t\t-2
 *
 * The kernel prints the path, pads it to 40 columns (`%*s` with a width of 40 - len, at least
 * one space), then `file\t` (a regular file; a block device would be `partition`), then
 * `\t%lu\t%s%lu\t%s%d`: Size and Used in KiB, each followed by a second tab while below
 * 10000000, and the priority.
 *
 * Size is si->pages, the usable pages (the header page is not one), Used the slots in use
 * (referenced by a swap entry or held by the swap cache). The priority is -2: swapon without
 * --priority gives the first area --least_priority, which starts at -1.
 */
import type { Machine } from "../machine.js";
import { pagesToKb } from "./format.js";

const HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority";
/** The first swap area's default priority (least_priority starts at -1, pre-decremented). */
const DEFAULT_PRIORITY = -2;
/** Sizes at or above this many KiB lose their second tab. */
const WIDE = 10_000_000;

/** The text of /proc/swaps: the header, and the swap area's line when there is one. */
export function renderSwaps(machine: Machine): string {
  const swap = machine.memory.swap;
  if (swap === null) return `${HEADER}\n`;
  const name = swap.name;
  const size = pagesToKb(swap.capacity);
  const used = pagesToKb(swap.used);
  const padding = " ".repeat(name.length < 40 ? 40 - name.length : 1);
  const line =
    `${name}${padding}file\t\t${size}\t${size < WIDE ? "\t" : ""}` +
    `${used}\t${used < WIDE ? "\t" : ""}${DEFAULT_PRIORITY}`;
  return `${HEADER}\n${line}\n`;
}
