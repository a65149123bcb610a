/** Options shared by the trace commands (sim, compare, mrc): where the references come from. */
import type { Command } from "commander";
import { InputError } from "../errors.js";
import type { TraceSource } from "../simulation.js";

export interface TraceFlags {
  refs?: string;
  format: string;
  pageSize: string;
  seed: string;
}

/** Add --refs, --format, --page-size and --seed to a command. */
export function withTraceOptions(command: Command): Command {
  return command
    .option("--refs <list>", "a comma-separated reference string instead of a trace file")
    .option("--format <name>", "trace format, or auto to detect it", "auto")
    .option("--page-size <bytes>", "page size for address traces", "4096")
    .option("--seed <n>", "seed for randomized policies", "0");
}

export function traceSource(path: string | undefined, flags: TraceFlags): TraceSource {
  if (path === undefined && flags.refs === undefined) {
    throw new InputError("give a trace file or --refs LIST");
  }
  if (path !== undefined && flags.refs !== undefined) {
    throw new InputError("give either a trace file or --refs, not both");
  }
  const pageSize = positiveInteger("--page-size", flags.pageSize);
  if ((pageSize & (pageSize - 1)) !== 0) throw new InputError("--page-size must be a power of two");
  return { path: path ?? null, refs: flags.refs ?? null, format: flags.format, pageSize };
}

export function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new InputError(`${flag} must be a positive integer, not "${text}"`);
  }
  return value;
}

export function integerList(flag: string, text: string): number[] {
  return text.split(",").map((part) => positiveInteger(flag, part.trim()));
}

export function seedOf(flags: TraceFlags): number {
  const seed = Number(flags.seed);
  if (!Number.isSafeInteger(seed))
    throw new InputError(`--seed must be an integer, not "${flags.seed}"`);
  return seed;
}
