/**
 * Helpers for the trace readers' tests (test-only: left out of the engine build): run a parser
 * over bytes split into chunks, and write each reference compactly: `"7"` a read of key 7, `"7w"`
 * a write, `"7@12"` a read whose next use is at index 12. Keys print in decimal, exactly (64-bit).
 */
import { TraceFormatError, type TraceOptions } from "./core.js";
import { createTraceParser, type TraceFormatName } from "./reader.js";

export interface Outcome {
  refs: string[];
  records: number;
  references: number;
  /** The error the parser threw, as "line N: message: text". */
  error: string | null;
}

/** The bytes of a Latin-1 string. */
export function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function describeKey(high: number, low: number): string {
  return (BigInt(high) * 4294967296n + BigInt(low)).toString();
}

/** Parse `input` fed as the chunks that `cuts` (ascending offsets) make. */
export function run(
  format: TraceFormatName,
  input: Uint8Array | string,
  options: TraceOptions = { pageSize: 4096 },
  cuts: readonly number[] = [],
): Outcome {
  const bytes = typeof input === "string" ? bytesOf(input) : input;
  const refs: string[] = [];
  const parser = createTraceParser(format, options, {
    reference(high, low, write, nextUse) {
      refs.push(
        `${describeKey(high, low)}${write ? "w" : ""}${nextUse === Infinity ? "" : `@${nextUse}`}`,
      );
    },
  });
  let error: string | null = null;
  try {
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      // Copy each chunk, so that a parser keeping a view of an old chunk would be caught.
      parser.push(bytes.slice(from, cut));
      from = cut;
    }
    parser.end();
  } catch (caught) {
    if (!(caught instanceof TraceFormatError)) throw caught;
    error = `${caught.unit} ${caught.line}: ${caught.message}: ${caught.text}`;
  }
  return { refs, records: parser.records, references: parser.references, error };
}

/**
 * Parse `input` whole, then split in two at every offset, then one byte at a time; return the
 * whole-input outcome and the first split outcome that differs from it (null when none does).
 */
export function runAtEverySplit(
  format: TraceFormatName,
  input: Uint8Array | string,
  options: TraceOptions = { pageSize: 4096 },
): { whole: Outcome; mismatch: { cuts: number[]; outcome: Outcome } | null } {
  const bytes = typeof input === "string" ? bytesOf(input) : input;
  const whole = run(format, bytes, options);
  const expected = JSON.stringify(whole);
  const splits: number[][] = [];
  for (let cut = 0; cut <= bytes.length; cut++) splits.push([cut]);
  splits.push(Array.from({ length: bytes.length }, (_, i) => i));
  for (const cuts of splits) {
    const outcome = run(format, bytes, options, cuts);
    if (JSON.stringify(outcome) !== expected) return { whole, mismatch: { cuts, outcome } };
  }
  return { whole, mismatch: null };
}
