import { describe, expect, it } from "vitest";
import { TASK_SIZE } from "../arch/x86/pgtable.js";
import { processLayout, X86_64_LAYOUT } from "./exec.js";

describe("processLayout", () => {
  it("is x86-64's 47-bit layout for 47 bits or more", () => {
    expect(processLayout(47)).toBe(X86_64_LAYOUT);
    expect(processLayout(57)).toBe(X86_64_LAYOUT);
    expect(X86_64_LAYOUT).toEqual({
      addressBits: 47,
      taskSize: TASK_SIZE,
      executableBase: 0x555555554000,
      mmapBase: 0x7ffff7fff000,
      stackTop: 0x7ffffffff000,
    });
  });

  it("is a compat task's for 32 bits, as measured with setarch -R (exp20)", () => {
    expect(processLayout(32)).toEqual({
      addressBits: 32,
      taskSize: 0xffffe000,
      executableBase: 0x56555000,
      mmapBase: 0xf7ffe000,
      stackTop: 0xffffe000,
    });
  });

  it("scales the 47-bit rules for other sizes", () => {
    // 2^40 - 4 KiB; two thirds of it, page-aligned; 128 MiB below the top.
    expect(processLayout(40)).toEqual({
      addressBits: 40,
      taskSize: 0xfffffff000,
      executableBase: 0xaaaaaaa000,
      mmapBase: 0xfff7fff000,
      stackTop: 0xfffffff000,
    });
    // 16 MiB: the 128 MiB gap does not fit; five sixths of TASK_SIZE is left instead.
    const small = processLayout(24);
    expect(small.taskSize).toBe(0xfff000);
    expect(small.mmapBase).toBe(0xfff000 - 0xd54000);
    expect(small.executableBase).toBe(0xaaa000);
  });
});
