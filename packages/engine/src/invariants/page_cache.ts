/** Invariants of the page cache. */
import type { Machine } from "../machine.js";
import type { AddressSpace } from "../mm/address_space.js";
import { FRAME_FILE, FRAME_SHMEM, PG_DIRTY } from "../mm/frames.js";
import type { Process } from "../process.js";
import { kindName } from "./census.js";

/** Check every page-cache object in use; returns, per frame, whether some cache holds it. */
export function checkPageCache(machine: Machine, live: Process[], out: string[]): Uint8Array {
  const phys = machine.phys;
  const cached = new Uint8Array(phys.totalFrames);
  const vmasOver = new Map<AddressSpace, number>();
  for (const process of live) {
    for (const vma of process.mm.vmas) {
      if (vma.backing !== null) vmasOver.set(vma.backing, (vmasOver.get(vma.backing) ?? 0) + 1);
    }
  }
  for (const space of [...machine.cachedImages(), ...machine.files.values()]) {
    if (!vmasOver.has(space)) vmasOver.set(space, 0);
  }
  for (const [space, vmaCount] of vmasOver) {
    const where = `page cache of ${space.name} (inode ${space.inode})`;
    if (space.mappings !== vmaCount) {
      out.push(`${where}: mappings is ${space.mappings} but ${vmaCount} live VMAs map it`);
    }
    const kind = space.isShmem ? FRAME_SHMEM : FRAME_FILE;
    for (const [index, pfn] of space.pages) {
      if (!Number.isInteger(pfn) || pfn < 0 || pfn >= phys.totalFrames) {
        out.push(`${where}: page ${index} is in pfn ${pfn}, outside RAM`);
        continue;
      }
      if (phys.kind[pfn] !== kind) {
        out.push(
          `${where}: page ${index} is in pfn ${pfn} of kind ${kindName(phys.kind[pfn] as number)}`,
        );
      }
      if (phys.pageIndex[pfn] !== index) {
        out.push(
          `${where}: pfn ${pfn} caches page ${index} but records index ${phys.pageIndex[pfn]}`,
        );
      }
      if (!Number.isInteger(index)) {
        out.push(`${where}: caches a page at index ${index}, which is not a whole page number`);
      } else if (index < 0 || index >= space.sizeInPages) {
        out.push(`${where}: page ${index} lies beyond the object's ${space.sizeInPages} pages`);
      }
      if (cached[pfn] !== 0) out.push(`${where}: pfn ${pfn} is cached twice`);
      if (phys.mapping[pfn] !== space) out.push(`${where}: pfn ${pfn} does not record its file`);
      cached[pfn] = 1;
    }
    let dirty = 0;
    for (const pfn of space.pages.values()) if ((phys.flags[pfn] as number) & PG_DIRTY) dirty++;
    if (space.dirtyPages !== dirty) {
      out.push(`${where}: dirtyPages is ${space.dirtyPages} but ${dirty} cached pages are dirty`);
    }
  }
  return cached;
}
