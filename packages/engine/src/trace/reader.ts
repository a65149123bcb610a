/**
 * The trace readers behind one interface: pick a format by name (or let `detectFormat` guess
 * it), build a parser with `createTraceParser`, push the bytes in chunks of any size, call
 * `end()`. The parser calls `sink.reference(keyHigh, keyLow, write, nextUse)` per reference.
 *
 * @example
 * const keys: number[] = [];
 * const parser = createTraceParser("pages", { pageSize: 4096 }, {
 *   reference: (high, low) => keys.push(high * 2 ** 32 + low),
 * });
 * parser.push(new Uint8Array([55, 10, 48, 10])); // "7\n0\n"
 * parser.end();
 * // keys is [7, 0]
 */
import {
  type CsvSpec,
  type TraceOptions,
  type TraceParser,
  type TraceSink,
  TraceSpecError,
} from "./core.js";
import { CsvParser, parseCsvSpec } from "./csv.js";
import { DinParser } from "./din.js";
import { LackeyParser } from "./lackey.js";
import { OracleParser } from "./oracle.js";
import { PagesParser } from "./pages.js";
import { VmsimParser } from "./vmsim.js";

export type { CsvSpec, TraceOptions, TraceParser, TraceSink } from "./core.js";
export { pageShift, TraceFormatError, TraceSpecError } from "./core.js";

export type TraceFormatName = "pages" | "lackey" | "vmsim" | "din" | "oracle" | "csv";

export interface TraceFormatInfo {
  name: TraceFormatName;
  description: string;
  /** Whether keys are addresses divided by the page size (otherwise they are used as they are). */
  addresses: boolean;
  /** Whether the format carries next-use times (OPT without a second pass). */
  nextUse: "yes" | "no" | "with next-access-col";
  binary: boolean;
}

export const TRACE_FORMATS: readonly TraceFormatInfo[] = [
  {
    name: "pages",
    description:
      "one page number per line, decimal (or 0x hex); # comments (OSTEP -f, libCacheSim txt)",
    addresses: false,
    nextUse: "no",
    binary: false,
  },
  {
    name: "lackey",
    description: "valgrind --tool=lackey --trace-mem=yes output: I/L/S/M hexaddr,size",
    addresses: true,
    nextUse: "no",
    binary: false,
  },
  {
    name: "vmsim",
    description: "hexaddr R|W per line (the classic vmsim assignment traces)",
    addresses: true,
    nextUse: "no",
    binary: false,
  },
  {
    name: "din",
    description: "Dinero din: label hexaddr (0 read, 1 write, 2 fetch; 3-5 skipped)",
    addresses: true,
    nextUse: "no",
    binary: false,
  },
  {
    name: "oracle",
    description: "libCacheSim oracleGeneral binary: 24-byte records, obj_id keys with next access",
    addresses: false,
    nextUse: "yes",
    binary: true,
  },
  {
    name: "csv",
    description:
      "delimited columns: csv:obj-id-col=N[,op-col=N,next-access-col=N,header=...,delimiter=...]",
    addresses: false,
    nextUse: "with next-access-col",
    binary: false,
  },
];

const FORMAT_ALIASES: Readonly<Record<string, TraceFormatName>> = {
  pages: "pages",
  txt: "pages",
  lackey: "lackey",
  vmsim: "vmsim",
  din: "din",
  oracle: "oracle",
  oraclegeneral: "oracle",
  oraclegeneralbin: "oracle",
  csv: "csv",
};

/** A format named on the command line: its name and, for csv, its column spec. */
export interface TraceFormatSpec {
  name: TraceFormatName;
  csv?: CsvSpec;
}

/**
 * Parse a format spec: a name (`pages`, `lackey`, `vmsim`, `din`, `oracle`, `csv`; also
 * libCacheSim's `txt` and `oracleGeneral`), for csv followed by `:` and its column spec.
 * Throws TraceSpecError listing the formats on an unknown name.
 *
 * @example resolveTraceFormat("csv:obj-id-col=2").csv?.objIdCol === 2
 */
export function resolveTraceFormat(spec: string): TraceFormatSpec {
  const colon = spec.indexOf(":");
  const rawName = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  const name = FORMAT_ALIASES[rawName.toLowerCase()];
  if (name === undefined) {
    throw new TraceSpecError(
      `unknown trace format "${rawName}"; valid: ${TRACE_FORMATS.map((f) => f.name).join(", ")}`,
    );
  }
  if (colon < 0) return { name };
  if (name !== "csv") throw new TraceSpecError(`trace format ${name} takes no parameters`);
  return { name, csv: parseCsvSpec(spec.slice(colon + 1)) };
}

/**
 * A parser for `format` that feeds `sink`. Throws TraceSpecError on a bad page size, or for
 * csv without `options.csv`.
 */
export function createTraceParser(
  format: TraceFormatName,
  options: TraceOptions,
  sink: TraceSink,
): TraceParser {
  switch (format) {
    case "pages":
      return new PagesParser(sink);
    case "lackey":
      return new LackeyParser(sink, options.pageSize);
    case "vmsim":
      return new VmsimParser(sink, options.pageSize);
    case "din":
      return new DinParser(sink, options.pageSize);
    case "oracle":
      return new OracleParser(sink);
    case "csv":
      // Without a spec, parsing the empty one throws the error that explains obj-id-col.
      return new CsvParser(sink, options.csv ?? parseCsvSpec(""));
    default:
      throw new TraceSpecError(`unknown trace format "${format as string}"`);
  }
}

export { parseCsvSpec } from "./csv.js";
export { detectFormat } from "./detect.js";
