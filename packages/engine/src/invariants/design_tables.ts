/** Invariants of the page-table design's own tables (machine pagetable=). */
import type { Machine } from "../machine.js";
import { FRAME_PAGETABLE } from "../mm/frames.js";
import type { Census } from "./census.js";

/**
 * The tables of a design other than x86-64 are page-table frames too, reached from the design
 * rather than from a PGD: each is claimed once (by its process, or by the machine for a shared
 * table), and the design checks its entries against the kernel's PTEs.
 */
export function checkDesignTables(machine: Machine, census: Census, out: string[]): void {
  const design = machine.pagetable;
  if (design === null) return;
  const phys = machine.phys;
  for (const { pfn, pid } of design.tableFrames()) {
    const where = `${design.spec.name} table frame ${pfn}`;
    if (pfn >= phys.totalFrames || phys.kind[pfn] !== FRAME_PAGETABLE) {
      out.push(`${where} is not a page-table frame`);
      continue;
    }
    if (census.tableOwner[pfn] !== 0) {
      out.push(`${where} is also claimed by pid ${census.tableOwner[pfn]}`);
      continue;
    }
    census.tableOwner[pfn] = pid === 0 ? -1 : pid;
    census.reachableTables++;
  }
  out.push(...design.check());
}
