import type { SimulationResult } from "@vmscope/engine";
import { writeChart } from "../chart.js";
import { EXIT_OK, InputError } from "../errors.js";
import { startProgress } from "../progress.js";
import { prepareJobs, runJobs } from "../simulation.js";
import { integerList, seedOf, type TraceFlags, traceSource } from "./trace_options.js";

interface CompareFlags extends TraceFlags {
  policies: string;
  frames: string;
  json?: boolean;
  csv?: boolean;
  chart?: string;
}

/** `vmscope compare TRACE --policies a,b --frames 3,4,5`: misses per policy and size. */
export async function compareCommand(
  path: string | undefined,
  flags: CompareFlags,
): Promise<number> {
  if (flags.json === true && flags.csv === true)
    throw new InputError("choose --json or --csv, not both");
  const source = traceSource(path, flags);
  const frames = integerList("--frames", flags.frames);
  const specs = flags.policies.split(",").map((spec) => spec.trim());
  const jobs = prepareJobs(specs, frames);
  const machineReadable = flags.json === true || flags.csv === true;
  const outcome = await runJobs(
    source,
    jobs,
    seedOf(flags),
    startProgress("simulating", !machineReadable),
  );
  if (outcome.detected) process.stderr.write(`vmscope: detected trace format ${outcome.format}\n`);
  const results = outcome.results;
  if (flags.json === true) process.stdout.write(`${JSON.stringify(results)}\n`);
  else if (flags.csv === true) process.stdout.write(csv(results));
  else process.stdout.write(table(results, specs, frames));
  if (flags.chart !== undefined) {
    await writeChart(flags.chart, {
      title: `Misses by policy (${results[0]?.accesses ?? 0} references)`,
      xLabel: "frames",
      yLabel: "misses",
      series: specs.map((spec) => ({
        name: spec,
        points: results
          .filter((result) => result.policy === spec)
          .map((result) => ({ x: result.frames, y: result.misses })),
      })),
    });
    process.stderr.write(`vmscope: chart written to ${flags.chart}\n`);
  }
  return EXIT_OK;
}

function csv(results: readonly SimulationResult[]): string {
  const rows = results.map(
    (result) =>
      `${result.policy},${result.frames},${result.accesses},${result.hits},${result.misses},${result.missRatio}`,
  );
  return `policy,frames,accesses,hits,misses,missRatio\n${rows.join("\n")}\n`;
}

/** Misses with policies as rows and frame counts as columns. */
function table(results: readonly SimulationResult[], specs: string[], frames: number[]): string {
  const header = ["policy", ...frames.map((count) => `${count} frames`)];
  const rows = specs.map((spec) => [
    spec,
    ...frames.map((count) => {
      const result = results.find((entry) => entry.policy === spec && entry.frames === count);
      return result === undefined ? "" : String(result.misses);
    }),
  ]);
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => (row[column] ?? "").length)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ");
  const accesses = results[0]?.accesses ?? 0;
  return `misses over ${accesses} references\n${[header, ...rows].map(format).join("\n")}\n`;
}
