/**
 * Guessing a trace's format from its first bytes (and, as a hint, its file name).
 *
 * Binary data is taken for oracleGeneral when its 24-byte records look like oracleGeneral (see
 * looksLikeOracle: next accesses that point forward to the same object id). Text is classified by its
 * first lines (blank and `#` lines aside); every line must fit one format:
 *
 * - lackey: `I  addr,size` / ` L|S|M addr,size` records, with Valgrind's `==PID==` banners;
 * - vmsim: `hexaddr R|W`;
 * - din: `label hexaddr` with a label from 0 to 5;
 * - pages: one decimal number per line;
 * - csv: the same number (one or more) of commas on every line.
 *
 * Anything else, or nothing to go on, gives null.
 */
import { ORACLE_RECORD_BYTES } from "./oracle.js";
import type { TraceFormatName } from "./reader.js";

/** Lines looked at, at most. */
const SAMPLE_LINES = 200;

const LACKEY_RECORD = /^(I {1,2}| [LSM] )(0[xX])?[0-9a-fA-F]+,\d+\s*$/;
const LACKEY_BANNER = /^(==|--)\d+(==|--)/;
const VMSIM = /^\s*(0[xX])?[0-9a-fA-F]+[ \t]+[RWrw]\s*$/;
const DIN = /^\s*[0-5][ \t]+(0[xX])?[0-9a-fA-F]+([ \t].*)?$/;
const PAGES = /^\s*(\d+|0[xX][0-9a-fA-F]+)\s*(#.*)?$/;

/** Whether the bytes hold control characters that text traces never contain. */
function isBinary(head: Uint8Array): boolean {
  for (let i = 0; i < head.length; i++) {
    const c = head[i] as number;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) return true;
  }
  return false;
}

/**
 * Whether `head` reads as oracleGeneral records: at least one; every next_access_vtime is -1,
 * INT64_MAX, or below 2^32 and after its own record; a next access that falls inside the head
 * names a record with the same obj_id; clock_time mostly does not go backwards.
 */
function looksLikeOracle(head: Uint8Array): boolean {
  const count = Math.floor(head.length / ORACLE_RECORD_BYTES);
  if (count === 0) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let backwards = 0;
  for (let i = 0; i < count; i++) {
    const base = i * ORACLE_RECORD_BYTES;
    if (i > 0 && view.getUint32(base, true) < view.getUint32(base - ORACLE_RECORD_BYTES, true)) {
      backwards++;
    }
    const low = view.getUint32(base + 16, true);
    const high = view.getInt32(base + 20, true);
    if (low === 0xffffffff && (high === -1 || high === 0x7fffffff)) continue;
    // The 1-based index of the next request for the same object.
    if (high !== 0 || low <= i + 1) return false;
    if (low <= count) {
      const other = (low - 1) * ORACLE_RECORD_BYTES;
      if (
        view.getUint32(other + 4, true) !== view.getUint32(base + 4, true) ||
        view.getUint32(other + 8, true) !== view.getUint32(base + 8, true)
      ) {
        return false;
      }
    }
  }
  return backwards * 8 <= count;
}

/** The text lines of `head` that say something (no blank or `#` lines), at most SAMPLE_LINES. */
function sampleLines(head: Uint8Array): string[] {
  const lines: string[] = [];
  let start = 0;
  // A head that does not end in a newline may end in the middle of a line: drop that line,
  // unless it is the only one.
  let end = head.length;
  const lastNewline = head.lastIndexOf(10);
  if (lastNewline >= 0 && lastNewline < head.length - 1) end = lastNewline + 1;
  while (start < end && lines.length < SAMPLE_LINES) {
    let stop = head.indexOf(10, start);
    if (stop < 0 || stop > end) stop = end;
    let text = "";
    for (let i = start; i < stop; i++) text += String.fromCharCode(head[i] as number);
    if (text.endsWith("\r")) text = text.slice(0, -1);
    const trimmed = text.trim();
    if (trimmed !== "" && !trimmed.startsWith("#")) lines.push(text);
    start = stop + 1;
  }
  return lines;
}

function commas(line: string): number {
  let count = 0;
  for (let i = 0; i < line.length; i++) if (line[i] === ",") count++;
  return count;
}

/**
 * The format of a trace whose first bytes (a few KiB, already decompressed) are `head`, or
 * null when unsure. `fileName` breaks ties and names empty files: `.oracleGeneral` (libCacheSim's
 * naming), `.csv`, `.din`.
 */
export function detectFormat(head: Uint8Array, fileName: string): TraceFormatName | null {
  const name = fileName.toLowerCase().replace(/\.(gz|gzip)$/, "");
  if (head.length === 0) {
    if (name.includes(".oraclegeneral")) return "oracle";
    if (name.endsWith(".csv")) return "csv";
    if (name.endsWith(".din")) return "din";
    return null;
  }
  if (isBinary(head)) return looksLikeOracle(head) ? "oracle" : null;

  const lines = sampleLines(head);
  if (lines.length === 0) return null;
  const every = (test: (line: string) => boolean) => lines.every(test);

  let lackeyRecords = 0;
  const lackey = every((line) => {
    if (LACKEY_RECORD.test(line)) {
      lackeyRecords++;
      return true;
    }
    return LACKEY_BANNER.test(line);
  });
  if (lackey && lackeyRecords > 0) return "lackey";
  if (every((line) => VMSIM.test(line))) return "vmsim";
  // No line fits both: din has two fields, pages one.
  if (every((line) => DIN.test(line))) return "din";
  if (every((line) => PAGES.test(line))) return "pages";
  const fields = commas(lines[lines.length > 1 ? 1 : 0] as string);
  if (fields > 0 && every((line) => commas(line) === fields)) return "csv";
  if (name.endsWith(".csv") && lines.some((line) => commas(line) > 0)) return "csv";
  return null;
}
