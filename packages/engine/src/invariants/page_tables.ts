/** Invariants of the page tables above the PTEs, walked from each live process's PGD. */
import {
  ENTRIES_PER_TABLE,
  entryPfn,
  LEVEL_NAMES,
  LEVEL_PGD,
  LEVEL_PMD,
  LEVEL_PTE,
  levelSpan,
  PAGE_SIZE,
  PTE_HI_NX,
  PTE_PRESENT,
  PTE_PSE,
  PTE_RW,
  PTE_USER,
} from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import { FRAME_PAGETABLE } from "../mm/frames.js";
import type { Process } from "../process.js";
import { type Census, hex, kindName, type Walk } from "./census.js";
import { checkHugePmd } from "./huge_pages.js";
import { checkLeaf } from "./ptes.js";

export function walkPageTables(
  machine: Machine,
  process: Process,
  census: Census,
  out: string[],
): void {
  const phys = machine.phys;
  const mm = process.mm;
  const pgd = mm.pgd;
  if (pgd < 0) return;
  if (pgd >= phys.totalFrames || !phys.isTable(pgd) || phys.kind[pgd] !== FRAME_PAGETABLE) {
    out.push(`pid ${process.pid}: PGD pfn ${pgd} is not a page-table frame`);
    return;
  }
  if (census.tableOwner[pgd] !== 0) {
    out.push(`pid ${process.pid}: PGD pfn ${pgd} is also a table of pid ${census.tableOwner[pgd]}`);
    return;
  }
  census.tableOwner[pgd] = process.pid;
  census.reachableTables++;
  const walk: Walk = {
    phys,
    process,
    census,
    out,
    swapCount: machine.memory.swap?.count ?? null,
    tablesBelowPgd: 0,
    anon: 0,
    file: 0,
    shmem: 0,
    swap: 0,
    deposited: machine.memory.huge.depositedTables(),
    hugePmds: 0,
    hugeZeroPfn: machine.memory.huge.hugeZeroPfn,
  };
  walkTable(walk, pgd, LEVEL_PGD, 0);

  const where = `pid ${process.pid}`;
  // Each huge PMD has a PTE table deposited beside it, counted as Linux counts it (mm_inc_nr_ptes).
  const expectedBytes = (walk.tablesBelowPgd + walk.hugePmds) * PAGE_SIZE;
  if (mm.pgtablesBytes !== expectedBytes) {
    out.push(
      `${where}: pgtablesBytes is ${mm.pgtablesBytes} but ${walk.tablesBelowPgd} tables lie below the PGD and ${walk.hugePmds} are deposited (${expectedBytes} bytes)`,
    );
  }
  if (mm.rssAnon !== walk.anon) {
    out.push(`${where}: rssAnon is ${mm.rssAnon}, page tables map ${walk.anon} anonymous pages`);
  }
  if (mm.rssFile !== walk.file) {
    out.push(`${where}: rssFile is ${mm.rssFile}, page tables map ${walk.file} file pages`);
  }
  if (mm.swapEntries !== walk.swap) {
    out.push(
      `${where}: swapEntries is ${mm.swapEntries}, page tables hold ${walk.swap} swap entries`,
    );
  }
  if (mm.rssShmem !== walk.shmem) {
    out.push(`${where}: rssShmem is ${mm.rssShmem}, page tables map ${walk.shmem} shmem pages`);
  }
}

function walkTable(walk: Walk, table: number, level: number, base: number): void {
  const { phys, process, census, out } = walk;
  const span = levelSpan(level);
  for (let index = 0; index < ENTRIES_PER_TABLE; index++) {
    const offset = phys.entryOffset(table, index);
    const low = phys.tableLow[offset] as number;
    const high = phys.tableHigh[offset] as number;
    if (low === 0 && high === 0) continue;
    const address = base + index * span;
    if (level === LEVEL_PTE) {
      checkLeaf(walk, address, low, high);
      continue;
    }
    const where = `pid ${process.pid}: ${LEVEL_NAMES[level]} entry ${index} of table ${table} (${hex(address)})`;
    if (!(low & PTE_PRESENT)) {
      out.push(`${where} is neither empty nor present (${hex(high)}:${hex(low)})`);
      continue;
    }
    if (level === LEVEL_PGD && address >= 2 ** 47) {
      out.push(`${where} lies in the kernel half of the address space`);
    }
    if (level === LEVEL_PMD && low & PTE_PSE) {
      checkHugePmd(walk, offset, address, low, high);
      continue;
    }
    if (low & PTE_PSE) out.push(`${where} has PS set (only PMDs map huge pages here)`);
    if ((low & (PTE_USER | PTE_RW)) !== (PTE_USER | PTE_RW) || high & PTE_HI_NX) {
      out.push(`${where} restricts rights (upper levels must be US RW and not NX)`);
    }
    const child = entryPfn(low, high);
    if (child >= phys.totalFrames || !phys.isTable(child)) {
      out.push(`${where} points at pfn ${child}, which holds no page table`);
      continue;
    }
    if (phys.kind[child] !== FRAME_PAGETABLE) {
      out.push(`${where} points at pfn ${child} of kind ${kindName(phys.kind[child] as number)}`);
    }
    const owner = census.tableOwner[child] as number;
    if (owner !== 0) {
      out.push(
        `${where} points at table pfn ${child}, already reached from pid ${owner === process.pid ? `${owner} (itself)` : owner}`,
      );
      continue;
    }
    if (phys.refcount[child] !== 1) {
      out.push(`page-table pfn ${child}: refcount ${phys.refcount[child]}, expected 1`);
    }
    census.tableOwner[child] = process.pid;
    census.reachableTables++;
    walk.tablesBelowPgd++;
    walkTable(walk, child, level - 1, address);
  }
}
