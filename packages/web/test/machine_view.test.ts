/**
 * The panels' view of a machine: what it holds must be the engine's own, and it must survive
 * the trip from the view worker (structured clone) with the TLBs' methods working.
 */
import {
  BUILTIN_SCENARIOS,
  renderLru,
  renderSwaps,
  type WalkLevel,
  walkLevels,
} from "@vmscope/engine";
import { describe, expect, it } from "vitest";
import { runToPoint } from "../src/machine_at_step.js";
import { reviveView, viewOfMachine } from "../src/machine_view.js";
import { MachineViewSource, SYNC_ACCESSES } from "../src/machine_view_source.js";

function source(name: string): string {
  const builtin = BUILTIN_SCENARIOS.find((scenario) => scenario.name === name);
  if (builtin === undefined) throw new Error(`no built-in ${name}`);
  return builtin.source;
}

describe("machine view", () => {
  // Right after an access of swap-in that app makes reading its array back: swap in use.
  const point = { access: 12_300, after: true };
  const machine = runToPoint(source("swap-in"), "swap-in.vms", point);
  const app = machine.processes[0];
  if (app === undefined) throw new Error("swap-in spawned no process");
  const address = 0x7fff_f660_0000;
  const view = viewOfMachine(machine, { pid: app.pid, address });

  it("holds the engine's page tables, walk, LRU lists and swap", () => {
    expect(view.walk).toEqual(walkLevels(machine, app, address));
    // Every present entry on the walk is in the view's copy of its table.
    for (const step of view.walk.filter((level: WalkLevel) => level.present)) {
      expect(view.tables.get(step.tablePfn)).toContainEqual({
        index: step.index,
        low: step.low,
        high: step.high,
      });
    }
    expect(view.tables.get(app.mm.pgd)?.length).toBeGreaterThan(0);
    expect(view.lru.text).toBe(renderLru(machine));
    expect(view.lru.sizes.reduce((sum, size) => sum + size, 0)).toBe(
      machine.lru.sizes.reduce((sum, size) => sum + size, 0),
    );
    expect(view.swapsText).toBe(renderSwaps(machine));
    expect(view.swap?.figures.used).toBe(machine.memory.swap?.used);
    expect(view.processes.map((process) => [process.pid, process.pgd, process.asid])).toEqual(
      machine.processes.map((process) => [
        process.pid,
        process.mm.pgd,
        machine.cpu.asidOf(process.mm),
      ]),
    );
  });

  it("crosses from a worker intact: same data, TLB lookups work", () => {
    const crossed = reviveView(structuredClone(view));
    expect(crossed.tables).toEqual(view.tables);
    expect(crossed.frames.framesOfKind).toEqual(view.frames.framesOfKind);
    expect(crossed.lru).toEqual(view.lru);
    const asid = view.processes[0]?.asid ?? -1;
    for (const tlb of ["dtlb", "itlb", "stlb"] as const) {
      const original = view.tlbs[tlb];
      const copy = crossed.tlbs[tlb];
      expect(copy.validCount()).toBe(original.validCount());
      for (let slot = 0; slot < original.entries; slot++) {
        const vpn = original.vpn[slot] as number;
        if (vpn < 0) continue;
        expect(copy.peek(vpn, asid)).toBe(original.peek(vpn, asid));
        expect(copy.setIndex(vpn)).toBe(original.setIndex(vpn));
      }
    }
  });

  it("builds views near the start on this thread, and caches them", () => {
    const views = new MachineViewSource(source("heap-write"), "heap-write.vms", 7, false);
    const first = views.viewAt({ access: 2, after: false }, null);
    expect(first.stale).toBe(false);
    expect(first.view).not.toBeNull();
    expect(views.viewAt({ access: 2, after: false }, null).view).toBe(first.view);
    expect(views.workerRuns).toBe(0);
    expect(SYNC_ACCESSES).toBeGreaterThan(1000);
  });
});
