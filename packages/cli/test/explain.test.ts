/** `vmscope explain` and the cache views, end to end through the built CLI. */
import { describe, expect, it } from "vitest";
import { scratchDirectory, vmscope } from "./run_vmscope.js";

const scratch = scratchDirectory("vmscope-explain-");

/** The teaching machine, one page written then read twice, and the views of the caches. */
const SCENARIO = `machine cpu=teaching
spawn app
app: m = mmap 16K
app: write m
app: read m+8
app: read m+4096
report "end"
expect cache.l1d_hits >= 1
expect app.amat_cycles > 4
show walk app m
show caches
`;

describe("vmscope explain", () => {
  const file = scratch.file("teaching.vms", SCENARIO);

  it("tells the first access's journey hop by hop, with each cost and the total", () => {
    const run = vmscope("explain", file, "--access", "1");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`access 1 of 3 in ${file} (cpu teaching)`);
    expect(lines[1]).toMatch(/^app \(pid 1000\) writes 8 bytes at 0x[0-9a-f]+\. The MMU must/);
    expect(lines[2]).toMatch(/^ {3}1\. L1 TLB +miss +0 cycles {2}The L1 data TLB has no entry/);
    expect(lines[3]).toMatch(/^ {3}2\. STLB +miss +8 cycles {2}The STLB misses too/);
    expect(run.stdout).toMatch(
      /\. page fault +new anonymous page +2950 cycles {2}Page fault: handle_mm_fault/,
    );
    expect(run.stdout).toMatch(
      /\. DRAM +hit +160 cycles {2}No cache holds the line at physical 0x/,
    );
    const costs = lines
      .slice(2, -1)
      .map((line) => Number(/ (\d+) cycles? {2}/.exec(line)?.[1] ?? Number.NaN));
    const total = costs.reduce((sum, cost) => sum + cost, 0);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^total: ${total} cycles \\(\\d+\\.\\d\\d µs at 1 GHz\\); physical address 0x[0-9a-f]+$`,
      ),
    );
  });

  it("a second access to the line: an L1 TLB hit and an L1d hit, 4 cycles", () => {
    const run = vmscope("explain", file, "--access", "2");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("1. L1 TLB  hit");
    expect(run.stdout).toMatch(
      /3\. L1d +hit +4 cycles {2}The L1 data cache \(set \d\) holds the line/,
    );
    expect(run.stdout).toMatch(
      /^total: 4 cycles \(4 ns at 1 GHz\); physical address 0x[0-9a-f]+008$/m,
    );
  });

  it("--json gives the same journey as one object", () => {
    const json = JSON.parse(vmscope("explain", file, "--access", "2", "--json").stdout);
    expect(json).toMatchObject({ access: 2, accesses: 3, process: "app", kind: "READ", cycles: 4 });
    expect(json.hops.map((hop: { hop: string }) => hop.hop)).toEqual(["L1 TLB", "memory", "L1d"]);
  });

  it.each([
    ["4", /--access 4 is out of range: .*teaching\.vms makes 3 accesses \(numbered from 1\)/],
    ["0", /--access must be a whole number from 1, not "0"/],
    ["two", /--access must be a whole number from 1, not "two"/],
  ])("--access %s is an input error (exit 2)", (n, message) => {
    const run = vmscope("explain", file, "--access", n);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  it("explains a built-in scenario by name", () => {
    const run = vmscope("explain", "heap-write", "--access", "1");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^access 1 of \d+ in heap-write\.vms \(cpu skylake\)/);
  });
});

describe("vmscope run with the cache views", () => {
  it("prints show walk, show caches, the caches line of reports and cache expects", () => {
    const run = vmscope("run", scratch.file("views.vms", SCENARIO));
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^caches: l1d_hits \d+, l1d_misses \d+, l2_hits \d+, l2_misses \d+, l3_hits \d+, l3_misses \d+, dram_reads \d+, pde_hits 2$/m,
    );
    expect(run.stdout).toMatch(/^-- walk of app 0x[0-9a-f]+ through the caches \(line 10\) --$/m);
    expect(run.stdout).toMatch(/^PGD +255 .* PDE cache +0$/m);
    expect(run.stdout).toMatch(/^PTE +\d+ +0x[0-9a-f]+ +[0-9a-f]{16} {2}P RW US A D NX +L1d +4$/m);
    expect(run.stdout).toContain(
      "-- caches (line 11) --\ncpu teaching: 64-byte lines, replacement lru, clock 1 GHz\n",
    );
    expect(run.stdout).toMatch(
      /^L3: 8 KiB, 16 sets x 8 ways, latency 40 cycles, \d+ lines valid$/m,
    );
    expect(run.stdout).toContain("2 expects: 2 held, 0 failed");
  });

  it("--json reports carry the cache counters and the time", () => {
    const json = JSON.parse(vmscope("run", scratch.file("json.vms", SCENARIO), "--json").stdout);
    const report = json.reports[0];
    expect(Object.keys(report.caches)).toContain("l3_writebacks");
    expect(report.processes.app.time_ns).toBe(report.processes.app.cycles); // 1 GHz
  });

  it("a bad cache option is an input error at its column", () => {
    const run = vmscope(
      "run",
      scratch.file("bad.vms", "machine cpu=teaching l2=3000:4\nspawn app\n"),
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/bad\.vms:1:22: l2: size 3000 is not a whole number of sets/);
  });
});
