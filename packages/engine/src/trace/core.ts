/**
 * The pieces every trace reader shares: the sink and parser interfaces, the error type, and a
 * line-splitting base class that parses bytes directly (no strings, no allocation per line).
 *
 * A reader is push-based: the caller hands it chunks of bytes of any size, split anywhere, and
 * it calls `sink.reference` once per reference, in order. Lines (or binary records) that straddle
 * two chunks are carried over in a small buffer that only grows when a line is longer than any
 * seen before.
 */

/** Receives the references of a trace, in order. Keys are 64-bit, as two unsigned 32-bit halves. */
export interface TraceSink {
  /**
   * One reference. `nextUse` is the index (from 0, counted in references) of the next reference
   * to the same key, or Infinity when there is none or when the format does not carry it.
   */
  reference(keyHigh: number, keyLow: number, write: boolean, nextUse: number): void;
}

/** A streaming parser of one trace format. */
export interface TraceParser {
  /** Parse the next chunk of the trace. The parser keeps no reference to `chunk` after the call. */
  push(chunk: Uint8Array): void;
  /** The trace is over: parse what is left (a last line without its newline). Idempotent. */
  end(): void;
  /** Records parsed so far: lines that produced references (text) or records (binary). */
  readonly records: number;
  /** References handed to the sink so far (a lackey `M` line or a page-crossing access gives more than one per record). */
  readonly references: number;
  /** Whether the references carry `nextUse` (oracleGeneral; csv with `next-access-col`). */
  readonly knowsFuture: boolean;
}

/** Options of the CSV reader, in the spirit of libCacheSim's `-t "obj-id-col=2,..."`. */
export interface CsvSpec {
  /** 1-based column of the object id (required). */
  objIdCol: number;
  /** 1-based column of the operation (read/get → read, write/set/... → write), 0 for none. */
  opCol: number;
  /** 1-based column of the time: accepted for libCacheSim compatibility and ignored; 0 for none. */
  timeCol: number;
  /** 1-based column of the object size: accepted and ignored (one key is one page); 0 for none. */
  sizeCol: number;
  /** 1-based column of libCacheSim's next_access_vtime (1-based, -1 = never), 0 for none. */
  nextAccessCol: number;
  /** Whether the first line is a header; "auto": it is when its id field is not an id. */
  header: boolean | "auto";
  /** The field delimiter, as a byte. */
  delimiter: number;
  /** Ids are numbers (decimal or 0x hex); when false, each id string is hashed to 64 bits. */
  objIdIsNum: boolean;
}

/** What a reader needs besides the bytes. */
export interface TraceOptions {
  /** For address formats (lackey, vmsim, din): key = page number = address / pageSize. A power of two. */
  pageSize: number;
  /** Required by the csv format. */
  csv?: CsvSpec;
}

/** A malformed trace. The message names the problem; `line` and `text` say where. */
export class TraceFormatError extends Error {
  override name = "TraceFormatError";
  constructor(
    message: string,
    /** 1-based line number, or for binary formats the 1-based record number. */
    readonly line: number,
    /** The offending line (trimmed to 80 characters), or for binary formats its bytes in hex. */
    readonly text: string,
    /** Whether `line` counts lines or binary records. */
    readonly unit: "line" | "record" = "line",
  ) {
    super(message);
  }
}

/** A bad format name, format parameter or option (not a problem in the trace itself). */
export class TraceSpecError extends Error {
  override name = "TraceSpecError";
}

/** Longest line a text reader accepts (a guard against feeding a binary file to a text reader). */
export const MAX_LINE_BYTES = 1 << 20;

const TWO_32 = 4294967296;
const TEXT_LIMIT = 80;

/** log2 of `pageSize`, which must be a power of two from 1 to 2^52. */
export function pageShift(pageSize: number): number {
  const shift = Math.log2(pageSize);
  if (!Number.isInteger(shift) || shift < 0 || shift > 52 || 2 ** shift !== pageSize) {
    throw new TraceSpecError(`page size must be a power of two from 1 to 2^52, not ${pageSize}`);
  }
  return shift;
}

/** The bytes `[start, stop)` as text for an error message: control bytes escaped, at most 80 characters. */
export function excerpt(bytes: Uint8Array, start: number, stop: number): string {
  let text = "";
  for (let i = start; i < stop && text.length < TEXT_LIMIT + 8; i++) {
    const c = bytes[i] as number;
    text +=
      c >= 32 && c < 127
        ? String.fromCharCode(c)
        : c === 9
          ? "\t"
          : `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return text.length > TEXT_LIMIT ? `${text.slice(0, TEXT_LIMIT - 3)}...` : text;
}

/** The value of each byte as a hex digit, or -1. */
export const HEX_VALUE: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) table[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[65 + i] = 10 + i;
    table[97 + i] = 10 + i;
  }
  return table;
})();

/** The value of hex digit byte `c`, or -1. */
export function hexValue(c: number): number {
  return HEX_VALUE[c & 255] as number;
}

/** Result codes of the number readers (a position is never negative). */
export const NO_DIGITS = -1;
export const OVERFLOW = -2;

/**
 * Base of the text readers: splits chunks into lines, carries a partial line over to the next
 * chunk, counts lines, and offers number readers that leave a 64-bit value in `valueHigh` /
 * `valueLow`. A subclass parses one line at a time (`parseLine`), or overrides `scanLines` with a
 * faster loop of its own.
 */
export abstract class LineParser implements TraceParser {
  records = 0;
  references = 0;
  knowsFuture = false;
  /** Lines seen so far (complete lines only). */
  protected line = 0;
  /** The value the last number reader read. */
  protected valueHigh = 0;
  protected valueLow = 0;
  private carry = new Uint8Array(256);
  private carryLength = 0;
  private ended = false;

  constructor(protected readonly sink: TraceSink) {}

  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error("trace parser: push after end");
    const end = chunk.length;
    let pos = 0;
    if (this.carryLength > 0) {
      const newline = chunk.indexOf(10);
      if (newline < 0) {
        this.appendCarry(chunk, 0, end);
        return;
      }
      this.appendCarry(chunk, 0, newline + 1);
      this.flushCarry();
      pos = newline + 1;
    }
    const lastNewline = chunk.lastIndexOf(10);
    if (lastNewline >= pos) {
      this.scanLines(chunk, pos, lastNewline + 1);
      pos = lastNewline + 1;
    }
    if (pos < end) this.appendCarry(chunk, pos, end);
  }

  end(): void {
    if (this.ended) return;
    if (this.carryLength > 0) {
      // The last line has no newline: give it one.
      this.appendCarry(NEWLINE, 0, 1);
      this.flushCarry();
    }
    this.ended = true;
  }

  /**
   * Parse the lines in `bytes[pos, end)`: whole lines only, the last byte is a newline. (So a
   * scan for anything but a newline needs no bounds check: it stops at the newline at the latest.)
   */
  protected scanLines(bytes: Uint8Array, pos: number, end: number): void {
    while (pos < end) {
      let stop = pos;
      while (bytes[stop] !== 10) stop++;
      this.line++;
      this.parseLine(bytes, pos, stop > pos && bytes[stop - 1] === 13 ? stop - 1 : stop);
      pos = stop + 1;
    }
  }

  /** The end of the line that starts at `start`, without its CR: for slow paths. */
  protected lineStop(bytes: Uint8Array, start: number): number {
    let stop = start;
    while (bytes[stop] !== 10) stop++;
    return stop > start && bytes[stop - 1] === 13 ? stop - 1 : stop;
  }

  /** Parse one line, `bytes[start, stop)`, without its line ending. `this.line` is its number. */
  protected abstract parseLine(bytes: Uint8Array, start: number, stop: number): void;

  /** Throw a TraceFormatError for line `this.line`, which is `bytes[start, stop)`. */
  protected fail(message: string, bytes: Uint8Array, start: number, stop: number): never {
    throw new TraceFormatError(message, this.line, excerpt(bytes, start, stop));
  }

  /** Skip spaces and tabs. */
  protected skipBlanks(bytes: Uint8Array, pos: number, stop: number): number {
    while (pos < stop) {
      const c = bytes[pos] as number;
      if (c !== 32 && c !== 9) break;
      pos++;
    }
    return pos;
  }

  /**
   * Read hex digits (up to 16 significant ones) into valueHigh:valueLow. Returns the position
   * after them, NO_DIGITS, or OVERFLOW.
   */
  protected readHex(bytes: Uint8Array, pos: number, stop: number): number {
    let high = 0;
    let low = 0;
    const start = pos;
    while (pos < stop) {
      const digit = hexValue(bytes[pos] as number);
      if (digit < 0) break;
      if (high >>> 28 !== 0) return OVERFLOW;
      high = ((high << 4) | (low >>> 28)) >>> 0;
      low = ((low << 4) | digit) >>> 0;
      pos++;
    }
    if (pos === start) return NO_DIGITS;
    this.valueHigh = high;
    this.valueLow = low;
    return pos;
  }

  /** Like readHex, after an optional 0x or 0X. */
  protected readHexPrefixed(bytes: Uint8Array, pos: number, stop: number): number {
    if (
      pos + 1 < stop &&
      bytes[pos] === 48 &&
      ((bytes[pos + 1] as number) | 32) === 120 &&
      pos + 2 < stop &&
      hexValue(bytes[pos + 2] as number) >= 0
    ) {
      pos += 2;
    }
    return this.readHex(bytes, pos, stop);
  }

  /**
   * Read a decimal number up to 2^64-1 into valueHigh:valueLow. Returns the position after the
   * digits, NO_DIGITS, or OVERFLOW.
   */
  protected readDecimal(bytes: Uint8Array, pos: number, stop: number): number {
    let high = 0;
    let low = 0;
    const start = pos;
    while (pos < stop) {
      const digit = (bytes[pos] as number) - 48;
      if (digit < 0 || digit > 9) break;
      // low < 2^32, so low * 10 + digit < 2^36: exact in a double.
      const wide = low * 10 + digit;
      const carry = Math.floor(wide / TWO_32);
      low = wide - carry * TWO_32;
      high = high * 10 + carry;
      if (high >= TWO_32) return OVERFLOW;
      pos++;
    }
    if (pos === start) return NO_DIGITS;
    this.valueHigh = high;
    this.valueLow = low;
    return pos;
  }

  /** A decimal number, or a hex one after 0x. */
  protected readNumber(bytes: Uint8Array, pos: number, stop: number): number {
    if (pos + 1 < stop && bytes[pos] === 48 && ((bytes[pos + 1] as number) | 32) === 120) {
      return this.readHex(bytes, pos + 2, stop);
    }
    return this.readDecimal(bytes, pos, stop);
  }

  private appendCarry(bytes: Uint8Array, start: number, stop: number): void {
    const length = this.carryLength + (stop - start);
    if (length > this.carry.length) {
      if (length > MAX_LINE_BYTES + 2) {
        throw new TraceFormatError(
          `line longer than ${MAX_LINE_BYTES} bytes (is this a binary file?)`,
          this.line + 1,
          excerpt(this.carry, 0, Math.min(this.carryLength, 80)),
        );
      }
      const grown = new Uint8Array(Math.max(length, this.carry.length * 2));
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
    }
    this.carry.set(bytes.subarray(start, stop), this.carryLength);
    this.carryLength = length;
  }

  private flushCarry(): void {
    const length = this.carryLength;
    this.carryLength = 0;
    this.scanLines(this.carry, 0, length);
  }
}

const NEWLINE = new Uint8Array([10]);

/**
 * Turns byte addresses into page-number references: shift by log2(pageSize), and an access of
 * `size` bytes that crosses page boundaries touches every page it spans, in address order.
 */
export class PageMapper {
  readonly shift: number;

  constructor(
    pageSize: number,
    private readonly sink: TraceSink,
  ) {
    this.shift = pageShift(pageSize);
  }

  /** One reference to the page holding the address high:low. */
  address(high: number, low: number, write: boolean): void {
    const shift = this.shift;
    if (shift === 0) this.sink.reference(high, low, write, Infinity);
    else if (shift < 32) {
      this.sink.reference(
        high >>> shift,
        ((low >>> shift) | (high << (32 - shift))) >>> 0,
        write,
        Infinity,
      );
    } else this.sink.reference(0, high >>> (shift - 32), write, Infinity);
  }

  /**
   * References to every page the `size` bytes at high:low touch (size 0 counts as 1); returns
   * how many.
   */
  range(high: number, low: number, size: number, write: boolean): number {
    const shift = this.shift;
    let lastLow = low + (size > 1 ? size - 1 : 0);
    let lastHigh = high;
    if (lastLow >= TWO_32) {
      lastLow -= TWO_32;
      lastHigh++;
      if (lastHigh >= TWO_32) {
        // The access runs past 2^64: stop at the last byte.
        lastHigh = TWO_32 - 1;
        lastLow = TWO_32 - 1;
      }
    }
    let keyHigh: number;
    let keyLow: number;
    let lastKeyHigh: number;
    let lastKeyLow: number;
    if (shift === 0) {
      keyHigh = high;
      keyLow = low;
      lastKeyHigh = lastHigh;
      lastKeyLow = lastLow;
    } else if (shift < 32) {
      keyHigh = high >>> shift;
      keyLow = ((low >>> shift) | (high << (32 - shift))) >>> 0;
      lastKeyHigh = lastHigh >>> shift;
      lastKeyLow = ((lastLow >>> shift) | (lastHigh << (32 - shift))) >>> 0;
    } else {
      keyHigh = 0;
      keyLow = high >>> (shift - 32);
      lastKeyHigh = 0;
      lastKeyLow = lastHigh >>> (shift - 32);
    }
    this.sink.reference(keyHigh, keyLow, write, Infinity);
    let count = 1;
    while (keyLow !== lastKeyLow || keyHigh !== lastKeyHigh) {
      keyLow = (keyLow + 1) >>> 0;
      if (keyLow === 0) keyHigh = (keyHigh + 1) >>> 0;
      this.sink.reference(keyHigh, keyLow, write, Infinity);
      count++;
    }
    return count;
  }
}
