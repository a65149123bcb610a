/**
 * End-to-end tests of `vmscope ostep paging-policy` against OSTEP's paging-policy.py.
 *
 * fixtures/ostep/paging-policy/cases.json lists flag combinations; NAME.out next to it is what
 * `python3 paging-policy.py FLAGS` (CPython 3.11) printed on stdout for each, run from that
 * directory (so the -f paths are relative), with its exit status and the last line of its
 * stderr. The script itself is not part of this repository.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/vmscope.js", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/ostep/paging-policy/", import.meta.url));

interface Case {
  name: string;
  args: string[];
  status: number;
  stderr: string;
}

const CASES = JSON.parse(readFileSync(`${FIXTURES}cases.json`, "utf8")) as Case[];

function pagingPolicy(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, "ostep", "paging-policy", ...args], {
    encoding: "utf8",
    cwd: FIXTURES,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("vmscope ostep paging-policy prints what paging-policy.py prints", () => {
  it("has fixtures covering every policy", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    const policies = new Set(
      CASES.flatMap(({ args }) => args.filter((_, i) => args[i - 1] === "-p")),
    );
    for (const policy of ["FIFO", "LRU", "MRU", "OPT", "UNOPT", "RAND", "CLOCK"]) {
      expect(policies).toContain(policy);
    }
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const run = pagingPolicy(...c.args);
    const expected = readFileSync(`${FIXTURES}${c.name}.out`, "utf8");
    expect(run.stdout).toBe(expected);
    expect(run.status).toBe(c.status);
    if (c.stderr === "") {
      expect(run.stderr).toBe("");
    } else {
      expect(run.stderr.trimEnd().split("\n").at(-1)).toBe(c.stderr);
    }
  });
});

describe("vmscope ostep paging-policy parses its flags like optparse", () => {
  it.each([
    [["-b", "x"], "option -b: invalid integer value: 'x'"],
    [["--clockbits=08"], "option --clockbits: invalid integer value: '08'"],
    [["--address", "3"], "ambiguous option: --address (--addresses, --addressfile?)"],
    [["--notrace=1"], "--notrace option does not take a value"],
    [["-Nq"], "no such option: -q"],
    [["--frob"], "no such option: --frob"],
    [["-c", "-s"], "-s option requires 1 argument"],
  ])("%j is refused: %s", (args, message) => {
    const run = pagingPolicy(...args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `Usage: vmscope ostep paging-policy [options]\n\nvmscope: ${message}\n`,
    );
  });

  it("-h prints the options in optparse's layout", () => {
    const run = pagingPolicy("-c", "-h", "-b", "x");
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^Usage: vmscope ostep paging-policy \[options\]\n\nOptions:\n/);
    expect(run.stdout).toContain("\n  -s SEED, --seed=SEED  ");
    expect(run.stdout).toContain("\n  -c, --compute         ");
  });

  it("a missing address file fails like Python's open()", () => {
    const run = pagingPolicy("-c", "-f", "no-such-file.txt");
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^ARG addresses -1\nARG addressfile no-such-file.txt\n/);
    expect(run.stderr).toBe(
      "FileNotFoundError: [Errno 2] No such file or directory: 'no-such-file.txt'\n",
    );
  });

  it("is listed by `vmscope ostep --help`", () => {
    const run = spawnSync(process.execPath, [BIN, "ostep", "--help"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("paging-policy");
  });
});
