import { describe, expect, it } from "vitest";
import { run, runAtEverySplit } from "./test_kit.js";

describe("din trace reader", () => {
  it("reads labels 0 (read), 1 (write), 2 (fetch) and skips 3, 4 and 5", () => {
    const text = "2 400120\n0 0x7fff5fbff8a8\n1 601040 a comment\n3 0\n4 0\n5 1000\n0\t1000\n";
    const outcome = run("din", text, { pageSize: 4096 });
    expect(outcome.refs).toEqual([
      String(0x400120 >>> 12),
      String(Math.floor(0x7fff5fbff8a8 / 4096)),
      `${0x601040 >>> 12}w`,
      "1",
    ]);
    expect(outcome.records).toBe(4);
  });

  it("accepts CRLF, blank lines, comments and a hex label", () => {
    expect(run("din", "# x\r\n\r\n0x1 2000\r\n  2 3000  \r\n").refs).toEqual(["2w", "3"]);
  });

  it("rejects bad labels and addresses with their line numbers", () => {
    expect(run("din", "0 1000\n7 1000\n").error).toBe(
      "line 2: unknown label (0 read, 1 write, 2 fetch, 3-5 skipped): 7 1000",
    );
    expect(run("din", "0 1000\n\n0 10g0\n").error).toBe("line 3: expected a hex address: 0 10g0");
    expect(run("din", "0\n").error).toBe("line 1: expected LABEL ADDRESS: 0");
    expect(run("din", "r 1000\n").error).toBe(
      "line 1: expected a label (0 read, 1 write, 2 fetch): r 1000",
    );
  });

  it("gives the same result wherever the chunks split", () => {
    expect(
      runAtEverySplit("din", "2 400120\r\n0 0x7fff5fbff8a8\n1 601040 x\n4 0\n0 1").mismatch,
    ).toBeNull();
  });
});
