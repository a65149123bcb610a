import { describe, expect, it } from "vitest";
import { createTraceParser, resolveTraceFormat, TRACE_FORMATS, TraceSpecError } from "./reader.js";
import { bytesOf } from "./test_kit.js";

describe("trace reader interface", () => {
  it("lists every format", () => {
    expect(TRACE_FORMATS.map((format) => format.name)).toEqual([
      "pages",
      "lackey",
      "vmsim",
      "din",
      "oracle",
      "csv",
    ]);
  });

  it("resolves format names, libCacheSim aliases and csv specs", () => {
    expect(resolveTraceFormat("lackey")).toEqual({ name: "lackey" });
    expect(resolveTraceFormat("txt")).toEqual({ name: "pages" });
    expect(resolveTraceFormat("oracleGeneral")).toEqual({ name: "oracle" });
    expect(resolveTraceFormat("csv:obj-id-col=2,op-col=3").csv).toMatchObject({
      objIdCol: 2,
      opCol: 3,
    });
    expect(() => resolveTraceFormat("vscsi")).toThrow(
      'unknown trace format "vscsi"; valid: pages, lackey, vmsim, din, oracle, csv',
    );
    expect(() => resolveTraceFormat("pages:x=1")).toThrow(TraceSpecError);
  });

  it("tells whether a parser carries next-use times", () => {
    const sink = { reference() {} };
    expect(createTraceParser("pages", { pageSize: 4096 }, sink).knowsFuture).toBe(false);
    expect(createTraceParser("oracle", { pageSize: 4096 }, sink).knowsFuture).toBe(true);
    const csv = resolveTraceFormat("csv:obj-id-col=1,next-access-col=2").csv;
    expect(
      createTraceParser("csv", { pageSize: 4096, ...(csv ? { csv } : {}) }, sink).knowsFuture,
    ).toBe(true);
  });

  it("refuses a page size that is not a power of two", () => {
    const sink = { reference() {} };
    expect(() => createTraceParser("vmsim", { pageSize: 1000 }, sink)).toThrow(TraceSpecError);
    expect(() => createTraceParser("din", { pageSize: 0 }, sink)).toThrow(/power of two/);
  });

  it("ignores push after end only by throwing, and end twice is harmless", () => {
    const keys: number[] = [];
    const parser = createTraceParser(
      "pages",
      { pageSize: 4096 },
      { reference: (_h, low) => keys.push(low) },
    );
    parser.push(bytesOf("1\n2"));
    parser.end();
    parser.end();
    expect(keys).toEqual([1, 2]);
    expect(() => parser.push(bytesOf("3\n"))).toThrow(/after end/);
  });
});
