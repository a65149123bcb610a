/**
 * `vmscope record [-o FILE] -- PROGRAM ARGS...`: run a real program under Valgrind's lackey tool,
 * save its memory trace gzipped and its memory map next to it, for `vmscope replay`.
 *
 * Lackey writes the trace to a FIFO (`--log-file=FIFO`), so what the program prints stays on the
 * terminal and the trace is compressed as it comes. While it runs, /proc/<valgrind pid>/maps is sampled every SAMPLE_INTERVAL_MS (and
 * once more when valgrind starts its closing messages): valgrind runs the program inside its own
 * process, so the samples are merged and valgrind's own mappings dropped by the rule of the
 * engine's replay/recorded_maps.ts. Nothing is ever installed: without valgrind on PATH the
 * command says how to install it.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  createReadStream,
  createWriteStream,
  constants as fsConstants,
  openSync,
  readFileSync,
} from "node:fs";
import { access, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { constants as osConstants, tmpdir } from "node:os";
import { basename, delimiter, dirname, join } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import {
  formatMapsLine,
  guestMappings,
  LackeyAccessParser,
  type MapsEntry,
  mergeMapsSamples,
  parseMaps,
  TouchedPages,
} from "@vmscope/engine";
import type { Command } from "commander";
import { EXIT_INPUT_ERROR, InputError } from "../errors.js";

export interface RecordFlags {
  output?: string;
}

/** How often /proc/<pid>/maps is read while the program runs. */
export const SAMPLE_INTERVAL_MS = 20;
/** gzip level: fast, and lackey's text still shrinks 8 to 20 times. */
const GZIP_LEVEL = 4;
/** Bytes read from the FIFO at a time. */
const READ_BYTES = 1 << 20;
/** Bytes of trace handed to gzip at a time. */
const BATCH_BYTES = 256 * 1024;
const EQUALS = 0x3d;

/** `vmscope record`; returns the program's exit status (128 + N when signal N killed it). */
export async function recordCommand(
  command: readonly string[],
  flags: RecordFlags,
): Promise<number> {
  const [program, ...args] = command;
  if (program === undefined || program === "") {
    throw new InputError("give the program to record after --, e.g. vmscope record -- ./prog ARGS");
  }
  const valgrind = await findOnPath("valgrind");
  if (valgrind === null) {
    process.stderr.write(
      "vmscope: valgrind is not installed (there is no valgrind on PATH). vmscope record runs the " +
        "program under Valgrind's lackey tool and never installs anything itself; install Valgrind, " +
        "e.g. `sudo apt-get install valgrind` (Debian, Ubuntu) or `sudo dnf install valgrind` " +
        "(Fedora), then run this again.\n",
    );
    return EXIT_INPUT_ERROR;
  }
  await checkProgram(program);
  const output = flags.output ?? `${basename(program)}.lackey.gz`;
  const mapsPath = `${output}.maps`;
  await checkWritable(output);
  for (const path of [output, mapsPath]) {
    if (await exists(path)) process.stderr.write(`vmscope: overwriting ${path}\n`);
  }

  const fifoDirectory = await mkdtemp(join(tmpdir(), "vmscope-record-"));
  const fifo = join(fifoDirectory, "lackey.fifo");
  const touched = new TouchedPages();
  const parser = new LackeyAccessParser(touched);
  let run: { status: ExitStatus; pid: number; samples: MapsSampler };
  try {
    makeFifo(fifo);
    run = await runUnderLackey(valgrind, [program, ...args], fifo, output, parser);
  } finally {
    await rm(fifoDirectory, { recursive: true, force: true });
  }
  const { status, pid, samples } = run;

  const outcome = guestMappings(mergeMapsSamples(samples.parsed()), touched.sorted());
  await writeFile(mapsPath, outcome.kept.map((entry) => `${formatMapsLine(entry)}\n`).join(""));
  const size = (await stat(output)).size;
  const lines = [
    `vmscope: saved ${output} (${formatBytes(size)} gzip, ${parser.records} records, ` +
      `${touched.size} pages touched) and ${mapsPath} (${describeMaps(outcome.kept)} of the ` +
      `program from ${samples.count} samples of /proc/${pid}/maps; ` +
      `${outcome.droppedByName} of valgrind's and ${outcome.droppedUntouched} never touched left out)`,
  ];
  if (parser.records === 0) {
    lines.push("vmscope: no memory accesses were recorded; see valgrind's messages above");
  }
  lines.push(describeExit(program, status.code, status.signal));
  lines.push(`next: vmscope replay ${output}`);
  process.stderr.write(`${lines.join("\n")}\n`);
  return exitStatus(status.code, status.signal);
}

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Run valgrind's lackey on `command`, its trace going to `fifo`, through `parser` into gzip into
 * `output`, while sampling the process's maps. Returns once the program has exited and the whole
 * trace is saved.
 *
 * A FIFO rather than a pipe on a descriptor: lackey makes one write per record, and Node's child
 * pipes are socket pairs, which take small writes far more slowly (ls -la of a big directory,
 * 18.7 M records: 28 s through a socket pair, 11 s through a FIFO, 7.6 s into a file).
 */
async function runUnderLackey(
  valgrind: string,
  command: readonly string[],
  fifo: string,
  output: string,
  parser: LackeyAccessParser,
): Promise<{ status: ExitStatus; pid: number; samples: MapsSampler }> {
  const child = spawn(
    valgrind,
    ["--tool=lackey", "--trace-mem=yes", `--log-file=${fifo}`, ...command],
    {
      stdio: "inherit",
    },
  );
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      // If valgrind never opened the FIFO (it failed before starting the program), the reader
      // still waits in open(): a writer that comes and goes lets it see the end.
      releaseReader(fifo);
      resolve({ code, signal });
    });
  });
  const samples = new MapsSampler(child.pid ?? -1);
  const saved = pipeline(
    createReadStream(fifo, { highWaterMark: READ_BYTES }),
    new TraceTap(parser, () => samples.sample()),
    createGzip({ level: GZIP_LEVEL }),
    createWriteStream(output),
  ).catch((error: NodeJS.ErrnoException) => {
    child.kill();
    throw new InputError(`${output}: cannot write the trace (${error.code ?? error.message})`);
  });
  // Ctrl-C reaches the program too: let it end, then save what was traced up to there.
  const keepGoing = () => {};
  process.on("SIGINT", keepGoing);
  samples.start();
  const [status] = await Promise.all([exited, saved]).finally(() => {
    samples.stop();
    process.off("SIGINT", keepGoing);
  });
  return { status, pid: child.pid ?? -1, samples };
}

/** mkfifo(1): Node has no call for it. */
function makeFifo(path: string): void {
  const made = spawnSync("mkfifo", ["-m", "600", path], { encoding: "utf8" });
  if (made.status !== 0) {
    const reason = made.error?.message ?? made.stderr.trim();
    throw new InputError(`cannot make a FIFO for the trace with mkfifo (${reason})`);
  }
}

/** Open the FIFO for writing without blocking and close it again; nothing to do if no one reads. */
function releaseReader(fifo: string): void {
  try {
    closeSync(openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK));
  } catch {
    // ENXIO: no reader is waiting. ENOENT: already removed.
  }
}

/** Samples of /proc/PID/maps, each kept only when it differs from the one before. */
class MapsSampler {
  private readonly texts: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pid: number) {}

  get count(): number {
    return this.texts.length;
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Read the maps now (synchronously: the process may be about to exit). */
  sample(): void {
    if (this.pid < 0) return;
    let text: string;
    try {
      text = readFileSync(`/proc/${this.pid}/maps`, "utf8");
    } catch {
      return; // gone already, or not yet started
    }
    if (text !== "" && text !== this.texts[this.texts.length - 1]) this.texts.push(text);
  }

  /** The samples parsed, oldest first; one cut short by the process exiting is left out. */
  parsed(): MapsEntry[][] {
    const samples: MapsEntry[][] = [];
    for (const text of this.texts) {
      try {
        samples.push(parseMaps(text));
      } catch {
        // A read that raced with the exit; the other samples cover it.
      }
    }
    return samples;
  }
}

/**
 * Between valgrind's pipe and gzip: counts the records and learns the touched pages, and gathers
 * lackey's tiny writes (one per record, about 14 bytes) into BATCH_BYTES batches, since gzip
 * pays per call. When a valgrind line (`==PID== ...`) arrives after the first record, valgrind's
 * closing messages have begun while the program's mappings still exist: `onClosing` samples them.
 */
class TraceTap extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly parser: LackeyAccessParser,
    private readonly onClosing: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.parser.push(chunk);
    if (this.parser.records > 0 && (chunk[0] === EQUALS || chunk.includes("\n=="))) {
      this.onClosing();
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= BATCH_BYTES) this.release();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.parser.end();
    this.release();
    done();
  }

  private release(): void {
    if (this.pendingBytes === 0) return;
    this.push(Buffer.concat(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

function describeMaps(entries: readonly MapsEntry[]): string {
  return `${entries.length} mapping${entries.length === 1 ? "" : "s"}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Fail before running anything when the trace cannot be written where asked. */
async function checkWritable(path: string): Promise<void> {
  try {
    await access(dirname(path) || ".", fsConstants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such directory" : "not writable";
    throw new InputError(`${path}: cannot write there (${reason})`);
  }
}

/** The executable `name` on PATH, or null. */
async function findOnPath(name: string): Promise<string | null> {
  for (const directory of (process.env.PATH ?? "").split(delimiter)) {
    if (directory === "") continue;
    const candidate = join(directory, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return null;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The program must be an executable file, by path or on PATH (as valgrind looks it up). */
async function checkProgram(program: string): Promise<void> {
  if (program.includes("/")) {
    if (!(await exists(program))) throw new InputError(`${program}: no such file`);
    if (!(await isExecutableFile(program))) {
      throw new InputError(`${program}: not an executable file`);
    }
    return;
  }
  if ((await findOnPath(program)) === null) {
    throw new InputError(`${program}: no such program on PATH (give a path, e.g. ./${program})`);
  }
}

function describeExit(program: string, code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) return `vmscope: ${program} was killed by ${signal}`;
  return `vmscope: ${program} exited with status ${code ?? 0}`;
}

/** The program's status, as a shell reports it: 128 + N for a death by signal N. */
function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return 128 + (osConstants.signals[signal] ?? 0);
  return code ?? 0;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Add `vmscope record` to the program. */
export function registerRecord(program: Command, setStatus: (status: number) => void): void {
  program
    .command("record")
    .description(
      "run a program under Valgrind's lackey; save its memory trace (gzip) and memory map for replay",
    )
    .argument("<command...>", "the program and its arguments, after --")
    .option(
      "-o, --output <file>",
      "trace file to write, overwritten if it exists (default: PROGRAM.lackey.gz here)",
    )
    .usage("[-o FILE] -- PROGRAM [ARGS...]")
    .action(async (command: string[], flags: RecordFlags) =>
      setStatus(await recordCommand(command, flags)),
    );
}
