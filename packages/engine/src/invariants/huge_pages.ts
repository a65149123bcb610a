/** Invariants of huge pages: huge PMDs and the huge zero page. */
import { entryPfn, PTE_DIRTY, PTE_HI_NX, PTE_RW } from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import { FRAME_ANON, FRAME_ZERO } from "../mm/frames.js";
import { HPAGE_SIZE, hugeStart, PMD_PAGES } from "../mm/huge_memory.js";
import { PROT_EXEC, PROT_WRITE } from "../mm/vma.js";
import { type Census, hex, kindName, vmaContaining, type Walk } from "./census.js";

/**
 * A huge PMD: an aligned block of 512 anonymous frames inside one private anonymous VMA, with a
 * deposited PTE table; each frame counts one mapping; writable only if no one else maps it.
 */
export function checkHugePmd(
  walk: Walk,
  offset: number,
  address: number,
  low: number,
  high: number,
) {
  const { phys, process, census, out } = walk;
  const where = `pid ${process.pid}: huge PMD for ${hex(address)}`;
  walk.hugePmds++;
  const head = entryPfn(low, high);
  const zero = head === walk.hugeZeroPfn;
  if (head % PMD_PAGES !== 0 || head + PMD_PAGES > phys.totalFrames) {
    out.push(`${where} maps pfn ${head}, not an aligned block of ${PMD_PAGES} frames`);
    return;
  }
  const table = walk.deposited.get(offset);
  if (table === undefined) out.push(`${where} has no deposited PTE table`);
  else if (!phys.isTable(table) || census.tableOwner[table] !== 0) {
    out.push(`${where}: deposited pfn ${table} is not a table of its own`);
  } else {
    census.tableOwner[table] = process.pid;
    census.reachableTables++;
  }
  const vma = vmaContaining(process.mm, address);
  if (vma === null || vma.end < address + HPAGE_SIZE || hugeStart(address) !== address) {
    out.push(`${where} does not lie inside one VMA`);
  } else if (vma.backing !== null || vma.isShared) {
    out.push(`${where} lies in a VMA that is not private anonymous`);
  } else {
    if (low & PTE_RW && !(vma.prot & PROT_WRITE)) out.push(`${where} is writable, its VMA not`);
    if (((high & PTE_HI_NX) !== 0) === ((vma.prot & PROT_EXEC) !== 0)) {
      out.push(`${where} has NX that disagrees with its VMA`);
    }
  }
  if (zero) {
    // The huge zero page: read-only and clean, its frames not counted (like the 4 KiB zero page).
    census.hugeZeroPmds++;
    if (low & PTE_RW) out.push(`${where} maps the huge zero page writable`);
    if (low & PTE_DIRTY) out.push(`${where} maps the huge zero page dirty`);
    return;
  }
  for (let pfn = head; pfn < head + PMD_PAGES; pfn++) {
    if (phys.kind[pfn] !== FRAME_ANON) {
      out.push(`${where}: pfn ${pfn} is ${kindName(phys.kind[pfn] as number)}, not anon`);
      return;
    }
    census.ptes[pfn] = (census.ptes[pfn] as number) + 1;
    if (low & PTE_RW && (phys.mapcount[pfn] !== 1 || phys.refcount[pfn] !== 1)) {
      out.push(`${where} is writable but pfn ${pfn} is shared`);
    }
  }
  walk.anon += PMD_PAGES;
}

/** Whether `pfn` is one of the huge zero page's 512 frames. */
export function isHugeZeroFrame(machine: Machine, pfn: number): boolean {
  const head = machine.memory.huge.hugeZeroPfn;
  return head >= 0 && pfn >= head && pfn < head + PMD_PAGES;
}

/**
 * The huge zero page, once allocated: an aligned block of 512 zero frames, holding zeroes
 * (stamp 0), and `hugeZeroPmds` counts the PMDs that map it.
 */
export function checkHugeZeroPage(machine: Machine, census: Census, out: string[]): void {
  const huge = machine.memory.huge;
  const phys = machine.phys;
  const head = huge.hugeZeroPfn;
  if (huge.hugeZeroPmds !== census.hugeZeroPmds) {
    out.push(
      `hugeZeroPmds is ${huge.hugeZeroPmds} but ${census.hugeZeroPmds} huge PMDs map the huge zero page`,
    );
  }
  if (head < 0) return;
  if (head % PMD_PAGES !== 0 || head + PMD_PAGES > phys.totalFrames) {
    out.push(`the huge zero page at pfn ${head} is not an aligned block of ${PMD_PAGES} frames`);
    return;
  }
  for (let pfn = head; pfn < head + PMD_PAGES; pfn++) {
    if (phys.kind[pfn] !== FRAME_ZERO || phys.stamp[pfn] !== 0) {
      out.push(
        `huge zero page frame ${pfn} is ${kindName(phys.kind[pfn] as number)}, stamp ${phys.stamp[pfn]}`,
      );
      return;
    }
  }
}
