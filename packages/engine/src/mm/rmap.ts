/**
 * Reverse mapping (mm/rmap.c): every page-table entry that maps a given frame, found without a
 * per-page list. An anonymous page sits at the same virtual page in every process that shares it
 * (fork keeps addresses), so each live address space is probed there; a file or shmem page is
 * found through the VMAs that map its object, as the kernel's i_mmap tree finds them.
 */
import { entryPfn, PAGE_SIZE } from "../arch/x86/pgtable.js";
import type { Process } from "../process.js";
import { entryMapsFrame, type MemoryManager } from "./memory.js";
import type { MmStruct } from "./mm_struct.js";

/** Called for each mapping entry: its process's mm, the entry's offset and its virtual address. */
export type MappingVisitor = (mm: MmStruct, offset: number, address: number) => void;

export function forEachMapping(
  memory: MemoryManager,
  processes: readonly Process[],
  pfn: number,
  visit: MappingVisitor,
): void {
  const phys = memory.phys;
  let left = phys.mapcount[pfn] as number;
  if (left <= 0) return;
  const space = phys.mapping[pfn] ?? null;
  const index = phys.pageIndex[pfn] as number;
  for (const process of processes) {
    if (!process.alive || left === 0) continue;
    const mm = process.mm;
    if (space === null) {
      if (visitIfMaps(memory, mm, index * PAGE_SIZE, pfn, visit)) left--;
      continue;
    }
    for (const vma of mm.vmas) {
      if (vma.backing !== space) continue;
      const page = index - vma.pgoff;
      if (page < 0 || page >= vma.pages) continue;
      if (visitIfMaps(memory, mm, vma.start + page * PAGE_SIZE, pfn, visit)) left--;
    }
  }
}

function visitIfMaps(
  memory: MemoryManager,
  mm: MmStruct,
  address: number,
  pfn: number,
  visit: MappingVisitor,
): boolean {
  if (mm.pgd < 0) return false;
  const offset = memory.pteOffset(mm, 0, address, false);
  if (offset < 0) return false;
  const low = memory.phys.tableLow[offset] as number;
  if (!entryMapsFrame(low) || entryPfn(low, memory.phys.tableHigh[offset] as number) !== pfn) {
    return false;
  }
  visit(mm, offset, address);
  return true;
}
