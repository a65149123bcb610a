import { BUILTIN_SCENARIOS, Machine } from "@vmscope/engine";
import { describe, expect, it } from "vitest";
import { recordScenario, splitAddress } from "../src/recording.js";

describe("recordScenario", () => {
  const spawn = Machine.prototype.spawn;

  it.each(BUILTIN_SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
    "records every access of %s with a snapshot after each",
    (_name, scenario) => {
      const recording = recordScenario(scenario.source, `${scenario.name}.vms`);
      expect(recording.accesses.length).toBeGreaterThan(0);
      expect(recording.after.length).toBe(recording.accesses.length);
      let total = 0;
      for (const access of recording.accesses) {
        expect(access.cyclesBefore).toBe(total);
        expect(access.hops.reduce((sum, hop) => sum + hop.cycles, 0)).toBe(access.totalCycles);
        total += access.totalCycles;
      }
      // Fault counts only grow, and the last snapshot's never exceed the end of the run.
      const last = recording.after.at(-1);
      for (const process of recording.final.processes) {
        const before = last?.processes.find((candidate) => candidate.pid === process.pid);
        expect(before?.counters.minflt ?? 0).toBeLessThanOrEqual(process.counters.minflt ?? 0);
      }
      expect(Machine.prototype.spawn).toBe(spawn);
    },
  );

  it("matches the engine's counters for heap-write", () => {
    const heapWrite = BUILTIN_SCENARIOS.find((scenario) => scenario.name === "heap-write");
    if (heapWrite === undefined) throw new Error("heap-write is missing");
    const recording = recordScenario(heapWrite.source, "heap-write.vms");
    const app = recording.final.processes[0];
    expect(app?.counters.minflt).toBe(1);
    expect(app?.counters.rss_kb).toBe(4);
    expect(recording.initial.processes[0]?.counters.minflt).toBe(0);
  });

  it("splits an address into table indices and offset", () => {
    const address = 0x7fff_ffff_e123;
    expect(splitAddress(address)).toEqual({
      pgd: 255,
      pud: 511,
      pmd: 511,
      pte: 510,
      offset: 0x123,
    });
  });
});
