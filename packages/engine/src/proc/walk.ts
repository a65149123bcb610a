/**
 * `show walk P ADDR`: the hardware walk of one address as the CPU would do it now, with where
 * each entry's read would be served (a paging-structure cache, the L1d, L2, L3 or DRAM) and what
 * it would cost. Nothing changes: the TLBs, paging-structure caches and caches are only peeked,
 * no A/D bit is set, so asking twice gives the same answer.
 *
 *     walk of 0x7ffff7fef010 in PID 1000 (app), cpu teaching, as the caches stand now (nothing changes)
 *       PGD index 255, PUD index 511, PMD index 447, PTE index 495, offset 0x010
 *       TLBs: dTLB miss, STLB miss: a data access would walk
 *       paging-structure caches: the PDE cache holds 0x3ffffbf (bits 47-21): the walk starts at the PTE
 *     level  index  entry at        value             flags            served by  cycles
 *     PGD      255  0x1017f8        0000000000102067  P RW US A D      PDE cache       0
 *     ...
 *     PTE      495  0x104f78        8000000000105867  P RW US A D NX   L2             12
 *       -> frame 0x105: physical address 0x105010; its data line is in the L3 (40 cycles)
 *     cost: STLB lookup 8, walk reads 12, data access 40: 60 cycles
 *
 * On another page-table design (`machine pagetable=`) the walk is the design's: la57 adds its
 * PML5 read above the four levels; multilevel, linear and inverted list their own reads (levels
 * and index bits, the one linear entry, the hash anchor and chain), in their own terms, and then
 * what the kernel's four-level table, which decides, maps.
 */
import { READ_CHAIN, type WalkReads } from "../arch/pagetable/design.js";
import { REFILL_CYCLES } from "../arch/pagetable/inverted.js";
import { kernelFrame } from "../arch/pagetable/kernel_walk.js";
import { RadixGeometry } from "../arch/pagetable/radix.js";
import { parsePageTableSpec } from "../arch/pagetable/spec.js";

import {
  describeEntry,
  entryPfn,
  formatEntry,
  LEVEL_NAMES,
  LEVEL_PGD,
  PAGE_SIZE,
  PTE_PSE,
  tableIndex,
} from "../arch/x86/pgtable.js";
import { pscKey } from "../arch/x86/psc.js";
import { SERVED_NAMES_DATA } from "../cache/hierarchy.js";
import { designHopName, type WalkTerms, walkTermsOf } from "../explain.js";
import type { Machine } from "../machine.js";
import type { Process } from "../process.js";
import { hex } from "./format.js";
import { walkLevels } from "./pagetable.js";

/** la57: the PML5 read above the four levels, when no paging-structure cache skips it. */
function la57Row(
  machine: Machine,
  process: Process,
  address: number,
): { text: string; cycles: number } | null {
  const design = machine.pagetable;
  if (design === null || design.replacesWalk) return null;
  const cpu = machine.cpu;
  const asid = cpu.asidOf(process.mm);
  const start = cpu.psc === null || asid < 0 ? LEVEL_PGD : cpu.psc.peek(address, asid).level;
  const reads = design.peekWalk(process.mm, address);
  if (reads.count === 0) return null;
  const at = (reads.pfn[0] as number) * PAGE_SIZE + (reads.offset[0] as number);
  const [servedBy, cycles] =
    start === LEVEL_PGD ? servedRead(machine, reads, 0) : [PSC_NAMES[start + 1] as string, 0];
  const value = "-> the PGD".padEnd(16);
  return {
    text: `${"PML5".padEnd(5)}  ${String(reads.index[0]).padStart(5)}  ${`0x${hex(at)}`.padEnd(14)}  ${value}  ${"(la57)".padEnd(15)}  ${servedBy.padEnd(11)}  ${String(cycles).padStart(6)}`,
    cycles,
  };
}

const ENTRY_BYTES = 8;
const PSC_NAMES = ["", "PDE cache", "PDPTE cache", "PML4E cache"] as const;
const PSC_BITS = ["", "47-21", "47-30", "47-39"] as const;

/** One level of the walk as shown. */
export interface WalkStep {
  level: string;
  index: number;
  /** Physical address of the entry. */
  entryAddress: number;
  low: number;
  high: number;
  present: boolean;
  /** `PML4E cache`, `PDPTE cache`, `PDE cache` (skipped), or `L1d`, `L2`, `L3`, `DRAM`. */
  servedBy: string;
  cycles: number;
}

/** The walk of `address` in `process` with where each read would be served; changes nothing. */
export function walkSteps(machine: Machine, process: Process, address: number): WalkStep[] {
  const cpu = machine.cpu;
  const caches = cpu.caches;
  const asid = cpu.asidOf(process.mm);
  const start = cpu.psc === null || asid < 0 ? LEVEL_PGD : cpu.psc.peek(address, asid).level;
  return walkLevels(machine, process, address).map((step) => {
    const level = LEVEL_NAMES.indexOf(step.level);
    const entryAddress = step.tablePfn * PAGE_SIZE + step.index * ENTRY_BYTES;
    let servedBy: string;
    let cycles = 0;
    if (level > start) {
      servedBy = PSC_NAMES[start + 1] as string;
    } else {
      const served = caches.servedBy(cpu.entryLine(step.tablePfn, step.index), false);
      servedBy = SERVED_NAMES_DATA[served] as string;
      cycles = caches.dataLatency[served] as number;
    }
    return {
      level: step.level,
      index: step.index,
      entryAddress,
      low: step.low,
      high: step.high,
      present: step.present,
      servedBy,
      cycles,
    };
  });
}

/** What the TLBs would do with a data access to `address` (peeked, not looked up). */
function tlbLine(machine: Machine, process: Process, address: number): string {
  const cpu = machine.cpu;
  const asid = cpu.asidOf(process.mm);
  if (asid < 0)
    return "  TLBs: the address space holds no PCID now, so they hold none of its entries: a data access would walk";
  const vpn = Math.floor(address / PAGE_SIZE);
  const where = (name: string, slot: number, ways: number) =>
    slot < 0 ? `${name} miss` : `${name} hit (set ${Math.floor(slot / ways)} way ${slot % ways})`;
  const l1 = cpu.dtlb.peek(vpn, asid);
  const l2 = cpu.stlb.peek(vpn, asid);
  const verdict = l1 >= 0 || l2 >= 0 ? "a data access would not walk" : "a data access would walk";
  return `  TLBs: ${where("dTLB", l1, cpu.dtlb.ways)}, ${where("STLB", l2, cpu.stlb.ways)}: ${verdict}`;
}

function pscLine(machine: Machine, process: Process, address: number): string {
  const cpu = machine.cpu;
  if (cpu.psc === null) return "  paging-structure caches: off";
  const asid = cpu.asidOf(process.mm);
  const start = asid < 0 ? LEVEL_PGD : cpu.psc.peek(address, asid).level;
  if (start === LEVEL_PGD)
    return "  paging-structure caches: no entry for it: the walk starts at the PGD";
  const cached = start + 1;
  return `  paging-structure caches: the ${PSC_NAMES[cached]} holds 0x${hex(pscKey(address, cached))} (bits ${PSC_BITS[cached]}): the walk starts at the ${LEVEL_NAMES[start]}`;
}

/** Where a design's read would be served now, and its cost; changes nothing. */
function servedRead(machine: Machine, reads: WalkReads, read: number): [string, number] {
  const caches = machine.cpu.caches;
  const line = caches.lineOf(reads.pfn[read] as number, reads.offset[read] as number);
  const served = caches.servedBy(line, false);
  return [SERVED_NAMES_DATA[served] as string, caches.dataLatency[served] as number];
}

/** How the design splits the address, in its terms. */
function designSplit(design: string, pid: number, address: number): string {
  const spec = parsePageTableSpec(design);
  const offset = `offset 0x${hex(address % PAGE_SIZE, 3)}`;
  const vpn = Math.floor(address / PAGE_SIZE);
  if (spec.kind === "multilevel") {
    const geometry = new RadixGeometry(spec.bits);
    const low = vpn >>> 0;
    const high = Math.floor(vpn / 2 ** 32);
    const parts = spec.bits.map(
      (_bits, level) =>
        `L${level + 1} index ${geometry.index(low, high, level)} (bits ${geometry.bitRange(level)})`,
    );
    return `  ${design}: ${parts.join(", ")}, ${offset}`;
  }
  if (spec.kind === "linear")
    return `  linear: page number 0x${hex(vpn)}; its entry is at table base + 0x${hex(vpn)} × 8, ${offset}`;
  return `  inverted: the hash of (pid ${pid}, page 0x${hex(vpn)}) picks a bucket; its anchor starts the chain, ${offset}`;
}

/** `show walk` on a design whose reads replace the four-level walk (multilevel, linear, inverted). */
function renderDesignWalk(machine: Machine, process: Process, address: number): string {
  const cpu = machine.cpu;
  const design = machine.pagetable;
  if (design === null) return "";
  const name = design.spec.name;
  const lines = [
    `walk of 0x${hex(address)} in PID ${process.pid} (${process.name}), cpu ${cpu.config.model}, pagetable ${name}, as the caches stand now (nothing changes)`,
    designSplit(name, process.pid, address),
    tlbLine(machine, process, address),
    "  paging-structure caches: none on this design: every read is made",
  ];
  const reads = design.peekWalk(process.mm, address);
  if (reads.count === 0) {
    lines.push(
      "  no walk: the process has no tables, or the address is beyond what the design translates",
    );
    return `${lines.join("\n")}\n`;
  }
  const terms = walkTermsOf(name) as WalkTerms;
  let indexWidth = 5;
  for (let read = 0; read < reads.count; read++)
    indexWidth = Math.max(indexWidth, String(reads.index[read]).length);
  lines.push(
    `read             ${"index".padStart(indexWidth)}  entry at          served by    cycles`,
  );
  let walkCycles = 0;
  for (let read = 0; read < reads.count; read++) {
    const [servedBy, cycles] = servedRead(machine, reads, read);
    walkCycles += cycles;
    const what = designHopName(
      { kind: reads.kind[read] as number, level: reads.level[read] as number, last: false },
      terms,
    );
    const at = (reads.pfn[read] as number) * PAGE_SIZE + (reads.offset[read] as number);
    lines.push(
      `${what.padEnd(15)}  ${String(reads.index[read]).padStart(indexWidth)}  ${`0x${hex(at)}`.padEnd(16)}  ${servedBy.padEnd(11)}  ${String(cycles).padStart(6)}`,
    );
  }
  const kernelPfn = kernelFrame(machine.phys, process.mm, address);
  const last = reads.count - 1;
  const stlb = cpu.timing.l1TlbHit + cpu.timing.stlbHit;
  const found = designFound(name, reads, kernelPfn, terms.levels);
  if (kernelPfn < 0) {
    lines.push("  -> the kernel's PTE maps nothing: an access page-faults");
    lines.push(
      `cost before the fault: TLB lookups ${stlb}, walk reads ${walkCycles}: ${stlb + walkCycles} cycles`,
    );
    return `${lines.join("\n")}\n`;
  }
  let extra = 0;
  if (!found) {
    if (terms.kind === "inverted") {
      extra = REFILL_CYCLES;
      lines.push(
        `  -> not on the chain, but the kernel's PTE maps frame 0x${hex(kernelPfn)}: a software refill (hash_page, ${REFILL_CYCLES} cycles) puts its entry at the chain's head and the walk is retried (2 more reads)`,
      );
    } else {
      lines.push(
        `  -> the ${designHopName({ kind: reads.kind[last] as number, level: reads.level[last] as number, last: true }, terms)} entry has nothing below it yet, but the kernel's PTE maps frame 0x${hex(kernelPfn)}: the walk fills the design's entries and goes on`,
      );
    }
  }
  const physical = kernelPfn * PAGE_SIZE + (address % PAGE_SIZE);
  const caches = cpu.caches;
  const served = caches.servedBy(caches.lineOf(kernelPfn, address % PAGE_SIZE), false);
  const data = caches.dataLatency[served] as number;
  lines.push(
    `  -> frame 0x${hex(kernelPfn)} (the kernel's PTE decides): physical address 0x${hex(physical)}; its data line would be served by ${SERVED_NAMES_DATA[served]} (${data} cycles)`,
  );
  const refill = extra > 0 ? `, refill ${extra}` : "";
  lines.push(
    `cost if the TLBs missed: TLB lookups ${stlb}, walk reads ${walkCycles}${refill}, data access ${data}: ${stlb + walkCycles + extra + data} cycles`,
  );
  return `${lines.join("\n")}\n`;
}

/** Whether the peeked walk reached the page's entry (the refill and fill cases aside). */
function designFound(design: string, reads: WalkReads, kernelPfn: number, levels: number): boolean {
  const last = reads.count - 1;
  if (design === "inverted")
    return reads.kind[last] === READ_CHAIN && reads.index[last] === kernelPfn;
  if (design === "linear") return true;
  return reads.count === levels;
}

/** The text of `show walk`. */
export function renderWalkJourney(machine: Machine, process: Process, address: number): string {
  const cpu = machine.cpu;
  if (machine.pagetable?.replacesWalk === true) return renderDesignWalk(machine, process, address);
  const lines = [
    `walk of 0x${hex(address)} in PID ${process.pid} (${process.name}), cpu ${cpu.config.model}${machine.pagetable === null ? "" : `, pagetable ${machine.pagetable.spec.name}`}, as the caches stand now (nothing changes)`,
  ];
  const indices = [3, 2, 1, 0].map(
    (level) => `${LEVEL_NAMES[level]} index ${tableIndex(address, level)}`,
  );
  lines.push(`  ${indices.join(", ")}, offset 0x${hex(address % PAGE_SIZE, 3)}`);
  const steps = walkSteps(machine, process, address);
  if (steps.length === 0) {
    lines.push("  no walk: the process has no page tables, or this is not a user address");
    return `${lines.join("\n")}\n`;
  }
  lines.push(tlbLine(machine, process, address), pscLine(machine, process, address));
  lines.push(
    "level  index  entry at        value             flags            served by    cycles",
  );
  let walkCycles = 0;
  const pml5 = la57Row(machine, process, address);
  if (pml5 !== null) {
    lines.push(pml5.text);
    walkCycles += pml5.cycles;
  }
  for (const step of steps) {
    walkCycles += step.cycles;
    const flags = describeEntry(step.low, step.high) || "(empty)";
    lines.push(
      `${step.level.padEnd(5)}  ${String(step.index).padStart(5)}  ${`0x${hex(step.entryAddress)}`.padEnd(14)}  ${formatEntry(step.low, step.high)}  ${flags.padEnd(15)}  ${step.servedBy.padEnd(11)}  ${String(step.cycles).padStart(6)}`,
    );
  }
  const last = steps[steps.length - 1] as WalkStep;
  const stlb = cpu.timing.l1TlbHit + cpu.timing.stlbHit;
  // A PMD with PS is the leaf of a 2 MiB page: its frame plus the page's index in it.
  const hugeLeaf = last.level === "PMD" && last.present && (last.low & PTE_PSE) !== 0;
  if (!hugeLeaf && (last.level !== "PTE" || !last.present)) {
    lines.push(`  -> the ${last.level} entry is not present: an access page-faults`);
    lines.push(
      `cost before the fault: TLB lookups ${stlb}, walk reads ${walkCycles}: ${stlb + walkCycles} cycles`,
    );
    return `${lines.join("\n")}\n`;
  }
  const pfn =
    entryPfn(last.low, last.high) + (hugeLeaf ? Math.floor(address / PAGE_SIZE) % 512 : 0);
  const physical = pfn * PAGE_SIZE + (address % PAGE_SIZE);
  const caches = cpu.caches;
  const served = caches.servedBy(caches.lineOf(pfn, address % PAGE_SIZE), false);
  const data = caches.dataLatency[served] as number;
  lines.push(
    `  -> frame 0x${hex(pfn)}: physical address 0x${hex(physical)}; its data line would be served by ${SERVED_NAMES_DATA[served]} (${data} cycles)`,
  );
  lines.push(
    `cost if the TLBs missed: TLB lookups ${stlb}, walk reads ${walkCycles}, data access ${data}: ${stlb + walkCycles + data} cycles`,
  );
  return `${lines.join("\n")}\n`;
}
