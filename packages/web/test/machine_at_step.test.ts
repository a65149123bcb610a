/**
 * The machine at a step, re-run and stopped, must be the machine a single uninterrupted run had
 * at that moment: the same page-table entries, TLB contents and frames.
 */
import {
  type AccessProbe,
  BUILTIN_SCENARIOS,
  ENTRIES_PER_TABLE,
  entryPfn,
  LEVEL_PGD,
  LEVEL_PTE,
  type Machine,
  PTE_PRESENT,
  parseScenario,
  runScenario,
} from "@vmscope/engine";
import { describe, expect, it } from "vitest";
import { MachineAtStep, pointOfFrame, runToPoint } from "../src/machine_at_step.js";

/** A typed array as text: comparing 65,536 frames element by element is slow. */
function bytes(array: ArrayBufferView): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString("base64");
}

/** Everything the panels read, copied out of the machine. */
function dump(machine: Machine) {
  const phys = machine.phys;
  const tables: number[][] = [];
  const visit = (pid: number, table: number, level: number) => {
    for (let index = 0; index < ENTRIES_PER_TABLE; index++) {
      const offset = phys.entryOffset(table, index);
      const low = phys.tableLow[offset] as number;
      const high = phys.tableHigh[offset] as number;
      if (low === 0 && high === 0) continue;
      tables.push([pid, level, table, index, low, high]);
      if (level > LEVEL_PTE && low & PTE_PRESENT) visit(pid, entryPfn(low, high), level - 1);
    }
  };
  for (const process of machine.processes) {
    if (process.mm.pgd >= 0) visit(process.pid, process.mm.pgd, LEVEL_PGD);
  }
  const cpu = machine.cpu;
  const tlbs = [cpu.dtlb, cpu.itlb, cpu.stlb].map((tlb) => ({
    vpn: bytes(tlb.vpn),
    asid: bytes(tlb.asid),
    pfn: bytes(tlb.pfn),
    flags: bytes(tlb.flags),
  }));
  return {
    processes: machine.processes.map((process) => [process.pid, process.state, process.accesses]),
    tables,
    tlbs,
    kind: bytes(phys.kind),
    ownerPid: bytes(phys.ownerPid),
    mapcount: bytes(phys.mapcount),
    framesOfKind: Array.from(phys.framesOfKind),
  };
}

type Dump = ReturnType<typeof dump>;

/**
 * One uninterrupted run that dumps the machine at the chosen probe events (2i: access i starts;
 * 2i + 1: access i completed). Returns the dumps by event and the number of accesses.
 */
function referenceRun(source: string, file: string, events: ReadonlySet<number>) {
  let machine: Machine | null = null;
  const dumps = new Map<number, Dump>();
  let event = 0;
  let accesses = 0;
  const tick = () => {
    if (events.has(event)) dumps.set(event, dump(machine as Machine));
    event++;
  };
  const probe: AccessProbe = {
    accessStart() {
      accesses++;
      tick();
    },
    hop() {},
    accessEnd() {
      tick();
    },
  };
  const result = runScenario(parseScenario(source, file), {
    probe,
    onMachine: (built) => {
      machine = built;
    },
  });
  return { dumps, accesses, final: dump(result.machine) };
}

function countAccesses(source: string, file: string): number {
  return referenceRun(source, file, new Set()).accesses;
}

describe("machine at step", () => {
  for (const builtin of BUILTIN_SCENARIOS) {
    it(`${builtin.name}: a stopped re-run equals a fresh run at that point`, () => {
      const file = `${builtin.name}.vms`;
      const count = countAccesses(builtin.source, file);
      expect(count).toBeGreaterThan(0);
      // The first, a middle and the last access, before and after each.
      const chosen = [...new Set([0, Math.floor(count / 2), count - 1])];
      const events = new Set(chosen.flatMap((access) => [2 * access, 2 * access + 1]));
      const reference = referenceRun(builtin.source, file, events);
      const steps = new MachineAtStep(builtin.source, file);
      // Forward, then back again: each point is its own run.
      const order = [...chosen, ...[...chosen].reverse()];
      for (const access of order) {
        for (const after of [false, true]) {
          const machine = steps.at({ access, after });
          expect(dump(machine), `${builtin.name} access ${access} after=${after}`).toEqual(
            reference.dumps.get(2 * access + (after ? 1 : 0)),
          );
        }
      }
      expect(dump(steps.at(null))).toEqual(reference.final);
      // A machine handed out stays as it was when a later point is asked for.
      const first = steps.at({ access: 0, after: false });
      const firstDump = dump(first);
      steps.at({ access: count - 1, after: true });
      expect(dump(first)).toEqual(firstDump);
    });
  }

  it("caches the current point and runs again only when it changes", () => {
    const builtin = BUILTIN_SCENARIOS.find((scenario) => scenario.name === "heap-write");
    if (builtin === undefined) throw new Error("heap-write is missing");
    const steps = new MachineAtStep(builtin.source, "heap-write.vms");
    const a = steps.at({ access: 0, after: true });
    expect(steps.at({ access: 0, after: true })).toBe(a);
    expect(steps.runs).toBe(1);
    steps.at({ access: 0, after: false });
    expect(steps.runs).toBe(2);
    steps.at({ access: 0, after: true });
    expect(steps.runs).toBe(3);
  });

  it("re-runs a built-in walkthrough in milliseconds", () => {
    for (const builtin of BUILTIN_SCENARIOS) {
      const file = `${builtin.name}.vms`;
      const count = countAccesses(builtin.source, file);
      const started = performance.now();
      runToPoint(builtin.source, file, { access: count - 1, after: true });
      const elapsed = performance.now() - started;
      // Generous for a loaded CI machine; a laptop takes a few milliseconds.
      expect(elapsed, builtin.name).toBeLessThan(500);
    }
  });

  it("maps a frame of the page to a point", () => {
    const access = { index: 3, hops: [1, 2, 3] };
    expect(pointOfFrame(access, -1, false)).toEqual({ access: 3, after: false });
    expect(pointOfFrame(access, 1, false)).toEqual({ access: 3, after: false });
    expect(pointOfFrame(access, 2, false)).toEqual({ access: 3, after: true });
    expect(pointOfFrame(access, 2, true)).toBeNull();
    expect(pointOfFrame(null, -1, false)).toBeNull();
  });
});
