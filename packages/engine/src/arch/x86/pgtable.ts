/**
 * The x86-64 page-table entry format and the four-level index split (arch/x86/include/asm/pgtable_types.h).
 *
 * A 64-bit entry is held as two 32-bit halves so that no BigInt is needed: `lo` holds bits 0-31
 * (the flag bits and PFN bits 12-31), `hi` holds bits 32-63 (PFN bits 32-51 and NX at bit 63).
 */

/** Flag bits in the low half of an entry. */
export const PTE_PRESENT = 1 << 0;
export const PTE_RW = 1 << 1;
export const PTE_USER = 1 << 2;
export const PTE_PWT = 1 << 3;
export const PTE_PCD = 1 << 4;
export const PTE_ACCESSED = 1 << 5;
export const PTE_DIRTY = 1 << 6;
/** PS at the PMD/PUD level (a 2 MiB / 1 GiB page); PAT at the PTE level. */
export const PTE_PSE = 1 << 7;
export const PTE_GLOBAL = 1 << 8;
/**
 * Linux reuses the global bit of a non-present entry to mark a PROT_NONE page that is still
 * resident (_PAGE_PROTNONE): the hardware faults on it, the kernel knows the page is there.
 */
export const PTE_PROTNONE = PTE_GLOBAL;
/**
 * A non-present entry with this software bit holds a swap entry: the swap slot sits where a
 * present entry keeps its PFN. (Linux packs type and offset into the non-present entry
 * differently; what matters is that the hardware ignores it and the kernel finds the slot.)
 */
export const PTE_SWAP = 1 << 10;

/** Whether an entry holds a swap entry rather than a page or nothing. */
export function isSwapEntry(lo: number): boolean {
  return (lo & (PTE_PRESENT | PTE_PROTNONE | PTE_SWAP)) === PTE_SWAP;
}

/** NX is bit 63: bit 31 of the high half. */
export const PTE_HI_NX = 1 << 31;

/** Mask of the flag bits kept in `lo` (bits 0-11). */
export const PTE_FLAGS_MASK = 0xfff;

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_MASK_LOW = PAGE_SIZE - 1;
export const ENTRIES_PER_TABLE = 512;
/** 2^32, for splitting addresses into 32-bit halves without BigInt. */
export const TWO_POW_32 = 4294967296;
/** 2^20: PFN bits 32-51 sit in the high half, so the PFN's high part is scaled by 2^20. */
const TWO_POW_20 = 1048576;

/** Level numbers, leaf first, as in the kernel's walk: PTE, PMD, PUD, PGD (PML4). */
export const LEVEL_PTE = 0;
export const LEVEL_PMD = 1;
export const LEVEL_PUD = 2;
export const LEVEL_PGD = 3;
export const LEVEL_NAMES = ["PTE", "PMD", "PUD", "PGD"] as const;

/** The user half of the 48-bit address space ends here (TASK_SIZE_MAX + one guard page). */
export const TASK_SIZE = 0x7ffffffff000;

/** Page number of a virtual address (up to 2^36 for 48-bit addresses); exact for any safe integer. */
export function pageNumber(address: number): number {
  return Math.floor(address / PAGE_SIZE);
}

/**
 * The 9-bit table index of `address` at `level`. Uses the 32-bit halves of the address, so it is
 * exact for any 48-bit address.
 */
export function tableIndex(address: number, level: number): number {
  const high = (address / TWO_POW_32) >>> 0;
  const low = address >>> 0;
  switch (level) {
    case LEVEL_PTE:
      return (low >>> 12) & 511;
    case LEVEL_PMD:
      return (low >>> 21) & 511;
    case LEVEL_PUD:
      return ((high & 0x7f) << 2) | (low >>> 30);
    default:
      return (high >>> 7) & 511;
  }
}

/** Bytes of virtual address space one entry at `level` covers: 4 KiB, 2 MiB, 1 GiB, 512 GiB. */
export function levelSpan(level: number): number {
  return 2 ** (PAGE_SHIFT + 9 * level);
}

/** The PFN stored in an entry's two halves. */
export function entryPfn(lo: number, hi: number): number {
  return (lo >>> PAGE_SHIFT) + (hi & 0xfffff) * TWO_POW_20;
}

/** The low half of an entry for `pfn` with `flags`. */
export function entryLow(pfn: number, flags: number): number {
  return (((pfn & 0xfffff) << PAGE_SHIFT) | (flags & PTE_FLAGS_MASK)) >>> 0;
}

/** The high half of an entry for `pfn`, with NX when `noExecute`. */
export function entryHigh(pfn: number, noExecute: boolean): number {
  const pfnHigh = Math.floor(pfn / TWO_POW_20) & 0xfffff;
  return (noExecute ? pfnHigh | PTE_HI_NX : pfnHigh) >>> 0;
}

/** Human-readable flags of an entry, like the kernel's ptdump: `P RW US A D NX`. */
export function describeEntry(lo: number, hi: number): string {
  const parts: string[] = [];
  if (lo & PTE_PRESENT) parts.push("P");
  else if (lo & PTE_PROTNONE) parts.push("PROTNONE");
  if (lo & PTE_RW) parts.push("RW");
  if (lo & PTE_USER) parts.push("US");
  if (lo & PTE_PWT) parts.push("PWT");
  if (lo & PTE_PCD) parts.push("PCD");
  if (lo & PTE_ACCESSED) parts.push("A");
  if (lo & PTE_DIRTY) parts.push("D");
  if (lo & PTE_PSE) parts.push("PS");
  if (lo & PTE_GLOBAL && lo & PTE_PRESENT) parts.push("G");
  if (hi & PTE_HI_NX) parts.push("NX");
  return parts.join(" ");
}

/** The 16-hex-digit value of an entry, as the kernel prints a pteval_t. */
export function formatEntry(lo: number, hi: number): string {
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}
