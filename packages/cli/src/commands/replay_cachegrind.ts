/**
 * `vmscope replay TRACE --cache-model cachegrind`: a lackey trace through Cachegrind's cache
 * model (I1, D1, LL; see packages/engine/src/cachegrind), printed the way
 * `valgrind --tool=cachegrind --cache-sim=yes` prints its summary, so the two can be compared
 * on the same program.
 *
 * Geometry: `--I1/--D1/--LL size,assoc,line_size` as cachegrind takes them; a cache not given
 * is the one cachegrind would pick on this machine. Cachegrind asks CPUID; this reads what
 * Linux reports from it in /sys/devices/system/cpu/cpu0/cache, and falls back to cachegrind's
 * x86 defaults where that is missing.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import {
  type CachegrindCacheName,
  CachegrindConfigError,
  type CachegrindConfiguration,
  type CachegrindGeometry,
  CachegrindSimulator,
  configureCachegrindCaches,
  describeCachegrindCache,
  formatCachegrindSummary,
  formatWithCommas,
  type HostCache,
  LackeyAccessParser,
  parseCachegrindCacheOption,
  TraceFormatError,
} from "@vmscope/engine";
import { EXIT_OK, InputError } from "../errors.js";
import { startProgress } from "../progress.js";
import { streamTrace } from "../trace_input.js";

export interface CachegrindReplayOptions {
  I1?: string;
  D1?: string;
  LL?: string;
  json: boolean;
}

/** Where Linux lists CPU 0's caches, one `index*` directory per cache. */
export const HOST_CACHE_DIRECTORY = "/sys/devices/system/cpu/cpu0/cache";

const CACHE_NAMES: readonly CachegrindCacheName[] = ["I1", "D1", "LL"];

/** A sysfs size such as `48K`, `2048K` or `32M`, in bytes; NaN when unreadable. */
function parseSysfsSize(text: string): number {
  const match = /^(\d+)\s*([KMG]?)$/i.exec(text.trim());
  if (match === null) return Number.NaN;
  const unit = (match[2] ?? "").toUpperCase();
  const scale = unit === "K" ? 1024 : unit === "M" ? 1024 ** 2 : unit === "G" ? 1024 ** 3 : 1;
  return Number(match[1]) * scale;
}

/**
 * The caches `directory` describes (Linux's cpu0/cache layout: `index*` with `level`, `type`,
 * `size`, `ways_of_associativity`, `coherency_line_size`); empty when it cannot be read. An
 * entry that cannot be read whole is left out.
 */
export async function readHostCaches(directory = HOST_CACHE_DIRECTORY): Promise<HostCache[]> {
  let entries: string[];
  try {
    entries = (await readdir(directory)).filter((name) => /^index\d+$/.test(name)).sort();
  } catch {
    return [];
  }
  const caches: HostCache[] = [];
  for (const entry of entries) {
    const read = (file: string) => readFile(join(directory, entry, file), "utf8").catch(() => "");
    const [level, type, size, ways, line] = await Promise.all([
      read("level"),
      read("type"),
      read("size"),
      read("ways_of_associativity"),
      read("coherency_line_size"),
    ]);
    const kind = type.trim();
    if (kind !== "Data" && kind !== "Instruction" && kind !== "Unified") continue;
    const cache: HostCache = {
      level: Number(level.trim()),
      type: kind,
      size: parseSysfsSize(size),
      assoc: Number(ways.trim()),
      lineSize: Number(line.trim()),
    };
    const values = [cache.level, cache.size, cache.assoc, cache.lineSize];
    if (values.every((value) => Number.isSafeInteger(value) && value > 0)) caches.push(cache);
  }
  return caches;
}

/** The geometry to simulate: the options given, the rest as cachegrind would pick here. */
export async function cachegrindConfiguration(
  options: Pick<CachegrindReplayOptions, CachegrindCacheName>,
  hostDirectory = HOST_CACHE_DIRECTORY,
): Promise<CachegrindConfiguration> {
  const given: Partial<CachegrindGeometry> = {};
  try {
    for (const name of CACHE_NAMES) {
      const text = options[name];
      if (text !== undefined) given[name] = parseCachegrindCacheOption(`--${name}`, text);
    }
    const everyGiven = CACHE_NAMES.every((name) => given[name] !== undefined);
    const host = everyGiven ? [] : await readHostCaches(hostDirectory);
    return configureCachegrindCaches(given, host);
  } catch (error) {
    if (error instanceof CachegrindConfigError) throw new InputError(error.message);
    throw error;
  }
}

/** The gzip magic, 1f 8b. */
function isGzip(chunk: Uint8Array): boolean {
  return chunk[0] === 0x1f && chunk[1] === 0x8b;
}

/** `source` with its first chunk put back, gunzipped on the way when it starts with the gzip magic. */
async function decompressed(source: Readable): Promise<AsyncIterable<Uint8Array>> {
  const iterator = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* whole(): AsyncGenerator<Uint8Array> {
    if (first.done === true) return;
    yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield next.value;
    }
  }
  if (first.done === true || !isGzip(first.value)) return whole();
  const gunzip = createGunzip({ chunkSize: 256 << 10 });
  const compressed = Readable.from(whole());
  compressed.on("error", (error) => gunzip.destroy(error));
  return compressed.pipe(gunzip);
}

/** A lackey trace on stdin (plain or gzip) into `simulator`; returns the records read. */
async function replayStdin(simulator: CachegrindSimulator): Promise<number> {
  const parser = new LackeyAccessParser(simulator);
  try {
    for await (const chunk of await decompressed(process.stdin)) parser.push(chunk);
    parser.end();
  } catch (error) {
    if (error instanceof TraceFormatError) {
      throw new InputError(`stdin:${error.line}: ${error.message}: "${error.text}"`);
    }
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (typeof code === "string" && code.startsWith("Z_")) {
      throw new InputError(`stdin: corrupt or truncated gzip data (${(error as Error).message})`);
    }
    throw error;
  }
  return parser.records;
}

/** Page references are not wanted here: LackeyAccessParser hands whole records to the simulator. */
const NO_PAGE_REFERENCES = { reference() {} };

/** Stream the lackey trace at `path` (`-` for stdin; plain or gzip) into `simulator`; returns the records read. */
async function replayTrace(
  path: string,
  simulator: CachegrindSimulator,
  showProgress: boolean,
): Promise<number> {
  if (path === "-") return replayStdin(simulator);
  const progress = startProgress("replaying", showProgress);
  try {
    const outcome = await streamTrace(
      path,
      { format: "lackey", pageSize: 4096, lackeyAccesses: simulator },
      NO_PAGE_REFERENCES,
      (done, total) => progress.update(done, total),
    );
    return outcome.records;
  } finally {
    progress.stop();
  }
}

/** Where a cache's geometry came from, in words. */
function describeSource(
  configuration: CachegrindConfiguration,
  name: CachegrindCacheName,
  hostDirectory: string,
): string {
  const source = configuration.source[name];
  if (source === "option") return `--${name}`;
  if (source === "fallback") return "cachegrind's x86 default (no cache sizes found on this host)";
  const bent = name === "LL" && configuration.warnings.some((w) => w.startsWith("simulated LL"));
  return `this host, ${hostDirectory}${bent ? "; sets bent to a power of two as cachegrind does" : ""}`;
}

/** `vmscope replay TRACE --cache-model cachegrind`: run the trace through Cachegrind's cache model and print its summary; returns the exit status. */
export async function replayCachegrind(
  tracePath: string,
  options: CachegrindReplayOptions,
): Promise<number> {
  const configuration = await cachegrindConfiguration(options);
  const simulator = new CachegrindSimulator(configuration.geometry);
  const records = await replayTrace(tracePath, simulator, !options.json);
  if (records === 0) {
    throw new InputError(
      `${tracePath}: no lackey records (I, L, S or M lines); record one with ` +
        "`valgrind --tool=lackey --trace-mem=yes --log-file=FILE PROGRAM`",
    );
  }
  const counts = simulator.counts();
  if (options.json) {
    const geometry = Object.fromEntries(
      CACHE_NAMES.map((name) => [
        name,
        { ...configuration.geometry[name], source: configuration.source[name] },
      ]),
    );
    process.stdout.write(
      `${JSON.stringify({
        cacheModel: "cachegrind",
        trace: tracePath,
        records,
        ...counts,
        modifies: simulator.modifies,
        clippedAccesses: simulator.clipped,
        geometry,
        warnings: configuration.warnings,
      })}\n`,
    );
    return EXIT_OK;
  }
  for (const warning of configuration.warnings) {
    process.stderr.write(`vmscope: cachegrind: warning: ${warning}\n`);
  }
  const name = tracePath === "-" ? "stdin" : basename(tracePath);
  const lines = [
    `Cachegrind cache model, lackey trace ${name}: ${formatWithCommas(records)} records`,
    "Cache configuration used:",
    ...CACHE_NAMES.map(
      (cache) =>
        `  ${cache}: ${describeCachegrindCache(configuration.geometry[cache])}  (${describeSource(configuration, cache, HOST_CACHE_DIRECTORY)})`,
    ),
  ];
  if (simulator.modifies > 0) {
    lines.push(
      `Modifies (M): ${formatWithCommas(simulator.modifies)}, each counted as one data read, as cachegrind does`,
    );
  }
  if (simulator.clipped > 0) {
    lines.push(
      `Accesses longer than the smallest line (${simulator.minLineSize} B), cut to it as cachegrind does: ${formatWithCommas(simulator.clipped)}`,
    );
  }
  lines.push("", ...formatCachegrindSummary(counts));
  process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT_OK;
}
