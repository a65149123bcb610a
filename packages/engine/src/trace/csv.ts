/**
 * `csv`: delimited text with a column spec, after libCacheSim's csv reader and its
 * `-t "obj-id-col=2,op-col=3,header=true,delimiter=,"` parameters.
 *
 * Spec keys (1-based columns, `_` and `-` alike, any case):
 *
 * | key               | meaning                                                             |
 * |-------------------|---------------------------------------------------------------------|
 * | `obj-id-col`      | required: the object id (the key, used as is, not divided by the page size) |
 * | `op-col`          | the operation: read r get gets → read; write w set put update add replace cas append prepend incr decr → write; delete del → skipped (no reference; an error with next-access-col, whose indices count every line); anything else is an error. Without it every reference is a read |
 * | `next-access-col` | libCacheSim's next_access_vtime (1-based index of the next request, -1 = never): gives `nextUse`, as in the oracle format |
 * | `time-col`, `obj-size-col` | accepted for libCacheSim compatibility, not read          |
 * | `header`          | true, false or auto (the default): with auto the first line is a header when it does not parse as a record |
 * | `delimiter`       | one character, `tab` or `\t`, or `space`; default `,`. `delimiter=,` needs no escaping: a comma right after `=` is the value |
 * | `obj-id-is-num`   | true (default): ids are decimal up to 2^64-1, or hex after 0x; false: each id string is hashed to 64 bits (FNV-1a and a second FNV pass) |
 *
 * Fields may be quoted with `"` (a `""` inside is a quote); a quoted field cannot hold a line
 * break. Spaces around numbers and ops are ignored. Blank lines and lines starting with `#` are
 * skipped. Aliases from libCacheSim are accepted: `obj-id-field`, `op-type-col`, `size-col`,
 * `has-header`, ...
 */
import { type CsvSpec, LineParser, OVERFLOW, type TraceSink, TraceSpecError } from "./core.js";

const TWO_32 = 4294967296;
const MAX_COLUMN = 4096;

const KEY_ALIASES: Readonly<Record<string, string>> = {
  "obj-id-col": "obj-id-col",
  "obj-id-field": "obj-id-col",
  "op-col": "op-col",
  "op-field": "op-col",
  "op-type-col": "op-col",
  "op-type-field": "op-col",
  "next-access-col": "next-access-col",
  "next-access-field": "next-access-col",
  "time-col": "time-col",
  "time-field": "time-col",
  "obj-size-col": "obj-size-col",
  "obj-size-field": "obj-size-col",
  "size-col": "obj-size-col",
  "size-field": "obj-size-col",
  header: "header",
  "has-header": "header",
  delimiter: "delimiter",
  "obj-id-is-num": "obj-id-is-num",
};

/** The canonical spec keys, for error messages and help. */
export const CSV_SPEC_KEYS = [
  "obj-id-col",
  "op-col",
  "next-access-col",
  "time-col",
  "obj-size-col",
  "header",
  "delimiter",
  "obj-id-is-num",
] as const;

function parseColumn(key: string, value: string): number {
  const column = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(column) || column < 1 || column > MAX_COLUMN) {
    throw new TraceSpecError(
      `csv option ${key} must be a column number from 1 to ${MAX_COLUMN}, not "${value}"`,
    );
  }
  return column;
}

function parseBoolean(key: string, value: string, allowAuto: boolean): boolean | "auto" {
  const lower = value.toLowerCase();
  if (["true", "1", "yes", "y"].includes(lower)) return true;
  if (["false", "0", "no", "n"].includes(lower)) return false;
  if (allowAuto && lower === "auto") return "auto";
  throw new TraceSpecError(
    `csv option ${key} must be true or false${allowAuto ? " or auto" : ""}, not "${value}"`,
  );
}

function parseDelimiter(value: string): number {
  const lower = value.toLowerCase();
  if (lower === "tab" || value === "\\t" || value === "\t") return 9;
  if (lower === "space") return 32;
  if (lower === "comma" || value === "\\,") return 44;
  if (value.length === 1 && !/[0-9A-Za-z"\r\n]/.test(value)) return value.charCodeAt(0);
  throw new TraceSpecError(
    `csv delimiter must be one character other than a letter, digit or quote, or tab or space; not "${value}"`,
  );
}

/**
 * Parse a csv spec such as `obj-id-col=2,op-col=3,header=true,delimiter=,` (the text after
 * `csv:`). Throws TraceSpecError naming the valid keys on an unknown one.
 *
 * @example parseCsvSpec("obj-id-col=2,delimiter=\\t").delimiter === 9
 */
export function parseCsvSpec(text: string): CsvSpec {
  const spec: CsvSpec = {
    objIdCol: 0,
    opCol: 0,
    timeCol: 0,
    sizeCol: 0,
    nextAccessCol: 0,
    header: "auto",
    delimiter: 44,
    objIdIsNum: true,
  };
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === "," || text[i] === " ")) i++;
    if (i >= text.length) break;
    let j = i;
    while (j < text.length && text[j] !== "=" && text[j] !== ",") j++;
    const rawKey = text.slice(i, j).trim();
    const key = KEY_ALIASES[rawKey.toLowerCase().replaceAll("_", "-")];
    if (key === undefined) {
      throw new TraceSpecError(
        `unknown csv option "${rawKey}"; valid: ${CSV_SPEC_KEYS.join(", ")}`,
      );
    }
    if (text[j] !== "=") throw new TraceSpecError(`csv option ${key} needs a value: ${key}=...`);
    i = j + 1;
    let value: string;
    if (key === "delimiter" && text[i] === ",") {
      value = ",";
      i++;
    } else {
      j = i;
      while (j < text.length && text[j] !== ",") j++;
      value = key === "delimiter" ? text.slice(i, j) : text.slice(i, j).trim();
      i = j;
    }
    switch (key) {
      case "obj-id-col":
        spec.objIdCol = parseColumn(key, value);
        break;
      case "op-col":
        spec.opCol = parseColumn(key, value);
        break;
      case "next-access-col":
        spec.nextAccessCol = parseColumn(key, value);
        break;
      case "time-col":
        spec.timeCol = parseColumn(key, value);
        break;
      case "obj-size-col":
        spec.sizeCol = parseColumn(key, value);
        break;
      case "header":
        spec.header = parseBoolean(key, value, true);
        break;
      case "delimiter":
        spec.delimiter = parseDelimiter(value);
        break;
      default:
        spec.objIdIsNum = parseBoolean(key, value, false) === true;
        break;
    }
  }
  checkCsvSpec(spec);
  return spec;
}

/** Throw TraceSpecError unless `spec` names an id column and uses each column once. */
export function checkCsvSpec(spec: CsvSpec): void {
  if (spec.objIdCol < 1) {
    throw new TraceSpecError(
      "csv needs obj-id-col=N, the 1-based column of the object id " +
        `(e.g. csv:obj-id-col=2,op-col=3); valid options: ${CSV_SPEC_KEYS.join(", ")}`,
    );
  }
  if (spec.opCol !== 0 && spec.opCol === spec.objIdCol) {
    throw new TraceSpecError("csv op-col and obj-id-col name the same column");
  }
  if (
    spec.nextAccessCol !== 0 &&
    (spec.nextAccessCol === spec.objIdCol || spec.nextAccessCol === spec.opCol)
  ) {
    throw new TraceSpecError("csv next-access-col names the same column as obj-id-col or op-col");
  }
}

/** What an op names. */
const Op = { Read: 0, Write: 1, Skip: 2, Unknown: 3 } as const;
type Op = (typeof Op)[keyof typeof Op];

const OP_WORDS: ReadonlyArray<readonly [string, Op]> = [
  ["get", Op.Read],
  ["read", Op.Read],
  ["r", Op.Read],
  ["gets", Op.Read],
  ["set", Op.Write],
  ["write", Op.Write],
  ["w", Op.Write],
  ["put", Op.Write],
  ["update", Op.Write],
  ["add", Op.Write],
  ["replace", Op.Write],
  ["cas", Op.Write],
  ["append", Op.Write],
  ["prepend", Op.Write],
  ["incr", Op.Write],
  ["decr", Op.Write],
  ["delete", Op.Skip],
  ["del", Op.Skip],
];
const OP_BYTES = OP_WORDS.map(([word, op]) => ({
  bytes: Uint8Array.from(word, (c) => c.charCodeAt(0)),
  op,
}));

/** The op the bytes `[start, stop)` name, case-insensitively. */
function matchOp(bytes: Uint8Array, start: number, stop: number): Op {
  const length = stop - start;
  for (const { bytes: word, op } of OP_BYTES) {
    if (word.length !== length) continue;
    let i = 0;
    while (i < length && ((bytes[start + i] as number) | 32) === word[i]) i++;
    if (i === length) return op;
  }
  return Op.Unknown;
}

export class CsvParser extends LineParser {
  private readonly spec: CsvSpec;
  /** The highest column the parser needs to read. */
  private readonly lastColumn: number;
  private seenFirstLine = false;

  constructor(sink: TraceSink, spec: CsvSpec) {
    super(sink);
    checkCsvSpec(spec);
    this.spec = spec;
    this.knowsFuture = spec.nextAccessCol !== 0;
    this.lastColumn = Math.max(spec.objIdCol, spec.opCol, spec.nextAccessCol);
  }

  protected parseLine(bytes: Uint8Array, start: number, stop: number): void {
    const first = this.skipBlanks(bytes, start, stop);
    if (first === stop || bytes[first] === 35) return;
    const spec = this.spec;
    const isFirstLine = !this.seenFirstLine;
    this.seenFirstLine = true;
    if (isFirstLine && spec.header === true) return;
    const mayBeHeader = isFirstLine && spec.header === "auto";

    const delimiter = spec.delimiter;
    let idStart = -1;
    let idStop = -1;
    let opStart = -1;
    let opStop = -1;
    let nextStart = -1;
    let nextStop = -1;
    let column = 1;
    let pos = start;
    for (;;) {
      let fieldStart = pos;
      let fieldStop: number;
      if (bytes[this.skipBlanks(bytes, pos, stop)] === 34 && delimiter !== 32 && delimiter !== 9) {
        pos = this.skipBlanks(bytes, pos, stop) + 1;
        fieldStart = pos;
        for (;;) {
          if (pos >= stop) this.fail("unterminated quoted field", bytes, start, stop);
          if (bytes[pos] === 34) {
            if (pos + 1 < stop && bytes[pos + 1] === 34) pos += 2;
            else break;
          } else pos++;
        }
        fieldStop = pos;
        pos = this.skipBlanks(bytes, pos + 1, stop);
        if (pos < stop && bytes[pos] !== delimiter) {
          this.fail("text after a closing quote", bytes, start, stop);
        }
      } else {
        while (pos < stop && bytes[pos] !== delimiter) pos++;
        fieldStop = pos;
      }
      if (column === spec.objIdCol) {
        idStart = fieldStart;
        idStop = fieldStop;
      } else if (column === spec.opCol) {
        opStart = fieldStart;
        opStop = fieldStop;
      } else if (column === spec.nextAccessCol) {
        nextStart = fieldStart;
        nextStop = fieldStop;
      }
      if (pos >= stop || column === this.lastColumn) break;
      pos++;
      column++;
    }
    if (column < this.lastColumn) {
      if (mayBeHeader) return;
      this.fail(
        `${column} field${column === 1 ? "" : "s"} on this line; the spec reads column ${this.lastColumn}`,
        bytes,
        start,
        stop,
      );
    }

    let write = false;
    if (opStart >= 0) {
      const s = this.skipBlanks(bytes, opStart, opStop);
      let e = opStop;
      while (e > s && (bytes[e - 1] === 32 || bytes[e - 1] === 9)) e--;
      const op = matchOp(bytes, s, e);
      if (op === Op.Unknown) {
        if (mayBeHeader) return;
        this.fail(
          "unknown op (read: read r get gets; write: write w set put update add replace cas append prepend incr decr; skipped: delete del)",
          bytes,
          start,
          stop,
        );
      }
      if (op === Op.Skip) {
        // Skipping a line would shift the request indices next-access-col counts in.
        if (spec.nextAccessCol !== 0) {
          this.fail("a delete cannot be skipped when next-access-col is read", bytes, start, stop);
        }
        return;
      }
      write = op === Op.Write;
    }

    let nextUse = Infinity;
    if (nextStart >= 0) {
      let p = this.skipBlanks(bytes, nextStart, nextStop);
      const negative = bytes[p] === 45;
      if (negative) p++;
      const after = this.readDecimal(bytes, p, nextStop);
      if (after < 0 || this.skipBlanks(bytes, after, nextStop) !== nextStop) {
        if (mayBeHeader) return;
        this.fail("next access is not an integer", bytes, start, stop);
      }
      const high = this.valueHigh;
      if (negative) {
        if (high !== 0 || this.valueLow !== 1) {
          this.fail("next access must be -1 or the index of the next request", bytes, start, stop);
        }
      } else if (high < 0x200000) {
        nextUse = high * TWO_32 + this.valueLow - 1;
        if (nextUse <= this.references) {
          this.fail(
            `next access ${nextUse + 1} does not come after this request (${this.references + 1})`,
            bytes,
            start,
            stop,
          );
        }
      }
    }

    let keyHigh: number;
    let keyLow: number;
    if (spec.objIdIsNum) {
      const s = this.skipBlanks(bytes, idStart, idStop);
      const after = this.readNumber(bytes, s, idStop);
      if (after === OVERFLOW) this.fail("object id larger than 2^64-1", bytes, start, stop);
      if (after < 0 || this.skipBlanks(bytes, after, idStop) !== idStop) {
        if (mayBeHeader) return;
        this.fail(
          "object id is not a number (use obj-id-is-num=false for string ids)",
          bytes,
          start,
          stop,
        );
      }
      keyHigh = this.valueHigh;
      keyLow = this.valueLow;
    } else {
      if (idStart === idStop) this.fail("empty object id", bytes, start, stop);
      // FNV-1a for the low half; FNV-1a from another basis, mixed, for the high half.
      let low = 0x811c9dc5;
      let high = 0x2b6e3a5f;
      for (let i = idStart; i < idStop; i++) {
        const c = bytes[i] as number;
        low = Math.imul(low ^ c, 0x01000193);
        high = Math.imul(high ^ c, 0x01000193) ^ (high >>> 15);
      }
      high = Math.imul(high ^ (high >>> 16), 0x85ebca6b);
      high ^= high >>> 13;
      keyHigh = high >>> 0;
      keyLow = low >>> 0;
    }
    this.records++;
    this.references++;
    this.sink.reference(keyHigh, keyLow, write, nextUse);
  }
}
