/**
 * Address-space system calls: mmap, munmap, mprotect, madvise and brk (mm/mmap.c, mm/mprotect.c,
 * mm/madvise.c), with top-down placement, VMA splitting and merging, and free_pgtables.
 *
 * Each returns 0 (or an address) on success and a negative errno on failure, like the syscall.
 */
import { PAGE_SIZE, TASK_SIZE } from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import type { Process } from "../process.js";
import { AddressSpace } from "./address_space.js";
import { STACK_GUARD_GAP } from "./fault.js";
import type { MmStruct } from "./mm_struct.js";
import {
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  VM_GROWSDOWN,
  VM_HUGEPAGE,
  VM_NOHUGEPAGE,
  VM_NOMERGE,
  VM_SHARED,
  Vma,
} from "./vma.js";

export const EINVAL = 22;
export const ENOMEM = 12;

/** Round up to a page boundary. */
export function pageAlign(bytes: number): number {
  return Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE;
}

function isPageAligned(address: number): boolean {
  return ((address >>> 0) & (PAGE_SIZE - 1)) === 0;
}

/** The lowest address a mapping's gap must keep clear below `vma` (vm_start_gap). */
function startGap(vma: Vma): number {
  return vma.flags & VM_GROWSDOWN ? vma.start - STACK_GUARD_GAP : vma.start;
}

/**
 * unmapped_area_topdown: the highest gap below mm.mmapBase that fits `length`, or -ENOMEM.
 */
export function getUnmappedArea(mm: MmStruct, length: number): number {
  let ceiling = mm.mmapBase;
  for (let index = mm.vmas.length - 1; index >= -1; index--) {
    const vma = mm.vmas[index];
    const floor = vma === undefined ? PAGE_SIZE * 16 : vma.end;
    if (vma !== undefined && vma.start >= ceiling) continue;
    const above = mm.vmas[index + 1];
    const top = Math.min(ceiling, above === undefined ? ceiling : startGap(above));
    if (top - floor >= length) return top - length;
    if (vma !== undefined) ceiling = Math.min(ceiling, vma.start);
  }
  return -ENOMEM;
}

/**
 * __vm_enough_memory in the default heuristic overcommit mode: one request larger than all of
 * RAM (plus swap, when there is some) fails with ENOMEM; anything smaller is granted.
 */
function enoughMemory(machine: Machine, bytes: number): boolean {
  const swapPages = machine.memory.swap?.capacity ?? 0;
  return bytes / PAGE_SIZE <= machine.phys.totalFrames + swapPages;
}

/** The file a mapping maps, and the byte offset in it of the mapping's start. */
export interface FileMapping {
  file: AddressSpace;
  offset: number;
}

/**
 * mmap, placed top-down: anonymous memory (private or shared), or a file when `file` is given.
 * MAP_POPULATE faults it in.
 */
export function doMmap(
  machine: Machine,
  process: Process,
  length: number,
  prot: number,
  shared: boolean,
  populate: boolean,
  file: FileMapping | null = null,
): number {
  if (length <= 0) return -EINVAL;
  if (file !== null && !isPageAligned(file.offset)) return -EINVAL;
  const mm = process.mm;
  const size = pageAlign(length);
  // accountable_mapping: private writable memory is accounted; so is shmem, but not a shared file.
  const accounted =
    file === null ? shared || (prot & PROT_WRITE) !== 0 : !shared && (prot & PROT_WRITE) !== 0;
  if (accounted && !enoughMemory(machine, size)) return -ENOMEM;
  const start =
    file === null ? anonUnmappedArea(mm, size, shared) : fileUnmappedArea(mm, size, file.offset);
  if (start < 0) return start;
  let backing: AddressSpace | null = null;
  let pgoff = 0;
  if (file !== null) {
    backing = file.file;
    backing.mappings++;
    pgoff = file.offset / PAGE_SIZE;
  } else if (shared) {
    backing = new AddressSpace("/dev/zero (deleted)", size, true, "00:01", machine.nextInode());
    backing.mappings = 1;
  }
  const vma = new Vma(start, start + size, prot, shared ? VM_SHARED : 0, backing, pgoff);
  mm.insert(vma);
  const placed = mergeAround(mm, vma);
  // Populating skips inaccessible memory: get_user_pages refuses PROT_NONE VMAs.
  if (populate && prot !== PROT_NONE) populateRange(machine, process, placed, start, start + size);
  return start;
}

/**
 * populate_vma_page_range: fault every page in, as writes for a writable private mapping and as
 * reads otherwise. The faults are charged to the process (minflt), as Linux does.
 */
function populateRange(machine: Machine, process: Process, vma: Vma, start: number, end: number) {
  const write = (vma.prot & PROT_WRITE) !== 0 && !vma.isShared;
  for (let address = start; address < end && process.alive; address += PAGE_SIZE) {
    machine.populatePage(process, vma, address, write);
  }
}

/** PMD_SIZE: the span of one PTE table, and the size of a huge page. */
const PMD_SIZE = 2 * 1024 * 1024;

/**
 * thp_get_unmapped_area for a file mapping that spans a whole aligned 2 MiB of the file, so that
 * huge pages could map it. Linux 6.x does this for ext4 and other large-folio file systems;
 * smaller mappings are placed as usual.
 */
function fileUnmappedArea(mm: MmStruct, size: number, offset: number): number {
  const alignedStart = Math.ceil(offset / PMD_SIZE) * PMD_SIZE;
  const alignedEnd = Math.floor((offset + size) / PMD_SIZE) * PMD_SIZE;
  if (alignedEnd - alignedStart < PMD_SIZE) return getUnmappedArea(mm, size);
  return thpUnmappedArea(mm, size, offset);
}

/**
 * __get_unmapped_area for anonymous memory: a private mapping whose length is a multiple of
 * 2 MiB is placed on a 2 MiB boundary (Linux 6.7+, "align larger anonymous mappings on THP
 * boundaries"), whether or not THP is enabled; a shared one goes through shmem, which does not
 * align unless shmem huge pages are on (they are off by default).
 */
function anonUnmappedArea(mm: MmStruct, size: number, shared: boolean): number {
  if (shared || size % PMD_SIZE !== 0) return getUnmappedArea(mm, size);
  return thpUnmappedArea(mm, size, 0);
}

/**
 * __thp_get_unmapped_area: search for the length plus 2 MiB, then move up to the first address
 * that agrees with `offset` modulo 2 MiB. When the padded area's start already does, the top of
 * the padded area is taken instead, as the top-down allocator prefers. Measured on Linux 6.18
 * (docs/kernel-measurements.md, exp19). Without room for the padding, a plain search.
 */
function thpUnmappedArea(mm: MmStruct, size: number, offset: number): number {
  const padded = getUnmappedArea(mm, size + PMD_SIZE);
  if (padded < 0) return getUnmappedArea(mm, size);
  const shift = (((offset - padded) % PMD_SIZE) + PMD_SIZE) % PMD_SIZE;
  return shift === 0 ? padded + PMD_SIZE : padded + shift;
}

/** Split the VMA that straddles `address` so a VMA boundary falls there (split_vma). */
function splitAt(mm: MmStruct, address: number): void {
  const vma = mm.vmaAt(address);
  if (vma === null || vma.start === address) return;
  const upper = vma.copy(address, vma.end);
  vma.end = address;
  mm.insert(upper);
  mm.invalidateLookupCache();
}

/** The VMAs inside [start, end), after splitting at both edges. */
function isolateRange(mm: MmStruct, start: number, end: number): Vma[] {
  splitAt(mm, start);
  splitAt(mm, end);
  const inside: Vma[] = [];
  for (let index = mm.indexAbove(start); index < mm.vmas.length; index++) {
    const vma = mm.vmas[index] as Vma;
    if (vma.start >= end) break;
    inside.push(vma);
  }
  return inside;
}

/** Whether `upper` can be absorbed into `lower` (is_mergeable_vma, anon_vma compatibility). */
function canMerge(lower: Vma, upper: Vma): boolean {
  return (
    lower.end === upper.start &&
    lower.prot === upper.prot &&
    lower.flags === upper.flags &&
    !(lower.flags & VM_NOMERGE) &&
    lower.backing === null &&
    upper.backing === null &&
    lower.readAdvice === upper.readAdvice &&
    !(lower.hasAnonVma && upper.hasAnonVma)
  );
}

/** vma_merge: join `vma` with compatible neighbours; returns the VMA that now covers it. */
export function mergeAround(mm: MmStruct, vma: Vma): Vma {
  let merged = vma;
  const index = mm.vmas.indexOf(vma);
  const next = mm.vmas[index + 1];
  if (next !== undefined && canMerge(merged, next)) {
    merged.end = next.end;
    merged.hasAnonVma ||= next.hasAnonVma;
    mm.remove(next);
  }
  const previous = index > 0 ? mm.vmas[index - 1] : undefined;
  if (previous !== undefined && canMerge(previous, merged)) {
    previous.end = merged.end;
    previous.hasAnonVma ||= merged.hasAnonVma;
    mm.remove(merged);
    merged = previous;
  }
  mm.invalidateLookupCache();
  return merged;
}

/** munmap: remove every mapping in [start, start + length); page tables no VMA needs are freed. */
export function doMunmap(
  machine: Machine,
  process: Process,
  start: number,
  length: number,
): number {
  if (!isPageAligned(start) || length <= 0 || start + length > machine.layout.taskSize)
    return -EINVAL;
  const end = start + pageAlign(length);
  const mm = process.mm;
  const doomed = isolateRange(mm, start, end);
  if (doomed.length === 0) return 0;
  for (const vma of doomed) {
    machine.memory.zapRange(mm, vma.start, vma.end);
    mm.remove(vma);
    releaseBacking(machine, vma);
  }
  freeTablesAround(machine, mm, start, end);
  return 0;
}

/** free_pgtables for a hole [start, end): tables are freed up to the neighbouring VMAs. */
function freeTablesAround(machine: Machine, mm: MmStruct, start: number, end: number): void {
  const index = mm.indexAbove(start);
  const below = index > 0 ? mm.vmas[index - 1] : undefined;
  const above = mm.vmas[index];
  const floor = below === undefined ? 0 : below.end;
  const ceiling = above === undefined ? TASK_SIZE + PAGE_SIZE : above.start;
  machine.memory.freePageTables(mm, start, end, floor, ceiling);
}

/** Drop a VMA's reference on its page-cache object; shmem dies with its last mapping. */
export function releaseBacking(machine: Machine, vma: Vma): void {
  const backing = vma.backing;
  if (backing === null) return;
  backing.mappings--;
  if (backing.isShmem && backing.mappings === 0) machine.dropCache(backing);
}

/** mprotect: change the protection of [start, start + length), splitting VMAs at the edges. */
export function doMprotect(
  machine: Machine,
  process: Process,
  start: number,
  length: number,
  prot: number,
): number {
  if (!isPageAligned(start)) return -EINVAL;
  const end = start + pageAlign(length);
  const mm = process.mm;
  if (!coversWholeRange(mm, start, end)) return -ENOMEM;
  for (const vma of isolateRange(mm, start, end)) {
    vma.prot = prot;
    machine.memory.changeProtection(mm, vma, vma.start, vma.end);
    mergeAround(mm, vma);
  }
  return 0;
}

/** Whether VMAs cover [start, end) without holes (mprotect and madvise fail with ENOMEM otherwise). */
function coversWholeRange(mm: MmStruct, start: number, end: number): boolean {
  let cursor = start;
  for (let index = mm.indexAbove(start); index < mm.vmas.length && cursor < end; index++) {
    const vma = mm.vmas[index] as Vma;
    if (vma.start > cursor) return false;
    cursor = vma.end;
  }
  return cursor >= end;
}

/**
 * madvise: MADV_DONTNEED drops the pages of [start, start + length) (private anonymous memory
 * reads back as zeroes, shared memory keeps its pages in its object); MADV_RANDOM and
 * MADV_SEQUENTIAL set how faults read the file (VM_RAND_READ, VM_SEQ_READ), splitting VMAs at
 * the edges; MADV_WILLNEED starts reading a file range into the page cache. MADV_HUGEPAGE and
 * MADV_NOHUGEPAGE set VM_HUGEPAGE or VM_NOHUGEPAGE (hugepage_madvise), splitting VMAs and any
 * huge PMD across the new edges; pages already mapped stay as they are (khugepaged, which would
 * collapse them later, is not modelled).
 */
export function doMadvise(
  machine: Machine,
  process: Process,
  start: number,
  length: number,
  advice: string,
): number {
  if (!isPageAligned(start)) return -EINVAL;
  const end = start + pageAlign(length);
  const mm = process.mm;
  if (!coversWholeRange(mm, start, end)) return -ENOMEM;
  if (advice === "dontneed") machine.memory.zapRange(mm, start, end);
  else if (advice === "hugepage" || advice === "nohugepage") {
    machine.memory.huge.splitEdges(mm, start, end);
    const [set, clear] =
      advice === "hugepage" ? [VM_HUGEPAGE, VM_NOHUGEPAGE] : [VM_NOHUGEPAGE, VM_HUGEPAGE];
    for (const vma of isolateRange(mm, start, end)) {
      vma.flags = (vma.flags | set) & ~clear;
      mergeAround(mm, vma);
    }
  } else if (advice === "random" || advice === "sequential" || advice === "normal") {
    machine.memory.huge.splitEdges(mm, start, end);
    for (const vma of isolateRange(mm, start, end)) {
      vma.readAdvice = advice;
      mergeAround(mm, vma);
    }
  } else if (advice === "willneed") {
    for (let index = mm.indexAbove(start); index < mm.vmas.length; index++) {
      const vma = mm.vmas[index] as Vma;
      if (vma.start >= end) break;
      if (vma.backing === null || vma.backing.isShmem) continue;
      const from = vma.backingIndex(Math.max(start, vma.start));
      const to = vma.backingIndex(Math.min(end, vma.end));
      machine.backgroundIoNs += machine.pageCache.prefetch(vma.backing, from, to, process.pid);
    }
  }
  return 0;
}

/**
 * brk: move the end of the heap. Growing extends the heap VMA (do_brk_flags) if nothing lies in
 * the way (leaving the stack guard gap); shrinking unmaps the released pages. Returns the new
 * break, or the old one when the request fails, as the system call does.
 */
export function doBrk(machine: Machine, process: Process, requested: number): number {
  const mm = process.mm;
  if (requested < mm.startBrk) return mm.brk;
  const oldEnd = pageAlign(mm.brk);
  const newEnd = pageAlign(requested);
  if (newEnd < oldEnd) {
    doMunmap(machine, process, newEnd, oldEnd - newEnd);
  } else if (newEnd > oldEnd) {
    if (!enoughMemory(machine, newEnd - oldEnd)) return mm.brk;
    const next = mm.findVma(oldEnd);
    if (next !== null && newEnd + PAGE_SIZE > startGap(next)) return mm.brk;
    const heap = mm.vmaAt(oldEnd - 1);
    if (
      heap !== null &&
      heap.end === oldEnd &&
      heap.backing === null &&
      heap.start >= mm.startBrk
    ) {
      heap.end = newEnd;
      mm.invalidateLookupCache();
    } else {
      mm.insert(new Vma(oldEnd, newEnd, PROT_READ | PROT_WRITE, 0, null, 0));
    }
  }
  mm.brk = requested;
  return requested;
}
