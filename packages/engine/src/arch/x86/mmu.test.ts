import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CacheHierarchy } from "../../cache/hierarchy.js";
import { machineConfigFrom } from "../../config.js";
import { Machine } from "../../machine.js";
import { doMadvise, doMmap, doMprotect, doMunmap } from "../../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../../mm/vma.js";
import {
  ACCESS_READ,
  ACCESS_WRITE,
  type AccessProbe,
  HOP_NAMES,
  OUTCOME_NAMES,
} from "../../probe.js";
import { walkLevels } from "../../proc/pagetable.js";
import { processCounters } from "../../proc/status.js";
import type { Process } from "../../process.js";
import { PTE_ACCESSED, PTE_DIRTY } from "./pgtable.js";

/** Records each access's journey as readable strings. */
class RecordingProbe implements AccessProbe {
  readonly journeys: { hops: string[]; cycles: number; physicalAddress: number }[] = [];
  private hops: string[] = [];
  accessStart(): void {
    this.hops = [];
  }
  hop(hop: number, outcome: number, cycles: number): void {
    this.hops.push(`${HOP_NAMES[hop]}: ${OUTCOME_NAMES[outcome]} (${cycles})`);
  }
  accessEnd(physicalAddress: number, cycles: number): void {
    this.journeys.push({ hops: this.hops, cycles, physicalAddress });
  }
}

const RW = PROT_READ | PROT_WRITE;

/** A machine with `options` (`key=value` words), a probe, a process and a 64 KiB mapping. */
function setUp(...options: string[]) {
  const machine = new Machine(
    machineConfigFrom(
      options.map((option) => {
        const [key, value] = option.split("=") as [string, string];
        return { key, value };
      }),
    ),
  );
  const probe = new RecordingProbe();
  machine.cpu.probe = probe;
  const app = machine.spawn("app");
  const region = doMmap(machine, app, 64 * 1024, RW, false, false);
  return { machine, probe, app, region, caches: machine.cpu.caches };
}

type Level = "L1d" | "L2" | "L3" | "DRAM";

/** Leave `line` in `level` and the levels below it only (DRAM: in no cache). */
function place(caches: CacheHierarchy, line: number, level: Level): void {
  for (const cache of [caches.l1d, caches.l2, caches.l3]) cache.drop(line);
  if (level === "DRAM") return;
  caches.install(line, false);
  if (level === "L1d") return;
  caches.l1d.drop(line);
  if (level === "L3") caches.l2.drop(line);
}

const SERVED: readonly Level[] = ["L1d", "L2", "L3", "DRAM"];

/** The cache lines of the four entries a walk of `address` reads, top level first. */
function entryLines(machine: Machine, app: Process, address: number): number[] {
  return walkLevels(machine, app, address).map((step) =>
    machine.cpu.entryLine(step.tablePfn, step.index),
  );
}

describe("the journey of an access on the teaching machine", () => {
  it("a TLB miss whose walk reads hit the L1d, the L2, DRAM and the L1d, then data from the L3: 268 cycles", () => {
    const { machine, probe, app, region, caches } = setUp("cpu=teaching", "psc=off");
    machine.access(app, region, 8, ACCESS_WRITE); // fault the page in
    machine.cpu.invalidateMm(app.mm); // forget the translation
    const [pgd, pud, pmd, pte] = entryLines(machine, app, region) as [
      number,
      number,
      number,
      number,
    ];
    const frame = walkLevels(machine, app, region)[3]?.low ?? 0;
    const dataLine = caches.lineOf(Math.floor(frame / 4096), 0);
    place(caches, pgd, "L1d");
    place(caches, pud, "L2");
    place(caches, pmd, "DRAM");
    place(caches, pte, "L1d");
    place(caches, dataLine, "L3");
    const where = [pgd, pud, pmd, pte, dataLine].map(
      (line) => SERVED[caches.servedBy(line, false)],
    );
    expect(where).toEqual(["L1d", "L2", "DRAM", "L1d", "L3"]);

    machine.access(app, region, 8, ACCESS_READ);
    const journey = probe.journeys.at(-1);
    expect(journey?.hops).toEqual([
      "L1 TLB: miss (0)",
      "STLB: miss (8)",
      "L1d: hit (4)",
      "walk PGD: present (0)",
      "L1d: miss (4)",
      "L2: hit (8)",
      "walk PUD: present (0)",
      "L1d: miss (4)",
      "L2: miss (8)",
      "L3: miss (28)",
      "DRAM: hit (160)",
      "walk PMD: present (0)",
      "L1d: hit (4)",
      "walk PTE: present (0)",
      "memory: hit (0)",
      "L1d: miss (4)",
      "L2: miss (8)",
      "L3: hit (28)",
    ]);
    // STLB 8, then reads served by the L1d 4, L2 12, DRAM 200 and L1d 4, then the L3's 40.
    expect(journey?.cycles).toBe(8 + 4 + 12 + 200 + 4 + 40);
  });

  it("the first write to a page: a cold PGD read, the fault, then a walk through what the kernel left in the caches", () => {
    const { machine, probe, app, region } = setUp("cpu=teaching");
    machine.access(app, region, 8, ACCESS_WRITE);
    const faultCost = 1200 + 400 + 3 * 450; // fault overhead, clear_page, three new tables
    const journey = probe.journeys[0];
    expect(journey?.hops.slice(0, 9)).toEqual([
      "L1 TLB: miss (0)",
      "STLB: miss (8)",
      "paging-structure cache: miss (0)",
      "L1d: miss (4)",
      "L2: miss (8)",
      "L3: miss (28)",
      "DRAM: hit (160)",
      "walk PGD: not present (0)",
      `page fault: new anonymous page (${faultCost})`,
    ]);
    // The restarted walk finds all four levels in the caches: the kernel read the upper entries
    // (their lines conflict in the teaching machine's 2-way, 512-byte L1d and are in the L2) and
    // wrote the PTE last (L1d). The kernel cleared the page too: a page fits neither that L1d nor
    // the 2 KiB L2, so the store finds its line in the 8 KiB L3. Nothing comes from DRAM.
    const retry = journey?.hops.slice(9) ?? [];
    expect(retry.filter((hop) => hop.startsWith("walk"))).toEqual([
      "walk PGD: present (0)",
      "walk PUD: present (0)",
      "walk PMD: present (0)",
      "walk PTE: present (0)",
    ]);
    expect(retry.filter((hop) => hop.startsWith("DRAM"))).toEqual([]);
    expect(retry.filter((hop) => /^L[123]d?: hit/.test(hop))).toEqual([
      "L2: hit (8)",
      "L2: hit (8)",
      "L2: hit (8)",
      "L1d: hit (4)",
      "L3: hit (28)",
    ]);
    expect(retry.at(-1)).toBe("L3: hit (28)");
    const sum = journey?.hops.reduce(
      (total, hop) => total + Number(/\((\d+)\)$/.exec(hop)?.[1]),
      0,
    );
    expect(journey?.cycles).toBe(sum);
  });

  it("a page the kernel just cleared is in the L1d; one cleared many pages ago is not", () => {
    const { machine, app, region, caches } = setUp("cpu=skylake");
    machine.cpu.probe = null;
    // Fault in the first page, then sweep its 64 lines: clear_page left them all in the L1d.
    machine.access(app, region, 8, ACCESS_WRITE);
    const dramBefore = caches.dramReads;
    const l1dHitsBefore = caches.l1d.hits;
    for (let offset = 64; offset < 4096; offset += 64)
      machine.access(app, region + offset, 8, ACCESS_READ);
    expect(caches.dramReads).toBe(dramBefore);
    expect(caches.l1d.hits - l1dHitsBefore).toBe(63);
    // Clear a second page, then 14 more (56 KiB: more than the 32 KiB L1d holds, less than the
    // 256 KiB L2). A line of the second page not touched since now comes from the L2.
    machine.access(app, region + 4096, 8, ACCESS_WRITE);
    for (let page = 2; page < 16; page++)
      machine.access(app, region + page * 4096, 8, ACCESS_WRITE);
    const l2HitsBefore = caches.l2.hits;
    const dramBeforeRead = caches.dramReads;
    machine.access(app, region + 4096 + 128, 8, ACCESS_READ);
    expect(caches.l2.hits - l2HitsBefore).toBe(1);
    expect(caches.dramReads).toBe(dramBeforeRead);
  });

  it("a PDE-cache hit skips three reads: only the PTE is read", () => {
    const { machine, probe, app, region, caches } = setUp("cpu=teaching");
    machine.access(app, region, 8, ACCESS_WRITE);
    machine.access(app, region + 4096, 8, ACCESS_WRITE);
    // Drop the TLBs' entries but keep the paging-structure caches.
    for (const tlb of [machine.cpu.dtlb, machine.cpu.stlb]) tlb.flushAll(true);
    const pte = entryLines(machine, app, region)[3] as number;
    place(caches, pte, "L2");
    machine.access(app, region, 8, ACCESS_READ);
    const hops = probe.journeys.at(-1)?.hops ?? [];
    expect(hops.slice(0, 6)).toEqual([
      "L1 TLB: miss (0)",
      "STLB: miss (8)",
      "paging-structure cache: hit (0)",
      "L1d: miss (4)",
      "L2: hit (8)",
      "walk PTE: present (0)",
    ]);
    expect(machine.cpu.psc?.pde.hits).toBeGreaterThan(0);
  });

  it("a second access to the line is an L1 TLB hit and an L1d hit: 4 cycles", () => {
    const { machine, probe, app, region } = setUp("cpu=teaching");
    machine.access(app, region + 16, 8, ACCESS_WRITE);
    machine.access(app, region + 16, 8, ACCESS_READ);
    expect(probe.journeys[1]?.hops).toEqual(["L1 TLB: hit (0)", "memory: hit (0)", "L1d: hit (4)"]);
    expect(probe.journeys[1]?.cycles).toBe(4);
    expect(probe.journeys[1]?.physicalAddress).toBe(probe.journeys[0]?.physicalAddress);
    expect((probe.journeys[1]?.physicalAddress ?? 0) % 4096).toBe(16);
  });

  it("an access that straddles two lines reads both", () => {
    const { machine, probe, app, region } = setUp("cpu=teaching");
    machine.access(app, region, 8, ACCESS_WRITE);
    machine.access(app, region + 60, 8, ACCESS_READ);
    const hops = probe.journeys[1]?.hops ?? [];
    expect(hops.slice(0, 3)).toEqual(["L1 TLB: hit (0)", "memory: hit (0)", "L1d: hit (4)"]);
    // The second line (bytes 64-67): clear_page wrote it, and on the teaching machine a whole
    // page fits only in the L3.
    expect(hops.slice(3)).toEqual(["L1d: miss (4)", "L2: miss (8)", "L3: hit (28)"]);
    expect(probe.journeys[1]?.cycles).toBe(4 + 40);
  });

  it("without a probe the same accesses cost the same cycles", () => {
    const run = (withProbe: boolean) => {
      const { machine, app, region } = setUp("cpu=teaching");
      if (!withProbe) machine.cpu.probe = null;
      for (let offset = 0; offset < 64 * 1024; offset += 4096 + 56) {
        machine.access(app, region + offset, 16, offset % 3 === 0 ? ACCESS_WRITE : ACCESS_READ);
        machine.access(app, region + (offset % 512), 8, ACCESS_READ);
      }
      return [app.cycles, app.accesses];
    };
    expect(run(false)).toEqual(run(true));
  });
});

describe("the journey of an access (default machine)", () => {
  it("an access that crosses a page boundary is two journeys", () => {
    const { machine, probe, app, region } = setUp();
    machine.access(app, region + 4092, 8, ACCESS_WRITE);
    expect(probe.journeys).toHaveLength(2);
  });

  it("a killed access ends at physical address -1", () => {
    const { machine, probe, app } = setUp();
    machine.access(app, 0x1000, 8, ACCESS_READ);
    expect(probe.journeys[0]?.physicalAddress).toBe(-1);
    expect(probe.journeys[0]?.hops.at(-1)).toMatch(/^page fault: SIGSEGV/);
  });

  it("the walker sets the accessed bit, and the dirty bit only on writes; the entry's line turns dirty", () => {
    const { machine, app, region, caches } = setUp();
    machine.access(app, region, 8, ACCESS_WRITE);
    machine.access(app, region + 4096, 8, ACCESS_READ);
    const low = (address: number) =>
      machine.phys.tableLow[machine.memory.pteOffset(app.mm, app.pid, address, false)] ?? 0;
    expect(low(region) & (PTE_ACCESSED | PTE_DIRTY)).toBe(PTE_ACCESSED | PTE_DIRTY);
    expect(low(region + 4096) & (PTE_ACCESSED | PTE_DIRTY)).toBe(PTE_ACCESSED);
    const pte = entryLines(machine, app, region)[3] as number;
    expect(caches.l1d.dirty[caches.l1d.find(pte)]).toBe(1);
  });

  it("the process counts its simulated time and average memory access time", () => {
    const { machine, app, region } = setUp();
    machine.cpu.probe = null;
    for (let offset = 0; offset < 8192; offset += 64)
      machine.access(app, region + offset, 8, ACCESS_WRITE);
    const counters = processCounters(app, machine.cpu.timing.cyclesPerNs);
    expect(counters.accesses).toBe(128);
    expect(counters.time_ns).toBe(Math.round(app.cycles / 3));
    expect(counters.amat_cycles).toBe(Math.round((app.cycles / 128) * 100) / 100);
  });
});

describe("paging-structure caches", () => {
  /** Regions of 64 pages: several share a page table, so small munmaps end up freeing tables. */
  const PAGES = 64;
  type Op =
    | { op: "touch"; page: number; write: boolean }
    | { op: "munmap" | "dontneed" | "protect"; page: number; pages: number }
    | { op: "mmap" }
    | { op: "switch" };
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant("touch" as const),
        page: fc.nat(PAGES - 1),
        write: fc.boolean(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constantFrom("munmap" as const, "dontneed" as const, "protect" as const),
        page: fc.nat(PAGES - 1),
        pages: fc.integer({ min: 1, max: 40 }),
      }),
    },
    { weight: 2, arbitrary: fc.constant({ op: "mmap" as const }) },
    { weight: 1, arbitrary: fc.constant({ op: "switch" as const }) },
  );

  /** Run `ops` on two processes of one machine: every access's physical address, and the faults. */
  function replay(ops: Op[], psc: "on" | "off") {
    const machine = new Machine(
      machineConfigFrom([
        { key: "cpu", value: "teaching" },
        { key: "psc", value: psc },
      ]),
    );
    const addresses: number[] = [];
    machine.cpu.probe = {
      accessStart() {},
      hop() {},
      accessEnd(physical: number) {
        addresses.push(physical);
      },
    };
    const apps = [machine.spawn("a"), machine.spawn("b")];
    const regions = apps.map((app) => doMmap(machine, app, PAGES * 4096, RW, false, false));
    let current = 0;
    for (const step of ops) {
      const app = apps[current] as Process;
      const region = regions[current] as number;
      if (step.op === "touch") {
        // An address with no mapping kills the process: stay inside mapped pages, as programs do.
        const address = region + step.page * 4096;
        const vma = app.mm.vmas.find(
          (candidate) => candidate.start <= address && address < candidate.end,
        );
        if (vma !== undefined)
          machine.access(app, address, 8, step.write ? ACCESS_WRITE : ACCESS_READ);
      } else if (step.op === "switch") current = 1 - current;
      else if (step.op === "mmap")
        regions[current] = doMmap(machine, app, PAGES * 4096, RW, false, false);
      else {
        const start = region + step.page * 4096;
        const length = Math.min(step.pages, PAGES - step.page) * 4096;
        if (step.op === "munmap") doMunmap(machine, app, start, length);
        else if (step.op === "dontneed") doMadvise(machine, app, start, length, "dontneed");
        else doMprotect(machine, app, start, length, PROT_READ);
      }
    }
    return {
      addresses,
      faults: apps.map((app) => [app.minflt, app.state]),
      stale: machine.cpu.staleWalkCacheEntries,
    };
  }

  it("forget a page table that munmap frees, even when the unmap is a small range flush", () => {
    const { machine, app, caches } = setUp("cpu=teaching");
    machine.cpu.probe = null;
    const MIB2 = 2 * 1024 * 1024;
    const region = doMmap(machine, app, 3 * MIB2, RW, false, false);
    const span = Math.ceil(region / MIB2) * MIB2; // a 2 MiB span only this mapping covers
    machine.access(app, span, 8, ACCESS_WRITE);
    doMunmap(machine, app, span, MIB2 - 32 * 4096); // a big flush: everything goes
    machine.access(app, span + MIB2 - 4096, 8, ACCESS_WRITE); // the PDE cache learns the table
    const table = walkLevels(machine, app, span + MIB2 - 4096)[3]?.tablePfn ?? -1;
    doMunmap(machine, app, span + MIB2 - 32 * 4096, 32 * 4096); // 32 pages: INVLPGs; table freed
    expect(machine.phys.isTable(table)).toBe(false);
    const again = doMmap(machine, app, MIB2, RW, false, false);
    expect(again).toBe(span); // the hole is reused
    machine.access(app, span, 8, ACCESS_WRITE);
    expect(machine.cpu.staleWalkCacheEntries).toBe(0);
    expect(app.minflt).toBe(3);
    expect(caches.l1d.hits + caches.l1d.misses).toBeGreaterThan(0);
  });

  it("never change where an access lands, and never hold an entry for a freed table", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        const withCaches = replay(ops, "on");
        const without = replay(ops, "off");
        expect(withCaches.stale).toBe(0);
        expect(withCaches.addresses).toEqual(without.addresses);
        expect(withCaches.faults).toEqual(without.faults);
      }),
      { numRuns: 100 },
    );
  });
});
