/**
 * /proc/PID/smaps (fs/proc/task_mmu.c: show_smap, __show_smap, smaps_pte_entry, smaps_account).
 *
 * For each VMA its maps line, then the memory it has resident, counted from its page-table
 * entries exactly as the kernel's page walk counts them:
 * - the shared zero page counts nowhere (vm_normal_page returns NULL for it);
 * - a PROT_NONE entry that still maps a frame counts (x86's pte_present is true for it);
 * - a page whose only reference is this mapping, or mapped once (mapcount < 2), is Private; one
 *   mapped by two or more PTEs is Shared and adds 4096 / mapcount to Pss (in the kernel's
 *   12-bit fixed point, so rounding matches);
 * - Dirty is the PTE's D bit or the page's PG_dirty (a page dirtied through another mapping, or
 *   an anonymous page added to the swap cache, counts too); Referenced is the PTE's A bit or the
 *   page's PG_referenced (smaps_account); Anonymous comes from the frame kind;
 * - an entry holding a swap entry adds 4 kB to Swap and 4096 / n to SwapPss, n being the swap
 *   entries that share its slot (swp_swapcount; in the same 12-bit fixed point as Pss).
 *
 * - a huge PMD counts its 512 pages as 512 entries would, and 2048 kB in AnonHugePages
 *   (smaps_pmd_entry); THPeligible is 1 when THP may serve the VMA and a whole aligned 2 MiB
 *   range fits in it.
 *
 * Simplifications: there are no KSM, MADV_FREE or mlock, so KSM, LazyFree and Locked are 0;
 * shmem is never swapped (nor huge), so a shared mapping's Swap counts nothing from
 * shmem_swap_usage.
 */
import { entryPfn, isSwapEntry, PTE_ACCESSED, PTE_DIRTY } from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import { FRAME_ANON, FRAME_ZERO, PG_DIRTY, PG_REFERENCED } from "../mm/frames.js";
import { HPAGE_SIZE, PMD_PAGES } from "../mm/huge_memory.js";
import type { Vma } from "../mm/vma.js";
import type { Process } from "../process.js";
import { bytesToKb, kbLine } from "./format.js";
import { mapsLine } from "./maps.js";
import { linuxVmFlags, vmFlagsLine } from "./vm_flags.js";

/** Fixed-point shift of the kernel's Pss sums (PSS_SHIFT). */
const PSS_SHIFT_FACTOR = 4096;
const PAGE_BYTES = 4096;

/** Memory counted over one VMA (struct mem_size_stats), in bytes; pss fields in fixed point. */
export interface SmapsStats {
  resident: number;
  sharedClean: number;
  sharedDirty: number;
  privateClean: number;
  privateDirty: number;
  referenced: number;
  anonymous: number;
  /** Pss and its dirty part, in bytes << 12. */
  pss: number;
  pssDirty: number;
  /** Pages held in swap by this VMA's entries, in bytes. */
  swap: number;
  /** Their proportional share, in bytes << 12. */
  swapPss: number;
  /** Anonymous memory mapped by huge PMDs, in bytes. */
  anonHuge: number;
}

/** Walk `vma`'s entries and add up what smaps shows (smap_gather_stats), without side effects. */
export function smapsStats(machine: Machine, process: Process, vma: Vma): SmapsStats {
  const phys = machine.phys;
  const stats: SmapsStats = {
    resident: 0,
    sharedClean: 0,
    sharedDirty: 0,
    privateClean: 0,
    privateDirty: 0,
    referenced: 0,
    anonymous: 0,
    pss: 0,
    pssDirty: 0,
    swap: 0,
    swapPss: 0,
    anonHuge: 0,
  };
  const swap = machine.memory.swap;
  // smaps_pmd_entry: a huge PMD counts its 512 pages as 512 present entries would.
  const hugePmd = (offset: number): void => {
    const low = phys.tableLow[offset] as number;
    const head = entryPfn(low, phys.tableHigh[offset] as number);
    if (head === machine.memory.huge.hugeZeroPfn) return; // vm_normal_page_pmd: NULL
    stats.anonHuge += PMD_PAGES * PAGE_BYTES;
    for (let pfn = head; pfn < head + PMD_PAGES; pfn++) accountPage(pfn, low);
  };
  const accountPage = (pfn: number, low: number): void => {
    const pageFlags = phys.flags[pfn] as number;
    // smaps_page_accumulate: dirty through this PTE, or the folio is dirty.
    const dirty = (low & PTE_DIRTY) !== 0 || (pageFlags & PG_DIRTY) !== 0;
    if (phys.kind[pfn] === FRAME_ANON) stats.anonymous += PAGE_BYTES;
    stats.resident += PAGE_BYTES;
    if (low & PTE_ACCESSED || pageFlags & PG_REFERENCED) stats.referenced += PAGE_BYTES;
    // smaps_account: a page with a single reference is ours alone; otherwise look at mapcount.
    const mapcount = phys.mapcount[pfn] as number;
    const exclusive = phys.refcount[pfn] === 1 || mapcount < 2;
    const pss = exclusive
      ? PAGE_BYTES * PSS_SHIFT_FACTOR
      : Math.floor((PAGE_BYTES * PSS_SHIFT_FACTOR) / mapcount);
    stats.pss += pss;
    if (dirty) {
      stats.pssDirty += pss;
      if (exclusive) stats.privateDirty += PAGE_BYTES;
      else stats.sharedDirty += PAGE_BYTES;
    } else if (exclusive) {
      stats.privateClean += PAGE_BYTES;
    } else {
      stats.sharedClean += PAGE_BYTES;
    }
  };
  machine.memory.forEachUsedEntry(
    process.mm,
    vma.start,
    vma.end,
    (offset) => {
      const low = phys.tableLow[offset] as number;
      const target = entryPfn(low, phys.tableHigh[offset] as number);
      if (isSwapEntry(low)) {
        // smaps_pte_entry: a swap entry; swp_swapcount is how many entries share its slot.
        const sharers = swap === null ? 1 : (swap.count[target] as number);
        stats.swap += PAGE_BYTES;
        stats.swapPss +=
          sharers >= 2
            ? Math.floor((PAGE_BYTES * PSS_SHIFT_FACTOR) / sharers)
            : PAGE_BYTES * PSS_SHIFT_FACTOR;
        return;
      }
      const pfn = target;
      if (pfn === phys.zeroPfn || phys.kind[pfn] === FRAME_ZERO) return; // vm_normal_page: NULL
      accountPage(pfn, low);
    },
    hugePmd,
  );
  return stats;
}

/** THPeligible: THP may be used in the VMA and a whole aligned 2 MiB range fits in it. */
function thpEligible(machine: Machine, vma: Vma): boolean {
  const start = Math.ceil(vma.start / HPAGE_SIZE) * HPAGE_SIZE;
  return start + HPAGE_SIZE <= vma.end && machine.memory.huge.allowed(vma, start);
}

/** Fixed-point Pss bytes to kB, as `(pss >> PSS_SHIFT) >> 10`. */
function pssKb(fixed: number): number {
  return bytesToKb(Math.floor(fixed / PSS_SHIFT_FACTOR));
}

/** The smaps block of one VMA: its maps line and the 24 lines that follow, each with its newline. */
export function smapsBlock(machine: Machine, process: Process, vma: Vma): string {
  const mm = process.mm;
  const stats = smapsStats(machine, process, vma);
  const lines = [
    mapsLine(mm, vma),
    kbLine("Size", bytesToKb(vma.end - vma.start)),
    kbLine("KernelPageSize", 4),
    kbLine("MMUPageSize", 4),
    kbLine("Rss", bytesToKb(stats.resident)),
    kbLine("Pss", pssKb(stats.pss)),
    kbLine("Pss_Dirty", pssKb(stats.pssDirty)),
    kbLine("Shared_Clean", bytesToKb(stats.sharedClean)),
    kbLine("Shared_Dirty", bytesToKb(stats.sharedDirty)),
    kbLine("Private_Clean", bytesToKb(stats.privateClean)),
    kbLine("Private_Dirty", bytesToKb(stats.privateDirty)),
    kbLine("Referenced", bytesToKb(stats.referenced)),
    kbLine("Anonymous", bytesToKb(stats.anonymous)),
    kbLine("KSM", 0),
    kbLine("LazyFree", 0),
    kbLine("AnonHugePages", bytesToKb(stats.anonHuge)),
    kbLine("ShmemPmdMapped", 0),
    kbLine("FilePmdMapped", 0),
    kbLine("Shared_Hugetlb", 0),
    // The kernel prints this one label unpadded with a 7-wide value: still 24 columns.
    `Private_Hugetlb: ${String(0).padStart(7, " ")} kB`,
    kbLine("Swap", bytesToKb(stats.swap)),
    kbLine("SwapPss", pssKb(stats.swapPss)),
    kbLine("Locked", 0),
    `THPeligible:    ${String(thpEligible(machine, vma) ? 1 : 0).padStart(8, " ")}`,
    vmFlagsLine(linuxVmFlags(mm, vma)),
  ];
  return `${lines.join("\n")}\n`;
}

/** The text of /proc/PID/smaps: a block per VMA in address order (empty for an exited process). */
export function renderSmaps(machine: Machine, process: Process): string {
  let text = "";
  for (const vma of process.mm.vmas) text += smapsBlock(machine, process, vma);
  return text;
}
