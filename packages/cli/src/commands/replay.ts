/**
 * `vmscope replay TRACE`: a real program's memory trace on the full simulated machine. One
 * process; its mappings come from a saved /proc/PID/maps (TRACE.maps, written by `vmscope record`,
 * or --maps FILE) or from the trace's own addresses. The trace is read twice: once to learn the
 * touched pages, once to run every access. See docs/replay.md.
 */
import { access, readFile } from "node:fs/promises";
import { basename } from "node:path";
import {
  MACHINE_OPTIONS,
  type MachineConfig,
  MachineConfigError,
  type MapsEntry,
  MapsFormatError,
  machineConfigFrom,
  parseMaps,
  type ReplayLayout,
  type ReplayOutcome,
  snapshotReport,
  TRACE_FORMATS,
  TraceReplay,
} from "@vmscope/engine";
import type { Command } from "commander";
import { EXIT_OK, InputError } from "../errors.js";
import { formatReport } from "../format.js";
import { startProgress } from "../progress.js";
import { streamTrace } from "../trace_input.js";
import { replayCachegrind } from "./replay_cachegrind.js";

export interface ReplayFlags {
  /** A maps file, false for --no-maps, undefined to look for TRACE.maps. */
  maps?: string | false;
  machine?: string;
  json?: boolean;
  format: string;
  cacheModel?: string;
  I1?: string;
  D1?: string;
  LL?: string;
}

/** The cache models --cache-model accepts. */
export const CACHE_MODELS = ["cachegrind"] as const;

/** The page size of the simulated machine: address traces are read in 4 KiB pages. */
const PAGE_SIZE = 4096;

/** `vmscope replay TRACE ...`; returns the exit status. */
export async function replayCommand(tracePath: string, flags: ReplayFlags): Promise<number> {
  if (flags.cacheModel !== undefined || hasCacheGeometry(flags)) {
    return replayWithCacheModel(tracePath, flags);
  }
  if (tracePath === "-") {
    throw new InputError("replay reads the trace twice: give a file, not - (standard input)");
  }
  const config = machineConfig(flags.machine);
  const maps = await loadMaps(tracePath, flags.maps);
  const json = flags.json === true;
  const replay = new TraceReplay(processName(tracePath), config);

  const scanning = startProgress("scanning ", !json);
  const scan = await streamTrace(
    tracePath,
    { format: flags.format, pageSize: PAGE_SIZE, lackeyAccesses: replay.collector },
    replay.collector,
    (done, total) => scanning.update(done, total),
  );
  scanning.stop();
  const info = TRACE_FORMATS.find((format) => format.name === scan.format);
  if (info === undefined || !info.addresses) {
    throw new InputError(
      `${tracePath}: a ${scan.format} trace holds keys, not addresses; replay needs an address ` +
        `trace (${TRACE_FORMATS.filter((format) => format.addresses)
          .map((format) => format.name)
          .join(", ")})`,
    );
  }
  if (scan.records === 0) throw new InputError(`${tracePath}: no memory accesses in the trace`);

  const layout = maps === null ? replay.layOutFromTrace() : replay.layOutFromMaps(maps.entries);
  const replaying = startProgress("replaying", !json);
  await streamTrace(
    tracePath,
    { format: scan.format, pageSize: PAGE_SIZE, lackeyAccesses: replay.player },
    replay.player,
    (done, total) => replaying.update(done, total),
  );
  replaying.stop();

  const outcome = replay.outcome();
  const report = snapshotReport(
    replay.machine,
    [[replay.process.name, replay.process]],
    "end of trace",
    outcome.records,
  );
  const summary = {
    trace: tracePath,
    format: scan.format,
    maps: maps === null ? null : { path: maps.path, found: maps.found },
    process: { name: replay.process.name, pid: replay.process.pid },
    layout,
    outcome,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify({ summary: jsonSummary(summary), report })}\n`);
  } else {
    process.stdout.write(`${formatSummary(summary)}\n${formatReport(report)}`);
  }
  return EXIT_OK;
}

function hasCacheGeometry(flags: ReplayFlags): boolean {
  return flags.I1 !== undefined || flags.D1 !== undefined || flags.LL !== undefined;
}

/** --cache-model: Cachegrind's cache simulation instead of the machine (replay_cachegrind.ts). */
async function replayWithCacheModel(tracePath: string, flags: ReplayFlags): Promise<number> {
  if (flags.cacheModel === undefined) {
    throw new InputError("--I1, --D1 and --LL need --cache-model cachegrind");
  }
  if (!(CACHE_MODELS as readonly string[]).includes(flags.cacheModel)) {
    throw new InputError(
      `unknown cache model "${flags.cacheModel}"; valid: ${CACHE_MODELS.join(", ")}`,
    );
  }
  for (const [given, flag] of [
    [flags.machine !== undefined, "--machine"],
    [typeof flags.maps === "string", "--maps"],
  ] as const) {
    if (given) throw new InputError(`${flag} has no effect with --cache-model ${flags.cacheModel}`);
  }
  return replayCachegrind(tracePath, {
    json: flags.json === true,
    ...(flags.I1 === undefined ? {} : { I1: flags.I1 }),
    ...(flags.D1 === undefined ? {} : { D1: flags.D1 }),
    ...(flags.LL === undefined ? {} : { LL: flags.LL }),
  });
}

/** `--machine "ram=64M swap=128M"`: the options of the scenario language's machine statement. */
export function machineConfig(text: string | undefined): MachineConfig {
  const options: { key: string; value: string }[] = [];
  for (const word of (text ?? "").split(/\s+/)) {
    if (word === "") continue;
    const equals = word.indexOf("=");
    if (equals <= 0) {
      throw new InputError(
        `--machine takes key=value options, not "${word}"; valid keys: ${Object.keys(MACHINE_OPTIONS).join(", ")}`,
      );
    }
    options.push({ key: word.slice(0, equals), value: word.slice(equals + 1) });
  }
  try {
    return machineConfigFrom(options);
  } catch (error) {
    if (error instanceof MachineConfigError) throw new InputError(`--machine: ${error.message}`);
    throw error;
  }
}

interface LoadedMaps {
  path: string;
  /** Whether it was found next to the trace rather than given with --maps. */
  found: boolean;
  entries: MapsEntry[];
}

/** The maps file to use: --maps FILE, else TRACE.maps when it exists (unless --no-maps). */
async function loadMaps(
  tracePath: string,
  option: string | false | undefined,
): Promise<LoadedMaps | null> {
  if (option === false) return null;
  let path = option;
  const found = path === undefined;
  if (path === undefined) {
    path = `${tracePath}.maps`;
    try {
      await access(path);
    } catch {
      return null;
    }
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code;
    throw new InputError(`${path}: ${reason ?? "cannot read it"}`);
  }
  try {
    return { path, found, entries: parseMaps(text) };
  } catch (error) {
    if (error instanceof MapsFormatError) {
      throw new InputError(`${path}:${error.line}: ${error.message}: "${error.text}"`);
    }
    throw error;
  }
}

/** The process is named after the trace: `ls.lackey.gz` runs as `ls`. */
export function processName(tracePath: string): string {
  const name = basename(tracePath)
    .replace(/(\.gz)?$/, "")
    .replace(/\.(lackey|trace|txt|din|vmsim)$/, "");
  return name === "" ? "program" : name;
}

interface Summary {
  trace: string;
  format: string;
  maps: { path: string; found: boolean } | null;
  process: { name: string; pid: number };
  layout: ReplayLayout;
  outcome: ReplayOutcome;
}

const PROT_LETTERS = ["---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx"];

function hexAddress(value: number): string {
  return value.toString(16).padStart(8, "0");
}

function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** A simulated duration in the unit that suits it. */
export function formatDuration(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(3)} us`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(3)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** The lines before the report: what was replayed, how the mappings were made, what was skipped. */
function formatSummary(summary: Summary): string {
  const { layout, outcome } = summary;
  const lines = [
    `replay of ${summary.trace} (${summary.format}) as process ${summary.process.name} ` +
      `(pid ${summary.process.pid}): ${plural(outcome.records, "record")}, ${outcome.replayed} replayed`,
  ];
  if (summary.maps === null) {
    lines.push(
      `mappings: ${plural(layout.vmas, "VMA")} made from the trace's addresses (no maps file)`,
    );
  } else {
    const how = summary.maps.found ? " (found next to the trace; --no-maps ignores it)" : "";
    lines.push(
      `mappings: ${plural(layout.fromMaps, "VMA")} from ${summary.maps.path}${how}` +
        (layout.files > 0
          ? `; ${plural(layout.files, "file")} mapped, ${layout.cachedFiles} of them in the page cache at the start`
          : ""),
    );
    if (layout.mapsBeyondUserSpace > 0) {
      lines.push(
        `  ${plural(layout.mapsBeyondUserSpace, "maps entry", "maps entries")} beyond user space (e.g. [vsyscall]) not mapped`,
      );
    }
    if (layout.outsidePages > 0) {
      lines.push(
        `  ${plural(layout.outsideRecords, "access", "accesses")} to ${plural(layout.outsidePages, "page")} outside every maps entry: ` +
          `${plural(layout.fromTrace, "anonymous mapping")} added for them`,
      );
    }
    for (const widened of layout.widened) {
      lines.push(
        `  ${hexAddress(widened.start)}-${hexAddress(widened.end)} (line ${widened.line}) widened from ` +
          `${PROT_LETTERS[widened.from]} to ${PROT_LETTERS[widened.to]}: the trace did that there before the maps were saved`,
      );
    }
  }
  if (outcome.beyondUserSpace > 0) {
    lines.push(
      `skipped: ${plural(outcome.beyondUserSpace, "record")} beyond user space ` +
        "(at or above 0x7ffffffff000, e.g. the vsyscall page)",
    );
  }
  if (outcome.signal !== null) {
    const signal = outcome.signal;
    lines.push(
      `process ${summary.process.name} killed by ${signal.signal} (${signal.code}) at 0x${signal.address.toString(16)}, ` +
        `record ${outcome.killedAtRecord}; ${plural(outcome.afterDeath, "later record")} not replayed`,
    );
  }
  lines.push(`simulated time: ${formatDuration(outcome.simulatedNs)}`);
  return `${lines.join("\n")}\n`;
}

/** The summary for --json: addresses in hex, protections as letters. */
function jsonSummary(summary: Summary) {
  const { layout, outcome } = summary;
  const signal = outcome.signal;
  return {
    ...summary,
    layout: {
      ...layout,
      widened: layout.widened.map((entry) => ({
        start: `0x${entry.start.toString(16)}`,
        end: `0x${entry.end.toString(16)}`,
        from: PROT_LETTERS[entry.from],
        to: PROT_LETTERS[entry.to],
        line: entry.line,
      })),
    },
    outcome: {
      ...outcome,
      signal:
        signal === null
          ? null
          : { signal: signal.signal, code: signal.code, addr: `0x${signal.address.toString(16)}` },
    },
  };
}

/** Add `vmscope replay` to the program. */
export function registerReplay(program: Command, setStatus: (status: number) => void): void {
  program
    .command("replay")
    .description("run a real program's memory trace (lackey, vmsim, din) on the simulated machine")
    .argument("<trace>", "trace file, e.g. from `vmscope record` (gzip is fine)")
    .option(
      "--maps <file>",
      "make the process's mappings from this saved /proc/PID/maps (default: TRACE.maps if it exists)",
    )
    .option("--no-maps", "ignore TRACE.maps: make the mappings from the trace's addresses")
    .option(
      "--machine <options>",
      'machine options as in a scenario\'s machine statement, e.g. "ram=64M swap=128M"',
    )
    .option("--format <name>", "trace format, or auto to detect it", "auto")
    .option("--json", "print one JSON object with the summary and the report")
    .option(
      "--cache-model <model>",
      `simulate the caches alone with this model instead (${CACHE_MODELS.join(", ")})`,
    )
    .option("--I1 <size,assoc,line>", "with --cache-model cachegrind: the L1 instruction cache")
    .option("--D1 <size,assoc,line>", "with --cache-model cachegrind: the L1 data cache")
    .option("--LL <size,assoc,line>", "with --cache-model cachegrind: the last-level cache")
    .action(async (trace: string, flags: ReplayFlags) =>
      setStatus(await replayCommand(trace, flags)),
    );
}
