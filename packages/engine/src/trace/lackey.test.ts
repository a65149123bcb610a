import { describe, expect, it } from "vitest";
import { LackeyAccessParser } from "./lackey.js";
import { run, runAtEverySplit } from "./test_kit.js";

const SAMPLE = `==4104== Lackey, an example Valgrind tool
==4104== Copyright (C) 2002-2017, and GNU GPL'd, by Nicholas Nethercote.
==4104== Command: ./a.out
==4104==
I  04005c0,3
 L 1ffefffd58,8
 S 1ffefffd50,8
 M 0601040,4
I  04005c3,4
hello from the program
==4104== ADDRESS TRACE END
`;

describe("lackey trace reader", () => {
  it("reads I, L, S and M records as page references, M as a read then a write", () => {
    const outcome = run("lackey", SAMPLE, { pageSize: 4096 });
    expect(outcome.refs).toEqual([
      String(0x04005c0 >> 12),
      String(Math.floor(0x1ffefffd58 / 4096)),
      `${Math.floor(0x1ffefffd50 / 4096)}w`,
      String(0x0601040 >> 12),
      `${0x0601040 >> 12}w`,
      String(0x04005c3 >> 12),
    ]);
    expect(outcome.records).toBe(5);
    expect(outcome.references).toBe(6);
    expect(outcome.error).toBeNull();
  });

  it("converts with the page size given", () => {
    expect(run("lackey", " L 12345,1\n", { pageSize: 1 }).refs).toEqual([String(0x12345)]);
    expect(run("lackey", " L 12345,1\n", { pageSize: 256 }).refs).toEqual([String(0x123)]);
    expect(run("lackey", " L 1234567890abc,1\n", { pageSize: 2 ** 40 }).refs).toEqual([
      String(0x123),
    ]);
    expect(run("lackey", " S ffffffffffffffff,1\n", { pageSize: 4096 }).refs).toEqual([
      "4503599627370495w",
    ]);
    expect(() => run("lackey", "", { pageSize: 3000 })).toThrow(/power of two/);
  });

  it("touches both pages when an access crosses a page boundary", () => {
    // 0xffe + 4 bytes spans pages 0 and 1; the M touches both for the load, then both for the store.
    expect(run("lackey", " L ffe,4\n M 1ffc,8\n S fff,1\n").refs).toEqual([
      "0",
      "1",
      "1",
      "2",
      "1w",
      "2w",
      "0w",
    ]);
    // An access ending exactly at the end of a page stays on it.
    expect(run("lackey", " L ff8,8\n").refs).toEqual(["0"]);
    // Crossing from the low 32 bits into the high ones.
    expect(run("lackey", " L fffffffe,4\n", { pageSize: 1 }).refs).toEqual([
      "4294967294",
      "4294967295",
      "4294967296",
      "4294967297",
    ]);
    // Running past 2^64 stops at the last page.
    expect(run("lackey", " L ffffffffffffffff,8\n", { pageSize: 4096 }).refs).toEqual([
      "4503599627370495",
    ]);
  });

  it("rejects malformed records with their line numbers", () => {
    expect(run("lackey", "==1== x\n L 1000,8\n S zz,8\n").error).toBe(
      "line 3: expected a hex address:  S zz,8",
    );
    expect(run("lackey", " L 1000\n").error).toBe(
      "line 1: expected ,SIZE after the address:  L 1000",
    );
    expect(run("lackey", " L 1000,\r\n").error).toBe(
      "line 1: expected a decimal size after the comma:  L 1000,",
    );
    expect(run("lackey", "I  1000,4 junk\n").error).toBe(
      "line 1: unexpected text after the size: I  1000,4 junk",
    );
    expect(run("lackey", " L 10000000000000000,4\n").error).toMatch(
      /^line 1: address larger than 64 bits/,
    );
  });

  it("reads records with tabs, CRLF or extra spaces (the slow path) like the usual ones", () => {
    expect(run("lackey", "I\t1000,4\r\n  L  2000,8 \n\tS 3000,1\n M 4000,2\r\n").refs).toEqual([
      "1",
      "2",
      "3w",
      "4",
      "4w",
    ]);
  });

  it("skips lines that are not records", () => {
    expect(run("lackey", "Instructions: 5\nLoad 3\n\n--12-- warning\nM\n").refs).toEqual([]);
  });

  it("gives the same result wherever the chunks split", () => {
    expect(runAtEverySplit("lackey", SAMPLE).mismatch).toBeNull();
    expect(runAtEverySplit("lackey", " L ffe,4\r\n M 1ffc,8\n S 1,x\n").mismatch).toBeNull();
  });
});

describe("LackeyAccessParser", () => {
  it("hands on each record whole, in order, with its kind, address and size", () => {
    const seen: string[] = [];
    const parser = new LackeyAccessParser({
      access: (kind, high, low, size) =>
        seen.push(`${String.fromCharCode(kind)} ${(high * 2 ** 32 + low).toString(16)} ${size}`),
    });
    const text =
      "==1== Lackey\nI  04005c0,3\n L 1ffefffd58,8\n S 1ffefffd50,8\n M 0601040,4\nI 0x400fff,2";
    // Split mid-line to cross the chunk boundary.
    const bytes = new TextEncoder().encode(text);
    parser.push(bytes.subarray(0, 30));
    parser.push(bytes.subarray(30));
    parser.end();
    expect(seen).toEqual([
      "I 4005c0 3",
      "L 1ffefffd58 8",
      "S 1ffefffd50 8",
      "M 601040 4",
      "I 400fff 2",
    ]);
    expect(parser.records).toBe(5);
  });
});
