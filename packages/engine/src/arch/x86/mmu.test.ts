import { describe, expect, it } from "vitest";
import { Machine } from "../../machine.js";
import { doMmap } from "../../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../../mm/vma.js";
import {
  ACCESS_READ,
  ACCESS_WRITE,
  type AccessProbe,
  HOP_NAMES,
  OUTCOME_NAMES,
} from "../../probe.js";
import { PTE_ACCESSED, PTE_DIRTY } from "./pgtable.js";
import { DEFAULT_TIMING } from "./timing.js";

/** Records each access's journey as readable strings. */
class RecordingProbe implements AccessProbe {
  readonly journeys: { hops: string[]; cycles: number; physicalAddress: number }[] = [];
  private hops: string[] = [];
  accessStart(): void {
    this.hops = [];
  }
  hop(hop: number, outcome: number, cycles: number): void {
    this.hops.push(`${HOP_NAMES[hop]}: ${OUTCOME_NAMES[outcome]} (${cycles})`);
  }
  accessEnd(physicalAddress: number, cycles: number): void {
    this.journeys.push({ hops: this.hops, cycles, physicalAddress });
  }
}

function machineWithProbe() {
  const machine = new Machine();
  const probe = new RecordingProbe();
  machine.cpu.probe = probe;
  const app = machine.spawn("app");
  const region = doMmap(machine, app, 64 * 1024, PROT_READ | PROT_WRITE, false, false);
  return { machine, probe, app, region };
}

describe("the journey of an access", () => {
  it("a first write: TLB misses, a walk that stops at the PGD, a fault, then the store restarts", () => {
    const { machine, probe, app, region } = machineWithProbe();
    machine.access(app, region, 8, ACCESS_WRITE);
    const t = DEFAULT_TIMING;
    const faultCost = t.faultOverhead + t.zeroPage + 3 * t.tableAllocation;
    expect(probe.journeys).toHaveLength(1);
    expect(probe.journeys[0]?.hops).toEqual([
      "L1 TLB: miss (0)",
      "STLB: miss (9)",
      `walk PGD: not present (${t.walkRead})`,
      `page fault: new anonymous page (${faultCost})`,
      "L1 TLB: miss (0)",
      "STLB: miss (9)",
      `walk PGD: present (${t.walkRead})`,
      `walk PUD: present (${t.walkRead})`,
      `walk PMD: present (${t.walkRead})`,
      `walk PTE: present (${t.walkRead})`,
      `memory: hit (${t.memoryAccess})`,
    ]);
    expect(probe.journeys[0]?.cycles).toBe(
      2 * t.stlbHit + 5 * t.walkRead + faultCost + t.memoryAccess,
    );
  });

  it("a second access to the page is an L1 TLB hit at the same physical address", () => {
    const { machine, probe, app, region } = machineWithProbe();
    machine.access(app, region + 16, 8, ACCESS_WRITE);
    machine.access(app, region + 16, 8, ACCESS_READ);
    expect(probe.journeys[1]?.hops).toEqual(["L1 TLB: hit (0)", "memory: hit (4)"]);
    expect(probe.journeys[1]?.physicalAddress).toBe(probe.journeys[0]?.physicalAddress);
    expect((probe.journeys[1]?.physicalAddress ?? 0) % 4096).toBe(16);
  });

  it("an access that crosses a page boundary is two journeys", () => {
    const { machine, probe, app, region } = machineWithProbe();
    machine.access(app, region + 4092, 8, ACCESS_WRITE);
    expect(probe.journeys).toHaveLength(2);
  });

  it("a killed access ends at physical address -1", () => {
    const { machine, probe, app } = machineWithProbe();
    machine.access(app, 0x1000, 8, ACCESS_READ);
    expect(probe.journeys[0]?.physicalAddress).toBe(-1);
    expect(probe.journeys[0]?.hops.at(-1)).toMatch(/^page fault: SIGSEGV/);
  });

  it("the walker sets the accessed bit, and the dirty bit only on writes", () => {
    const { machine, app, region } = machineWithProbe();
    machine.access(app, region, 8, ACCESS_WRITE);
    machine.access(app, region + 4096, 8, ACCESS_READ);
    const low = (address: number) =>
      machine.phys.tableLow[machine.memory.pteOffset(app.mm, app.pid, address, false)] ?? 0;
    expect(low(region) & (PTE_ACCESSED | PTE_DIRTY)).toBe(PTE_ACCESSED | PTE_DIRTY);
    expect(low(region + 4096) & (PTE_ACCESSED | PTE_DIRTY)).toBe(PTE_ACCESSED);
  });
});
