import { describe, expect, it } from "vitest";
import { createTraceParser } from "./reader.js";
import { bytesOf, run, runAtEverySplit } from "./test_kit.js";

describe("pages trace reader", () => {
  it("reads one decimal page number per line", () => {
    const outcome = run("pages", "7\n0\n1\n2\n0\n3\n");
    expect(outcome.refs).toEqual(["7", "0", "1", "2", "0", "3"]);
    expect(outcome.records).toBe(6);
    expect(outcome.references).toBe(6);
    expect(outcome.error).toBeNull();
  });

  it("takes a last line without a newline, CRLF, blanks, comments and 0x hex", () => {
    const text = "# a comment\r\n  12 \r\n\r\n\t13\t# trailing comment\n0x1F\n\n   \n14";
    expect(run("pages", text).refs).toEqual(["12", "13", "31", "14"]);
  });

  it("keeps 64-bit page numbers exact", () => {
    const text =
      "18446744073709551615\n4294967296\n4294967295\n9007199254740993\n999999999999999\n";
    expect(run("pages", text).refs).toEqual([
      "18446744073709551615",
      "4294967296",
      "4294967295",
      "9007199254740993",
      "999999999999999",
    ]);
    expect(run("pages", "0xffffffffffffffff\n000000000000000000000042\n").refs).toEqual([
      "18446744073709551615",
      "42",
    ]);
  });

  it("hands the sink both halves of a 64-bit key", () => {
    const seen: number[][] = [];
    const parser = createTraceParser(
      "pages",
      { pageSize: 4096 },
      {
        reference: (high, low, write, next) => seen.push([high, low, write ? 1 : 0, next]),
      },
    );
    parser.push(bytesOf("18446744073709551615\n4294967297\n"));
    parser.end();
    expect(seen).toEqual([
      [0xffffffff, 0xffffffff, 0, Infinity],
      [1, 1, 0, Infinity],
    ]);
  });

  it("rejects junk with the 1-based line number and the line", () => {
    expect(run("pages", "1\n2\n3x\n4\n").error).toBe(
      "line 3: expected one page number per line: 3x",
    );
    expect(run("pages", "1\r\n-2\r\n").error).toBe("line 2: expected a page number: -2");
    expect(run("pages", "1\n\n# c\n18446744073709551616\n").error).toBe(
      "line 4: page number larger than 2^64-1: 18446744073709551616",
    );
    expect(run("pages", "1 2\n").error).toBe("line 1: expected one page number per line: 1 2");
    const outcome = run("pages", "5\n6\nseven\n");
    expect(outcome.refs).toEqual(["5", "6"]);
    expect(outcome.records).toBe(2);
  });

  it("trims the offending text to 80 characters", () => {
    const error = run("pages", `${"9".repeat(10)}x${"y".repeat(200)}\n`).error ?? "";
    const text = error.slice(error.lastIndexOf(": ") + 2);
    expect(text.length).toBe(80);
    expect(text.endsWith("...")).toBe(true);
  });

  it("gives the same result wherever the chunks split", () => {
    const text =
      "7\n12345678901234\r\n\n# c\n18446744073709551615\n  42  \n0x10\n123456789012345\n1234567890123456\n3";
    const { whole, mismatch } = runAtEverySplit("pages", text);
    expect(whole.refs.length).toBe(8);
    expect(mismatch).toBeNull();
    expect(runAtEverySplit("pages", "1\n2\nbad line\n3\n").mismatch).toBeNull();
    expect(runAtEverySplit("pages", "1\n2\n99999999999999999999\n").mismatch).toBeNull();
  });

  it("refuses a line longer than 1 MiB instead of buffering a whole file", () => {
    const outcome = run(
      "pages",
      "1\n".concat("7".repeat((1 << 20) + 10)),
      undefined,
      [2, 1000, 600_000],
    );
    expect(outcome.error).toMatch(/^line 2: line longer than 1048576 bytes/);
  });
});
