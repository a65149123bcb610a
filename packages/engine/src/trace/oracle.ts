/**
 * `oracle`: libCacheSim's oracleGeneral binary format, 24-byte little-endian records:
 *
 * | offset | type   | field             |
 * |--------|--------|-------------------|
 * | 0      | uint32 | clock_time        |
 * | 4      | uint64 | obj_id            |
 * | 12     | uint32 | obj_size          |
 * | 16     | int64  | next_access_vtime |
 *
 * - The key is obj_id itself (an object id, not an address: it is not divided by the page size).
 * - next_access_vtime is what libCacheSim's traceConv writes: the 1-based index of the next
 *   request to the same object, or -1 when there is none; libCacheSim's reader also takes
 *   INT64_MAX as "none". Here any value of 2^53 or more counts as none too (no trace is that
 *   long). It becomes `nextUse` = next_access_vtime - 1 (0-based), so OPT needs no second pass.
 *   A value that does not come after its own record, or another negative value, is an error.
 * - clock_time and obj_size are not used; every record is one read reference. (libCacheSim's
 *   cachesim skips records of size 0 by default; here every record counts.)
 * - A file whose length is not a multiple of 24 ends in a truncated record: an error, not a
 *   silent end. Records may straddle chunks anywhere.
 */
import { TraceFormatError, type TraceParser, type TraceSink } from "./core.js";

/** Bytes per oracleGeneral record. */
export const ORACLE_RECORD_BYTES = 24;

const TWO_32 = 4294967296;
/** next_access_vtime high words at or above this mean 2^53 or more: never. */
const HUGE_HIGH = 0x200000;

/** The bytes as hex pairs, for error messages. */
function hexBytes(bytes: Uint8Array, start: number, stop: number): string {
  let text = "";
  for (let i = start; i < stop; i++) {
    if (i > start) text += " ";
    text += (bytes[i] as number).toString(16).padStart(2, "0");
  }
  return text;
}

export class OracleParser implements TraceParser {
  records = 0;
  references = 0;
  readonly knowsFuture = true;
  private readonly pending = new Uint8Array(ORACLE_RECORD_BYTES);
  private pendingLength = 0;
  private ended = false;

  constructor(private readonly sink: TraceSink) {}

  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error("trace parser: push after end");
    const end = chunk.length;
    let pos = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(ORACLE_RECORD_BYTES - this.pendingLength, end);
      this.pending.set(chunk.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      pos = take;
      if (this.pendingLength < ORACLE_RECORD_BYTES) return;
      this.pendingLength = 0;
      this.parseRecords(this.pending, 0, ORACLE_RECORD_BYTES);
    }
    const whole = pos + Math.floor((end - pos) / ORACLE_RECORD_BYTES) * ORACLE_RECORD_BYTES;
    if (whole > pos) this.parseRecords(chunk, pos, whole);
    if (whole < end) {
      this.pending.set(chunk.subarray(whole, end));
      this.pendingLength = end - whole;
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.pendingLength > 0) {
      throw new TraceFormatError(
        `truncated record: ${this.pendingLength} of ${ORACLE_RECORD_BYTES} bytes`,
        this.records + 1,
        hexBytes(this.pending, 0, this.pendingLength),
        "record",
      );
    }
  }

  private parseRecords(bytes: Uint8Array, pos: number, stop: number): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const sink = this.sink;
    let time = this.records;
    for (; pos < stop; pos += ORACLE_RECORD_BYTES) {
      const idLow = view.getUint32(pos + 4, true);
      const idHigh = view.getUint32(pos + 8, true);
      const nextLow = view.getUint32(pos + 16, true);
      const nextHigh = view.getInt32(pos + 20, true);
      let nextUse: number;
      if (nextHigh >= 0 && nextHigh < HUGE_HIGH) {
        nextUse = nextHigh * TWO_32 + nextLow - 1;
        if (nextUse <= time) {
          this.fail(
            `next_access_vtime ${nextUse + 1} does not come after this request (${time + 1}); ` +
              "oracleGeneral holds the 1-based index of the next request, or -1",
            bytes,
            pos,
            time,
          );
        }
      } else if (nextHigh >= HUGE_HIGH || (nextHigh === -1 && nextLow === 0xffffffff)) {
        nextUse = Infinity;
      } else {
        this.fail("negative next_access_vtime other than -1", bytes, pos, time);
      }
      sink.reference(idHigh, idLow, false, nextUse);
      time++;
    }
    this.records = time;
    this.references = time;
  }

  private fail(message: string, bytes: Uint8Array, pos: number, time: number): never {
    this.records = time;
    this.references = time;
    throw new TraceFormatError(
      message,
      time + 1,
      hexBytes(bytes, pos, pos + ORACLE_RECORD_BYTES),
      "record",
    );
  }
}
