import { describe, expect, it } from "vitest";
import {
  PAGING_LINEAR_TRANSLATE_DEFAULTS,
  type PagingLinearTranslateOptions,
  parseOstepSize,
  runPagingLinearTranslate,
} from "./paging_linear_translate.js";
import { PythonError } from "./paging_policy.js";
import { pyFormatInt, pyStr } from "./python_script.js";

// Expected texts below are what OSTEP's paging-linear-translate.py printed under CPython 3.11.

function run(options: Partial<PagingLinearTranslateOptions>) {
  return runPagingLinearTranslate({ ...PAGING_LINEAR_TRANSLATE_DEFAULTS, ...options });
}

const HEADER = [
  "",
  "The format of the page table is simple:",
  "The high-order (left-most) bit is the VALID bit.",
  "  If the bit is 1, the rest of the entry is the PFN.",
  "  If the bit is 0, the page is not valid.",
  "Use verbose mode (-v) if you want to print the VPN # by",
  "each entry of the page table.",
  "",
  "Page Table (from entry 0 down to the max size)",
];

function args(seed: number, asize: string, psize: string, pagesize: string, verbose: boolean) {
  return [
    `ARG seed ${seed}`,
    `ARG address space size ${asize}`,
    `ARG phys mem size ${psize}`,
    `ARG page size ${pagesize}`,
    `ARG verbose ${verbose ? "True" : "False"}`,
  ];
}

describe("runPagingLinearTranslate", () => {
  it("draws the table and the addresses, and translates them with -c", () => {
    const result = run({
      solve: true,
      verbose: true,
      asize: "32",
      psize: "128",
      pagesize: "8",
      num: 4n,
      seed: 3n,
    });
    expect(result).toEqual({
      status: 0,
      stderr: "",
      stdout: [
        ...args(3, "32", "128", "8", true),
        "ARG addresses -1",
        "",
        ...HEADER,
        "  [       0]  0x00000000",
        "  [       1]  0x80000005",
        "  [       2]  0x8000000a",
        "  [       3]  0x00000000",
        "",
        "Virtual Address Trace",
        "  VA 0x00000000 (decimal:        0) -->  Invalid (VPN 0 not valid)",
        "  VA 0x0000001a (decimal:       26) -->  Invalid (VPN 3 not valid)",
        "  VA 0x00000008 (decimal:        8) --> 00000028 (decimal       40) [VPN 1]",
        "  VA 0x00000007 (decimal:        7) -->  Invalid (VPN 0 not valid)",
        "",
        "",
      ].join("\n"),
    });
  });

  it("asks the questions, converting listed addresses one at a time like int()", () => {
    const result = run({ addresses: "7,-5,0x1", asize: "32", psize: "128", pagesize: "8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("ValueError: invalid literal for int() with base 10: '0x1'\n");
    expect(result.stdout).toBe(
      [
        ...args(0, "32", "128", "8", false),
        "ARG addresses 7,-5,0x1",
        "",
        ...HEADER,
        "  0x8000000c",
        "  0x00000000",
        "  0x00000000",
        "  0x80000006",
        "",
        "Virtual Address Trace",
        "  VA 0x00000007 (decimal:        7) --> PA or invalid address?",
        "  VA 0x-0000005 (decimal:       -5) --> PA or invalid address?",
        "",
      ].join("\n"),
    );
  });

  it.each([
    [{ asize: "0" }, "Error: must specify a non-zero address-space size."],
    [{ psize: "1" }, "Error: must specify a non-zero physical memory size."],
    [
      { asize: "64k" },
      "Error: physical memory size must be GREATER than address space size (for this simulation)",
    ],
    [
      { asize: "1g", psize: "2g" },
      "Error: must use smaller sizes (less than 1 GB) for this simulation.",
    ],
    [{ asize: "15k" }, "Error in argument: address space must be a multiple of the pagesize"],
    [{ psize: "100000" }, "Error in argument: physical memory must be a multiple of the pagesize"],
    [{ asize: "12k" }, "Error in argument: address space must be a power of 2"],
  ])("refuses %j with the script's message and status 1", (options, message) => {
    const result = run(options);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("");
    expect(result.stdout.endsWith(`ARG addresses -1\n\n${message}\n`)).toBe(true);
  });

  it.each([
    ["-P 0", { pagesize: "0" }, "ZeroDivisionError: float division by zero"],
    ["-P -4k", { pagesize: "-4k" }, "ValueError: math domain error"],
    ["-a ''", { asize: "" }, "IndexError: string index out of range"],
    ["-p m", { psize: "m" }, "ValueError: invalid literal for int() with base 10: ''"],
    ["-u 10**400", { used: 10n ** 400n }, "OverflowError: int too large to convert to float"],
    [
      "-c -A 1,70000",
      { solve: true, addresses: "1,70000" },
      "IndexError: array index out of range",
    ],
  ] as const)("fails like Python with %s", (_flags, options, line) => {
    const result = run(options);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`${line}\n`);
  });

  it("keeps the low 32 bits of an address above the offset, as the script's mask does", () => {
    const result = run({ solve: true, used: 100n, addresses: `${2 ** 32 + 12841}` });
    expect(result.stdout).toContain(
      "  VA 0x100003229 (decimal: 4294980137) --> 00009229 (decimal    37417) [VPN 3]\n",
    );
  });

  it("prints an int seed of more than 4300 digits no better than Python", () => {
    const result = run({ seed: 16n ** 3600n });
    expect(result).toEqual({
      status: 1,
      stdout: "ARG seed ",
      stderr:
        "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit\n",
    });
  });

  it("appends the explanation after the same output", () => {
    const plain = run({ solve: true, seed: 1n });
    const explained = run({ solve: true, seed: 1n, explain: true });
    expect(explained.stdout.startsWith(plain.stdout)).toBe(true);
    const extra = explained.stdout.slice(plain.stdout.length);
    expect(extra).toMatch(/^\nStep by step/);
    expect(extra.match(/^VA /gm)).toHaveLength(5);
    expect(run({ asize: "0", explain: true }).stdout).not.toContain("Step by step");
  });

  it("explains the bits of an address outside the address space", () => {
    const explained = run({ addresses: "4294967295", explain: true });
    expect(explained.stdout).toContain(
      [
        "VA 0xffffffff (decimal 4294967295)",
        "  that takes 32 bits, more than the 14 of the address space",
        "  bits    11111111111111111111 111111111111   (VPN: 20 bits | offset: 12 bits)",
      ].join("\n"),
    );
  });
});

describe("parseOstepSize", () => {
  it.each([
    ["16", 16n],
    ["16k", 16384n],
    ["2K", 2048n],
    ["1m", 1048576n],
    ["3M", 3145728n],
    ["1g", 1073741824n],
    [" 4 k", 4096n],
    ["1_0", 10n],
    ["-4k", -4096n],
  ])("%j is %s bytes", (text, bytes) => {
    expect(parseOstepSize(text)).toBe(bytes);
  });

  it.each(["", "k", "1.5k", "4kb", "0x10"])("refuses %j like Python", (text) => {
    expect(() => parseOstepSize(text)).toThrow(PythonError);
  });
});

describe("Python's int conversions", () => {
  it.each([
    [5n, "x", 8, true, "00000005"],
    [-5n, "x", 8, true, "-0000005"],
    [-5n, "d", 8, false, "      -5"],
    [0x123456789n, "x", 8, true, "123456789"],
    [10n ** 30n, "d", 8, false, "1000000000000000000000000000000"],
  ] as const)("%s as %%%s of width %d (zero %s) is %j", (n, conversion, width, zero, text) => {
    expect(pyFormatInt(n, conversion, width, zero)).toBe(text);
  });

  it("str() refuses more than 4300 digits", () => {
    expect(pyStr(-(10n ** 4299n))).toHaveLength(4301);
    expect(() => pyStr(10n ** 4300n)).toThrow(/Exceeds the limit \(4300 digits\)/);
  });
});
