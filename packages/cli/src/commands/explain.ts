/**
 * `vmscope explain FILE.vms --access N`: run a scenario with a probe attached and tell the
 * journey of its Nth access in words, one hop per line with its cost, then the total.
 *
 * Accesses are numbered from 1 in the order the CPU performs them, the order `run --events`
 * lists them: every load, store and fetch the scenario makes, glibc malloc's own header stores
 * included; one that crosses a page boundary counts once per page.
 */
import {
  type AccessProbe,
  type DesignRead,
  explainHop,
  explainIssue,
  type JourneyAccess,
  type JourneyHop,
  journeyHopName,
  type Machine,
  outcomeName,
  parseScenario,
  runScenario,
  ScenarioError,
  walkTermsOf,
} from "@vmscope/engine";
import type { Command } from "commander";
import { EXIT_OK, InputError } from "../errors.js";
import { loadScenario } from "./run.js";

/** Keeps the journey of one access (by its number) and counts them all. */
class OneAccessProbe implements AccessProbe {
  count = 0;
  access: JourneyAccess | null = null;
  hops: JourneyHop[] = [];
  totalCycles = 0;
  /** A page-table design's read, reported just before its walk hop. */
  private pendingRead: DesignRead | null = null;

  constructor(private readonly wanted: number) {}

  designRead(kind: number, level: number, last: boolean): void {
    if (this.count === this.wanted) this.pendingRead = { kind, level, last };
  }

  accessStart(pid: number, address: number, size: number, kind: number): void {
    this.count++;
    if (this.count === this.wanted) {
      this.access = { pid, address, size, kind, physicalAddress: -1 };
    }
  }

  hop(hop: number, outcome: number, cycles: number, a: number, b: number): void {
    if (this.count !== this.wanted) return;
    const read = this.pendingRead;
    this.pendingRead = null;
    this.hops.push(
      read === null ? { hop, outcome, cycles, a, b } : { hop, outcome, cycles, a, b, read },
    );
  }

  accessEnd(physicalAddress: number, totalCycles: number): void {
    if (this.count !== this.wanted || this.access === null) return;
    this.access.physicalAddress = physicalAddress;
    this.totalCycles = totalCycles;
  }
}

/** `N` of `--access N`: a whole number from 1. */
function accessNumber(text: string): number {
  const number = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(number >= 1 && Number.isSafeInteger(number))) {
    throw new InputError(`--access must be a whole number from 1, not "${text}"`);
  }
  return number;
}

interface ExplainOptions {
  access: string;
  json?: boolean;
}

export async function explainCommand(target: string, options: ExplainOptions): Promise<number> {
  const wanted = accessNumber(options.access);
  const { source, file } = await loadScenario(target);
  const probe = new OneAccessProbe(wanted);
  let machine: Machine;
  try {
    machine = runScenario(parseScenario(source, file), { probe }).machine;
  } catch (error) {
    if (error instanceof ScenarioError) throw new InputError(error.message);
    throw error;
  }
  const access = probe.access;
  if (access === null) {
    throw new InputError(
      `--access ${wanted} is out of range: ${file} makes ${probe.count} access${probe.count === 1 ? "" : "es"} (numbered from 1)`,
    );
  }
  const name = machine.processes.find((process) => process.pid === access.pid)?.name ?? "?";
  const clock = machine.cpu.timing.cyclesPerNs;
  const terms = walkTermsOf(machine.config.pagetable);
  if (options.json === true) {
    const json = {
      access: wanted,
      accesses: probe.count,
      pid: access.pid,
      process: name,
      addr: `0x${access.address.toString(16)}`,
      size: access.size,
      kind: ["READ", "WRITE", "EXEC"][access.kind] ?? String(access.kind),
      hops: probe.hops.map((hop) => ({
        hop: journeyHopName(hop, terms),
        outcome: outcomeName(hop.outcome),
        cycles: hop.cycles,
        text: explainHop(hop, access, terms),
      })),
      cycles: probe.totalCycles,
      ns: probe.totalCycles / clock,
      phys: access.physicalAddress < 0 ? null : `0x${access.physicalAddress.toString(16)}`,
    };
    process.stdout.write(`${JSON.stringify(json)}\n`);
    return EXIT_OK;
  }
  const design = terms === null ? "" : `, pagetable ${terms.design}`;
  const lines = [
    `access ${wanted} of ${probe.count} in ${file} (cpu ${machine.cpu.config.model}${design})`,
    explainIssue(access, name),
  ];
  const width = Math.max(...probe.hops.map((hop) => journeyHopName(hop, terms).length));
  probe.hops.forEach((hop, index) => {
    const cost = `${hop.cycles} cycle${hop.cycles === 1 ? "" : "s"}`;
    lines.push(
      `${String(index + 1).padStart(4)}. ${journeyHopName(hop, terms).padEnd(width)}  ${outcomeName(hop.outcome).padEnd(12)}  ${cost.padStart(13)}  ${explainHop(hop, access, terms)}`,
    );
  });
  const ending =
    access.physicalAddress < 0
      ? "the process was killed"
      : `physical address 0x${access.physicalAddress.toString(16)}`;
  lines.push(
    `total: ${probe.totalCycles} cycles (${formatNs(probe.totalCycles / clock)} at ${clock} GHz); ${ending}`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT_OK;
}

function formatNs(ns: number): string {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${Number(ns.toFixed(1))} ns`;
}

/** Adds `vmscope explain` to the program. */
export function registerExplain(program: Command, done: (status: number) => void): void {
  program
    .command("explain")
    .description(
      "tell one access's journey in words, hop by hop with its cost: accesses are numbered from 1 " +
        "in the order the CPU makes them (malloc's own stores included; one that crosses a page " +
        "counts once per page), as `run --events` lists them",
    )
    .argument("<scenario>", "path to a .vms file, or the name of a built-in scenario")
    .requiredOption("--access <n>", "the number of the access to explain, from 1")
    .option("--json", "print the journey as one JSON object")
    .action(async (scenario: string, options: ExplainOptions) => {
      done(await explainCommand(scenario, options));
    });
}
