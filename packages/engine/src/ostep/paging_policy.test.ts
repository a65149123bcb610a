import { describe, expect, it } from "vitest";
import {
  PAGING_POLICY_DEFAULTS,
  type PagingPolicyOptions,
  PythonError,
  pyFormatFixed,
  pyInt,
  pyRepr,
  pyTextLines,
  runPagingPolicy,
} from "./paging_policy.js";

// Expected texts below are what OSTEP's paging-policy.py printed under CPython 3.11.

function run(options: Partial<PagingPolicyOptions>, files: Record<string, string> = {}) {
  return runPagingPolicy(
    { ...PAGING_POLICY_DEFAULTS, ...options },
    {
      readFile(path) {
        const text = files[path];
        if (text === undefined) {
          throw new PythonError("FileNotFoundError", `[Errno 2] No such file: ${pyRepr(path)}`);
        }
        return text;
      },
    },
  );
}

/** The trace lines ("Access: ..."), without the ARG header and the final stats. */
function trace(options: Partial<PagingPolicyOptions>): string[] {
  return run({ compute: true, ...options })
    .stdout.split("\n")
    .filter((line) => line.startsWith("Access: "));
}

describe("runPagingPolicy", () => {
  it("prints the questions for the default options and -n 3", () => {
    const result = run({ numaddrs: "3" });
    expect(result).toEqual({
      status: 0,
      stderr: "",
      stdout: [
        "ARG addresses -1",
        "ARG addressfile ",
        "ARG numaddrs 3",
        "ARG policy FIFO",
        "ARG clockbits 2",
        "ARG cachesize 3",
        "ARG maxpage 10",
        "ARG seed 0",
        "ARG notrace False",
        "",
        "Assuming a replacement policy of FIFO, and a cache of size 3 pages,",
        "figure out whether each of the following page references hit or miss",
        "in the page cache.",
        "",
        "Access: 8  Hit/Miss?  State of Memory?",
        "Access: 7  Hit/Miss?  State of Memory?",
        "Access: 4  Hit/Miss?  State of Memory?",
        "",
        "",
      ].join("\n"),
    });
  });

  it("OPT evicts the right-most page of those tied on next use", () => {
    expect(trace({ policy: "OPT", addresses: "1,2,3,4,5", cachesize: "2" }).slice(2, 4)).toEqual([
      "Access: 3  MISS Left  ->       [1, 3] <- Right Replaced:2 [Hits:0 Misses:3]",
      "Access: 4  MISS Left  ->       [1, 4] <- Right Replaced:3 [Hits:0 Misses:4]",
    ]);
  });

  it("UNOPT evicts the left-most page of those tied", () => {
    expect(trace({ policy: "UNOPT", addresses: "1,2,3,4,5", cachesize: "2" }).slice(2, 4)).toEqual([
      "Access: 3  MISS Left  ->       [2, 3] <- Right Replaced:1 [Hits:0 Misses:3]",
      "Access: 4  MISS Left  ->       [3, 4] <- Right Replaced:2 [Hits:0 Misses:4]",
    ]);
  });

  it("OPT and UNOPT on a classic reference string, with final stats", () => {
    const opt = run({ compute: true, policy: "OPT", addresses: "0,1,2,0,1,3,0,3,1,2,1" });
    expect(opt.stdout).toContain(
      "Access: 2  MISS Left  ->    [0, 1, 2] <- Right Replaced:3 [Hits:5 Misses:5]\n",
    );
    expect(opt.stdout.endsWith("\nFINALSTATS hits 6   misses 5   hitrate 54.55\n\n")).toBe(true);
    const unopt = run({ compute: true, policy: "UNOPT", addresses: "0,1,2,0,1,3,0,3,1,2,1" });
    expect(unopt.stdout).toContain(
      "Access: 1  MISS Left  ->    [3, 2, 1] <- Right Replaced:0 [Hits:2 Misses:9]\n",
    );
    expect(unopt.stdout).toContain("FINALSTATS hits 2   misses 9   hitrate 18.18\n");
  });

  it("MRU moves hits to the right and evicts the right-most page", () => {
    expect(trace({ policy: "MRU", addresses: "1,2,3,2,1,4" }).slice(3)).toEqual([
      "Access: 2  HIT  LRU ->    [1, 3, 2] <- MRU Replaced:- [Hits:1 Misses:3]",
      "Access: 1  HIT  LRU ->    [3, 2, 1] <- MRU Replaced:- [Hits:2 Misses:3]",
      "Access: 4  MISS LRU ->    [3, 2, 4] <- MRU Replaced:1 [Hits:2 Misses:4]",
    ]);
  });

  it("CLOCK and RAND draw from CPython's generator", () => {
    const options = { seed: "6", numaddrs: "8", maxpage: "6", cachesize: "2" };
    expect(trace({ ...options, policy: "CLOCK" }).slice(3, 6)).toEqual([
      "Access: 1  MISS Left  ->       [4, 1] <- Right Replaced:2 [Hits:1 Misses:3]",
      "Access: 0  MISS Left  ->       [1, 0] <- Right Replaced:4 [Hits:1 Misses:4]",
      "Access: 3  MISS Left  ->       [1, 3] <- Right Replaced:0 [Hits:1 Misses:5]",
    ]);
    expect(trace({ ...options, seed: "5", policy: "RAND" }).slice(3, 6)).toEqual([
      "Access: 5  MISS Left  ->       [3, 5] <- Right Replaced:4 [Hits:1 Misses:3]",
      "Access: 4  MISS Left  ->       [3, 4] <- Right Replaced:5 [Hits:1 Misses:4]",
      "Access: 5  MISS Left  ->       [3, 5] <- Right Replaced:4 [Hits:1 Misses:5]",
    ]);
  });

  it("shows a victim numbered -1 as '-'", () => {
    expect(trace({ addresses: "5,-1,3,-1,7,8", cachesize: "2" }).slice(4)).toEqual([
      "Access: 7  MISS FirstIn ->       [3, 7] <- Lastin  Replaced:- [Hits:1 Misses:4]",
      "Access: 8  MISS FirstIn ->       [7, 8] <- Lastin  Replaced:3 [Hits:1 Misses:5]",
    ]);
  });

  it("-N leaves out the trace", () => {
    const result = run({ compute: true, notrace: true, policy: "OPT", addresses: "1,2,3,4,5" });
    expect(result.stdout).toMatch(
      /ARG notrace True\n\n\nFINALSTATS hits 0 {3}misses 5 {3}hitrate 0\.00\n\n$/,
    );
  });

  it("reads an address file with universal newlines", () => {
    const result = run(
      { compute: true, addressfile: "a.txt", policy: "LRU" },
      { "a.txt": "1\r\n2\r 1\n3" },
    );
    expect(result.stdout).toContain("ARG addressfile a.txt\n");
    expect(result.stdout).toContain("FINALSTATS hits 1   misses 3   hitrate 25.00\n");
    expect(run({ compute: true, addressfile: "b.txt" }).stderr).toBe(
      "FileNotFoundError: [Errno 2] No such file: 'b.txt'\n",
    );
  });

  it("fails like the script: unknown policy, empty cache, no addresses, bad numbers", () => {
    const unknown = run({ compute: true, policy: "LFU" });
    expect(unknown.status).toBe(1);
    expect(unknown.stdout.endsWith("Solving...\n\nPolicy LFU is not yet implemented\n")).toBe(true);
    expect(run({ policy: "LFU" }).status).toBe(0);

    const empty = run({ compute: true, cachesize: "0", policy: "CLOCK" });
    expect(empty).toMatchObject({ status: 1, stderr: "IndexError: list index out of range\n" });
    expect(empty.stdout.endsWith("Solving...\n\n")).toBe(true);
    expect(run({ compute: true, cachesize: "0" }).stderr).toBe("IndexError: pop from empty list\n");

    const none = run({ compute: true, numaddrs: "0" });
    expect(none.stdout.endsWith("Solving...\n\n\n")).toBe(true);
    expect(none.stderr).toBe("ZeroDivisionError: float division by zero\n");

    const bad = run({ compute: true, policy: "OPT", addresses: "1,2,3,4,x" });
    // OPT looks ahead at access 4 and meets "x" before printing that access.
    expect(bad.stdout.endsWith("Right Replaced:- [Hits:0 Misses:3]\n")).toBe(true);
    expect(bad.stderr).toBe("ValueError: invalid literal for int() with base 10: 'x'\n");

    const seed = run({ seed: "1.5" });
    expect(seed.stdout.endsWith("ARG notrace False\n\n")).toBe(true);
    expect(seed.stderr).toBe("ValueError: invalid literal for int() with base 10: '1.5'\n");

    expect(run({ compute: true, maxpage: `1${"0".repeat(400)}` }).stderr).toBe(
      "OverflowError: int too large to convert to float\n",
    );
  });
});

describe("Python helpers", () => {
  it("pyInt parses like int()", () => {
    expect(pyInt(" 1_0 ")).toBe(10n);
    expect(pyInt("-007")).toBe(-7n);
    expect(pyInt("\u0663\u0664")).toBe(34n);
    expect(pyInt("\uff11\uff12")).toBe(12n);
    expect(pyInt("\u00a0 5\u2003")).toBe(5n);
    expect(pyInt("0x_1f", 16)).toBe(31n);
    expect(pyInt("0o17", 8)).toBe(15n);
    expect(pyInt("0_7", 8)).toBe(7n);
    expect(pyInt("-1", 2)).toBe(-1n);
    expect(pyInt("99999999999999999999")).toBe(99999999999999999999n);
    for (const bad of ["", "1__0", "_1", "1_", "+-1", "0x10", "\ufeff5", "\x1c5", "5\x00", "1e3"]) {
      expect(() => pyInt(bad)).toThrow(PythonError);
    }
    expect(() => pyInt("0b0b1", 2)).toThrow("invalid literal for int() with base 2: '0b0b1'");
    expect(() => pyInt("1".repeat(4301))).toThrow(
      "Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits",
    );
  });

  it("pyRepr quotes like repr()", () => {
    expect(pyRepr("a'b")).toBe(`"a'b"`);
    expect(pyRepr(`a"b'`)).toBe(`'a"b\\''`);
    expect(pyRepr("\x00\t\u0085\u00e9\u200b\n")).toBe("'\\x00\\t\\x85\u00e9\\u200b\\n'");
  });

  it("pyFormatFixed rounds the exact binary value half to even", () => {
    expect(pyFormatFixed(0.125, 2)).toBe("0.12");
    expect(pyFormatFixed(12.125, 2)).toBe("12.12");
    expect(pyFormatFixed(0.375, 2)).toBe("0.38");
    expect(pyFormatFixed(2.675, 2)).toBe("2.67");
    expect(pyFormatFixed(1.0005, 3)).toBe("1.000");
    expect(pyFormatFixed(1e22, 2)).toBe("10000000000000000000000.00");
    expect(pyFormatFixed(0.5, 0)).toBe("0");
    expect(pyFormatFixed(1.5, 0)).toBe("2");
    expect(pyFormatFixed(5e-324, 1)).toBe("0.0");
    expect(pyFormatFixed(-2.5, 1)).toBe("-2.5");
  });

  it("pyTextLines splits like iterating a file in text mode", () => {
    expect(pyTextLines("1\r\n2\r3\n\n4")).toEqual(["1\n", "2\n", "3\n", "\n", "4"]);
    expect(pyTextLines("")).toEqual([]);
  });
});
