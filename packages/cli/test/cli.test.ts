/**
 * End-to-end tests of the built `vmscope` command (npm test builds it first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scratchDirectory, vmscope } from "./run_vmscope.js";

const { directory: scratch, file: scenarioFile } = scratchDirectory("vmscope-cli-");

describe("vmscope run", () => {
  it.each(["lazy-alloc", "heap-write", "zero-page-cow", "fork-cow", "segfault", "stack-growth"])(
    "built-in %s holds all its expects",
    (name) => {
      const run = vmscope("run", name);
      expect(run.stderr).toBe("");
      expect(run.stdout).not.toContain("FAILED");
      expect(run.status).toBe(0);
    },
  );

  it("prints reports, expects and Linux views as text", () => {
    const run = vmscope("run", "lazy-alloc");
    expect(run.stdout).toContain('== report "after memset"');
    expect(run.stdout).toMatch(/ok +expect app\.minflt == 256 since "after malloc" \(actual 256/);
    expect(run.stdout).toMatch(
      /^555555554000-555555555000 r--p 00000000 08:01 \d+ +\/usr\/bin\/app$/m,
    );
    expect(run.stdout).toContain("[stack]");
  });

  it("--json prints one object with reports, expects and signals", () => {
    const run = vmscope("run", "segfault", "--json");
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.reports[0].label).toBe("protected");
    expect(json.reports[0].processes.writer).toMatchObject({ pid: 1000, majflt: 0 });
    expect(typeof json.reports[0].vmstat.pgfault).toBe("number");
    expect(json.expects).toEqual([expect.objectContaining({ line: 9, ok: true, actual: 0 })]);
    expect(json.signals).toEqual([
      expect.objectContaining({ process: "writer", signal: "SIGSEGV", code: "SEGV_ACCERR" }),
      expect.objectContaining({
        process: "reader",
        signal: "SIGSEGV",
        code: "SEGV_MAPERR",
        addr: "0x1000",
      }),
    ]);
  });

  it("--events writes every access's journey as JSON Lines", () => {
    const events = join(scratch, "events.jsonl");
    const run = vmscope("run", "heap-write", "--events", events);
    expect(run.status).toBe(0);
    const lines = readFileSync(events, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    // malloc's header stores, then *a = 10: the first store faults, the last one hits the L1 TLB
    // and the L1d (malloc has just written the chunk's header in the same line).
    expect(lines[0]).toMatchObject({ pid: 1000, kind: "WRITE" });
    expect(lines[0].hops.map((hop: { hop: string }) => hop.hop)).toContain("page fault");
    expect(lines.at(-1).hops).toEqual([
      { hop: "L1 TLB", outcome: "hit", cycles: 0 },
      { hop: "memory", outcome: "hit", cycles: 0 },
      { hop: "L1d", outcome: "hit", cycles: 4 },
    ]);
  });

  it("exits 1 when an expect fails", () => {
    const file = scenarioFile(
      "fail.vms",
      "spawn app\napp: m = mmap 8K\napp: touch m 8K\nexpect app.minflt == 3\n",
    );
    const run = vmscope("run", file);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("FAILED expect app.minflt == 3 (actual 2, line 4)");
  });

  it("a signal kills one process; the others go on", () => {
    const file = scenarioFile(
      "signal.vms",
      "spawn a\nspawn b\na: read 0x10\na: m = mmap 4K\nb: m = mmap 4K\nb: write m\nexpect b.minflt == 1\nexpect a.rss_kb == 0\n",
    );
    const run = vmscope("run", file, "--json");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).signals).toHaveLength(1);
  });

  it.each([
    ["frobnicate\n", /bad\.vms:1:1: unknown statement "frobnicate"/],
    ["spawn app\napp: m = mmap 12Q\n", /bad\.vms:2:15: expected a size/],
    ["spawn app\nother: exit\n", /bad\.vms:2:1: unknown process "other"/],
    ["spawn app\napp: write nothing\n", /bad\.vms:2:12: "nothing" is not a name of process app/],
    [
      "machine ram=256M swop=1G\n",
      /bad\.vms:1:18: unknown machine option "swop"; valid options: ram, pcid/,
    ],
    [
      "machine swap=12345\n",
      /bad\.vms:1:9: swap must be 0 or a size like 512M in whole pages, not "12345"/,
    ],
    [
      "file data size=1M\nspawn app\napp: m = mmap 1M file=other\n",
      /bad\.vms:3:1: no file named "other": declare it with "file other size=SIZE"; declared files: data/,
    ],
    [
      "spawn app\nexpect app.bogus == 1\n",
      /bad\.vms:2:8: unknown counter "bogus" of app; valid: pid, minflt/,
    ],
  ])("bad input %j is a one-line error with its position, exit 2", (text, message) => {
    const run = vmscope("run", scenarioFile("bad.vms", text));
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("a missing file or unknown name is exit 2 with the built-ins listed", () => {
    const missing = vmscope("run", "no-such-scenario");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("built-ins: lazy-alloc");
    expect(vmscope("run", join(scratch, "absent.vms")).status).toBe(2);
  });

  it("an unknown option is exit 2", () => {
    expect(vmscope("run", "lazy-alloc", "--bogus").status).toBe(2);
  });
});

describe("vmscope list", () => {
  it("lists the built-in scenarios", () => {
    const run = vmscope("list");
    expect(run.status).toBe(0);
    for (const name of ["lazy-alloc", "heap-write", "zero-page-cow", "fork-cow"]) {
      expect(run.stdout).toContain(name);
    }
  });
});
