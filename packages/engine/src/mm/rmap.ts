/**
 * Reverse mapping (mm/rmap.c): every page-table entry that maps a given frame, found without a
 * per-page list. An anonymous page sits at the same virtual page in every process that shares it
 * (fork keeps addresses), so each live address space is probed there; a file or shmem page is
 * found through the VMAs that map its object, as the kernel's i_mmap tree finds them.
 */
import { entryPfn, PAGE_SIZE } from "../arch/x86/pgtable.js";
import type { Process } from "../process.js";
import { PMD_PAGES } from "./huge_memory.js";
import { entryMapsFrame, type MemoryManager } from "./memory.js";
import type { MmStruct } from "./mm_struct.js";

/** Called for each mapping entry: its process's mm, the entry's offset and its virtual address. */
export type MappingVisitor = (mm: MmStruct, offset: number, address: number) => void;

/**
 * A page that a huge PMD maps is visited through the PMD entry (its accessed bit is the one the
 * hardware sets), unless `splitHuge`: try_to_unmap's TTU_SPLIT_HUGE_PMD, which first splits the
 * PMD into 512 PTEs so the page can be unmapped on its own.
 */
export function forEachMapping(
  memory: MemoryManager,
  processes: readonly Process[],
  pfn: number,
  visit: MappingVisitor,
  splitHuge = false,
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
      if (visitIfMaps(memory, mm, index * PAGE_SIZE, pfn, visit, splitHuge)) left--;
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
  splitHuge = false,
): boolean {
  if (mm.pgd < 0) return false;
  const pmd = memory.huge.hugePmdOffset(mm, address);
  if (pmd >= 0) {
    const head = entryPfn(
      memory.phys.tableLow[pmd] as number,
      memory.phys.tableHigh[pmd] as number,
    );
    if (pfn - head < 0 || pfn - head >= PMD_PAGES) return false;
    if (!splitHuge) {
      visit(mm, pmd, address);
      return true;
    }
    memory.huge.splitHugePmd(mm, address);
  }
  const offset = memory.pteOffset(mm, 0, address, false);
  if (offset < 0) return false;
  const low = memory.phys.tableLow[offset] as number;
  if (!entryMapsFrame(low) || entryPfn(low, memory.phys.tableHigh[offset] as number) !== pfn) {
    return false;
  }
  visit(mm, offset, address);
  return true;
}
