import { describe, expect, it } from "vitest";
import {
  PAGING_MULTILEVEL_TRANSLATE_DEFAULTS,
  type PagingMultilevelTranslateOptions,
  runPagingMultilevelTranslate,
} from "./paging_multilevel_translate.js";

// Expected texts below are what OSTEP's paging-multilevel-translate.py printed under CPython 3.11.

function run(options: Partial<PagingMultilevelTranslateOptions>) {
  return runPagingMultilevelTranslate({ ...PAGING_MULTILEVEL_TRANSLATE_DEFAULTS, ...options });
}

const ZERO_PAGE = "00".repeat(32);

describe("runPagingMultilevelTranslate", () => {
  it("dumps memory, with one mapped page, and translates with -c", () => {
    const result = run({ seed: 5n, allocated: 1n, num: 2n, solve: true });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    const lines = result.stdout.split("\n");
    expect(lines.slice(0, 4)).toEqual(["ARG seed 5", "ARG allocated 1", "ARG num 2", ""]);
    const dump = lines.slice(4, 132);
    expect(dump).toHaveLength(128);
    dump.forEach((line, page) => {
      expect(line.startsWith(`page ${String(page).padStart(3)}:`)).toBe(true);
    });
    // The page directory (79), the one page of the page table (120), the mapped page (101).
    expect(dump[79]).toBe(`page  79:${"7f".repeat(23)}f8${"7f".repeat(8)}`);
    expect(dump[120]).toBe(`page 120:${"7f".repeat(23)}e5${"7f".repeat(8)}`);
    expect(dump[101]).toBe(
      "page 101:161c000e1d141b030e0710110006081c170418041303001b06061e1b081d1015",
    );
    expect(dump.filter((line) => line.endsWith(`:${ZERO_PAGE}`))).toHaveLength(125);
    expect(lines.slice(132)).toEqual([
      "",
      "PDBR: 79  (decimal) [This means the page directory is held in this page]",
      "",
      "Virtual Address 0x5efe:",
      "  --> pde index:0x17 [decimal 23] pde contents:0xf8 (valid 1, pfn 0x78 [decimal 120])",
      "    --> pte index:0x17 [decimal 23] pte contents:0xe5 (valid 1, pfn 0x65 [decimal 101])",
      "      --> Translates to Physical Address 0xcbe --> Value: 0x10",
      "Virtual Address 0x7bb8:",
      "  --> pde index:0x1e [decimal 30] pde contents:0x7f (valid 0, pfn 0x7f [decimal 127])",
      "      --> Fault (page directory entry not valid)",
      "",
      "",
    ]);
  });

  it("asks the questions without -c", () => {
    const result = run({ seed: 5n, allocated: 1n, num: 2n });
    expect(result.stdout.split("\n").slice(-4)).toEqual([
      "Virtual Address 5efe: Translates To What Physical Address (And Fetches what Value)? Or Fault?",
      "Virtual Address 7bb8: Translates To What Physical Address (And Fetches what Value)? Or Fault?",
      "",
      "",
    ]);
  });

  it("runs out of physical pages with an AssertionError, as the script does", () => {
    expect(run({ allocated: 100n })).toEqual({
      status: 1,
      stdout: "ARG seed 0\nARG allocated 100\nARG num 10\n\n",
      stderr: "AssertionError\n",
    });
    expect(run({ allocated: 90n }).status).toBe(0);
  });

  it("has no mapped page with -a 0 or less, only the page directory", () => {
    const result = run({ allocated: -5n, num: 1n, solve: true });
    expect(result.stdout).toContain("pde contents:0x7f (valid 0, pfn 0x7f [decimal 127])");
    expect(result.stdout.match(/7f7f/g)?.length).toBe(16);
  });

  it("prints an int of more than 4300 digits no better than Python", () => {
    const result = run({ allocated: 16n ** 3600n });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("ARG seed 0\nARG allocated ");
    expect(result.stderr).toMatch(/^ValueError: Exceeds the limit \(4300 digits\)/);
  });

  it("appends a walk through each translation with --explain", () => {
    const plain = run({ solve: true, num: 3n });
    const explained = run({ solve: true, num: 3n, explain: true });
    expect(explained.stdout.startsWith(plain.stdout)).toBe(true);
    const extra = explained.stdout.slice(plain.stdout.length);
    expect(extra.match(/^VA /gm)).toHaveLength(3);
    expect(extra).toContain(
      [
        "VA 0x3da8 (decimal 15784)",
        "  bits    01111 01101 01000   (PDI | PTI | offset)",
        "  PDI 15, PTI 13, offset 8 (0x8)",
        "  PDE     page 108 byte 15 (address 0xd8f) = 0xd6 = 0b1_1010110: valid bit 1, PFN 0x56 (86)",
        "  PTE     page 86 byte 13 (address 0xacd) = 0x7f = 0b0_1111111: valid bit 0, PFN 0x7f (127)",
        "  fault   the page-table entry is not valid: the virtual page is not mapped",
      ].join("\n"),
    );
    // The questions get the same walk.
    expect(run({ num: 3n, explain: true }).stdout.endsWith(extra)).toBe(true);
  });

  it("explains a fault in the page directory", () => {
    const result = run({ seed: 5n, allocated: 1n, num: 2n, explain: true });
    expect(result.stdout).toContain(
      "  PDE     page 79 byte 30 (address 0x9fe) = 0x7f = 0b0_1111111: valid bit 0, PFN 0x7f (127)\n  fault   the page-directory entry is not valid",
    );
  });
});
