import { describe, expect, it } from "vitest";
import { machineConfigFrom } from "../../config.js";
import {
  addressBits,
  formatBytes,
  layoutProblem,
  PageTableSpecError,
  parsePageTableSpec,
  userAddressBits,
} from "./spec.js";

describe("pagetable= names", () => {
  it("parses every design into its canonical name and shape", () => {
    expect(parsePageTableSpec("x86-64")).toEqual({
      kind: "x86-64",
      bits: [9, 9, 9, 9],
      name: "x86-64",
    });
    expect(parsePageTableSpec("LA57").name).toBe("la57");
    expect(parsePageTableSpec("linear").bits).toEqual([35]);
    expect(parsePageTableSpec("inverted").bits).toEqual([]);
    expect(parsePageTableSpec("multilevel: 10, 10")).toEqual({
      kind: "multilevel",
      bits: [10, 10],
      name: "multilevel:10,10",
    });
  });

  it("gives the address bits each design translates", () => {
    expect(addressBits(parsePageTableSpec("x86-64"))).toBe(48);
    expect(addressBits(parsePageTableSpec("la57"))).toBe(57);
    expect(addressBits(parsePageTableSpec("linear"))).toBe(47);
    expect(addressBits(parsePageTableSpec("multilevel:10,10"))).toBe(32);
    expect(addressBits(parsePageTableSpec("multilevel:12,12,11"))).toBe(47);
  });

  it("an unknown name lists the valid ones; bad bits say what is allowed", () => {
    expect(() => parsePageTableSpec("hashed")).toThrow(
      /unknown page-table design "hashed"; valid: x86-64, la57, linear, multilevel:BITS/,
    );
    expect(() => parsePageTableSpec("multilevel")).toThrow(/needs the index bits of each level/);
    expect(() => parsePageTableSpec("multilevel:10,x")).toThrow(/1 to 20 index bits.*not "x"/);
    expect(() => parsePageTableSpec("multilevel:0,10")).toThrow(/not "0"/);
    expect(() => parsePageTableSpec("multilevel:21")).toThrow(/not "21"/);
    expect(() => parsePageTableSpec("multilevel:4,4,4,4,4,4,4")).toThrow(/at most 6 levels/);
    expect(() => parsePageTableSpec("multilevel:20,20,20")).toThrow(/72-bit addresses; at most 64/);
    expect(() => parsePageTableSpec("la57:3")).toThrow(PageTableSpecError);
  });

  it("takes designs down to 24 bits, giving narrower ones a narrower process layout", () => {
    expect(layoutProblem(parsePageTableSpec("multilevel:10,10"))).toBeNull();
    expect(userAddressBits(parsePageTableSpec("multilevel:10,10"))).toBe(32);
    expect(userAddressBits(parsePageTableSpec("multilevel:9,9,9,7"))).toBe(46);
    expect(userAddressBits(parsePageTableSpec("x86-64"))).toBe(47);
    expect(userAddressBits(parsePageTableSpec("la57"))).toBe(47);
    expect(layoutProblem(parsePageTableSpec("multilevel:6,6"))).toBeNull();
    expect(layoutProblem(parsePageTableSpec("multilevel:5,5"))).toMatch(
      /translates 22-bit addresses \(4 MiB\), too small for a process.*2 more index bits in all/,
    );
    expect(layoutProblem(parsePageTableSpec("multilevel:11"))).toMatch(/1 more index bit in all/);
    expect(layoutProblem(parsePageTableSpec("multilevel:9,9,9,8"))).toBeNull();
    expect(layoutProblem(parsePageTableSpec("linear"))).toBeNull();
    expect(layoutProblem(parsePageTableSpec("inverted"))).toBeNull();
  });

  it("machine pagetable= takes the canonical name, or fails on the option", () => {
    expect(machineConfigFrom([]).pagetable).toBe("x86-64");
    expect(machineConfigFrom([{ key: "pagetable", value: "Multilevel:9,9,9,9" }]).pagetable).toBe(
      "multilevel:9,9,9,9",
    );
    expect(() => machineConfigFrom([{ key: "pagetable", value: "nope" }])).toThrow(
      expect.objectContaining({
        key: "pagetable",
        message: expect.stringMatching(/valid: x86-64/),
      }),
    );
    expect(machineConfigFrom([{ key: "pagetable", value: "multilevel:10,10" }]).pagetable).toBe(
      "multilevel:10,10",
    );
    expect(() => machineConfigFrom([{ key: "pagetable", value: "multilevel:5,5" }])).toThrow(
      /too small for a process/,
    );
  });

  it("formats table sizes in binary units", () => {
    expect(formatBytes(4096)).toBe("4 KiB");
    expect(formatBytes(1310720)).toBe("1.25 MiB");
    expect(formatBytes(2 ** 38)).toBe("256 GiB");
    expect(formatBytes(2 ** 39)).toBe("512 GiB");
  });
});
