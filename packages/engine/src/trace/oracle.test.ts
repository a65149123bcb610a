import { describe, expect, it } from "vitest";
import { run, runAtEverySplit } from "./test_kit.js";

/** oracleGeneral records from [obj_id, next_access_vtime] pairs. */
function records(...entries: Array<[bigint, bigint]>): Uint8Array {
  const bytes = new Uint8Array(entries.length * 24);
  const view = new DataView(bytes.buffer);
  entries.forEach(([id, next], i) => {
    view.setUint32(i * 24, 1000 + i, true);
    view.setBigUint64(i * 24 + 4, id, true);
    view.setUint32(i * 24 + 12, 4096, true);
    view.setBigInt64(i * 24 + 16, next, true);
  });
  return bytes;
}

const INT64_MAX = 0x7fffffffffffffffn;

describe("oracle (libCacheSim oracleGeneral) trace reader", () => {
  it("reads obj_id as the key and next_access_vtime (1-based) as a 0-based next use", () => {
    // ids: 5 7 5 7 9; the next access of request 1 (id 5) is request 3, and so on.
    const trace = records([5n, 3n], [7n, 4n], [5n, -1n], [7n, INT64_MAX], [9n, -1n]);
    const outcome = run("oracle", trace);
    expect(outcome.refs).toEqual(["5@2", "7@3", "5", "7", "9"]);
    expect(outcome.records).toBe(5);
    expect(outcome.references).toBe(5);
    expect(outcome.error).toBeNull();
  });

  it("does not divide obj_id by the page size and keeps 64-bit ids exact", () => {
    const trace = records([0xffffffffffffffffn, -1n], [0x100000001n, 1n << 60n]);
    expect(run("oracle", trace, { pageSize: 4096 }).refs).toEqual([
      "18446744073709551615",
      "4294967297",
    ]);
  });

  it("reports a truncated last record instead of ending quietly", () => {
    const trace = records([1n, -1n], [2n, -1n]);
    const outcome = run("oracle", trace.subarray(0, 40));
    expect(outcome.refs).toEqual(["1"]);
    expect(outcome.error).toMatch(/^record 2: truncated record: 16 of 24 bytes: e9 03 00 00 02 00/);
  });

  it("rejects a next access that does not come after its own request", () => {
    expect(run("oracle", records([1n, 3n], [2n, 2n])).error).toMatch(
      /^record 2: next_access_vtime 2 does not come after this request \(2\)/,
    );
    expect(run("oracle", records([1n, -5n])).error).toMatch(
      /^record 1: negative next_access_vtime other than -1/,
    );
  });

  it("gives the same result wherever the chunks split (records straddle chunks)", () => {
    const trace = records([5n, 3n], [7n, 4n], [5n, -1n], [7n, INT64_MAX]);
    expect(runAtEverySplit("oracle", trace).mismatch).toBeNull();
    expect(runAtEverySplit("oracle", trace.subarray(0, 90)).mismatch).toBeNull();
    expect(runAtEverySplit("oracle", records([1n, 3n], [2n, 1n])).mismatch).toBeNull();
  });

  it("reads records from a chunk that is a view into a larger buffer", () => {
    const trace = records([11n, -1n], [12n, -1n]);
    const padded = new Uint8Array(trace.length + 7);
    padded.set(trace, 3);
    expect(run("oracle", padded.subarray(3, 3 + trace.length)).refs).toEqual(["11", "12"]);
  });
});
