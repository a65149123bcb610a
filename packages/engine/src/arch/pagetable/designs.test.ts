/**
 * The designs on whole machines: every built-in scenario works unchanged on each (same faults,
 * every expect holds, the invariants checked after each statement), and random operation
 * sequences keep the design's tables consistent with the kernel's.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { machineConfigFrom } from "../../config.js";
import { checkInvariants } from "../../invariants/index.js";
import { Machine } from "../../machine.js";
import { doMadvise, doMmap, doMprotect, doMunmap } from "../../mm/mmap.js";
import { PROT_NONE, PROT_READ, PROT_WRITE } from "../../mm/vma.js";
import { ACCESS_READ, ACCESS_WRITE } from "../../probe.js";
import { BUILTIN_SCENARIOS } from "../../scenario/builtins.js";
import { parseScenario } from "../../scenario/parser.js";
import { runScenario } from "../../scenario/runner.js";
import { type DesignRun, runOnDesign } from "./compare.js";
import { InvertedDesign } from "./inverted.js";
import { LINEAR_TABLE_BYTES } from "./linear.js";

/** Every design besides x86-64: all but the last have the 47-bit process layout. */
const DESIGNS = [
  "la57",
  "linear",
  "multilevel:9,9,9,9",
  "multilevel:12,12,11",
  "inverted",
  "multilevel:10,10",
];

/**
 * Built-ins that touch a literal address beyond a 32-bit user space (stack-growth writes below
 * x86-64's stack, at 0x7fffffedf000): on multilevel:10,10 that access gets SIGSEGV, as it would
 * in a 32-bit process, and the scenario's expects fail.
 */
const BEYOND_32_BITS: Record<string, string[]> = {
  "stack-growth": ["app SIGSEGV at 0x7fffffedf000"],
};

/**
 * Built-ins that use transparent huge pages: huge PMDs live in the kernel's x86-64 tables, so only
 * la57 (which walks them) keeps THP; the other designs run without it, fault per 4 KiB page, and
 * the scenario's expects fail.
 */
const NEEDS_HUGE_PMDS = new Set(["huge-pages"]);

describe("built-in scenarios on every design", () => {
  it.each(BUILTIN_SCENARIOS.map((scenario) => [scenario.name, scenario.source] as const))(
    "%s: the same faults and expects as on x86-64, invariants checked",
    (name, source) => {
      const scenario = parseScenario(source, `${name}.vms`);
      const reference = runOnDesign(scenario, "x86-64", { checkInvariants: true });
      expect(reference.expectsHeld).toBe(true);
      expect(reference.beyondUserSpace).toEqual([]);
      for (const design of DESIGNS) {
        const run = runOnDesign(scenario, design, { checkInvariants: true });
        expect(run.refused, design).toBeNull();
        expect(run.staleEntries, design).toBe(0);
        if (NEEDS_HUGE_PMDS.has(name) && design !== "la57") {
          expect(run.expectsHeld, design).toBe(false);
          expect(run.faults, design).toBeGreaterThan(reference.faults);
          continue;
        }
        const beyond = design === "multilevel:10,10" ? BEYOND_32_BITS[name] : undefined;
        if (beyond !== undefined) {
          expect(run.beyondUserSpace, design).toEqual(beyond);
          expect(run.expectsHeld, design).toBe(false);
          continue;
        }
        expect(run.beyondUserSpace, design).toEqual([]);
        expect(run.expectsHeld, design).toBe(true);
        expect(run.majorFaults, design).toBe(reference.majorFaults);
        if (name === "oom-kill") {
          // The design's own tables take memory, so the OOM killer strikes that many pages sooner.
          const ownFrames = ownTableFrames(run);
          expect(reference.faults - run.faults, design).toBeGreaterThanOrEqual(0);
          expect(reference.faults - run.faults, design).toBeLessThanOrEqual(ownFrames);
        } else {
          expect(run.faults, design).toBe(reference.faults);
        }
      }
    },
  );
});

/**
 * Frames the design's tables took at their peak: its own tables (la57: with the kernel's, a looser
 * bound); linear's are not allocated.
 */
function ownTableFrames(run: DesignRun): number {
  return run.notional ? 0 : run.peakTableBytes / 4096;
}

const SWEEPS = parseScenario(
  `machine ram=64M psc=off
spawn app
app: m = mmap 8M
app: touch m 8M write
repeat 2:
  app: touch m 8M read
`,
  "sweeps.vms",
);

describe("walk reads per TLB miss", () => {
  it("la57 reads one entry more than x86-64 on every walk when no paging-structure cache helps", () => {
    const x86 = runOnDesign(SWEEPS, "x86-64");
    const la57 = runOnDesign(SWEEPS, "la57");
    expect(la57.walks).toBe(x86.walks);
    expect(la57.walkReads).toBe(x86.walkReads + x86.walks);
    expect(la57.tableBytes - x86.tableBytes).toBe(4096);
  });

  it("the radix designs read one entry per level, linear one, inverted the anchor and the chain", () => {
    const runs = Object.fromEntries(
      ["multilevel:9,9,9,9", "multilevel:12,12,11", "linear", "inverted"].map((design) => [
        design,
        runOnDesign(SWEEPS, design),
      ]),
    );
    // The first touch of each page faults once (a shorter walk), every later walk reads all levels.
    expect(runs["multilevel:9,9,9,9"]?.readsPerWalk).toBeCloseTo(4, 1);
    expect(runs["multilevel:12,12,11"]?.readsPerWalk).toBeCloseTo(3, 1);
    expect(runs.linear?.readsPerWalk).toBe(1);
    expect(runs.linear?.tableBytes).toBe(LINEAR_TABLE_BYTES);
    // One process, chains of one: the anchor and the entry.
    expect(runs.inverted?.readsPerWalk).toBeGreaterThanOrEqual(1.5);
    expect(runs.inverted?.readsPerWalk).toBeLessThanOrEqual(2);
    expect(runs.inverted?.chains?.longest).toBe(1);
  });

  it("a frame mapped by several processes makes the inverted table evict and refill", () => {
    const scenario = parseScenario(
      `spawn a
a: m = mmap 64K
a: touch m 64K write
b = a: fork
repeat 3:
  a: touch m 64K read
  b: touch m 64K read
`,
      "shared.vms",
    );
    const run = runOnDesign(scenario, "inverted", { checkInvariants: true });
    expect(run.aliasEvictions).toBeGreaterThan(0);
    expect(run.refills).toBeGreaterThan(0);
    const x86 = runOnDesign(scenario, "x86-64");
    expect(run.faults).toBe(x86.faults);
  });
});

describe("table memory on a running machine", () => {
  it("counts the design's tables in PageTables (nr_page_table_pages), besides the kernel's", () => {
    const x86 = new Machine(machineConfigFrom([]));
    const tree = new Machine(
      machineConfigFrom([{ key: "pagetable", value: "multilevel:12,12,11" }]),
    );
    for (const machine of [x86, tree]) {
      const process = machine.spawn("app");
      const address = doMmap(machine, process, 64 * 4096, PROT_READ | PROT_WRITE, false, false);
      machine.access(process, address, 8, ACCESS_WRITE);
    }
    const tables = (machine: Machine) => machine.phys.framesOfKind[3] as number;
    // The top (32 KiB) + middle (32 KiB) + leaf (16 KiB) tables of the mmap region: 20 frames.
    expect(tables(tree) - tables(x86)).toBe(20);
    const process = tree.running()[0];
    expect(process && tree.pagetable?.tableBytesOf(process.mm)).toBe(20 * 4096);
  });

  it("the inverted table is taken at boot, outside managed memory", () => {
    const plain = new Machine(machineConfigFrom([{ key: "ram", value: "8M" }]));
    const inverted = new Machine(
      machineConfigFrom([
        { key: "ram", value: "8M" },
        { key: "pagetable", value: "inverted" },
      ]),
    );
    expect(plain.phys.freeFrames - inverted.phys.freeFrames).toBe(10);
    expect(inverted.pagetable).toBeInstanceOf(InvertedDesign);
    expect(checkInvariants(inverted)).toEqual([]);
  });
});

// ---- random operation sequences -----------------------------------------------------------------

type Op =
  | { op: "spawn" }
  | { op: "mmap"; who: number; pages: number }
  | { op: "touch"; who: number; vma: number; page: number; pages: number; write: boolean }
  | { op: "munmap" | "dontneed" | "protect"; who: number; vma: number; page: number; pages: number }
  | { op: "fork"; who: number }
  | { op: "exit"; who: number };

const who = fc.nat(5);
const vma = fc.nat(7);
const page = fc.nat(40);
const pages = fc.integer({ min: 1, max: 48 });
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ op: "spawn" as const }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("mmap" as const), who, pages }), weight: 3 },
  {
    arbitrary: fc.record({
      op: fc.constant("touch" as const),
      who,
      vma,
      page,
      pages,
      write: fc.boolean(),
    }),
    weight: 8,
  },
  {
    arbitrary: fc.record({
      op: fc.constantFrom("munmap" as const, "dontneed" as const, "protect" as const),
      who,
      vma,
      page,
      pages,
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant("fork" as const), who }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("exit" as const), who }), weight: 1 },
);

function apply(machine: Machine, op: Op): void {
  if (op.op === "spawn") {
    if (machine.running().length < 6) machine.spawn("p");
    return;
  }
  const live = machine.running();
  const process = live[op.who % Math.max(1, live.length)];
  if (process === undefined) return;
  if (op.op === "mmap") {
    doMmap(machine, process, op.pages * 4096, PROT_READ | PROT_WRITE, false, false);
    return;
  }
  if (op.op === "fork") {
    machine.fork(process);
    return;
  }
  if (op.op === "exit") {
    machine.exit(process);
    return;
  }
  const area = process.mm.vmas[op.vma % Math.max(1, process.mm.vmas.length)];
  if (area === undefined) return;
  const start = area.start + (op.page % area.pages) * 4096;
  const length = op.pages * 4096;
  switch (op.op) {
    case "touch":
      for (let address = start; address < Math.min(area.end, start + length); address += 4096) {
        if (!process.alive) return;
        const writable = (area.prot & PROT_WRITE) !== 0;
        if (area.prot === PROT_NONE) return;
        machine.access(process, address, 8, op.write && writable ? ACCESS_WRITE : ACCESS_READ);
      }
      return;
    case "munmap":
      doMunmap(machine, process, start, length);
      return;
    case "dontneed":
      doMadvise(machine, process, start, length, "dontneed");
      return;
    case "protect":
      doMprotect(machine, process, start, length, PROT_READ);
      return;
  }
}

describe("invariants hold on every design after random operations", () => {
  for (const design of DESIGNS) {
    it(`${design}, 2 MiB of RAM and swap (reclaim and OOM kills happen)`, () => {
      fc.assert(
        fc.property(fc.array(opArbitrary, { maxLength: 60 }), (ops) => {
          const config = machineConfigFrom([
            { key: "swap", value: "4M" },
            { key: "stlb", value: "16x4" },
            { key: "pagetable", value: design },
          ]);
          // Below the 4M `machine ram=` allows, as the engine's own invariant tests do.
          const machine = new Machine({ ...config, ramBytes: 2 * 1024 * 1024 });
          machine.spawn("p");
          for (const op of ops) {
            apply(machine, op);
            machine.runBackgroundWork();
            const problems = checkInvariants(machine);
            if (problems.length > 0) {
              throw new Error(`${design} after ${JSON.stringify(op)}:\n${problems.join("\n")}`);
            }
          }
          expect(machine.pagetable?.counters.staleEntries ?? 0).toBe(0);
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe("show pagetable and show pagemap on each design", () => {
  const source = `machine pagetable=DESIGN
spawn app
app: m = mmap 64K
app: touch m 8K write
show pagetable app m
show pagetable app m+32K
show pagemap app m 4K
`;
  const views = (design: string) =>
    runScenario(parseScenario(source.replace("DESIGN", design), "show.vms")).output.flatMap(
      (item) => (item.kind === "view" ? [item.text] : []),
    );

  it("a radix design prints its levels, indices and tables, then the kernel's walk", () => {
    const [mapped, empty, pagemap] = views("multilevel:12,12,11");
    expect(mapped).toMatch(/^multilevel:12,12,11: 3 levels of 2\^12, 2\^12, 2\^11 entries/m);
    expect(mapped).toMatch(
      /L0 index 4095 \(46-35\), L1 index \d+ \(34-23\), L2 index \d+ \(22-12\)/,
    );
    expect(mapped).toMatch(
      /^L0\[4095\] at 0x[0-9a-f]+ \(table of 8 frames from 0x[0-9a-f]+\) -> L1 table/m,
    );
    expect(mapped).toMatch(
      /^L2\[\d+\] at 0x[0-9a-f]+ \(table of 4 frames from 0x[0-9a-f]+\): maps frame 0x[0-9a-f]+$/m,
    );
    expect(mapped).toMatch(/^tables of PID 1000: 80 KiB$/m);
    expect(mapped).toContain("the kernel's own four-level table, which decides the result:");
    expect(mapped).toMatch(/^PTE\[\d+\] at .*P RW US A D NX$/m);
    expect(empty).toMatch(/: empty; an access page-faults$/m);
    expect(pagemap).toMatch(
      /^\(from the kernel's page table: the same for every design; the MMU walks multilevel:12,12,11\)$/m,
    );
  });

  it("la57 prints the PML5 entry above the four levels; x86-64's views are unchanged", () => {
    const [mapped] = views("la57");
    expect(mapped).toMatch(/^CR3 -> PML5 table in frame 0x[0-9a-f]+/m);
    expect(mapped).toMatch(/^PML5\[0\] at 0x[0-9a-f]+ -> PGD \(PML4\) table in frame/m);
    expect(mapped).toMatch(/^PGD\[255\] at/m);
    const [plain, , pagemap] = views("x86-64");
    expect(plain).toMatch(/^CR3 -> PGD table in frame/m);
    expect(pagemap?.startsWith("address")).toBe(true);
  });

  it("linear and inverted print their one entry, or their anchor and chain", () => {
    const [linear] = views("linear");
    expect(linear).toMatch(
      /^linear: one table of 2\^35 entries of 8 bytes per process, 256 GiB \(counted, not allocatable/m,
    );
    expect(linear).toMatch(
      /^entry\[0x7ffff7f[0-9a-f]+\] at 0x[0-9a-f]+: maps frame 0x[0-9a-f]+ \(the kernel's PTE\)$/m,
    );
    const [inverted] = views("inverted");
    expect(inverted).toMatch(/^anchor\[\d+\] at 0x[0-9a-f]+ = entry \d+$/m);
    expect(inverted).toMatch(
      /^ {2}chain 1: entry \d+ \(frame 0x[0-9a-f]+\) at 0x[0-9a-f]+: pid 1000, page 0x7ffff7f[0-9a-f]+ {2}<- match$/m,
    );
    expect(inverted).toMatch(/^found after 2 reads: frame 0x[0-9a-f]+$/m);
  });
});
