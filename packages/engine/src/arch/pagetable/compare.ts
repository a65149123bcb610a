/**
 * One scenario on several page-table designs, side by side: what `vmscope pagetables` prints.
 *
 * Each design runs the scenario from scratch, on the scenario's own `machine` line with
 * `pagetable=` set (replacing one the scenario gives). The figures:
 * - table memory: the tables the design's hardware walks, summed over live processes, plus a
 *   shared table (inverted), at the end of the run and at its peak (sampled after every
 *   statement); for x86-64 and la57 these are the kernel's tables (every PGD and the tables
 *   below it), for the others the design's own, kept besides the kernel's four-level tables
 *   (also reported, as `kernelTableBytes`); linear's are counted, not allocated;
 * - walks (TLB misses that reached the walker) and the entries they read;
 * - faults (pgfault, pgmajfault), and the simulated time (every process's cycles);
 * - the design's fills, refills and (inverted) aliasing evictions and chain lengths.
 */
import type { Machine } from "../../machine.js";
import { PGFAULT, PGMAJFAULT } from "../../mm/vmstat.js";
import type { Scenario, Statement } from "../../scenario/ast.js";
import { ScenarioError } from "../../scenario/errors.js";
import { runScenario, type SignalEvent } from "../../scenario/runner.js";
import { PAGE_SIZE } from "../x86/pgtable.js";
import type { PageTableDesign } from "./design.js";
import { InvertedDesign } from "./inverted.js";

export interface DesignRun {
  /** The design as asked for, in canonical form. */
  design: string;
  /** Why the design could not run the scenario (the machine refused it), else null. */
  refused: string | null;
  tableBytes: number;
  peakTableBytes: number;
  /** The kernel's own four-level tables at the end (for x86-64 and la57, part of tableBytes). */
  kernelTableBytes: number;
  /** Whether the design's tables are counted but not allocated (linear). */
  notional: boolean;
  walks: number;
  walkReads: number;
  /** walkReads / walks, 2 decimals (0 without walks). */
  readsPerWalk: number;
  faults: number;
  majorFaults: number;
  /** Sum of every process's cycles, and that time in ns at the machine's clock. */
  cycles: number;
  timeNs: number;
  /** Whether every `expect` held. */
  expectsHeld: boolean;
  /** Bits of user address space every process had (47, or fewer on a narrower design). */
  userAddressBits: number;
  /**
   * Signals for accesses beyond the user address space (at or above TASK_SIZE), as
   * `PROCESS SIGSEGV at 0xADDR`: a scenario's literal address that a narrower design cannot hold.
   */
  beyondUserSpace: string[];
  fills: number;
  refills: number;
  aliasEvictions: number;
  staleEntries: number;
  /** Inverted only: chains in use at the end, their average and longest length, and the longest walked. */
  chains: { chains: number; average: number; longest: number; longestWalked: number } | null;
}

/**
 * `scenario` with `machine ... pagetable=DESIGN`: the scenario's own machine line with the option
 * set (replacing one it has), or a new machine line.
 */
export function withPagetable(scenario: Scenario, design: string): Scenario {
  const first = scenario.statements[0];
  const pos = { line: 0, col: 0 };
  const option = { key: "pagetable", value: design, pos };
  if (first?.kind === "machine") {
    const options = first.options.filter((candidate) => candidate.key !== "pagetable");
    const machine: Statement = { ...first, options: [...options, option] };
    return { ...scenario, statements: [machine, ...scenario.statements.slice(1)] };
  }
  const machine: Statement = { kind: "machine", options: [option], pos };
  return { ...scenario, statements: [machine, ...scenario.statements] };
}

/** Bytes of the tables the design's hardware walks, over live processes and shared tables. */
export function designTableBytes(machine: Machine): number {
  const design = machine.pagetable;
  if (design === null) return kernelTableBytes(machine);
  let bytes = design.sharedTableBytes();
  for (const process of machine.running()) bytes += design.tableBytesOf(process.mm);
  if (!design.replacesWalk) bytes += kernelTableBytes(machine);
  return bytes;
}

/** Bytes of the kernel's four-level tables of live processes: every PGD and the tables below. */
export function kernelTableBytes(machine: Machine): number {
  let bytes = 0;
  for (const process of machine.running()) {
    if (process.mm.pgd >= 0) bytes += PAGE_SIZE + process.mm.pgtablesBytes;
  }
  return bytes;
}

/** Run `scenario` on `design`; a design the machine refuses gives a row saying why. */
export function runOnDesign(
  scenario: Scenario,
  design: string,
  options: { checkInvariants?: boolean } = {},
): DesignRun {
  let peak = 0;
  let machine: Machine | null = null;
  const sample = (): void => {
    if (machine !== null) peak = Math.max(peak, designTableBytes(machine));
  };
  let expectsHeld: boolean;
  let signals: SignalEvent[];
  try {
    const result = runScenario(withPagetable(scenario, design), {
      checkInvariants: options.checkInvariants === true,
      onMachine: (built) => {
        machine = built;
      },
      afterStatement: sample,
    });
    machine = result.machine;
    expectsHeld = result.expects.every((expect) => expect.ok);
    signals = result.signals;
  } catch (error) {
    if (error instanceof ScenarioError && machine === null) return refusedRun(design, error);
    throw error;
  }
  return summarize(machine, peak, expectsHeld, signals);
}

function refusedRun(design: string, error: ScenarioError): DesignRun {
  return {
    design,
    refused: error.reason,
    tableBytes: 0,
    peakTableBytes: 0,
    kernelTableBytes: 0,
    notional: false,
    walks: 0,
    walkReads: 0,
    readsPerWalk: 0,
    faults: 0,
    majorFaults: 0,
    cycles: 0,
    timeNs: 0,
    expectsHeld: false,
    userAddressBits: 0,
    beyondUserSpace: [],
    fills: 0,
    refills: 0,
    aliasEvictions: 0,
    staleEntries: 0,
    chains: null,
  };
}

function summarize(
  machine: Machine,
  peak: number,
  expectsHeld: boolean,
  signals: readonly SignalEvent[],
): DesignRun {
  const cpu = machine.cpu;
  const pagetable: PageTableDesign | null = machine.pagetable;
  const tableBytes = designTableBytes(machine);
  let cycles = 0;
  for (const process of machine.processes) cycles += process.cycles;
  const counters = pagetable?.counters;
  let chains: DesignRun["chains"] = null;
  if (pagetable instanceof InvertedDesign) {
    const stats = pagetable.chainStats();
    chains = {
      chains: stats.chains,
      average: Math.round(stats.average * 100) / 100,
      longest: stats.longest,
      longestWalked: pagetable.longestChainWalked,
    };
  }
  return {
    design: machine.config.pagetable,
    refused: null,
    tableBytes,
    // A design's own tables are counted at each allocation: their peak is exact.
    peakTableBytes: Math.max(
      peak,
      tableBytes,
      pagetable?.replacesWalk === true ? pagetable.counters.peakTableBytes : 0,
    ),
    kernelTableBytes: kernelTableBytes(machine),
    notional: pagetable?.notional ?? false,
    walks: cpu.pageWalks,
    walkReads: cpu.walkReads,
    readsPerWalk: cpu.pageWalks === 0 ? 0 : Math.round((cpu.walkReads / cpu.pageWalks) * 100) / 100,
    faults: machine.vmstat[PGFAULT] as number,
    majorFaults: machine.vmstat[PGMAJFAULT] as number,
    cycles,
    timeNs: Math.round(cycles / cpu.timing.cyclesPerNs),
    expectsHeld,
    userAddressBits: machine.layout.addressBits,
    beyondUserSpace: signals
      .filter((signal) => Number.parseInt(signal.addr, 16) >= machine.layout.taskSize)
      .map((signal) => `${signal.process} ${signal.signal} at ${signal.addr}`),
    fills: counters?.fills ?? 0,
    refills: counters?.refills ?? 0,
    aliasEvictions: counters?.aliasEvictions ?? 0,
    staleEntries: counters?.staleEntries ?? 0,
    chains,
  };
}
