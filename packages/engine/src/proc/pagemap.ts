/**
 * /proc/PID/pagemap, decoded (fs/proc/task_mmu.c, pte_to_pagemap_entry): one 64-bit entry per
 * virtual page. Bits 0-54 hold the PFN of a present page, bit 55 soft-dirty, bit 56 "exclusively
 * mapped", bit 61 file page or shared anonymous, bit 62 swapped, bit 63 present.
 *
 * Soft-dirty: every VMA is created with VM_SOFTDIRTY and nothing clears it (no clear_refs), so
 * Linux reports bit 55 for every page inside a VMA, present or not; so does this view.
 */
import { entryPfn, PAGE_SIZE, pageNumber } from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import { FRAME_ANON } from "../mm/frames.js";
import { entryMapsFrame } from "../mm/memory.js";
import type { Process } from "../process.js";

export interface PagemapEntry {
  address: number;
  present: boolean;
  swapped: boolean;
  pfn: number;
  softDirty: boolean;
  exclusive: boolean;
  /** A file page or shared anonymous (shmem) page. */
  fileOrShared: boolean;
}

/** The entries for the pages of [address, address + size), without side effects. */
export function pagemapEntries(
  machine: Machine,
  process: Process,
  address: number,
  size: number,
): PagemapEntry[] {
  const entries: PagemapEntry[] = [];
  const first = pageNumber(address);
  const last = pageNumber(address + Math.max(size, 1) - 1);
  for (let page = first; page <= last; page++) {
    entries.push(entryFor(machine, process, page * PAGE_SIZE));
  }
  return entries;
}

function entryFor(machine: Machine, process: Process, address: number): PagemapEntry {
  const mm = process.mm;
  const vma = mm.vmas[mm.indexAbove(address)];
  const inVma = vma !== undefined && vma.start <= address;
  const entry: PagemapEntry = {
    address,
    present: false,
    swapped: false,
    pfn: 0,
    softDirty: inVma,
    exclusive: false,
    fileOrShared: false,
  };
  if (!process.alive || !inVma) return entry;
  const offset = machine.memory.pteOffset(mm, process.pid, address, false);
  if (offset < 0) return entry;
  const phys = machine.phys;
  const low = phys.tableLow[offset] as number;
  // pte_present() is true for a resident PROT_NONE page too.
  if (!entryMapsFrame(low)) return entry;
  const pfn = entryPfn(low, phys.tableHigh[offset] as number);
  entry.present = true;
  entry.pfn = pfn;
  // The zero page is no "normal page": neither file nor exclusive (vm_normal_page is NULL).
  if (pfn !== phys.zeroPfn) {
    entry.fileOrShared = phys.kind[pfn] !== FRAME_ANON;
    entry.exclusive = phys.mapcount[pfn] === 1;
  }
  return entry;
}

/** The 64-bit value Linux would return, as 16 hex digits. */
export function pagemapValue(entry: PagemapEntry): string {
  let high = 0;
  if (entry.present) high |= 1 << 31;
  if (entry.swapped) high |= 1 << 30;
  if (entry.fileOrShared) high |= 1 << 29;
  if (entry.exclusive) high |= 1 << 24;
  if (entry.softDirty) high |= 1 << 23;
  high = (high | Math.floor(entry.pfn / 2 ** 32)) >>> 0;
  const low = entry.pfn >>> 0;
  return high.toString(16).padStart(8, "0") + low.toString(16).padStart(8, "0");
}

/** `show pagemap P ADDR SIZE`: one line per page. */
export function renderPagemap(
  machine: Machine,
  process: Process,
  address: number,
  size: number,
): string {
  const lines = [`${"address".padEnd(14)}  ${"pagemap entry".padEnd(16)}  decoded`];
  for (const entry of pagemapEntries(machine, process, address, size)) {
    const flags: string[] = [];
    if (entry.present) flags.push(`present pfn=0x${entry.pfn.toString(16)}`);
    else flags.push("not present");
    if (entry.swapped) flags.push("swapped");
    if (entry.fileOrShared) flags.push("file/shared");
    if (entry.exclusive) flags.push("exclusive");
    if (entry.softDirty) flags.push("soft-dirty");
    lines.push(
      `${entry.address.toString(16).padStart(12, "0")}  ${pagemapValue(entry)}  ${flags.join(", ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
