/** Invariants of the TLBs: each entry belongs to a live address space and agrees with its PTE. */
import {
  entryPfn,
  LEVEL_PGD,
  LEVEL_PMD,
  LEVEL_PTE,
  PAGE_SIZE,
  PTE_DIRTY,
  PTE_HI_NX,
  PTE_PRESENT,
  PTE_PROTNONE,
  PTE_PSE,
  PTE_RW,
  PTE_USER,
  tableIndex,
} from "../arch/x86/pgtable.js";
import {
  TLB_DIRTY,
  TLB_GLOBAL,
  TLB_NX,
  TLB_USER,
  TLB_WRITABLE,
  type Tlb,
} from "../arch/x86/tlb.js";
import type { Machine } from "../machine.js";
import type { PhysicalMemory } from "../mm/frames.js";
import { HPAGE_SIZE } from "../mm/huge_memory.js";
import type { MmStruct } from "../mm/mm_struct.js";
import type { Process } from "../process.js";
import { hex } from "./census.js";

export function checkTlbs(machine: Machine, live: Process[], out: string[]): void {
  const cpu = machine.cpu;
  const owners = new Map<number, Process>();
  for (const process of live) {
    const asid = cpu.asidOf(process.mm);
    if (asid < 0) continue;
    const other = owners.get(asid);
    if (other !== undefined) {
      out.push(`pid ${process.pid} and pid ${other.pid} both own PCID ${asid}`);
    }
    owners.set(asid, process);
  }
  for (const tlb of [cpu.dtlb, cpu.itlb, cpu.stlb, cpu.dtlb2m, cpu.itlb2m]) {
    checkTlb(machine, tlb, owners, out);
  }
}

function checkTlb(machine: Machine, tlb: Tlb, owners: Map<number, Process>, out: string[]): void {
  const phys = machine.phys;
  const seen = new Set<string>();
  for (let slot = 0; slot < tlb.entries; slot++) {
    const flags = tlb.flags[slot] as number;
    const vpn = tlb.vpn[slot] as number;
    if (flags === 0) {
      if (vpn !== -1) out.push(`${tlb.name} slot ${slot} is invalid but holds vpn ${hex(vpn)}`);
      continue;
    }
    const asid = tlb.asid[slot] as number;
    const huge = vpn < 0;
    // A 2 MiB entry's key is -2 - (vpn >> 9) (hugeTlbKey).
    const address = huge ? (-2 - vpn) * HPAGE_SIZE : vpn * PAGE_SIZE;
    const where = `${tlb.name} slot ${slot} (${hex(address)}${huge ? " 2M" : ""}, PCID ${asid})`;
    if (tlb.setIndex(vpn) !== Math.floor(slot / tlb.ways))
      out.push(`${where} sits in the wrong set`);
    const key = `${asid}:${vpn}`;
    if (seen.has(key)) out.push(`${where} duplicates another entry for the same page`);
    seen.add(key);
    if (flags & TLB_GLOBAL) out.push(`${where} is global, but user pages never are`);
    const owner = owners.get(asid);
    if (owner === undefined) {
      out.push(
        `${where} is valid but no live address space runs under PCID ${asid}${machine.cpu.pcid ? "" : " (without PCID only the running process may have entries)"}`,
      );
      continue;
    }
    const offset = huge
      ? hugePmdOffsetOf(phys, owner.mm, address)
      : pteOffsetOf(phys, owner.mm, address);
    const low = offset < 0 ? 0 : (phys.tableLow[offset] as number);
    const high = offset < 0 ? 0 : (phys.tableHigh[offset] as number);
    const pid = `pid ${owner.pid}`;
    if (!(low & PTE_PRESENT)) {
      const what = low & PTE_PROTNONE ? "a PROT_NONE PTE" : "no present PTE";
      out.push(`${where} maps pfn ${tlb.pfn[slot]} but ${pid} has ${what} there (stale entry)`);
      continue;
    }
    const pfn = entryPfn(low, high);
    if (tlb.pfn[slot] !== pfn) {
      out.push(
        `${where} maps pfn ${tlb.pfn[slot]} but the PTE of ${pid} maps pfn ${pfn} (stale entry)`,
      );
    }
    if (flags & TLB_WRITABLE && !(low & PTE_RW)) {
      out.push(`${where} is writable but the PTE of ${pid} is read-only`);
    }
    if (flags & TLB_USER && !(low & PTE_USER)) {
      out.push(`${where} allows user access but the PTE of ${pid} does not`);
    }
    if (high & PTE_HI_NX && !(flags & TLB_NX)) {
      out.push(`${where} allows execution but the PTE of ${pid} is NX`);
    }
    if (flags & TLB_DIRTY && !(low & PTE_DIRTY)) {
      out.push(`${where} is dirty but the PTE of ${pid} is clean`);
    }
  }
}

/**
 * The entry offset of the PTE for `address` in `mm`, or -1 when a table on the way is missing;
 * a read-only walk (no A bits set), tolerant of corrupted upper levels.
 */
function pteOffsetOf(phys: PhysicalMemory, mm: MmStruct, address: number): number {
  if (mm.pgd < 0 || !phys.isTable(mm.pgd)) return -1;
  let table = mm.pgd;
  for (let level = LEVEL_PGD; level > LEVEL_PTE; level--) {
    const offset = phys.entryOffset(table, tableIndex(address, level));
    const low = phys.tableLow[offset] as number;
    if (!(low & PTE_PRESENT)) return -1;
    table = entryPfn(low, phys.tableHigh[offset] as number);
    if (table >= phys.totalFrames || !phys.isTable(table)) return -1;
  }
  return phys.entryOffset(table, tableIndex(address, LEVEL_PTE));
}

/** The offset of the huge PMD entry mapping `address`, or -1 (read-only, like pteOffsetOf). */
function hugePmdOffsetOf(phys: PhysicalMemory, mm: MmStruct, address: number): number {
  if (mm.pgd < 0 || !phys.isTable(mm.pgd)) return -1;
  let table = mm.pgd;
  for (let level = LEVEL_PGD; level >= LEVEL_PMD; level--) {
    const offset = phys.entryOffset(table, tableIndex(address, level));
    const low = phys.tableLow[offset] as number;
    if (!(low & PTE_PRESENT)) return -1;
    if (level === LEVEL_PMD) return low & PTE_PSE ? offset : -1;
    table = entryPfn(low, phys.tableHigh[offset] as number);
    if (table >= phys.totalFrames || !phys.isTable(table)) return -1;
  }
  return -1;
}
