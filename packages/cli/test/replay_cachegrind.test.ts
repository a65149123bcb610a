/**
 * `vmscope replay TRACE --cache-model cachegrind` against valgrind's own cachegrind. The fixture
 * (tools/cachegrind-check/make-fixture.sh) is the lackey trace of tools/cachegrind-check/tiny.c
 * and what `valgrind --tool=cachegrind --cache-sim=yes` 3.19 printed for that program with two
 * geometries; vmscope must print the same summary, digit for digit.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readHostCaches } from "../src/commands/replay_cachegrind.js";
import { scratchDirectory, vmscope } from "./run_vmscope.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/cachegrind/", import.meta.url));
const TRACE = join(FIXTURES, "tiny.lackey");
const BIN = fileURLToPath(new URL("../bin/vmscope.js", import.meta.url));

const GEOMETRY_A = ["--I1=1024,2,64", "--D1=4096,4,64", "--LL=16384,4,64"];
const GEOMETRY_B = ["--I1=1024,2,64", "--D1=2048,2,32", "--LL=8192,4,128"];

/** Cachegrind's summary lines from a fixture (its first line, a comment, names the command). */
function cachegrindSummary(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8")
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .join("\n")
    .trimEnd();
}

/** vmscope's output from the summary's first line on. */
function summaryOf(stdout: string): string {
  return stdout.slice(stdout.indexOf("I   refs:")).trimEnd();
}

function replay(...args: string[]) {
  return vmscope("replay", TRACE, "--cache-model", "cachegrind", ...args);
}

describe("vmscope replay --cache-model cachegrind", () => {
  it("prints cachegrind's summary for the same program, digit for digit (geometry a)", () => {
    const run = replay(...GEOMETRY_A);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(summaryOf(run.stdout)).toBe(cachegrindSummary("tiny.a.cachegrind.txt"));
  });

  it("prints cachegrind's summary with 32-byte D1 lines and 128-byte LL lines (geometry b)", () => {
    const run = replay(...GEOMETRY_B);
    expect(run.status).toBe(0);
    expect(summaryOf(run.stdout)).toBe(cachegrindSummary("tiny.b.cachegrind.txt"));
  });

  it("says which geometry it used and how it counted modifies", () => {
    const run = replay(...GEOMETRY_A);
    expect(run.stdout.split("\n").slice(0, 6)).toEqual([
      "Cachegrind cache model, lackey trace tiny.lackey: 2,982 records",
      "Cache configuration used:",
      "  I1: 1,024 B, 2-way, 64 B lines  (--I1)",
      "  D1: 4,096 B, 4-way, 64 B lines  (--D1)",
      "  LL: 16,384 B, 4-way, 64 B lines  (--LL)",
      "Modifies (M): 246, each counted as one data read, as cachegrind does",
    ]);
  });

  it("gives cachegrind's raw counts with --json", () => {
    const run = replay(...GEOMETRY_A, "--json");
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    // cachegrind.out's `summary:` line for the same run.
    expect(result).toMatchObject({
      cacheModel: "cachegrind",
      records: 2982,
      Ir: 2352,
      I1mr: 2,
      ILmr: 2,
      Dr: 438,
      D1mr: 412,
      DLmr: 136,
      Dw: 192,
      D1mw: 183,
      DLmw: 44,
      modifies: 246,
      clippedAccesses: 0,
    });
    expect(result.geometry.D1).toEqual({ size: 4096, assoc: 4, lineSize: 64, source: "option" });
  });

  it("reads a gzipped trace, from a file and from stdin", () => {
    const { file } = scratchDirectory("vmscope-cachegrind-");
    const gzipped = gzipSync(readFileSync(TRACE));
    const fromFile = vmscope(
      "replay",
      file("tiny.lackey.gz", gzipped),
      "--cache-model",
      "cachegrind",
      ...GEOMETRY_B,
    );
    expect(fromFile.status).toBe(0);
    expect(summaryOf(fromFile.stdout)).toBe(cachegrindSummary("tiny.b.cachegrind.txt"));
    const fromStdin = spawnSync(
      process.execPath,
      [BIN, "replay", "-", "--cache-model", "cachegrind", ...GEOMETRY_B],
      { input: gzipped, encoding: "utf8" },
    );
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout).toContain("lackey trace stdin: 2,982 records");
    expect(summaryOf(fromStdin.stdout)).toBe(cachegrindSummary("tiny.b.cachegrind.txt"));
  });

  it("picks the missing caches as cachegrind would here, and says where they came from", () => {
    const run = replay("--I1=1024,2,64");
    expect(run.status).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[2]).toBe("  I1: 1,024 B, 2-way, 64 B lines  (--I1)");
    expect(lines[3]).toMatch(
      /^ {2}D1: [\d,]+ B, \d+-way, \d+ B lines {2}\((this host|cachegrind's x86 default)/,
    );
    expect(lines[4]).toMatch(
      /^ {2}LL: [\d,]+ B, \d+-way, \d+ B lines {2}\((this host|cachegrind's x86 default)/,
    );
  });

  it("refuses a geometry cachegrind refuses, with its message and exit status 2", () => {
    const notPowerOfTwo = replay("--LL=100000,8,64");
    expect(notPowerOfTwo.status).toBe(2);
    expect(notPowerOfTwo.stderr).toBe(
      "vmscope: --LL '100000,8,64': Cache set count is not a power of two.\n",
    );
    expect(notPowerOfTwo.stdout).toBe("");
    const tooSmall = replay("--D1=32768,8,8");
    expect(tooSmall.status).toBe(2);
    expect(tooSmall.stderr).toBe("vmscope: --D1 '32768,8,8': Cache line size is too small.\n");
    const unreadable = replay("--I1=32K,8,64");
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toMatch(/--I1 '32K,8,64': expected SIZE,ASSOC,LINE_SIZE/);
  });

  it("refuses a file with no lackey records, and a missing file", () => {
    const { file } = scratchDirectory("vmscope-cachegrind-");
    const pages = vmscope("replay", file("refs.txt", "1\n2\n3\n"), "--cache-model", "cachegrind");
    expect(pages.status).toBe(2);
    expect(pages.stderr).toMatch(/refs\.txt: no lackey records/);
    const missing = vmscope("replay", "/nonexistent/trace", "--cache-model", "cachegrind");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe("vmscope: /nonexistent/trace: no such file\n");
  });
});

describe("readHostCaches", () => {
  it("reads Linux's cpu0/cache/index* entries and leaves out incomplete ones", async () => {
    const { directory, file } = scratchDirectory("vmscope-sysfs-");
    const entry = (index: number, values: Record<string, string>) => {
      mkdirSync(join(directory, `index${index}`));
      for (const [name, value] of Object.entries(values)) {
        file(join(`index${index}`, name), `${value}\n`);
      }
    };
    const cache = (level: string, type: string, size: string, ways: string) => ({
      level,
      type,
      size,
      ways_of_associativity: ways,
      coherency_line_size: "64",
    });
    entry(0, cache("1", "Data", "48K", "12"));
    entry(1, cache("1", "Instruction", "64K", "16"));
    entry(2, cache("2", "Unified", "2048K", "16"));
    entry(3, cache("3", "Unified", "491520K", "16"));
    entry(4, { level: "4", type: "Unified" }); // no size: left out
    expect(await readHostCaches(directory)).toEqual([
      { level: 1, type: "Data", size: 49152, assoc: 12, lineSize: 64 },
      { level: 1, type: "Instruction", size: 65536, assoc: 16, lineSize: 64 },
      { level: 2, type: "Unified", size: 2097152, assoc: 16, lineSize: 64 },
      { level: 3, type: "Unified", size: 503316480, assoc: 16, lineSize: 64 },
    ]);
    expect(await readHostCaches(join(directory, "missing"))).toEqual([]);
  });
});
