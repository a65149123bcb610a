import { EXIT_OK } from "../errors.js";
import { startProgress } from "../progress.js";
import { prepareJobs, runJobs } from "../simulation.js";
import { positiveInteger, seedOf, type TraceFlags, traceSource } from "./trace_options.js";

interface SimFlags extends TraceFlags {
  policy: string;
  frames: string;
  json?: boolean;
}

/** `vmscope sim TRACE --policy P --frames N`: hits and misses of one policy. */
export async function simCommand(path: string | undefined, flags: SimFlags): Promise<number> {
  const source = traceSource(path, flags);
  const frames = positiveInteger("--frames", flags.frames);
  const jobs = prepareJobs([flags.policy], [frames]);
  const progress = startProgress("simulating", flags.json !== true);
  const outcome = await runJobs(source, jobs, seedOf(flags), progress);
  if (outcome.detected) process.stderr.write(`vmscope: detected trace format ${outcome.format}\n`);
  const result = outcome.results[0];
  if (result === undefined) return EXIT_OK;
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(
      `${result.policy}, ${result.frames} frames: ${result.accesses} accesses, ${result.hits} hits, ` +
        `${result.misses} misses (miss ratio ${result.missRatio.toFixed(4)})\n`,
    );
  }
  return EXIT_OK;
}
