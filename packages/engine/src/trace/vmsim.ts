/**
 * `vmsim`: the classic course format, one access per line, a hex address then R or W:
 *
 * ```
 * 0041f7a0 R
 * 0x13f5e2c0 W
 * ```
 *
 * - The address is hex with or without 0x (the traces handed out with the assignment have none;
 *   `fscanf("%x")` accepts both). It becomes the page number address / pageSize; the format
 *   carries no size, so an access touches one page.
 * - R or W, either case, after one or more spaces or tabs. W is a write.
 * - Spaces around, CRLF, blank lines and `#` comment lines are allowed; anything else is an error.
 */
import { LineParser, NO_DIGITS, OVERFLOW, PageMapper, type TraceSink } from "./core.js";

export class VmsimParser extends LineParser {
  private readonly pages: PageMapper;

  constructor(sink: TraceSink, pageSize: number) {
    super(sink);
    this.pages = new PageMapper(pageSize, sink);
  }

  protected parseLine(bytes: Uint8Array, start: number, stop: number): void {
    let pos = this.skipBlanks(bytes, start, stop);
    if (pos === stop || bytes[pos] === 35) return;
    pos = this.readHexPrefixed(bytes, pos, stop);
    if (pos === OVERFLOW) this.fail("address larger than 64 bits", bytes, start, stop);
    if (pos === NO_DIGITS) this.fail("expected a hex address", bytes, start, stop);
    const afterAddress = pos;
    pos = this.skipBlanks(bytes, pos, stop);
    const mode = (bytes[pos] as number) | 32;
    if (pos === afterAddress || pos === stop || (mode !== 114 && mode !== 119)) {
      this.fail("expected ADDRESS R|W", bytes, start, stop);
    }
    if (this.skipBlanks(bytes, pos + 1, stop) !== stop) {
      this.fail("unexpected text after R|W", bytes, start, stop);
    }
    this.records++;
    this.references++;
    this.pages.address(this.valueHigh, this.valueLow, mode === 119);
  }
}
