/**
 * End-to-end tests of `vmscope ostep paging-linear-translate` and `paging-multilevel-translate`
 * against OSTEP's paging-linear-translate.py and paging-multilevel-translate.py.
 *
 * fixtures/ostep/SCRIPT/cases.json lists flag combinations; NAME.out next to it is what
 * `python3 SCRIPT.py FLAGS` (CPython 3.11) printed on stdout for each, with its exit status and
 * the last line of its stderr. The scripts themselves are not part of this repository.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/vmscope.js", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/ostep/", import.meta.url));

interface Case {
  name: string;
  args: string[];
  status: number;
  stderr: string;
}

function ostep(script: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, "ostep", script, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const SCRIPTS = ["paging-linear-translate", "paging-multilevel-translate"] as const;

describe.each(SCRIPTS)("vmscope ostep %s prints what the script prints", (script) => {
  const dir = `${FIXTURES}${script}/`;
  const cases = JSON.parse(readFileSync(`${dir}cases.json`, "utf8")) as Case[];

  it("has fixtures with and without -c, failures and optparse errors", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const withC = cases.filter(({ args }) => args.some((arg) => /^-[a-z]*c/.test(arg)));
    expect(withC.length).toBeGreaterThanOrEqual(10);
    expect(cases.length - withC.length).toBeGreaterThanOrEqual(10);
    for (const status of [0, 1, 2]) {
      expect(cases.some((c) => c.status === status)).toBe(true);
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const run = ostep(script, ...c.args);
    expect(run.stdout).toBe(readFileSync(`${dir}${c.name}.out`, "utf8"));
    expect(run.status).toBe(c.status);
    if (c.status === 2) {
      // optparse's error, after our usage line instead of the script's.
      expect(run.stderr).toBe(
        `Usage: vmscope ostep ${script} [options]\n\n${c.stderr.replace(`${script}.py: error: `, "vmscope: ")}\n`,
      );
    } else if (c.stderr === "") {
      expect(run.stderr).toBe("");
    } else {
      expect(run.stderr.trimEnd().split("\n").at(-1)).toBe(c.stderr);
    }
  });

  it("-h prints the options in optparse's layout", () => {
    const run = ostep(script, "-c", "-h", "-s", "x");
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(
      new RegExp(`^Usage: vmscope ostep ${script} \\[options\\]\\n\\nOptions:\\n`),
    );
    expect(run.stdout).toContain("\n  -s SEED, --seed=SEED  ");
    expect(run.stdout).toContain("\n  --explain             ");
  });

  it("--explain only adds text after the script's output", () => {
    const plain = ostep(script, "-c", "-s", "3");
    const explained = ostep(script, "-c", "-s", "3", "--explain");
    expect(explained.status).toBe(0);
    expect(explained.stdout.startsWith(plain.stdout)).toBe(true);
    expect(explained.stdout.slice(plain.stdout.length)).toMatch(/^\nStep by step \(vmscope/);
  });

  it("--explain must be typed in full; its prefixes keep the script's meaning", () => {
    const run = ostep(script, "--ex");
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `Usage: vmscope ostep ${script} [options]\n\nvmscope: no such option: --ex\n`,
    );
  });
});

describe("--explain", () => {
  it("walks a linear-table translation, a fault and an address past the table", () => {
    const run = ostep(
      "paging-linear-translate",
      "-A",
      "12841,4969,70000",
      "--explain",
      "-P",
      "4k",
      "-a",
      "16k",
    );
    expect(run.status).toBe(0);
    const explanation = run.stdout.slice(run.stdout.indexOf("\nStep by step"));
    expect(explanation).toContain(
      [
        "VA 0x3229 (decimal 12841)",
        "  bits    11 001000101001   (VPN: 2 bits | offset: 12 bits)",
        "  VPN     0b11 = 3",
        "  offset  0b001000101001 = 0x229 = 553",
        "  PTE     entry 3 = 0x80000006: valid bit 1, PFN 0x6 (6)",
        "  PA      0x6 << 12 | 0x229 = 0x6229 (decimal 25129)",
      ].join("\n"),
    );
    expect(explanation).toContain("  PTE     entry 1 = 0x00000000: valid bit 0\n  fault   ");
    expect(explanation).toContain("  fault   VPN 17 is past the end of the 4-entry page table");
  });

  it("walks the page directory, then the page table, then memory", () => {
    const run = ostep("paging-multilevel-translate", "-n", "1", "--explain");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      [
        "VA 0x611c (decimal 24860)",
        "  bits    11000 01000 11100   (PDI | PTI | offset)",
        "  PDI 24, PTI 8, offset 28 (0x1c)",
        "  PDE     page 108 byte 24 (address 0xd98) = 0xa1 = 0b1_0100001: valid bit 1, PFN 0x21 (33)",
        "  PTE     page 33 byte 8 (address 0x428) = 0xb5 = 0b1_0110101: valid bit 1, PFN 0x35 (53)",
        "  PA      page 53 byte 28 = 53 * 32 + 28 = 0x6bc (decimal 1724)",
        "  value   0x08",
      ].join("\n"),
    );
  });
});
