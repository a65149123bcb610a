/**
 * `lackey`: the output of `valgrind --tool=lackey --trace-mem=yes`.
 *
 * ```
 * ==1234== Lackey, an example Valgrind tool
 * I  04005c0,3
 *  L 1ffefffd58,8
 *  S 1ffefffd50,8
 *  M 0601040,4
 * ```
 *
 * - `I` (instruction fetch) and `L` (load) are reads, `S` (store) a write, and `M` (modify) a
 *   load then a store of the same bytes: its pages are read, then written.
 * - The address is hex (an optional 0x is accepted), the size decimal. Addresses become page
 *   numbers (address / pageSize); an access that crosses a page boundary touches every page it
 *   spans, in address order, one reference each.
 * - Any line that does not start (after spaces) with I, L, S or M and a blank is skipped:
 *   Valgrind's `==PID==` banners, blank lines, program output. A line that does but is
 *   malformed (bad hex, no size) is an error.
 */
import { HEX_VALUE, LineParser, NO_DIGITS, OVERFLOW, PageMapper, type TraceSink } from "./core.js";

/** Record kinds, as the character codes of lackey's letters. */
export const LACKEY_INSTRUCTION = 73; // I
export const LACKEY_LOAD = 76; // L
export const LACKEY_STORE = 83; // S
export const LACKEY_MODIFY = 77; // M

/** Largest access size accepted (lackey's are at most a few dozen bytes). */
const MAX_SIZE = 1 << 20;

export class LackeyParser extends LineParser {
  private readonly pages: PageMapper;

  constructor(sink: TraceSink, pageSize: number) {
    super(sink);
    this.pages = new PageMapper(pageSize, sink);
  }

  /**
   * The fast path: a well-formed record (`I`/` L`/` S`/` M`, hex address, comma, decimal size,
   * newline) is read in one pass. Every other line (banners, errors, CRLF) goes to parseLine.
   */
  protected override scanLines(bytes: Uint8Array, pos: number, end: number): void {
    let records = 0;
    let references = 0;
    while (pos < end) {
      const start = pos;
      // The range ends with a newline, so no scan below runs past the end of its line.
      let c = bytes[pos] as number;
      while (c === 32) c = bytes[++pos] as number;
      const kind = c;
      c = bytes[++pos] as number;
      if ((kind === 76 || kind === 83 || kind === 73 || kind === 77) && c === 32) {
        do c = bytes[++pos] as number;
        while (c === 32);
        let high = 0;
        let low = 0;
        let digit = HEX_VALUE[c] as number;
        const addressStart = pos;
        while (digit >= 0 && high >>> 28 === 0) {
          high = ((high << 4) | (low >>> 28)) >>> 0;
          low = ((low << 4) | digit) >>> 0;
          digit = HEX_VALUE[bytes[++pos] as number] as number;
        }
        if (pos > addressStart && digit < 0 && bytes[pos] === 44) {
          let size = 0;
          const sizeStart = ++pos;
          c = (bytes[pos] as number) - 48;
          while (c >= 0 && c <= 9 && size <= MAX_SIZE) {
            size = size * 10 + c;
            c = (bytes[++pos] as number) - 48;
          }
          if (c === 10 - 48 && pos > sizeStart && size <= MAX_SIZE) {
            records++;
            references += this.record(kind, high, low, size);
            pos++;
            continue;
          }
        }
      }
      this.line += records;
      this.records += records;
      this.references += references;
      records = 0;
      references = 0;
      this.line++;
      const stop = this.lineStop(bytes, start);
      this.parseLine(bytes, start, stop);
      pos = bytes[stop] === 10 ? stop + 1 : stop + 2;
    }
    this.line += records;
    this.records += records;
    this.references += references;
  }

  protected parseLine(bytes: Uint8Array, start: number, stop: number): void {
    let pos = this.skipBlanks(bytes, start, stop);
    if (pos + 1 >= stop) return;
    const kind = bytes[pos] as number;
    // I, L, S, M followed by a space or tab; anything else is not a record.
    if (kind !== 73 && kind !== 76 && kind !== 83 && kind !== 77) return;
    const blank = bytes[pos + 1] as number;
    if (blank !== 32 && blank !== 9) return;
    pos = this.skipBlanks(bytes, pos + 1, stop);
    pos = this.readHexPrefixed(bytes, pos, stop);
    if (pos === OVERFLOW) this.fail("address larger than 64 bits", bytes, start, stop);
    if (pos === NO_DIGITS) this.fail("expected a hex address", bytes, start, stop);
    const high = this.valueHigh;
    const low = this.valueLow;
    if (bytes[pos] !== 44) this.fail("expected ,SIZE after the address", bytes, start, stop);
    pos++;
    let size = 0;
    const sizeStart = pos;
    while (pos < stop) {
      const digit = (bytes[pos] as number) - 48;
      if (digit < 0 || digit > 9) break;
      size = size * 10 + digit;
      if (size > MAX_SIZE) this.fail(`access size larger than ${MAX_SIZE}`, bytes, start, stop);
      pos++;
    }
    if (pos === sizeStart) this.fail("expected a decimal size after the comma", bytes, start, stop);
    if (this.skipBlanks(bytes, pos, stop) !== stop) {
      this.fail("unexpected text after the size", bytes, start, stop);
    }
    this.records++;
    this.references += this.record(kind, high, low, size);
  }

  /** One well-formed record (`kind` is the letter's code): hand it on; returns references made. */
  protected record(kind: number, high: number, low: number, size: number): number {
    const pages = this.pages;
    if (kind === LACKEY_MODIFY) {
      return pages.range(high, low, size, false) + pages.range(high, low, size, true);
    }
    return pages.range(high, low, size, kind === LACKEY_STORE);
  }
}

/** Receives lackey records whole: what `vmscope replay` and the Cachegrind model need. */
export interface LackeyAccessSink {
  /**
   * One record: `kind` is LACKEY_INSTRUCTION, LACKEY_LOAD, LACKEY_STORE or LACKEY_MODIFY; the
   * address is high:low (two unsigned 32-bit halves); `size` in bytes.
   */
  access(kind: number, high: number, low: number, size: number): void;
}

/**
 * The lackey reader for consumers of whole accesses (kind, address, size) rather than page
 * references. Each record counts as one reference.
 */
export class LackeyAccessParser extends LackeyParser {
  constructor(private readonly accesses: LackeyAccessSink) {
    super({ reference: () => {} }, 4096);
  }

  protected override record(kind: number, high: number, low: number, size: number): number {
    this.accesses.access(kind, high, low, size);
    return 1;
  }
}
