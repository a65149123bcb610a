/**
 * /proc/PID/pagemap, decoded (fs/proc/task_mmu.c, pte_to_pagemap_entry): one 64-bit entry per
 * virtual page. Bits 0-54 hold the PFN of a present page; for a swapped page, bits 0-4 hold the
 * swap type and bits 5-54 the offset in it (`swp_type | swp_offset << MAX_SWAPFILES_SHIFT`).
 * Bit 55 is soft-dirty, bit 56 "exclusively mapped", bit 61 file page or shared anonymous,
 * bit 62 swapped, bit 63 present (Documentation/admin-guide/mm/pagemap.rst). The PFN and swap
 * fields are shown as a reader with CAP_SYS_ADMIN sees them; others read zeroes there.
 *
 * A swapped entry has no page behind it (the kernel's `page` stays NULL), so it is never
 * "exclusive" nor "file/shared", even when the swap cache still holds a copy of the page.
 *
 * Soft-dirty: every VMA is created with VM_SOFTDIRTY and nothing clears it (no clear_refs), so
 * Linux reports bit 55 for every page inside a VMA, present or not; so does this view.
 *
 * The entries come from the kernel's own page table, which is the same whatever design the MMU
 * walks (`machine pagetable=`, arch/pagetable/); with a design other than x86-64 a first line says so.
 */
import { entryPfn, isSwapEntry, PAGE_SIZE, pageNumber } from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import { FRAME_ANON } from "../mm/frames.js";
import { entryMapsFrame } from "../mm/memory.js";
import type { Process } from "../process.js";

export interface PagemapEntry {
  address: number;
  present: boolean;
  swapped: boolean;
  pfn: number;
  /** Swap type (the device; vmscope has one, type 0) and offset (slot) of a swapped page. */
  swapType: number;
  swapOffset: number;
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
    swapType: 0,
    swapOffset: 0,
    softDirty: inVma,
    exclusive: false,
    fileOrShared: false,
  };
  if (!process.alive || !inVma) return entry;
  const phys = machine.phys;
  // A huge PMD: the page's frame is the huge page's first frame plus its index in it.
  const pmd = machine.memory.huge.hugePmdOffset(mm, address);
  if (pmd >= 0) {
    const head = entryPfn(phys.tableLow[pmd] as number, phys.tableHigh[pmd] as number);
    entry.present = true;
    entry.pfn = head + (pageNumber(address) % 512);
    entry.exclusive = phys.mapcount[entry.pfn] === 1;
    return entry;
  }
  const offset = machine.memory.pteOffset(mm, process.pid, address, false);
  if (offset < 0) return entry;
  const low = phys.tableLow[offset] as number;
  if (isSwapEntry(low)) {
    entry.swapped = true;
    entry.swapOffset = entryPfn(low, phys.tableHigh[offset] as number);
    return entry;
  }
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

/** Bits the swap type takes below the offset (MAX_SWAPFILES_SHIFT). */
const MAX_SWAPFILES_SHIFT = 5;

/** The value of bits 0-54: the PFN, or the swap type and offset, or 0. */
function frameField(entry: PagemapEntry): number {
  if (entry.present) return entry.pfn;
  if (entry.swapped) return entry.swapType + entry.swapOffset * 2 ** MAX_SWAPFILES_SHIFT;
  return 0;
}

/** The 64-bit value Linux would return, as 16 hex digits. */
export function pagemapValue(entry: PagemapEntry): string {
  const frame = frameField(entry);
  let high = 0;
  if (entry.present) high |= 1 << 31;
  if (entry.swapped) high |= 1 << 30;
  if (entry.fileOrShared) high |= 1 << 29;
  if (entry.exclusive) high |= 1 << 24;
  if (entry.softDirty) high |= 1 << 23;
  high = (high | Math.floor(frame / 2 ** 32)) >>> 0;
  const low = frame >>> 0;
  return high.toString(16).padStart(8, "0") + low.toString(16).padStart(8, "0");
}

/** `show pagemap P ADDR SIZE`: one line per page. */
export function renderPagemap(
  machine: Machine,
  process: Process,
  address: number,
  size: number,
): string {
  const lines: string[] = [];
  if (machine.pagetable !== null) {
    lines.push(
      `(from the kernel's page table: the same for every design; the MMU walks ${machine.pagetable.spec.name})`,
    );
  }
  lines.push(`${"address".padEnd(14)}  ${"pagemap entry".padEnd(16)}  decoded`);
  for (const entry of pagemapEntries(machine, process, address, size)) {
    const flags: string[] = [];
    if (entry.present) flags.push(`present pfn=0x${entry.pfn.toString(16)}`);
    else flags.push("not present");
    if (entry.swapped)
      flags.push(`swapped type=${entry.swapType} offset=0x${entry.swapOffset.toString(16)}`);
    if (entry.fileOrShared) flags.push("file/shared");
    if (entry.exclusive) flags.push("exclusive");
    if (entry.softDirty) flags.push("soft-dirty");
    lines.push(
      `${entry.address.toString(16).padStart(12, "0")}  ${pagemapValue(entry)}  ${flags.join(", ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
