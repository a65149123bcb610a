/**
 * End-to-end tests of the trace commands: policies, sim, compare, mrc, gen.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { scratchDirectory, vmscope } from "./run_vmscope.js";

const { directory: scratch, file } = scratchDirectory("vmscope-trace-");
const TEXTBOOK = "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1";

describe("vmscope sim", () => {
  it("prints the textbook LRU count and the JSON the issue specifies", () => {
    const run = vmscope("sim", "--refs", TEXTBOOK, "--policy", "lru", "--frames", "3", "--json");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      policy: "lru",
      frames: 3,
      accesses: 20,
      hits: 8,
      misses: 12,
      missRatio: 0.6,
    });
  });

  it("reads a page-number file, gzipped or not, and says which format it detected", () => {
    const text = `${TEXTBOOK.split(",").join("\n")}\n`;
    for (const path of [file("refs.txt", text), file("refs.txt.gz", gzipSync(text))]) {
      const run = vmscope("sim", path, "--policy", "opt", "--frames", "3");
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(
        "opt, 3 frames: 20 accesses, 11 hits, 9 misses (miss ratio 0.4500)\n",
      );
      expect(run.stderr).toContain("detected trace format pages");
    }
  });

  it("converts a lackey trace to pages; an access across a page boundary touches both", () => {
    const lackey = file(
      "prog.lackey",
      "==1== Lackey\nI  00400000,4\n L 00601ffc,8\n S 00601000,4\n M 00700000,4\n",
    );
    const run = vmscope("sim", lackey, "--policy", "lru", "--frames", "8", "--json");
    expect(run.status).toBe(0);
    // I 0x400; L 0x601 and 0x602; S 0x601 (hit); M 0x700 read then write (hit).
    expect(JSON.parse(run.stdout)).toMatchObject({ accesses: 6, misses: 4, hits: 2 });
  });

  it("stops at a malformed line with the file, line number and text", () => {
    const bad = file("bad.txt", "1\n2\nthree\n4\n");
    const run = vmscope("sim", bad, "--policy", "lru", "--frames", "2", "--format", "pages");
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/bad\.txt:3: .*"three"/);
  });

  it("a truncated gzip stream is an error, not a silent end", () => {
    const whole = gzipSync("1\n2\n3\n".repeat(1000));
    const run = vmscope(
      "sim",
      file("cut.gz", whole.subarray(0, whole.length - 10)),
      "--policy",
      "lru",
      "--frames",
      "2",
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("truncated");
  });

  it.each([
    [["--policy", "lur", "--frames", "3"], /unknown policy "lur"/],
    [["--policy", "clock:bits=9", "--frames", "3"], /from 1 to 8/],
    [["--policy", "lru", "--frames", "0"], /--frames must be a positive integer/],
    [["--policy", "lru"], /required option '--frames <n>'/],
  ])("bad arguments %j are exit 2", (args, message) => {
    const run = vmscope("sim", "--refs", "1,2", ...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe("vmscope compare", () => {
  it("prints misses per policy and size, as a table, JSON or CSV, and draws a chart", () => {
    const args = [
      "compare",
      "--refs",
      "1,2,3,4,1,2,5,1,2,3,4,5",
      "--policies",
      "fifo,lru,opt",
      "--frames",
      "3,4",
    ];
    const table = vmscope(...args);
    expect(table.stdout).toBe(
      "misses over 12 references\npolicy  3 frames  4 frames\nfifo           9        10\nlru           10         8\nopt            7         6\n",
    );
    const csv = vmscope(...args, "--csv");
    expect(csv.stdout.split("\n")[1]).toBe("fifo,3,12,3,9,0.75");
    expect(JSON.parse(vmscope(...args, "--json").stdout)).toHaveLength(6);
    const chart = join(scratch, "compare.svg");
    expect(vmscope(...args, "--chart", chart).status).toBe(0);
    expect(readFileSync(chart, "utf8")).toContain("<svg");
  });
});

describe("vmscope mrc", () => {
  const trace = file("mrc.txt", `${"1\n2\n3\n4\n1\n2\n5\n1\n2\n3\n4\n5\n".repeat(3)}`);

  it("gives LRU's exact curve in one pass, equal to simulating each size", () => {
    const curve = JSON.parse(vmscope("mrc", trace, "--json").stdout);
    expect(curve).toMatchObject({ policy: "lru", method: "exact", references: 36, distinct: 5 });
    for (const point of curve.curve) {
      const sim = JSON.parse(
        vmscope("sim", trace, "--policy", "lru", "--frames", String(point.size), "--json").stdout,
      );
      expect(point.misses).toBe(sim.misses);
    }
  });

  it("runs other policies size by size on worker threads (FIFO's anomaly shows)", () => {
    const curve = JSON.parse(
      vmscope("mrc", trace, "--policy", "fifo", "--sizes", "3,4", "--json").stdout,
    );
    expect(curve.method).toBe("simulation");
    expect(curve.curve.map((point: { misses: number }) => point.misses)).toEqual([27, 30]);
  });
});

describe("vmscope gen and policies", () => {
  it("writes the same trace for the same seed, and a different one for another", () => {
    const first = vmscope(
      "gen",
      "--pattern",
      "zipf",
      "--pages",
      "100",
      "--count",
      "50",
      "--seed",
      "7",
    );
    expect(first.status).toBe(0);
    expect(first.stdout.trim().split("\n")).toHaveLength(50);
    expect(
      vmscope("gen", "--pattern", "zipf", "--pages", "100", "--count", "50", "--seed", "7").stdout,
    ).toBe(first.stdout);
    expect(
      vmscope("gen", "--pattern", "zipf", "--pages", "100", "--count", "50", "--seed", "8").stdout,
    ).not.toBe(first.stdout);
    expect(vmscope("gen", "--pattern", "loop", "--pages", "3", "--count", "7").stdout).toBe(
      "0\n1\n2\n0\n1\n2\n0\n",
    );
  });

  it("rejects a bad pattern with exit 2", () => {
    const run = vmscope("gen", "--pattern", "zigzag", "--pages", "3", "--count", "7");
    expect(run.status).toBe(2);
  });

  it("lists every policy with its parameters", () => {
    const run = vmscope("policies");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("clock — ");
    expect(run.stdout).toContain("bits=1");
    expect(JSON.parse(vmscope("policies", "--json").stdout)).toHaveLength(16);
  });
});
