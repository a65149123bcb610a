import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { type SyntheticOptions, SyntheticTrace, SyntheticTraceError } from "@vmscope/engine";
import { EXIT_OK, InputError } from "../errors.js";

interface GenFlags {
  pattern: string;
  pages: string;
  count: string;
  seed: string;
  alpha?: string;
  stride?: string;
  phases?: string;
  output?: string;
}

/** Lines written per chunk: large writes keep generation fast. */
const LINES_PER_CHUNK = 16_384;

/**
 * `vmscope gen`: a synthetic trace of page numbers, one per line (the `pages` format), the same
 * for the same seed.
 */
export async function genCommand(flags: GenFlags): Promise<number> {
  const options: SyntheticOptions = {
    pattern: flags.pattern,
    pages: numberFlag("--pages", flags.pages),
    count: numberFlag("--count", flags.count),
    seed: numberFlag("--seed", flags.seed),
  };
  if (flags.alpha !== undefined) options.alpha = numberFlag("--alpha", flags.alpha);
  if (flags.stride !== undefined) options.stride = numberFlag("--stride", flags.stride);
  if (flags.phases !== undefined) options.phases = numberFlag("--phases", flags.phases);
  let trace: SyntheticTrace;
  try {
    trace = new SyntheticTrace(options);
  } catch (error) {
    if (error instanceof SyntheticTraceError) throw new InputError(error.message);
    throw error;
  }
  const out: Writable =
    flags.output === undefined ? process.stdout : createWriteStream(flags.output);
  for (let written = 0; written < options.count; ) {
    const lines = Math.min(LINES_PER_CHUNK, options.count - written);
    let chunk = "";
    for (let line = 0; line < lines; line++) chunk += `${trace.next()}\n`;
    written += lines;
    if (!out.write(chunk)) await once(out, "drain");
  }
  if (out !== process.stdout) {
    out.end();
    await once(out, "finish");
  }
  return EXIT_OK;
}

function numberFlag(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new InputError(`${flag} must be a number, not "${text}"`);
  }
  return value;
}
