/**
 * The four-level page walk of one address, for display: what the hardware walker would read at
 * each level, without doing what it does (no A/D bits set, no TLB filled, no counters moved).
 *
 * A sample (an anonymous page written once):
 *
 *     page walk of 0x7ffff7fef000 in PID 1000 (app), read-only (no A/D bits set, no TLB fill)
 *       PGD index 255 (bits 47-39), PUD index 511 (38-30), PMD index 447 (29-21), PTE index 495 (20-12), offset 0x000 (11-0)
 *       VMA 7ffff7fef000-7ffff7fff000 rw-p
 *     CR3 -> PGD table in frame 0x101 (physical 0x101000)
 *     PGD[255] at 0x1017f8 = 0000000000102067  P RW US A D
 *       -> PUD table in frame 0x102
 *     ...
 *     PTE[495] at 0x104f78 = 8000000000105867  P RW US A D NX
 *       -> page frame 0x105 (anon, mapcount 1): physical address 0x105000
 *     rights after all levels: read-write, user, no-execute
 *
 * A page that reclaim swapped out ends the walk at a non-present PTE holding its swap entry:
 *
 *     PTE[495] at 0x104f78 = 0000000000007400  SWAP
 *       -> swap entry: slot 7 of /swapfile (not present: an access faults and do_swap_page reads it back)
 *
 * (vmscope keeps the slot where a present entry keeps its PFN, with a software bit to mark it;
 * Linux packs the type and offset of a swap entry into the non-present entry differently.)
 *
 * With another page-table design (`machine pagetable=`), the walk is first shown in the design's
 * own terms (its levels and indices, or the hash bucket and chain; arch/pagetable/), then the
 * kernel's own four-level table, which decides the result. la57 adds its PML5 entry above the PGD.
 */
import { kernelFrame } from "../arch/pagetable/kernel_walk.js";
import {
  describeEntry,
  entryPfn,
  formatEntry,
  isSwapEntry,
  LEVEL_NAMES,
  LEVEL_PGD,
  LEVEL_PMD,
  LEVEL_PTE,
  LEVEL_PUD,
  levelSpan,
  PAGE_SIZE,
  PTE_HI_NX,
  PTE_PRESENT,
  PTE_PROTNONE,
  PTE_PSE,
  PTE_RW,
  PTE_USER,
  tableIndex,
} from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import { FRAME_KIND_NAMES } from "../mm/frames.js";
import type { Process } from "../process.js";
import { hex } from "./format.js";
import { mapsPrefix } from "./maps.js";

/** The first address above user space (the canonical lower half of a 48-bit address space). */
const USER_ADDRESS_END = 2 ** 47;
const ENTRY_BYTES = 8;

export type LevelName = (typeof LEVEL_NAMES)[number];

/** One entry the walk read. */
export interface WalkLevel {
  level: LevelName;
  /** PFN of the table holding the entry. */
  tablePfn: number;
  /** The entry's index in its table (9 bits of the address). */
  index: number;
  /** The entry's low and high 32 bits. */
  low: number;
  high: number;
  /** Whether the hardware sees a present entry (the walk goes on, or ends at a page). */
  present: boolean;
}

/** A present PMD or PUD entry with PS set maps a 2 MiB or 1 GiB page: the walk ends there. */
function isHugeLeaf(level: number, low: number): boolean {
  return (level === LEVEL_PMD || level === LEVEL_PUD) && (low & PTE_PSE) !== 0;
}

/** Whether `address` is a user-space address the walk can split. */
function isUserAddress(address: number): boolean {
  return Number.isInteger(address) && address >= 0 && address < USER_ADDRESS_END;
}

/**
 * The entries a hardware walk of `address` reads, top level first, stopping after the first
 * entry that is not present. Empty when the process has no page tables (it exited) or the
 * address is not a user-space address. Reads the tables only: nothing changes.
 */
export function walkLevels(machine: Machine, process: Process, address: number): WalkLevel[] {
  const levels: WalkLevel[] = [];
  const phys = machine.phys;
  let table = process.mm.pgd;
  if (table < 0 || !isUserAddress(address)) return levels;
  for (let level = LEVEL_PGD; level >= LEVEL_PTE; level--) {
    const index = tableIndex(address, level);
    const offset = phys.entryOffset(table, index);
    const low = phys.tableLow[offset] as number;
    const high = phys.tableHigh[offset] as number;
    const present = (low & PTE_PRESENT) !== 0;
    levels.push({
      level: LEVEL_NAMES[level] as LevelName,
      tablePfn: table,
      index,
      low,
      high,
      present,
    });
    if (!present || isHugeLeaf(level, low)) break;
    table = entryPfn(low, high);
  }
  return levels;
}

/** What the table level below `level` is called. */
function childName(level: LevelName): string {
  return level === "PGD" ? "PUD" : level === "PUD" ? "PMD" : "PTE";
}

/** The index split line: each level's index and the bits it comes from, then the offset. */
function splitLine(address: number): string {
  const parts: string[] = [];
  for (let level = LEVEL_PGD; level >= LEVEL_PTE; level--) {
    const high = 12 + 9 * level + 8;
    const bits = `${high}-${high - 8}`;
    const name = LEVEL_NAMES[level] as string;
    const index = tableIndex(address, level);
    parts.push(`${name} index ${index} (${level === LEVEL_PGD ? "bits " : ""}${bits})`);
  }
  const offset = (address >>> 0) & (PAGE_SIZE - 1);
  parts.push(`offset 0x${hex(offset, 3)} (11-0)`);
  return `  ${parts.join(", ")}`;
}

/** The page-frame line for a leaf that maps `pfn`. */
function frameDescription(machine: Machine, pfn: number): string {
  const phys = machine.phys;
  if (pfn >= phys.totalFrames) return `frame 0x${hex(pfn)} (beyond RAM)`;
  const kind = FRAME_KIND_NAMES[phys.kind[pfn] as number] ?? "?";
  if (pfn === phys.zeroPfn) return `frame 0x${hex(pfn)} (the shared zero page)`;
  return `frame 0x${hex(pfn)} (${kind}, mapcount ${phys.mapcount[pfn]})`;
}

/** Where the walk ends at a PTE holding a swap entry: the slot, and whether a copy is cached. */
function swapDescription(machine: Machine, slot: number): string {
  const swap = machine.memory.swap;
  const name = swap?.name ?? "swap";
  const cached = swap === null ? -1 : (swap.cachePfn[slot] ?? -1);
  const where =
    cached >= 0
      ? `still in the swap cache in frame 0x${hex(cached)}: an access faults and do_swap_page maps it without I/O`
      : "not present: an access faults and do_swap_page reads it back";
  return `  -> swap entry: slot ${slot} of ${name} (${where})`;
}

/** Access rights the walker would grant after ANDing RW and US and ORing NX over the levels. */
function rightsLine(levels: readonly WalkLevel[]): string {
  let rights = PTE_RW | PTE_USER;
  let noExecute = false;
  for (const level of levels) {
    rights &= level.low;
    if (level.high & PTE_HI_NX) noExecute = true;
  }
  const parts = [
    rights & PTE_RW ? "read-write" : "read-only",
    rights & PTE_USER ? "user" : "supervisor only",
    noExecute ? "no-execute" : "executable",
  ];
  return `rights after all levels: ${parts.join(", ")}`;
}

/**
 * The walk of `address` in `process` as text: the index split, the VMA, then for each level the
 * table, the index, the 64-bit entry and its flags, and where the walk goes or stops (a missing
 * table, a PROT_NONE page, or the page frame and physical address). Changes nothing.
 */
export function renderWalk(machine: Machine, process: Process, address: number): string {
  const lines: string[] = [];
  const mm = process.mm;
  const shown = isUserAddress(address) ? `0x${hex(address)}` : String(address);
  lines.push(
    `page walk of ${shown} in PID ${process.pid} (${process.name}), read-only (no A/D bits set, no TLB fill)`,
  );
  if (!isUserAddress(address)) {
    lines.push("  not a user-space address: user space is 0x0 to 0x7fffffffffff");
    return `${lines.join("\n")}\n`;
  }
  const design = machine.pagetable;
  if (design?.replacesWalk) {
    const frame = kernelFrame(machine.phys, mm, address);
    lines.push(...design.describeWalk(mm, address, frame));
    lines.push("the kernel's own four-level table, which decides the result:");
  }
  lines.push(splitLine(address));
  // indexAbove is a pure search (vmaAt would also update the lookup cache).
  const candidate = mm.vmas[mm.indexAbove(address)];
  const vma = candidate !== undefined && candidate.start <= address ? candidate : null;
  lines.push(
    vma === null
      ? "  no VMA contains it: an access gets SIGSEGV (SEGV_MAPERR)"
      : `  VMA ${mapsPrefix(vma).trimEnd()}`,
  );
  if (mm.pgd < 0) {
    lines.push("no page tables: the process has exited");
    return `${lines.join("\n")}\n`;
  }
  if (design === null) {
    lines.push(
      `CR3 -> PGD table in frame 0x${hex(mm.pgd)} (physical 0x${hex(mm.pgd * PAGE_SIZE)})`,
    );
  } else if (!design.replacesWalk) {
    lines.push(...design.describeWalk(mm, address, -1));
  } else {
    lines.push(
      `mm->pgd -> PGD table in frame 0x${hex(mm.pgd)} (physical 0x${hex(mm.pgd * PAGE_SIZE)})`,
    );
  }
  const levels = walkLevels(machine, process, address);
  for (const step of levels) {
    const entryAddress = step.tablePfn * PAGE_SIZE + step.index * ENTRY_BYTES;
    const swapped = step.level === "PTE" && isSwapEntry(step.low);
    const flags = swapped ? "SWAP" : describeEntry(step.low, step.high);
    lines.push(
      `${step.level}[${step.index}] at 0x${hex(entryAddress)} = ${formatEntry(step.low, step.high)}  ${
        flags === "" ? "(empty)" : flags
      }`,
    );
    const pfn = entryPfn(step.low, step.high);
    if (!step.present) {
      if (swapped) {
        lines.push(swapDescription(machine, pfn));
      } else if (step.level === "PTE" && step.low & PTE_PROTNONE) {
        lines.push(
          `  -> PROT_NONE: ${frameDescription(machine, pfn)} is resident, but the hardware sees no page; an access faults`,
        );
      } else if (step.level === "PTE") {
        lines.push("  -> not present: no page mapped here; an access page-faults");
      } else {
        lines.push(
          `  -> not present: no ${childName(step.level)} table below; an access page-faults`,
        );
      }
      break;
    }
    const levelNumber = LEVEL_NAMES.indexOf(step.level);
    if (step.level === "PTE" || isHugeLeaf(levelNumber, step.low)) {
      // A huge page's PFN field has the PAT bit (12) below it; the page is span-aligned.
      const span = levelSpan(levelNumber);
      const base = Math.floor((pfn * PAGE_SIZE) / span) * span;
      const physical = base + (address % span);
      const size =
        step.level === "PTE" ? "page" : step.level === "PMD" ? "2 MiB page at" : "1 GiB page at";
      lines.push(
        `  -> ${size} ${frameDescription(machine, base / PAGE_SIZE)}: physical address 0x${hex(physical)}`,
      );
      lines.push(rightsLine(levels));
    } else {
      lines.push(`  -> ${childName(step.level)} table in frame 0x${hex(pfn)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
