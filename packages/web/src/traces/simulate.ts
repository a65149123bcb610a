/**
 * The work behind "Load a trace file", with no DOM and no worker: bytes in (in chunks of any
 * size), misses per policy and frame count out, plus the exact LRU miss-ratio curve. The worker
 * (worker.ts) feeds it a file; the tests call it directly.
 */
import {
  CacheSimulator,
  createTraceParser,
  detectFormat,
  LruStackDistance,
  type MissRatioPoint,
  nextUseTimes,
  resolvePolicy,
  resolveTraceFormat,
  type TraceFormatName,
  type TraceFormatSpec,
  type TraceParser,
} from "@vmscope/engine";

/** The policies the page offers, in the order it lists them. */
export const TRACE_POLICIES = ["fifo", "lru", "clock", "opt", "arc", "s3fifo"] as const;

/** Bytes looked at to guess the format. */
const HEAD_BYTES = 64 * 1024;
/** Most points drawn on the miss-ratio curve. */
const CURVE_POINTS = 240;

export interface TraceJob {
  fileName: string;
  /**
   * "auto" to detect the format from the file, or a format as `vmscope sim --format` takes it:
   * a name, or `csv:obj-id-col=N,...` with the columns of a CSV trace.
   */
  format: string;
  policies: readonly string[];
  frames: readonly number[];
  /** Page size for address traces (lackey, vmsim, din). */
  pageSize: number;
}

export interface PolicyRow {
  policy: string;
  frames: number;
  hits: number;
  misses: number;
  missRatio: number;
}

export interface TraceResult {
  format: TraceFormatName;
  references: number;
  distinctKeys: number;
  rows: PolicyRow[];
  /** Exact LRU misses at every size (sampled when there are many). */
  curve: MissRatioPoint[];
}

/**
 * The format text a job carries for a choice of the form: "auto", a format name, or for csv
 * `csv:` and the column spec. Throws the engine's TraceSpecError when the spec is wrong.
 */
export function formatOfChoice(choice: string, csvSpec: string): string {
  const format = choice === "csv" ? `csv:${csvSpec.trim()}` : choice;
  if (format !== "auto") resolveTraceFormat(format);
  return format;
}

/** Whether bytes start with the gzip magic number. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Parse frame counts written like "64, 128 256". Throws an Error naming the bad entry.
 * Duplicates go, the rest is sorted.
 */
export function parseFrameCounts(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter((part) => part !== "");
  if (parts.length === 0) throw new Error("give at least one frame count, e.g. 64,128,256");
  const counts = new Set<number>();
  for (const part of parts) {
    const value = Number(part);
    if (!/^\d+$/.test(part) || !Number.isSafeInteger(value) || value < 1) {
      throw new Error(`frame counts must be positive whole numbers, not "${part}"`);
    }
    counts.add(value);
  }
  return [...counts].sort((a, b) => a - b);
}

/** Sizes at which to read the curve: all of 1..n when few, else spread out, plus `extra`. */
function curveSizes(distinct: number, extra: readonly number[]): number[] {
  const sizes = new Set<number>();
  if (distinct <= CURVE_POINTS) {
    for (let size = 1; size <= distinct; size++) sizes.add(size);
  } else {
    for (let step = 0; step <= CURVE_POINTS; step++) {
      sizes.add(Math.max(1, Math.round((distinct * step) / CURVE_POINTS)));
    }
  }
  for (const size of extra) sizes.add(size);
  return [...sizes].sort((a, b) => a - b);
}

interface Sim {
  policy: string;
  frames: number;
  simulator: CacheSimulator;
}

/** Growable column of 32-bit keys (OPT has to see the whole trace before it can run). */
class KeyColumn {
  data = new Uint32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}

/** One trace being simulated: push its (decompressed) bytes, then call end(). */
export class TraceRun {
  format: TraceFormatName | null = null;
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private parser: TraceParser | null = null;
  private readonly stack = new LruStackDistance();
  private sims: Sim[] = [];
  /** Policies that need the future and run at the end, from the buffered keys. */
  private deferred: string[] = [];
  private readonly high = new KeyColumn();
  private readonly low = new KeyColumn();

  /** The format the job names, checked up front; null to detect it. */
  private readonly given: TraceFormatSpec | null;

  constructor(readonly job: TraceJob) {
    this.given = job.format === "auto" ? null : resolveTraceFormat(job.format);
    for (const policy of job.policies) resolvePolicy(policy);
    if (job.frames.length === 0) throw new Error("give at least one frame count");
  }

  /** References parsed so far. */
  get references(): number {
    return this.parser?.references ?? 0;
  }

  push(chunk: Uint8Array): void {
    if (this.parser !== null) {
      this.parser.push(chunk);
      return;
    }
    this.head.push(chunk.slice());
    this.headBytes += chunk.length;
    if (this.headBytes >= HEAD_BYTES) this.start();
  }

  end(): TraceResult {
    if (this.parser === null) this.start();
    const parser = this.parser as TraceParser;
    parser.end();
    if (this.deferred.length > 0) this.runDeferred();
    const histogram = this.stack.histogram();
    return {
      format: this.format as TraceFormatName,
      references: parser.references,
      distinctKeys: histogram.distinctKeys,
      rows: this.sims.map(({ policy, frames, simulator }) => ({
        policy,
        frames,
        hits: simulator.hits,
        misses: simulator.misses,
        missRatio: parser.references === 0 ? 0 : simulator.misses / parser.references,
      })),
      curve: this.stack.curve(curveSizes(histogram.distinctKeys, this.job.frames)),
    };
  }

  /** Enough bytes seen (or the end): pick the format, build the parser, feed it the head. */
  private start(): void {
    const head = new Uint8Array(this.headBytes);
    let offset = 0;
    for (const part of this.head) {
      head.set(part, offset);
      offset += part.length;
    }
    this.head = [];
    let spec = this.given;
    if (spec === null) {
      const detected = detectFormat(head, this.job.fileName);
      if (detected === "csv") {
        throw new Error(
          "this looks like a CSV trace: choose the csv format and name its columns (obj-id-col=N at least)",
        );
      }
      if (detected === null) {
        throw new Error(
          "could not tell this file's format: give one page number per line, or a lackey, vmsim, din, oracleGeneral or CSV trace (choose its format)",
        );
      }
      spec = { name: detected };
    }
    const format = spec.name;
    this.format = format;
    const stack = this.stack;
    const sims = this.sims;
    const high = this.high;
    const low = this.low;
    let buffer = false;
    const parser = createTraceParser(
      format,
      spec.csv === undefined
        ? { pageSize: this.job.pageSize }
        : { pageSize: this.job.pageSize, csv: spec.csv },
      {
        reference(keyHigh, keyLow, write, nextUse) {
          stack.reference(keyHigh, keyLow);
          for (let index = 0; index < sims.length; index++) {
            (sims[index] as Sim).simulator.reference(keyHigh, keyLow, write, nextUse);
          }
          if (buffer) {
            high.push(keyHigh);
            low.push(keyLow);
          }
        },
      },
    );
    for (const policy of this.job.policies) {
      const { definition } = resolvePolicy(policy);
      if (definition.needsFuture && !parser.knowsFuture) {
        this.deferred.push(policy);
        buffer = true;
        continue;
      }
      for (const frames of this.job.frames)
        sims.push(this.simulator(policy, frames, parser.knowsFuture));
    }
    this.parser = parser;
    parser.push(head);
  }

  private simulator(policy: string, frames: number, knowsFuture: boolean): Sim {
    const { definition, params } = resolvePolicy(policy);
    const created = definition.create({ capacity: frames, seed: 0, knowsFuture }, params);
    return { policy: definition.name, frames, simulator: new CacheSimulator(created, frames) };
  }

  /** Run the policies that need the future over the buffered keys, then list rows in job order. */
  private runDeferred(): void {
    const high = this.high.view();
    const low = this.low.view();
    const next = nextUseTimes(high, low);
    for (const policy of this.deferred) {
      for (const frames of this.job.frames) {
        const sim = this.simulator(policy, frames, true);
        for (let time = 0; time < low.length; time++) {
          sim.simulator.reference(
            high[time] as number,
            low[time] as number,
            false,
            next[time] as number,
          );
        }
        this.sims.push(sim);
      }
    }
    const order = this.job.policies.map((policy) => resolvePolicy(policy).definition.name);
    this.sims.sort(
      (a, b) => order.indexOf(a.policy) - order.indexOf(b.policy) || a.frames - b.frames,
    );
  }
}

/** Simulate a whole trace held in chunks (what the tests call; the worker streams instead). */
export function simulateTrace(job: TraceJob, chunks: Iterable<Uint8Array>): TraceResult {
  const run = new TraceRun(job);
  for (const chunk of chunks) run.push(chunk);
  return run.end();
}
