import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import {
  KeyIndex,
  LruStackDistance,
  type MissRatioPoint,
  parseRefList,
  resolvePolicy,
  Shards,
  type SimulationResult,
  type TraceSink,
} from "@vmscope/engine";
import { writeChart } from "../chart.js";
import { EXIT_OK, InputError } from "../errors.js";
import type { MrcWorkerInput } from "../mrc_worker.js";
import { startProgress } from "../progress.js";
import { prepareJobs, type TraceSource } from "../simulation.js";
import { streamTrace } from "../trace_input.js";
import {
  integerList,
  positiveInteger,
  seedOf,
  type TraceFlags,
  traceSource,
} from "./trace_options.js";

interface MrcFlags extends TraceFlags {
  policy: string;
  sizes?: string;
  points: string;
  shards?: string;
  json?: boolean;
  chart?: string;
}

interface Curve {
  policy: string;
  method: "exact" | "shards" | "simulation";
  references: number;
  distinct: number;
  curve: MissRatioPoint[];
}

/**
 * `vmscope mrc TRACE`: the miss-ratio curve. LRU's is exact for every size in one pass (Mattson's
 * stack distances), or sampled with SHARDS; other policies run each size, in parallel on worker
 * threads.
 */
export async function mrcCommand(path: string | undefined, flags: MrcFlags): Promise<number> {
  const source = traceSource(path, flags);
  const { definition } = resolveOrError(flags.policy);
  const points = positiveInteger("--points", flags.points);
  const requested = flags.sizes === undefined ? null : integerList("--sizes", flags.sizes);
  let curve: Curve;
  if (definition.name === "lru" && flags.policy.indexOf(":") < 0) {
    curve = await lruCurve(source, flags, requested, points);
  } else {
    if (flags.shards !== undefined) throw new InputError("--shards works with --policy lru only");
    curve = await simulatedCurve(source, flags, requested, points);
  }
  if (flags.json === true) process.stdout.write(`${JSON.stringify(curve)}\n`);
  else process.stdout.write(formatCurve(curve));
  if (flags.chart !== undefined) {
    await writeChart(flags.chart, {
      title: `Miss-ratio curve: ${curve.policy} (${curve.method})`,
      xLabel: "frames",
      yLabel: "miss ratio",
      series: [
        { name: curve.policy, points: curve.curve.map((p) => ({ x: p.size, y: p.missRatio })) },
      ],
    });
    process.stderr.write(`vmscope: chart written to ${flags.chart}\n`);
  }
  return EXIT_OK;
}

function resolveOrError(spec: string) {
  try {
    return resolvePolicy(spec);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
}

/** Feed every reference of the source to `sink`; returns how many there were. */
async function feed(source: TraceSource, sink: TraceSink, progressLabel: string | null) {
  if (source.refs !== null) {
    const pages = parseRefs(source.refs);
    for (const page of pages)
      sink.reference(Math.floor(page / 4294967296), page >>> 0, false, Infinity);
    return;
  }
  const progress = startProgress(progressLabel ?? "", progressLabel !== null);
  const outcome = await streamTrace(
    source.path as string,
    { format: source.format, pageSize: source.pageSize },
    sink,
    (done, total) => progress.update(done, total),
  );
  progress.stop();
  if (outcome.detected) process.stderr.write(`vmscope: detected trace format ${outcome.format}\n`);
}

function parseRefs(text: string): number[] {
  try {
    return parseRefList(text);
  } catch (error) {
    throw new InputError(`--refs: ${(error as Error).message}`);
  }
}

/** Sizes to report: the requested ones, or `points` sizes spread up to the distinct keys. */
function sizesFor(requested: number[] | null, distinct: number, points: number): number[] {
  if (requested !== null) return requested;
  if (distinct <= points) return Array.from({ length: distinct }, (_, index) => index + 1);
  return Array.from({ length: points }, (_, index) =>
    Math.round(((index + 1) * distinct) / points),
  );
}

async function lruCurve(
  source: TraceSource,
  flags: MrcFlags,
  requested: number[] | null,
  points: number,
): Promise<Curve> {
  const label = flags.json === true ? null : "stack distances";
  if (flags.shards !== undefined) {
    const rate = Number(flags.shards);
    if (!(rate > 0 && rate <= 1))
      throw new InputError(`--shards must be a rate in (0, 1], not "${flags.shards}"`);
    const shards = new Shards({ rate });
    let references = 0;
    const distinct = new KeyIndex(1024);
    await feed(
      source,
      {
        reference(high, low) {
          references++;
          if (distinct.get(high, low) < 0) distinct.insert(high, low, 0);
          shards.reference(high, low);
        },
      },
      label,
    );
    const curve = shards.curve(sizesFor(requested, distinct.size, points));
    return { policy: "lru", method: "shards", references, distinct: distinct.size, curve };
  }
  const stack = new LruStackDistance();
  await feed(source, { reference: (high, low) => void stack.reference(high, low) }, label);
  const histogram = stack.histogram();
  return {
    policy: "lru",
    method: "exact",
    references: histogram.references,
    distinct: histogram.distinctKeys,
    curve: stack.curve(sizesFor(requested, histogram.distinctKeys, points)),
  };
}

async function simulatedCurve(
  source: TraceSource,
  flags: MrcFlags,
  requested: number[] | null,
  points: number,
): Promise<Curve> {
  // Without sizes we need the number of distinct keys first: one counting pass.
  let references = 0;
  const distinct = new KeyIndex(1024);
  await feed(
    source,
    {
      reference(high, low) {
        references++;
        if (distinct.get(high, low) < 0) distinct.insert(high, low, 0);
      },
    },
    flags.json === true ? null : "counting pages",
  );
  const sizes = sizesFor(requested, distinct.size, points).filter((size) => size > 0);
  prepareJobs([flags.policy], sizes); // fail on a bad spec before starting workers
  const results = await inWorkers(source, flags.policy, sizes, seedOf(flags));
  return {
    policy: flags.policy,
    method: "simulation",
    references,
    distinct: distinct.size,
    curve: sizes.map((size) => {
      const result = results.find((entry) => entry.frames === size) as SimulationResult;
      return { size, misses: result.misses, missRatio: result.missRatio };
    }),
  };
}

/** Split the sizes over one worker per core; each streams the whole trace. */
async function inWorkers(
  source: TraceSource,
  policy: string,
  sizes: number[],
  seed: number,
): Promise<SimulationResult[]> {
  const workers = Math.max(1, Math.min(cpus().length, sizes.length));
  const shares: number[][] = Array.from({ length: workers }, () => []);
  for (const [index, size] of sizes.entries()) shares[index % workers]?.push(size);
  const script = new URL("../mrc_worker.js", import.meta.url);
  const runs = shares.map(
    (share) =>
      new Promise<SimulationResult[]>((resolveRun, reject) => {
        const input: MrcWorkerInput = { source, policy, sizes: share, seed };
        const worker = new Worker(script, { workerData: input });
        worker.once("message", (results: SimulationResult[]) => resolveRun(results));
        worker.once("error", reject);
      }),
  );
  return (await Promise.all(runs)).flat();
}

function formatCurve(curve: Curve): string {
  const method =
    curve.method === "exact"
      ? "exact, one pass"
      : curve.method === "shards"
        ? "SHARDS sample"
        : "one run per size";
  const lines = [
    `miss-ratio curve of ${curve.policy} (${method}): ${curve.references} references, ${curve.distinct} distinct pages`,
    `${"frames".padStart(10)}  ${"misses".padStart(12)}  miss ratio`,
  ];
  for (const point of curve.curve) {
    lines.push(
      `${String(point.size).padStart(10)}  ${String(Math.round(point.misses)).padStart(12)}  ${point.missRatio.toFixed(4)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
