import { describe, expect, it } from "vitest";
import { TraceSpecError } from "./core.js";
import { parseCsvSpec } from "./csv.js";
import { run, runAtEverySplit } from "./test_kit.js";

function csv(spec: string) {
  return { pageSize: 4096, csv: parseCsvSpec(spec) };
}

describe("csv spec", () => {
  it("parses libCacheSim-style keys, aliases and delimiters", () => {
    expect(parseCsvSpec("obj-id-col=2,op-col=3,header=true,delimiter=,")).toEqual({
      objIdCol: 2,
      opCol: 3,
      timeCol: 0,
      sizeCol: 0,
      nextAccessCol: 0,
      header: true,
      delimiter: 44,
      objIdIsNum: true,
    });
    const spec = parseCsvSpec(
      "time_col=1, op-type-col=2,obj_id_field=3,size-col=4,delimiter=,,obj-id-is-num=0",
    );
    expect(spec).toMatchObject({
      timeCol: 1,
      opCol: 2,
      objIdCol: 3,
      sizeCol: 4,
      delimiter: 44,
      objIdIsNum: false,
    });
    expect(parseCsvSpec("obj-id-col=1,delimiter=\\t").delimiter).toBe(9);
    expect(parseCsvSpec("obj-id-col=1,delimiter=tab").delimiter).toBe(9);
    expect(parseCsvSpec("obj-id-col=1,delimiter=;,header=auto")).toMatchObject({
      delimiter: 59,
      header: "auto",
    });
    expect(parseCsvSpec("delimiter=|,obj-id-col=1,next-access-col=4").nextAccessCol).toBe(4);
  });

  it("names the valid keys on an unknown one, and explains a missing obj-id-col", () => {
    expect(() => parseCsvSpec("obj-id-col=1,colour=red")).toThrow(
      'unknown csv option "colour"; valid: obj-id-col, op-col, next-access-col, time-col, obj-size-col, header, delimiter, obj-id-is-num',
    );
    expect(() => parseCsvSpec("op-col=2")).toThrow(/csv needs obj-id-col=N/);
    expect(() => parseCsvSpec("")).toThrow(TraceSpecError);
    expect(() => parseCsvSpec("obj-id-col=0")).toThrow(/column number from 1/);
    expect(() => parseCsvSpec("obj-id-col=x")).toThrow(/column number from 1/);
    expect(() => parseCsvSpec("obj-id-col")).toThrow(/needs a value/);
    expect(() => parseCsvSpec("obj-id-col=1,header=maybe")).toThrow(/true or false or auto/);
    expect(() => parseCsvSpec("obj-id-col=1,delimiter=ab")).toThrow(
      /delimiter must be one character/,
    );
    expect(() => parseCsvSpec("obj-id-col=2,op-col=2")).toThrow(/same column/);
  });
});

describe("csv trace reader", () => {
  it("reads ids from the id column and writes from the op column", () => {
    const text = "time,id,op\n1,7,get\n2,8,SET\n3,0x10,write\n4,7,delete\n5,9,r\n";
    const outcome = run("csv", text, csv("time-col=1,obj-id-col=2,op-col=3"));
    expect(outcome.refs).toEqual(["7", "8w", "16w", "9"]);
    expect(outcome.records).toBe(4);
  });

  it("detects a header only when the first line does not parse as a record", () => {
    expect(run("csv", "1,2\n3,4\n", csv("obj-id-col=2")).refs).toEqual(["2", "4"]);
    expect(run("csv", "a,b\n3,4\n", csv("obj-id-col=2")).refs).toEqual(["4"]);
    expect(run("csv", "1,2\n3,4\n", csv("obj-id-col=2,header=true")).refs).toEqual(["4"]);
    expect(run("csv", "a,b\n3,4\n", csv("obj-id-col=2,header=false")).error).toBe(
      "line 1: object id is not a number (use obj-id-is-num=false for string ids): a,b",
    );
  });

  it("keeps 64-bit ids exact and takes next-access like oracleGeneral", () => {
    const text = "18446744073709551615,3\n5,-1\n18446744073709551615,-1\n";
    const outcome = run("csv", text, csv("obj-id-col=1,next-access-col=2"));
    expect(outcome.refs).toEqual(["18446744073709551615@2", "5", "18446744073709551615"]);
    expect(
      run("csv", "5,-1,delete\n", csv("obj-id-col=1,next-access-col=2,op-col=3")).error,
    ).toMatch(/^line 1: a delete cannot be skipped when next-access-col is read/);
    expect(run("csv", "5,1\n", csv("obj-id-col=1,next-access-col=2")).error).toMatch(
      /^line 1: next access 1 does not come after this request \(1\)/,
    );
  });

  it("handles quotes, tabs, spaces around fields, CRLF, blank and comment lines", () => {
    const text = '"id","op"\r\n" 12 ",  get \r\n\r\n# note\r\n"13","set"\r\n';
    expect(run("csv", text, csv("obj-id-col=1,op-col=2")).refs).toEqual(["12", "13w"]);
    expect(run("csv", "x\t1\ty\n", csv("obj-id-col=2,delimiter=tab")).refs).toEqual(["1"]);
    expect(run("csv", '"a,b",7\n', csv("obj-id-col=2")).refs).toEqual(["7"]);
  });

  it("hashes string ids to 64 bits when obj-id-is-num=false", () => {
    const outcome = run(
      "csv",
      "/a.png,get\n/b.png,get\n/a.png,set\n",
      csv("obj-id-col=1,op-col=2,obj-id-is-num=false,header=false"),
    );
    expect(outcome.refs).toHaveLength(3);
    expect(outcome.refs[0]).not.toBe(outcome.refs[1]);
    expect(outcome.refs[2]).toBe(`${outcome.refs[0]}w`);
  });

  it("rejects short lines, unknown ops and bad ids with line numbers", () => {
    expect(run("csv", "1,2\n3\n", csv("obj-id-col=2")).error).toBe(
      "line 2: 1 field on this line; the spec reads column 2: 3",
    );
    expect(run("csv", "1,get\n2,fly\n", csv("obj-id-col=1,op-col=2")).error).toMatch(
      /^line 2: unknown op \(read: read r get gets; write: .*\): 2,fly$/,
    );
    expect(run("csv", "1\n2x\n", csv("obj-id-col=1")).error).toMatch(
      /^line 2: object id is not a number/,
    );
    expect(run("csv", '"1\n', csv("obj-id-col=1,header=false")).error).toBe(
      'line 1: unterminated quoted field: "1',
    );
  });

  it("needs a spec", () => {
    expect(() => run("csv", "1,2\n", { pageSize: 4096 })).toThrow(/csv needs obj-id-col/);
  });

  it("gives the same result wherever the chunks split", () => {
    const text = 'time,id,op\r\n1,7,get\n2,"8",SET\n\n3,0x10,write\n4,7,delete\n5,9,r';
    expect(runAtEverySplit("csv", text, csv("obj-id-col=2,op-col=3")).mismatch).toBeNull();
    expect(
      runAtEverySplit("csv", "1,get\n2,fly\n", csv("obj-id-col=1,op-col=2")).mismatch,
    ).toBeNull();
  });
});
