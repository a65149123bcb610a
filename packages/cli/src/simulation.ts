/**
 * Runs replacement policies over a trace file or a `--refs` list: every (policy, frames) pair
 * gets its own simulator, all fed in one streaming pass. Policies that read the future (OPT)
 * need the whole trace first: then the keys are buffered (memory grows with the trace length).
 */
import {
  CacheSimulator,
  nextUseTimes,
  type PolicyDefinition,
  PolicySpecError,
  parseRefList,
  resolvePolicy,
  type SimulationResult,
  type TraceSink,
} from "@vmscope/engine";
import { InputError } from "./errors.js";
import type { Progress } from "./progress.js";
import { streamTrace } from "./trace_input.js";

export interface TraceSource {
  /** A trace file, or null when `refs` is given. */
  path: string | null;
  /** A comma-separated reference string (`--refs 7,0,1`). */
  refs: string | null;
  format: string;
  pageSize: number;
}

export interface Job {
  spec: string;
  frames: number;
}

interface Prepared {
  job: Job;
  definition: PolicyDefinition;
  params: Record<string, number>;
}

/** Parse every policy spec up front, so a typo fails before a long run. */
export function prepareJobs(specs: readonly string[], frames: readonly number[]): Prepared[] {
  const prepared: Prepared[] = [];
  for (const spec of specs) {
    try {
      const { definition, params } = resolvePolicy(spec);
      for (const count of frames)
        prepared.push({ job: { spec, frames: count }, definition, params });
    } catch (error) {
      if (error instanceof PolicySpecError) throw new InputError(error.message);
      throw error;
    }
  }
  return prepared;
}

/** Growable arrays of the trace's keys, for policies that need the future. */
class KeyBuffer implements TraceSink {
  high = new Uint32Array(1 << 16);
  low = new Uint32Array(1 << 16);
  write = new Uint8Array(1 << 16);
  length = 0;

  reference(keyHigh: number, keyLow: number, write: boolean): void {
    if (this.length === this.low.length) this.grow();
    this.high[this.length] = keyHigh;
    this.low[this.length] = keyLow;
    this.write[this.length] = write ? 1 : 0;
    this.length++;
  }

  private grow(): void {
    const size = this.low.length * 2;
    const high = new Uint32Array(size);
    high.set(this.high);
    const low = new Uint32Array(size);
    low.set(this.low);
    const write = new Uint8Array(size);
    write.set(this.write);
    this.high = high;
    this.low = low;
    this.write = write;
  }
}

export interface RunOutcome {
  results: SimulationResult[];
  /** The trace format used ("refs" for --refs). */
  format: string;
  detected: boolean;
}

/** Feed one trace to every job. */
export async function runJobs(
  source: TraceSource,
  prepared: readonly Prepared[],
  seed: number,
  progress: Progress,
): Promise<RunOutcome> {
  const needsFuture = prepared.some((entry) => entry.definition.needsFuture);
  const simulators = prepared.map(
    (entry) =>
      new CacheSimulator(
        entry.definition.create(
          { capacity: entry.job.frames, seed, knowsFuture: needsFuture },
          entry.params,
        ),
        entry.job.frames,
      ),
  );
  // One simulator is its own sink (the common case, and the fastest); several share one pass.
  const direct: TraceSink =
    simulators.length === 1
      ? (simulators[0] as CacheSimulator)
      : {
          reference(keyHigh, keyLow, write, nextUse) {
            for (let index = 0; index < simulators.length; index++) {
              (simulators[index] as CacheSimulator).reference(keyHigh, keyLow, write, nextUse);
            }
          },
        };
  const buffer = needsFuture ? new KeyBuffer() : null;
  const sink = buffer ?? direct;
  let format = "refs";
  let detected = false;
  if (source.refs !== null) {
    const pages = refsOrError(source.refs);
    for (const page of pages)
      sink.reference(Math.floor(page / 4294967296), page >>> 0, false, Infinity);
  } else if (source.path !== null) {
    const outcome = await streamTrace(
      source.path,
      { format: source.format, pageSize: source.pageSize },
      sink,
      (done, total) => progress.update(done, total),
    );
    format = outcome.format;
    detected = outcome.detected;
  }
  if (buffer !== null) replayWithFuture(buffer, simulators);
  progress.stop();
  const results = prepared.map((entry, index) => {
    const simulator = simulators[index] as CacheSimulator;
    const accesses = simulator.hits + simulator.misses;
    return {
      policy: entry.job.spec,
      frames: entry.job.frames,
      accesses,
      hits: simulator.hits,
      misses: simulator.misses,
      missRatio: accesses === 0 ? 0 : simulator.misses / accesses,
    };
  });
  return { results, format, detected };
}

function refsOrError(text: string): number[] {
  try {
    return parseRefList(text);
  } catch (error) {
    throw new InputError(`--refs: ${(error as Error).message}`);
  }
}

/** Second pass for OPT: next-use times from the buffered keys, then every simulator. */
function replayWithFuture(buffer: KeyBuffer, simulators: readonly CacheSimulator[]): void {
  const high = buffer.high.subarray(0, buffer.length);
  const low = buffer.low.subarray(0, buffer.length);
  const next = nextUseTimes(high, low);
  for (const simulator of simulators) {
    for (let time = 0; time < buffer.length; time++) {
      simulator.reference(
        high[time] as number,
        low[time] as number,
        buffer.write[time] === 1,
        next[time] as number,
      );
    }
  }
}
