/**
 * `vmscope pagetables FILE.vms [--designs LIST] [--json]`: run one scenario on several page-table
 * designs (its own `machine` line plus `pagetable=DESIGN`) and compare what the tables cost:
 * their memory, the reads a walk takes, the faults and the simulated time.
 */
import {
  COMPARED_DESIGNS,
  type DesignRun,
  formatTableBytes,
  PageTableSpecError,
  parsePageTableSpec,
  parseScenario,
  runOnDesign,
  type Scenario,
  ScenarioError,
} from "@vmscope/engine";
import type { Command } from "commander";
import { EXIT_OK, InputError } from "../errors.js";
import { loadScenario } from "./run.js";

interface PagetablesOptions {
  designs?: string;
  json?: boolean;
  check?: boolean;
}

/** The designs of `--designs`, in canonical form; a bad one is an input error naming the valid ones. */
function designList(text: string | undefined): string[] {
  if (text === undefined) return [...COMPARED_DESIGNS];
  // Split on commas outside a multilevel's bits: "la57,multilevel:10,10,inverted".
  const designs: string[] = [];
  for (const part of text.split(",").map((piece) => piece.trim())) {
    const last = designs[designs.length - 1];
    if (/^\d+$/.test(part) && last?.startsWith("multilevel:")) {
      designs[designs.length - 1] = `${last},${part}`;
    } else if (part !== "") designs.push(part);
  }
  if (designs.length === 0) throw new InputError("--designs needs at least one design");
  return designs.map((design) => {
    try {
      return parsePageTableSpec(design).name;
    } catch (error) {
      if (error instanceof PageTableSpecError) throw new InputError(`--designs: ${error.message}`);
      throw error;
    }
  });
}

export async function pagetablesCommand(
  target: string,
  options: PagetablesOptions,
): Promise<number> {
  const designs = designList(options.designs);
  const { source, file } = await loadScenario(target);
  let scenario: Scenario;
  try {
    scenario = parseScenario(source, file);
  } catch (error) {
    if (error instanceof ScenarioError) throw new InputError(error.message);
    throw error;
  }
  const runs: DesignRun[] = [];
  for (const design of designs) {
    try {
      runs.push(runOnDesign(scenario, design, { checkInvariants: options.check === true }));
    } catch (error) {
      if (error instanceof ScenarioError) throw new InputError(error.message);
      throw error;
    }
  }
  if (options.json === true) {
    process.stdout.write(`${JSON.stringify({ scenario: file, designs: runs })}\n`);
  } else {
    process.stdout.write(table(file, runs));
  }
  return EXIT_OK;
}

/** A simulated time in the unit that suits it. */
function formatTime(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns} ns`;
}

function size(bytes: number, notional: boolean): string {
  return notional ? `${formatTableBytes(bytes)}*` : formatTableBytes(bytes);
}

/** What the notes column says of a run. */
function notes(run: DesignRun): string {
  const parts: string[] = [];
  if (run.chains !== null) {
    parts.push(
      `chains: ${run.chains.chains} in use, average ${run.chains.average}, longest ${run.chains.longest}`,
    );
    parts.push(`alias evictions ${run.aliasEvictions}`);
  }
  if (run.staleEntries > 0) parts.push(`stale entries ${run.staleEntries}`);
  for (const signal of run.beyondUserSpace) {
    parts.push(`${signal}: beyond the ${run.userAddressBits}-bit user space`);
  }
  if (!run.expectsHeld) parts.push("an expect failed");
  return parts.join("; ");
}

function table(file: string, runs: readonly DesignRun[]): string {
  const header = [
    "design",
    "tables",
    "peak",
    "kernel's 4-level",
    "reads/walk",
    "walks",
    "faults",
    "major",
    "time",
    "fills",
    "refills",
    "notes",
  ];
  const rows: string[][] = [];
  const refused: string[] = [];
  for (const run of runs) {
    if (run.refused !== null) {
      rows.push([run.design, "refused (see below)", "", "", "", "", "", "", "", "", "", ""]);
      refused.push(`${run.design}: ${run.refused}`);
      continue;
    }
    const ownTables = run.design !== "x86-64" && run.design !== "la57";
    rows.push([
      run.design,
      size(run.tableBytes, run.notional),
      size(run.peakTableBytes, run.notional),
      ownTables ? formatTableBytes(run.kernelTableBytes) : "(the same)",
      run.readsPerWalk.toFixed(2),
      String(run.walks),
      String(run.faults),
      String(run.majorFaults),
      formatTime(run.timeNs),
      String(run.fills),
      String(run.refills),
      notes(run),
    ]);
  }
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => (row[column] ?? "").length)),
  );
  const numeric = new Set([4, 5, 6, 7, 9, 10]);
  const format = (row: string[]) =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return numeric.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  const lines = [`page-table designs on ${file}`, format(header), ...rows.map(format)];
  lines.push("");
  lines.push(
    "tables: what the design's hardware walks, over live processes at the end (peak: the most at any point);",
    "  x86-64 and la57 walk the kernel's own tables; the others keep theirs besides the kernel's 4-level ones.",
    "reads/walk: entries read per TLB miss that reached the walker; x86-64 and la57 skip levels on",
    "  paging-structure-cache hits. fills: entries written after a fault; refills: on a walk (inverted: a",
    "  software refill, hash_page). time: every process's cycles at the machine's clock.",
  );
  if (runs.some((run) => run.notional)) {
    lines.push("* counted, not allocatable: the linear table is not placed in simulated frames.");
  }
  for (const line of refused) lines.push(`refused: ${line}`);
  return `${lines.join("\n")}\n`;
}

/** Adds `vmscope pagetables` to the program. */
export function registerPagetables(program: Command, done: (status: number) => void): void {
  program
    .command("pagetables")
    .description(
      "run a scenario on several page-table designs (machine pagetable=) and compare their table " +
        "memory, walk reads per TLB miss, faults and simulated time",
    )
    .argument("<scenario>", "path to a .vms file, or the name of a built-in scenario")
    .option(
      "--designs <list>",
      `designs to compare, comma-separated (default: ${COMPARED_DESIGNS.join(",")})`,
    )
    .option("--json", "print one JSON object with a row per design")
    .option("--check", "check the engine's invariants after every statement (slow)")
    .action(async (scenario: string, options: PagetablesOptions) => {
      done(await pagetablesCommand(scenario, options));
    });
}
