/**
 * `din`: Dinero's ASCII trace format, one `LABEL ADDRESS` pair per line:
 *
 * ```
 * 2 400120
 * 0 0x7fff5fbff8a8
 * 1 601040  anything after the address is a comment
 * ```
 *
 * - LABEL: 0 read data, 1 write data, 2 instruction fetch (a read). 3 (Dinero III's escape,
 *   Dinero IV's "misc"), 4 (Dinero III's flush, Dinero IV's copy-back) and 5 (Dinero IV's
 *   invalidate) are cache-control records that reference no page: they are skipped. Any other
 *   label is an error. Like Dinero IV, the label is read as hex.
 * - ADDRESS: hex, with or without 0x. It becomes the page number address / pageSize; the format
 *   carries no size (Dinero treats every access as an aligned 4-byte word), so an access
 *   touches one page.
 * - Whatever follows the address after a space or tab is ignored, as Dinero does. Dinero IV's
 *   `-informat d` ("extended din") reads this same syntax: there is no second din syntax.
 * - Blank lines and `#` comment lines are skipped (Dinero stops at a blank line).
 */
import { LineParser, NO_DIGITS, OVERFLOW, PageMapper, type TraceSink } from "./core.js";

export class DinParser extends LineParser {
  private readonly pages: PageMapper;

  constructor(sink: TraceSink, pageSize: number) {
    super(sink);
    this.pages = new PageMapper(pageSize, sink);
  }

  protected parseLine(bytes: Uint8Array, start: number, stop: number): void {
    let pos = this.skipBlanks(bytes, start, stop);
    if (pos === stop || bytes[pos] === 35) return;
    pos = this.readHexPrefixed(bytes, pos, stop);
    if (pos < 0) this.fail("expected a label (0 read, 1 write, 2 fetch)", bytes, start, stop);
    const label = this.valueHigh !== 0 ? 16 : this.valueLow;
    if (label > 5)
      this.fail(`unknown label (0 read, 1 write, 2 fetch, 3-5 skipped)`, bytes, start, stop);
    const afterLabel = pos;
    pos = this.skipBlanks(bytes, pos, stop);
    if (pos === afterLabel || pos === stop) this.fail("expected LABEL ADDRESS", bytes, start, stop);
    pos = this.readHexPrefixed(bytes, pos, stop);
    if (pos === OVERFLOW) this.fail("address larger than 64 bits", bytes, start, stop);
    if (pos === NO_DIGITS) this.fail("expected a hex address", bytes, start, stop);
    if (pos < stop && bytes[pos] !== 32 && bytes[pos] !== 9) {
      this.fail("expected a hex address", bytes, start, stop);
    }
    if (label > 2) return;
    this.records++;
    this.references++;
    this.pages.address(this.valueHigh, this.valueLow, label === 1);
  }
}
