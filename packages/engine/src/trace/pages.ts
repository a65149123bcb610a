/**
 * `pages`: one page number per line, as OSTEP's paging-policy.py `-f` and libCacheSim's `txt`
 * reader take them.
 *
 * - A number is decimal, up to 2^64-1 (exact: keys are two 32-bit halves), or hex after `0x`.
 * - Spaces and tabs around it are allowed; so are CRLF line endings.
 * - Blank lines are skipped, and so is everything from a `#` to the end of its line (a comment).
 * - Anything else is an error: a sign, a second number, a letter.
 *
 * @example "7\n0\n# warm-up over\n1\n" gives the keys 7, 0, 1 (all reads, nextUse Infinity).
 */
import { LineParser, OVERFLOW, type TraceSink } from "./core.js";

const TWO_32 = 4294967296;

export class PagesParser extends LineParser {
  constructor(sink: TraceSink) {
    super(sink);
  }

  /**
   * The fast path: a line of 1 to 15 decimal digits and a bare newline is read in one pass,
   * the value kept in a double (exact below 2^53). Any other line goes to parseLine.
   */
  protected override scanLines(bytes: Uint8Array, pos: number, end: number): void {
    const sink = this.sink;
    let fast = 0;
    while (pos < end) {
      const start = pos;
      let value = 0;
      let digit = (bytes[pos] as number) - 48;
      // The range ends with a newline, so this loop stops at the end of the line at the latest.
      while (digit >= 0 && digit <= 9) {
        value = value * 10 + digit;
        digit = (bytes[++pos] as number) - 48;
      }
      const digits = pos - start;
      if (digit === 10 - 48 && digits > 0 && digits <= 15) {
        fast++;
        sink.reference(
          value > 0xffffffff ? Math.floor(value / TWO_32) : 0,
          value >>> 0,
          false,
          Infinity,
        );
        pos++;
        continue;
      }
      this.countFast(fast);
      fast = 0;
      this.line++;
      const stop = this.lineStop(bytes, start);
      this.parseLine(bytes, start, stop);
      pos = bytes[stop] === 10 ? stop + 1 : stop + 2;
    }
    this.countFast(fast);
  }

  /** Account for `count` lines read by the fast path. */
  private countFast(count: number): void {
    this.line += count;
    this.records += count;
    this.references += count;
  }

  protected parseLine(bytes: Uint8Array, start: number, stop: number): void {
    let pos = this.skipBlanks(bytes, start, stop);
    if (pos === stop || bytes[pos] === 35) return;
    const after = this.readNumber(bytes, pos, stop);
    if (after === OVERFLOW) this.fail("page number larger than 2^64-1", bytes, start, stop);
    if (after < 0) this.fail("expected a page number", bytes, start, stop);
    pos = this.skipBlanks(bytes, after, stop);
    if (pos < stop && bytes[pos] !== 35) {
      this.fail("expected one page number per line", bytes, start, stop);
    }
    this.records++;
    this.references++;
    this.sink.reference(this.valueHigh, this.valueLow, false, Infinity);
  }
}
