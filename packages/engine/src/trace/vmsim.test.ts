import { describe, expect, it } from "vitest";
import { run, runAtEverySplit } from "./test_kit.js";

describe("vmsim trace reader", () => {
  it("reads hex addresses with R or W, with or without 0x", () => {
    const outcome = run(
      "vmsim",
      "0041f7a0 R\n0x13f5e2c0 W\n05E78900 r\r\n  004758a0\tw  \n\n# done\n",
    );
    expect(outcome.refs).toEqual([
      String(0x0041f7a0 >>> 12),
      `${0x13f5e2c0 >>> 12}w`,
      String(0x05e78900 >>> 12),
      `${0x004758a0 >>> 12}w`,
    ]);
    expect(outcome.records).toBe(4);
  });

  it("converts with the page size, up to 64-bit addresses", () => {
    expect(run("vmsim", "1fff R\n2000 W\n", { pageSize: 8192 }).refs).toEqual(["0", "1w"]);
    expect(run("vmsim", "ffffffffffffffff R\n", { pageSize: 1 }).refs).toEqual([
      "18446744073709551615",
    ]);
  });

  it("rejects malformed lines with their line numbers", () => {
    expect(run("vmsim", "1000 R\n1000 X\n").error).toBe("line 2: expected ADDRESS R|W: 1000 X");
    expect(run("vmsim", "1000R\n").error).toBe("line 1: expected ADDRESS R|W: 1000R");
    expect(run("vmsim", "1000 R W\n").error).toBe("line 1: unexpected text after R|W: 1000 R W");
    expect(run("vmsim", "1000 R\nxyz W\n").error).toBe("line 2: expected a hex address: xyz W");
    expect(run("vmsim", "1000\n").error).toBe("line 1: expected ADDRESS R|W: 1000");
  });

  it("gives the same result wherever the chunks split", () => {
    expect(
      runAtEverySplit("vmsim", "0041f7a0 R\r\n0x13f5e2c0 W\n\n05e78900 r").mismatch,
    ).toBeNull();
    expect(runAtEverySplit("vmsim", "0041f7a0 R\n0x13f5e2c0 Q\n").mismatch).toBeNull();
  });
});
