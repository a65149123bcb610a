/** Invariants of the PTEs: what each maps or holds, against its VMA. */
import {
  entryPfn,
  isSwapEntry,
  PTE_DIRTY,
  PTE_GLOBAL,
  PTE_HI_NX,
  PTE_PRESENT,
  PTE_RW,
  PTE_USER,
  pageNumber,
} from "../arch/x86/pgtable.js";
import { FRAME_ANON, FRAME_FILE, FRAME_SHMEM, FRAME_ZERO } from "../mm/frames.js";
import { entryMapsFrame } from "../mm/memory.js";
import { PROT_EXEC, PROT_NONE, PROT_WRITE, type Vma } from "../mm/vma.js";
import { hex, kindName, vmaContaining, type Walk } from "./census.js";

export function checkLeaf(walk: Walk, address: number, low: number, high: number): void {
  const { phys, process, census, out } = walk;
  const where = `pid ${process.pid}: PTE for ${hex(address)}`;
  if (isSwapEntry(low)) {
    checkSwapEntry(walk, address, entryPfn(low, high));
    return;
  }
  if (!entryMapsFrame(low)) {
    // A non-present entry that maps nothing and holds no swap entry must be empty.
    out.push(`${where} is not present yet not empty (${hex(high)}:${hex(low)})`);
    return;
  }
  const pfn = entryPfn(low, high);
  if (pfn >= phys.totalFrames) {
    out.push(`${where} maps pfn ${pfn}, beyond the ${phys.totalFrames} frames of RAM`);
    return;
  }
  const kind = phys.kind[pfn] as number;
  switch (kind) {
    case FRAME_ANON:
      walk.anon++;
      break;
    case FRAME_FILE:
      walk.file++;
      break;
    case FRAME_SHMEM:
      walk.shmem++;
      break;
    case FRAME_ZERO:
      break;
    default:
      out.push(`${where} maps pfn ${pfn}, a frame of kind ${kindName(kind)}`);
      return;
  }
  if (kind !== FRAME_ZERO) census.ptes[pfn] = (census.ptes[pfn] as number) + 1;

  const vma = vmaContaining(process.mm, address);
  if (vma === null) {
    out.push(`${where} maps pfn ${pfn} (${kindName(kind)}) outside any VMA`);
    return;
  }
  const present = (low & PTE_PRESENT) !== 0;
  if (vma.prot === PROT_NONE) {
    if (present) out.push(`${where} is present in a PROT_NONE VMA`);
  } else if (!present) {
    out.push(`${where} is PROT_NONE but its VMA is ${vma.permissionString()}`);
  }
  if (present && !(low & PTE_USER)) out.push(`${where} lacks the user bit`);
  if (present && low & PTE_GLOBAL) out.push(`${where} is global`);
  const writable = (low & PTE_RW) !== 0;
  if (writable && !(vma.prot & PROT_WRITE)) {
    out.push(`${where} is writable but its VMA is ${vma.permissionString()}`);
  }
  if (writable && !vma.isShared) {
    // Copy-on-write safety: only a page this process alone maps may be written in place.
    if (kind !== FRAME_ANON) {
      out.push(`${where} is writable in a private VMA but maps the ${kindName(kind)} page ${pfn}`);
    } else if (
      phys.mapcount[pfn] !== 1 ||
      phys.refcount[pfn] !== 1 + ((phys.swapSlot[pfn] as number) >= 0 ? 1 : 0) ||
      // A swap copy another entry still names would go stale under a store.
      ((phys.swapSlot[pfn] as number) >= 0 &&
        (walk.swapCount?.[phys.swapSlot[pfn] as number] ?? 0) > 0)
    ) {
      out.push(
        `${where} is writable in a private VMA but anon pfn ${pfn} is shared (mapcount ${phys.mapcount[pfn]}, refcount ${phys.refcount[pfn]})`,
      );
    }
  }
  const noExecute = (high & PTE_HI_NX) !== 0;
  const executable = (vma.prot & PROT_EXEC) !== 0;
  if (noExecute === executable) {
    out.push(
      `${where} has NX ${noExecute ? "set" : "clear"} but its VMA is ${vma.permissionString()}`,
    );
  }
  if (low & PTE_DIRTY && kind === FRAME_ZERO) out.push(`${where} maps the zero page dirty`);
  checkBacking(walk, vma, address, pfn, kind);
}

/** A swap entry must name a slot in use, in a private VMA (shmem pages are never swapped). */
function checkSwapEntry(walk: Walk, address: number, slot: number): void {
  const { process, census, out } = walk;
  const where = `pid ${process.pid}: PTE for ${hex(address)}`;
  walk.swap++;
  if (slot <= 0 || slot >= census.swapRefs.length) {
    out.push(`${where} holds swap slot ${slot}, outside the swap device`);
    return;
  }
  census.swapRefs[slot] = (census.swapRefs[slot] as number) + 1;
  const vma = vmaContaining(process.mm, address);
  if (vma === null) out.push(`${where} holds swap slot ${slot} outside any VMA`);
  else if (vma.isShared) out.push(`${where} holds swap slot ${slot} in a shared VMA`);
}

/** The frame a PTE maps must be one its VMA can hold. */
function checkBacking(walk: Walk, vma: Vma, address: number, pfn: number, kind: number): void {
  const { phys, process, out } = walk;
  const where = `pid ${process.pid}: PTE for ${hex(address)}`;
  const backing = vma.backing;
  if (kind === FRAME_ANON) {
    if (vma.isShared) {
      out.push(`${where} maps anonymous pfn ${pfn} in a shared VMA`);
      return;
    }
    if (!vma.hasAnonVma) out.push(`${where} maps anonymous pfn ${pfn} but its VMA has no anon_vma`);
    if (phys.pageIndex[pfn] !== pageNumber(address)) {
      out.push(
        `${where} maps anon pfn ${pfn}, which belongs at page ${hex(phys.pageIndex[pfn] as number)}`,
      );
    }
    return;
  }
  if (kind === FRAME_ZERO) {
    if (backing !== null) out.push(`${where} maps the zero page in a file or shmem VMA`);
    return;
  }
  // A page-cache page: the one cached at this file index.
  if (backing === null) {
    out.push(`${where} maps ${kindName(kind)} pfn ${pfn} in a private anonymous VMA`);
    return;
  }
  const index = vma.backingIndex(address);
  const cached = backing.pages.get(index);
  if (cached !== pfn) {
    out.push(
      `${where} maps ${kindName(kind)} pfn ${pfn}, but ${backing.name} caches page ${index} in ${cached === undefined ? "no frame" : `pfn ${cached}`}`,
    );
  }
}
