import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entryPfn, PAGE_SIZE, PTE_PSE, PTE_RW } from "../arch/x86/pgtable.js";
import { machineConfigFrom } from "../config.js";
import { checkInvariants } from "../invariants.js";
import { Machine } from "../machine.js";
import { ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import { meminfoValues } from "../proc/meminfo.js";
import { smapsStats } from "../proc/smaps.js";
import { renderTlb } from "../proc/tlb.js";
import type { Process } from "../process.js";
import { HPAGE_SIZE, PMD_PAGES } from "./huge_memory.js";
import { entryMapsFrame } from "./memory.js";
import { doMadvise, doMmap, doMprotect, doMunmap } from "./mmap.js";
import { PROT_READ, PROT_WRITE } from "./vma.js";
import { PGFAULT, THP_FAULT_ALLOC, THP_FAULT_FALLBACK, THP_SPLIT_PMD } from "./vmstat.js";

const RW = PROT_READ | PROT_WRITE;
const MIB = 1024 * 1024;

function machineWith(...options: [string, string][]): Machine {
  return new Machine(machineConfigFrom(options.map(([key, value]) => ({ key, value }))));
}

/** The frame mapped at `address`, through a huge PMD or a PTE; -1 when none. */
function frameAt(machine: Machine, process: Process, address: number): number {
  const memory = machine.memory;
  const phys = machine.phys;
  const pmd = memory.huge.hugePmdOffset(process.mm, address);
  if (pmd >= 0) {
    const head = entryPfn(phys.tableLow[pmd] as number, phys.tableHigh[pmd] as number);
    return head + ((address % HPAGE_SIZE) >>> 12);
  }
  const offset = memory.pteOffset(process.mm, process.pid, address, false);
  if (offset < 0 || !entryMapsFrame(phys.tableLow[offset] as number)) return -1;
  return entryPfn(phys.tableLow[offset] as number, phys.tableHigh[offset] as number);
}

/** Touch one byte per 4 KiB page of [start, start + bytes). */
function touch(machine: Machine, process: Process, start: number, bytes: number, kind: number) {
  for (let address = start; address < start + bytes; address += PAGE_SIZE) {
    machine.access(process, address, 1, kind);
  }
}

/** An 8 MiB private anonymous mapping (2 MiB-aligned, as Linux 6.7+ places it). */
function setUp(madviseHuge: boolean, ...options: [string, string][]) {
  const machine = machineWith(["ram", "64M"], ...options);
  const process = machine.spawn("app");
  const region = doMmap(machine, process, 8 * MIB, RW, false, false);
  if (madviseHuge) doMadvise(machine, process, region, 8 * MIB, "hugepage");
  return { machine, process, region };
}

describe("transparent huge pages", () => {
  it("8 MiB with madvise hugepage: 4 faults, 4 huge PMDs, AnonHugePages 8192 kB", () => {
    const { machine, process, region } = setUp(true);
    expect(region % HPAGE_SIZE).toBe(0);
    touch(machine, process, region, 8 * MIB, ACCESS_WRITE);
    expect(process.minflt).toBe(4);
    expect(machine.vmstat[THP_FAULT_ALLOC]).toBe(4);
    expect(machine.memory.huge.anonThps).toBe(4);
    expect(meminfoValues(machine).AnonHugePages).toBe(8192);
    const vma = process.mm.vmaAt(region);
    if (vma === null) throw new Error("no VMA");
    const stats = smapsStats(machine, process, vma);
    expect(stats.anonHuge / 1024).toBe(8192);
    expect(stats.resident / 1024).toBe(8192);
    // Four deposited PTE tables plus one PMD table (and the PUD above) count in VmPTE.
    expect(checkInvariants(machine)).toEqual([]);
  });

  it("without madvise (thp=madvise) the same touches take 2048 faults", () => {
    const { machine, process, region } = setUp(false);
    touch(machine, process, region, 8 * MIB, ACCESS_WRITE);
    expect(process.minflt).toBe(2048);
    expect(machine.vmstat[THP_FAULT_ALLOC]).toBe(0);
    expect(machine.memory.huge.anonThps).toBe(0);
  });

  it("thp=always needs no madvise; madvise nohugepage opts out again", () => {
    const always = setUp(false, ["thp", "always"]);
    touch(always.machine, always.process, always.region, 8 * MIB, ACCESS_WRITE);
    expect(always.process.minflt).toBe(4);
    const opted = setUp(false, ["thp", "always"]);
    doMadvise(opted.machine, opted.process, opted.region, 8 * MIB, "nohugepage");
    touch(opted.machine, opted.process, opted.region, 8 * MIB, ACCESS_WRITE);
    expect(opted.process.minflt).toBe(2048);
    const never = setUp(true, ["thp", "never"]);
    touch(never.machine, never.process, never.region, 8 * MIB, ACCESS_WRITE);
    expect(never.process.minflt).toBe(2048);
  });

  it("the walk stops at the PMD: 3 entry reads, one 2 MiB TLB entry serves 512 pages", () => {
    const huge = setUp(true);
    const small = setUp(false);
    for (const { machine, process, region } of [huge, small]) {
      touch(machine, process, region, 8 * MIB, ACCESS_WRITE);
      machine.cpu.pageWalks = 0;
      machine.cpu.walkReads = 0;
      machine.cpu.dtlb.resetCounters();
      touch(machine, process, region, 8 * MIB, ACCESS_READ);
    }
    // Four 2 MiB entries fit the STLB and the 32-entry L1 array: no walk at all the second time.
    expect(huge.machine.cpu.pageWalks).toBe(0);
    expect(huge.machine.cpu.dtlb.misses).toBe(0);
    expect(small.machine.cpu.pageWalks).toBeGreaterThan(500);
    // A cold 2 MiB walk reads PGD, PUD and PMD only.
    const { machine, process, region } = huge;
    machine.cpu.invalidateMm(process.mm);
    machine.cpu.pageWalks = 0;
    machine.cpu.walkReads = 0;
    machine.access(process, region + 5 * PAGE_SIZE, 1, ACCESS_READ);
    expect(machine.cpu.pageWalks).toBe(1);
    expect(machine.cpu.walkReads).toBeLessThanOrEqual(3);
    expect(machine.cpu.dtlb2m.validCount()).toBe(1);
    expect(machine.cpu.dtlb.validCount()).toBe(0);
    // show tlb names the 2 MiB entry by its page's address.
    expect(renderTlb(machine)).toContain(`0x${region.toString(16)}     1`);
    expect(renderTlb(machine)).toMatch(/W U NX D 2M/);
  });

  it("INVLPG of any address inside a 2 MiB page drops its entry", () => {
    const { machine, process, region } = setUp(true);
    machine.access(process, region, 1, ACCESS_WRITE);
    expect(machine.cpu.dtlb2m.validCount()).toBe(1);
    machine.cpu.invalidatePage(process.mm, region + 300 * PAGE_SIZE);
    expect(machine.cpu.dtlb2m.validCount()).toBe(0);
    expect(machine.cpu.stlb.validCount()).toBe(0);
  });

  it("partial munmap, mprotect and dontneed split the PMD into 512 PTEs first", () => {
    for (const operation of ["munmap", "mprotect", "dontneed"] as const) {
      const { machine, process, region } = setUp(true);
      touch(machine, process, region, 2 * MIB, ACCESS_WRITE);
      const head = frameAt(machine, process, region);
      const middle = region + MIB;
      if (operation === "munmap") doMunmap(machine, process, middle, 64 * 1024);
      if (operation === "mprotect") doMprotect(machine, process, middle, 64 * 1024, PROT_READ);
      if (operation === "dontneed") doMadvise(machine, process, middle, 64 * 1024, "dontneed");
      expect(machine.vmstat[THP_SPLIT_PMD], operation).toBe(1);
      expect(machine.memory.huge.anonThps).toBe(0);
      expect(machine.memory.huge.hugePmdOffset(process.mm, region)).toBe(-1);
      // The rest of the block stays mapped where it was, as 4 KiB pages.
      expect(frameAt(machine, process, region + PAGE_SIZE)).toBe(head + 1);
      expect(process.mm.rssAnon).toBe(operation === "mprotect" ? 512 : 512 - 16);
      expect(checkInvariants(machine), operation).toEqual([]);
    }
  });

  it("munmap of the whole range zaps the huge PMD and frees the order-9 block", () => {
    const { machine, process, region } = setUp(true);
    const free = machine.phys.freeFrames;
    touch(machine, process, region, 2 * MIB, ACCESS_WRITE);
    expect(free - machine.phys.freeFrames).toBeGreaterThanOrEqual(PMD_PAGES);
    doMunmap(machine, process, region, 8 * MIB);
    expect(machine.vmstat[THP_SPLIT_PMD]).toBe(0);
    expect(process.mm.rssAnon).toBe(0);
    expect(process.mm.pgtablesBytes).toBe(2 * PAGE_SIZE); // the PUD and PMD tables of the stack etc.
    expect(checkInvariants(machine)).toEqual([]);
  });

  it("fork shares the huge page write-protected; a write splits and copies 4 KiB", () => {
    const { machine, process, region } = setUp(true);
    touch(machine, process, region, 2 * MIB, ACCESS_WRITE);
    const child = machine.fork(process);
    if (child === null) throw new Error("fork failed");
    const phys = machine.phys;
    const pmd = machine.memory.huge.hugePmdOffset(child.mm, region);
    expect(pmd).toBeGreaterThanOrEqual(0);
    expect((phys.tableLow[pmd] as number) & (PTE_PSE | PTE_RW)).toBe(PTE_PSE);
    expect(machine.memory.huge.anonThps).toBe(1);
    expect(checkInvariants(machine)).toEqual([]);
    const before = child.minflt;
    machine.access(child, region + 3 * PAGE_SIZE, 8, ACCESS_WRITE);
    expect(child.minflt - before).toBe(1);
    expect(machine.vmstat[THP_SPLIT_PMD]).toBe(1);
    expect(frameAt(machine, child, region + 3 * PAGE_SIZE)).not.toBe(
      frameAt(machine, process, region + 3 * PAGE_SIZE),
    );
    expect(frameAt(machine, child, region + 4 * PAGE_SIZE)).toBe(
      frameAt(machine, process, region + 4 * PAGE_SIZE),
    );
    // The parent's PMD still maps the whole huge page.
    expect(machine.memory.huge.anonThps).toBe(1);
    expect(checkInvariants(machine)).toEqual([]);
    machine.exit(child);
    // Alone again: the parent's write reuses the huge page in place.
    machine.access(process, region, 8, ACCESS_WRITE);
    expect(machine.memory.huge.hugePmdOffset(process.mm, region)).toBeGreaterThanOrEqual(0);
    expect(checkInvariants(machine)).toEqual([]);
  });

  it("falls back to 4 KiB pages when no order-9 block is free (thp_fault_fallback)", () => {
    const machine = machineWith(["ram", "4M"], ["thp", "always"]);
    const process = machine.spawn("app");
    // 1 MiB of 4 KiB pages first leaves too little above the low watermark for 2 MiB.
    const small = doMmap(machine, process, MIB, RW, false, false);
    touch(machine, process, small, MIB, ACCESS_WRITE);
    const region = doMmap(machine, process, 2 * MIB, RW, false, false);
    expect(region % HPAGE_SIZE).toBe(0);
    machine.access(process, region, 1, ACCESS_WRITE);
    expect(machine.vmstat[THP_FAULT_FALLBACK]).toBe(1);
    expect(machine.vmstat[PGFAULT]).toBeGreaterThan(0);
    expect(machine.memory.huge.anonThps).toBe(0);
    expect(checkInvariants(machine)).toEqual([]);
  });

  it("la57 walks the same huge PMDs; a design that replaces the walk runs without THP", () => {
    const la57 = setUp(true, ["pagetable", "la57"]);
    touch(la57.machine, la57.process, la57.region, 2 * MIB, ACCESS_WRITE);
    expect(la57.process.minflt).toBe(1);
    expect(checkInvariants(la57.machine)).toEqual([]);
    const linear = setUp(true, ["pagetable", "linear"]);
    touch(linear.machine, linear.process, linear.region, 2 * MIB, ACCESS_WRITE);
    expect(linear.process.minflt).toBe(512);
  });
});

// ---- random operations against the invariants and the content stamps ---------------------------

const REGION = 6 * MIB;
const REGION_PAGES = REGION / PAGE_SIZE;

interface Step {
  op: "write" | "read" | "fork" | "dontneed" | "munmap" | "mprotect" | "hugepage" | "exit";
  who: number;
  page: number;
  run: number;
}

const step: fc.Arbitrary<Step> = fc.record({
  op: fc.constantFrom(
    "write",
    "write",
    "read",
    "read",
    "fork",
    "dontneed",
    "munmap",
    "mprotect",
    "hugepage",
    "exit",
  ),
  who: fc.nat(3),
  page: fc.nat(REGION_PAGES - 1),
  run: fc.integer({ min: 1, max: 700 }),
});

interface Tracked {
  process: Process;
  expected: Float64Array;
  /** Pages still mapped (munmap clears them) and still writable. */
  mapped: Uint8Array;
  writable: Uint8Array;
}

function runSteps(steps: Step[], swap: boolean): Machine {
  const options: [string, string][] = [
    ["ram", "24M"],
    ["thp", "always"],
  ];
  if (swap) options.push(["swap", "16M"]);
  const machine = machineWith(...options);
  const first = machine.spawn("app");
  const region = doMmap(machine, first, REGION, RW, false, false);
  const tracked: Tracked[] = [
    {
      process: first,
      expected: new Float64Array(REGION_PAGES),
      mapped: new Uint8Array(REGION_PAGES).fill(1),
      writable: new Uint8Array(REGION_PAGES).fill(1),
    },
  ];
  for (const { op, who, page, run } of steps) {
    const live = tracked.filter((entry) => entry.process.alive);
    const entry = live[who % Math.max(1, live.length)];
    if (entry === undefined) break;
    const { process, expected, mapped, writable } = entry;
    const last = Math.min(REGION_PAGES, page + run);
    const start = region + page * PAGE_SIZE;
    const length = (last - page) * PAGE_SIZE;
    if (op === "write") {
      for (let p = page; p < last && process.alive; p++) {
        if (!mapped[p] || !writable[p]) continue;
        machine.access(process, region + p * PAGE_SIZE, 8, ACCESS_WRITE);
        expected[p] = machine.cpu.writeSerial;
      }
    } else if (op === "read") {
      for (let p = page; p < last && process.alive; p++) {
        if (!mapped[p]) continue;
        if (!machine.access(process, region + p * PAGE_SIZE, 8, ACCESS_READ)) break;
        const pfn = frameAt(machine, process, region + p * PAGE_SIZE);
        expect(machine.phys.stamp[pfn], `page ${p} of pid ${process.pid}`).toBe(expected[p]);
      }
    } else if (op === "fork" && tracked.length < 4) {
      const child = machine.fork(process);
      if (child !== null) {
        tracked.push({
          process: child,
          expected: expected.slice(),
          mapped: mapped.slice(),
          writable: writable.slice(),
        });
      }
    } else if (op === "dontneed") {
      if (mapped.subarray(page, last).every((m) => m === 1)) {
        doMadvise(machine, process, start, length, "dontneed");
        expected.fill(0, page, last);
      }
    } else if (op === "munmap") {
      doMunmap(machine, process, start, length);
      mapped.fill(0, page, last);
    } else if (op === "mprotect") {
      if (mapped.subarray(page, last).every((m) => m === 1)) {
        doMprotect(machine, process, start, length, PROT_READ);
        writable.fill(0, page, last);
      }
    } else if (op === "hugepage") {
      if (mapped.subarray(page, last).every((m) => m === 1)) {
        doMadvise(machine, process, start, length, "hugepage");
      }
    } else if (op === "exit" && live.length > 1) {
      machine.exit(process);
    }
    machine.runBackgroundWork();
    const violations = checkInvariants(machine);
    if (violations.length > 0) throw new Error(`after ${op}: ${violations.join("\n")}`);
  }
  return machine;
}

describe("huge pages under random operations", () => {
  it("keep the invariants and every page's contents (thp=always)", () => {
    let allocated = 0;
    let split = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 30 }), fc.boolean(), (steps, swap) => {
        const machine = runSteps(steps, swap);
        allocated += machine.vmstat[THP_FAULT_ALLOC] as number;
        split += machine.vmstat[THP_SPLIT_PMD] as number;
        for (const process of machine.processes) machine.exit(process);
        expect(checkInvariants(machine)).toEqual([]);
        expect(machine.memory.huge.anonThps).toBe(0);
        expect(machine.memory.huge.depositedTables().size).toBe(0);
      }),
      { numRuns: 60 },
    );
    expect(allocated).toBeGreaterThan(0);
    expect(split).toBeGreaterThan(0);
  });
});
