import { describe, expect, it } from "vitest";
import { BUILTIN_SCENARIOS } from "./builtins.js";
import { parseScenario } from "./parser.js";
import { runScenario } from "./runner.js";

function run(source: string, checkInvariants = true) {
  return runScenario(parseScenario(source, "test.vms"), { checkInvariants });
}

describe("built-in scenarios", () => {
  it.each(BUILTIN_SCENARIOS.map((scenario) => [scenario.name, scenario.source]))(
    "%s holds every expect, with the invariants checked after each statement",
    (_name, source) => {
      const result = run(source);
      expect(result.expects.length).toBeGreaterThan(0);
      expect(result.expects.filter((expect) => !expect.ok)).toEqual([]);
    },
  );

  it("runs are deterministic: the same scenario gives the same output", () => {
    for (const scenario of BUILTIN_SCENARIOS) {
      const first = JSON.stringify(run(scenario.source, false).output);
      expect(JSON.stringify(run(scenario.source, false).output)).toBe(first);
    }
  });
});

describe("the runner", () => {
  it("expect ... since compares the change since the last report with that label", () => {
    const result = run(`spawn app
app: m = mmap 64K
report "r"
app: touch m 64K write
report "r"
app: touch m 32K read
expect app.minflt == 16
expect app.minflt == 0 since "r"
expect app.rss_kb >= 64
expect vmstat.pgfault == 16
expect tlb.dtlb_misses > 16
`);
    expect(result.expects.map((expect) => [expect.ok, expect.actual])).toEqual([
      [true, 16],
      [true, 0],
      [true, 64],
      [true, 16],
      [true, 32],
    ]);
  });

  it("repeat runs its block; a forked child inherits its parent's names", () => {
    const result = run(`spawn app
app: buf = malloc 1M
repeat 3:
  app: touch buf 1M write
child = app: fork
child: touch buf 1M write
expect child.cow_faults == 257
`);
    expect(result.expects[0]).toMatchObject({ ok: true, actual: 257 });
  });

  it("a killed process runs no more statements and its signal is recorded", () => {
    const result = run(`spawn app
app: m = mmap 4K prot=r
app: write m
app: n = mmap 4K
expect app.vm_kb == 0
`);
    expect(result.signals).toEqual([
      expect.objectContaining({ process: "app", signal: "SIGSEGV", code: "SEGV_ACCERR", line: 3 }),
    ]);
    expect(result.expects[0]?.ok).toBe(true);
  });

  it("a failed system call is a note, not an error", () => {
    const result = run(`machine ram=8M
spawn app
app: m = mmap 1T
app: r = mmap 1T prot=r
app: b = sbrk 16M
`);
    // Heuristic overcommit refuses one writable request larger than RAM; read-only is free.
    expect(result.output).toEqual([
      { kind: "note", line: 3, text: "app: mmap 1099511627776 failed (ENOMEM)" },
      { kind: "note", line: 5, text: "app: sbrk 16777216 failed (ENOMEM)" },
    ]);
  });

  it.each([
    ["spawn app\nspawn app\n", 'test.vms:2:1: a process named "app" already exists'],
    [
      'spawn app\nexpect app.minflt == 0 since "x"\n',
      'test.vms:2:1: no report "x" before this line',
    ],
    [
      "spawn app\nmachine ram=1G\n",
      "test.vms:2:1: machine must be the first statement of the scenario",
    ],
    ["machine ram=3\n", 'test.vms:1:9: ram must be a size from 4M to 1T in whole pages, not "3"'],
    ["machine dtlb=64x5\n", "test.vms:1:9: dtlb must be ENTRIESxWAYS"],
    ["spawn app\nshow maps\n", "test.vms:2:10: expected a process name, found end of line"],
    ["spawn app\napp: munmap 0x1000\n", "test.vms:2:19: expected a size like 4K or 1M"],
  ])("input error %j", (source, message) => {
    expect(() => run(source)).toThrow(message);
  });
});
