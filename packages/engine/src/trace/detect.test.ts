import { describe, expect, it } from "vitest";
import { detectFormat } from "./detect.js";
import { bytesOf } from "./test_kit.js";

function oracle(count: number): Uint8Array {
  const bytes = new Uint8Array(count * 24);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    view.setUint32(i * 24, i, true);
    view.setBigUint64(i * 24 + 4, BigInt(i % 3), true);
    view.setUint32(i * 24 + 12, 1, true);
    view.setBigInt64(i * 24 + 16, i + 3 < count ? BigInt(i + 4) : -1n, true);
  }
  return bytes;
}

describe("detectFormat", () => {
  it("recognises each text format from its first lines", () => {
    const lackey =
      "==4104== Lackey, an example Valgrind tool\n==4104==\nI  04005c0,3\n L 1ffefffd58,8\n S 1ffefffd50,8\n M 0601040,4\n";
    expect(detectFormat(bytesOf(lackey), "trace.out")).toBe("lackey");
    expect(detectFormat(bytesOf("0041f7a0 R\n13f5e2c0 W\r\n0x05e78900 r\n"), "x")).toBe("vmsim");
    expect(detectFormat(bytesOf("2 400120\n0 7fff5fbff8a8\n1 601040\n"), "x")).toBe("din");
    expect(detectFormat(bytesOf("7\n0\n1\n# c\n\n2\n"), "x")).toBe("pages");
    expect(detectFormat(bytesOf("time,id,op\n1,7,get\n2,8,set\n"), "x")).toBe("csv");
  });

  it("ignores a last line cut off by the end of the head", () => {
    expect(detectFormat(bytesOf("7\n0\n1\n2x"), "x")).toBe("pages");
    expect(detectFormat(bytesOf("0041f7a0 R\n13f5e2c0"), "x")).toBe("vmsim");
  });

  it("recognises oracleGeneral records and refuses other binary data", () => {
    expect(detectFormat(oracle(100), "w.bin")).toBe("oracle");
    expect(detectFormat(oracle(100).subarray(0, 1000), "w.bin")).toBe("oracle");
    const u32 = new Uint8Array(new Uint32Array([7, 0, 1, 2, 0, 3, 0, 4]).buffer);
    expect(detectFormat(u32, "zipf.u32")).toBeNull();
  });

  it("returns null when unsure, and goes by the name for an empty file", () => {
    expect(detectFormat(bytesOf("hello world\nthis is prose\n"), "notes.txt")).toBeNull();
    expect(detectFormat(bytesOf("7\n0 R\n"), "x")).toBeNull();
    expect(detectFormat(new Uint8Array(0), "x")).toBeNull();
    expect(detectFormat(new Uint8Array(0), "a.oracleGeneral.bin.gz")).toBe("oracle");
    expect(detectFormat(bytesOf("\n\n"), "x")).toBeNull();
  });
});
