/**
 * The MMU's side of another page-table design (`machine pagetable=`, arch/pagetable/): on a TLB
 * miss the design's own entry reads are charged like the x86-64 walk's, each a load through the
 * data caches, while the kernel's four-level table decides the result. The Cpu calls these from
 * its slow path; the TLB-hit path never reaches them.
 */

import type { PhysicalMemory } from "../../mm/frames.js";
import type { MmStruct } from "../../mm/mm_struct.js";
import {
  ACCESS_EXEC,
  ACCESS_WRITE,
  HOP_WALK_PTE,
  OUTCOME_NOT_PRESENT,
  OUTCOME_PRESENT,
  OUTCOME_PROTECTION,
} from "../../probe.js";
import type { PageTableDesign, WalkReads } from "../pagetable/design.js";
import {
  KERNEL_WALK_OK,
  KERNEL_WALK_PROTECTION,
  type KernelWalkResult,
  kernelFrame,
  kernelWalk,
} from "../pagetable/kernel_walk.js";
import { reportLine } from "./line_journey.js";
import type { Cpu, WalkResult } from "./mmu.js";
import { PF_INSTR, PF_PROT, PF_USER, PF_WRITE } from "./page_fault.js";
import { LEVEL_PGD } from "./pgtable.js";

/** The kernel's table's answer when a design replaces the walk; reused, no allocation per walk. */
const kernelResult: KernelWalkResult = { pfn: -1, tlbFlags: 0 };

/**
 * A design that extends the four-level walk (la57): charge its PML5 read, unless a
 * paging-structure cache lets the walk start lower. The Cpu then walks the four levels as usual.
 */
export function chargeLevelsAboveWalk(
  cpu: Cpu,
  design: PageTableDesign,
  mm: MmStruct,
  address: number,
  asid: number,
): void {
  const fromTop = cpu.psc === null || cpu.psc.peek(address, asid).level === LEVEL_PGD;
  chargeDesignReads(cpu, design.walk(mm, address, -1, fromTop), false, OUTCOME_PRESENT);
}

/**
 * A design that replaces the walk: read its own entries while the kernel's four-level table
 * decides the result and takes the A/D bits (read through no cache: it is not the hardware's
 * walk). On success fills result.pfn/tlbFlags and returns true; otherwise result.errorCode.
 */
export function walkReplacedByDesign(
  cpu: Cpu,
  phys: PhysicalMemory,
  design: PageTableDesign,
  mm: MmStruct,
  address: number,
  kind: number,
  result: WalkResult,
): boolean {
  cpu.pageWalks++;
  const status = kernelWalk(phys, mm, address, kind, kernelResult);
  const outcome =
    status === KERNEL_WALK_OK
      ? OUTCOME_PRESENT
      : status === KERNEL_WALK_PROTECTION
        ? OUTCOME_PROTECTION
        : OUTCOME_NOT_PRESENT;
  chargeDesignReads(cpu, design.walk(mm, address, kernelResult.pfn, true), true, outcome);
  if (status === KERNEL_WALK_OK) {
    result.pfn = kernelResult.pfn;
    result.tlbFlags = kernelResult.tlbFlags;
    result.huge = false;
    return true;
  }
  result.errorCode =
    PF_USER |
    (kind === ACCESS_WRITE ? PF_WRITE : 0) |
    (kind === ACCESS_EXEC ? PF_INSTR : 0) |
    (status === KERNEL_WALK_PROTECTION ? PF_PROT : 0);
  return false;
}

/**
 * Charge a design's walk reads like the four-level walk's: each a load through the data caches.
 * The journey shows them as walk hops, the last one as the PTE when `leafLast`.
 */
function chargeDesignReads(
  cpu: Cpu,
  reads: WalkReads,
  leafLast: boolean,
  lastOutcome: number,
): void {
  const caches = cpu.caches;
  const probe = cpu.probe;
  for (let read = 0; read < reads.count; read++) {
    const pfn = reads.pfn[read] as number;
    const line = caches.lineOf(pfn, reads.offset[read] as number);
    const served = caches.access(line, false, false);
    cpu.walkReads++;
    cpu.chargeCycles(caches.dataLatency[served] as number);
    if (probe !== null) {
      reportLine(probe, caches, line, served, false);
      const aboveLeaf = leafLast ? Math.min(3, reads.count - 1 - read) : 3;
      const outcome = read === reads.count - 1 ? lastOutcome : OUTCOME_PRESENT;
      const kind = reads.kind[read] as number;
      probe.designRead?.(kind, reads.level[read] as number, read === reads.count - 1);
      probe.hop(HOP_WALK_PTE - aboveLeaf, outcome, 0, pfn, reads.index[read] as number);
    }
  }
  cpu.chargeCycles(reads.extraCycles);
}

/** After a fault the kernel has written the design's entry too: its lines are in the caches. */
export function designAfterFault(
  cpu: Cpu,
  phys: PhysicalMemory,
  design: PageTableDesign,
  mm: MmStruct,
  address: number,
): void {
  const reads = design.afterFault(mm, address, kernelFrame(phys, mm, address));
  const caches = cpu.caches;
  for (let read = 0; read < reads.count; read++) {
    const line = caches.lineOf(reads.pfn[read] as number, reads.offset[read] as number);
    caches.install(line, read === reads.count - 1);
  }
  cpu.chargeCycles(reads.extraCycles);
}
