/**
 * Worker thread of `vmscope mrc` for policies without a one-pass curve: simulates one share of
 * the sizes over the whole trace and posts the results back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { SILENT_PROGRESS } from "./progress.js";
import { prepareJobs, runJobs, type TraceSource } from "./simulation.js";

export interface MrcWorkerInput {
  source: TraceSource;
  policy: string;
  sizes: number[];
  seed: number;
}

const input = workerData as MrcWorkerInput;
const outcome = await runJobs(
  input.source,
  prepareJobs([input.policy], input.sizes),
  input.seed,
  SILENT_PROGRESS,
);
parentPort?.postMessage(outcome.results);
