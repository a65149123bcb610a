import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entryPfn, PAGE_SIZE, PTE_PSE, PTE_RW } from "../arch/x86/pgtable.js";
import { machineConfigFrom } from "../config.js";
import { checkInvariants } from "../invariants/index.js";
import { Machine } from "../machine.js";
import { ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import { meminfoValues } from "../proc/meminfo.js";
import { smapsStats } from "../proc/smaps.js";
import { renderTlb } from "../proc/tlb.js";
import type { Process } from "../process.js";
import { FRAME_ZERO } from "./frames.js";
import { HPAGE_SIZE, PMD_PAGES } from "./huge_memory.js";
import { entryMapsFrame } from "./memory.js";
import { doMadvise, doMmap, doMprotect, doMunmap } from "./mmap.js";
import { PROT_READ, PROT_WRITE } from "./vma.js";
import {
  PGFAULT,
  THP_FAULT_ALLOC,
  THP_FAULT_FALLBACK,
  THP_SPLIT_PMD,
  THP_ZERO_PAGE_ALLOC,
} from "./vmstat.js";

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

/** AnonHugePages of the VMA at `address`, in kB, as smaps shows it. */
function anonHugeKb(machine: Machine, process: Process, address: number): number {
  const vma = process.mm.vmaAt(address);
  if (vma === null) throw new Error("no VMA");
  return smapsStats(machine, process, vma).anonHuge / 1024;
}

describe("the huge zero page (use_zero_page)", () => {
  it("exp21 reads first: 4 faults map the huge zero page; writes: 4 more, 8192 kB, +4 THPs", () => {
    const { machine, process, region } = setUp(true);
    touch(machine, process, region, 8 * MIB, ACCESS_READ);
    expect(process.minflt).toBe(4);
    expect(anonHugeKb(machine, process, region)).toBe(0);
    expect(meminfoValues(machine).AnonHugePages).toBe(0);
    expect(machine.vmstat[THP_FAULT_ALLOC]).toBe(0);
    expect(machine.vmstat[THP_SPLIT_PMD]).toBe(0);
    expect(machine.vmstat[THP_ZERO_PAGE_ALLOC]).toBe(1);
    expect(machine.memory.huge.hugeZeroPmds).toBe(4);
    expect(process.mm.rssAnon).toBe(0);
    // Every 2 MiB maps the same read-only block of zero frames.
    const zero = machine.memory.huge.hugeZeroPfn;
    expect(zero % PMD_PAGES).toBe(0);
    expect(frameAt(machine, process, region + 7 * PAGE_SIZE)).toBe(zero + 7);
    expect(frameAt(machine, process, region + 2 * MIB + 7 * PAGE_SIZE)).toBe(zero + 7);
    expect(machine.phys.kind[zero + 7]).toBe(FRAME_ZERO);
    const pmd = machine.memory.huge.hugePmdOffset(process.mm, region);
    expect((machine.phys.tableLow[pmd] as number) & (PTE_PSE | PTE_RW)).toBe(PTE_PSE);
    expect(checkInvariants(machine)).toEqual([]);

    touch(machine, process, region, 8 * MIB, ACCESS_WRITE);
    expect(process.minflt).toBe(8);
    expect(anonHugeKb(machine, process, region)).toBe(8192);
    expect(meminfoValues(machine).AnonHugePages).toBe(8192);
    expect(machine.vmstat[THP_FAULT_ALLOC]).toBe(4);
    expect(machine.vmstat[THP_SPLIT_PMD]).toBe(0);
    expect(machine.memory.huge.hugeZeroPmds).toBe(0);
    expect(frameAt(machine, process, region)).not.toBe(zero);
    expect(checkInvariants(machine)).toEqual([]);
  });

  it("a read goes through the caches at the huge zero page's physical address", () => {
    const { machine, process, region } = setUp(true);
    const before = machine.phys.freeFrames;
    machine.access(process, region + 5 * PAGE_SIZE + 64, 8, ACCESS_READ);
    const zero = machine.memory.huge.hugeZeroPfn;
    const caches = machine.cpu.caches;
    expect(caches.l1d.find(caches.lineOf(zero + 5, 64))).toBeGreaterThanOrEqual(0);
    expect(machine.cpu.dtlb2m.validCount()).toBe(1);
    // The block and the deposited table (plus upper tables): nothing counted as the process's.
    expect(before - machine.phys.freeFrames).toBeGreaterThanOrEqual(PMD_PAGES + 1);
    expect(process.mm.rssAnon).toBe(0);
  });

  it("thp_zero_page=off: a read fault allocates the huge page at once", () => {
    const { machine, process, region } = setUp(true, ["thp_zero_page", "off"]);
    touch(machine, process, region, 8 * MIB, ACCESS_READ);
    expect(process.minflt).toBe(4);
    expect(anonHugeKb(machine, process, region)).toBe(8192);
    expect(machine.vmstat[THP_ZERO_PAGE_ALLOC]).toBe(0);
    touch(machine, process, region, 8 * MIB, ACCESS_WRITE);
    expect(process.minflt).toBe(4);
  });

  it("thp_zero_page takes only on or off", () => {
    expect(() => machineWith(["thp_zero_page", "maybe"])).toThrow(
      'thp_zero_page must be on or off, not "maybe"',
    );
  });

  it("is allocated once, shared by every process, and never freed", () => {
    const { machine, process, region } = setUp(true);
    machine.access(process, region, 1, ACCESS_READ);
    const zero = machine.memory.huge.hugeZeroPfn;
    const other = machine.spawn("other");
    const second = doMmap(machine, other, 4 * MIB, RW, false, false);
    doMadvise(machine, other, second, 4 * MIB, "hugepage");
    touch(machine, other, second, 4 * MIB, ACCESS_READ);
    expect(other.minflt).toBe(2);
    expect(frameAt(machine, other, second + 3 * PAGE_SIZE)).toBe(zero + 3);
    expect(machine.vmstat[THP_ZERO_PAGE_ALLOC]).toBe(1);
    expect(machine.memory.huge.hugeZeroPmds).toBe(3);
    expect(checkInvariants(machine)).toEqual([]);
    const free = machine.phys.freeFrames;
    doMunmap(machine, process, region, 8 * MIB);
    machine.exit(other);
    expect(machine.memory.huge.hugeZeroPmds).toBe(0);
    expect(machine.memory.huge.hugeZeroPfn).toBe(zero);
    expect(machine.phys.kind[zero]).toBe(FRAME_ZERO);
    expect(machine.phys.freeFrames).toBeGreaterThan(free);
    expect(machine.vmstat[THP_SPLIT_PMD]).toBe(0);
    expect(checkInvariants(machine)).toEqual([]);
    // Mapped again later without a second allocation.
    const third = doMmap(machine, process, 2 * MIB, RW, false, false);
    doMadvise(machine, process, third, 2 * MIB, "hugepage");
    machine.access(process, third, 1, ACCESS_READ);
    expect(frameAt(machine, process, third)).toBe(zero);
    expect(machine.vmstat[THP_ZERO_PAGE_ALLOC]).toBe(1);
  });

  it("partial munmap, mprotect and dontneed split it into 512 PTEs of the 4 KiB zero page", () => {
    for (const operation of ["munmap", "mprotect", "dontneed"] as const) {
      const { machine, process, region } = setUp(true);
      machine.access(process, region, 1, ACCESS_READ);
      const middle = region + MIB;
      if (operation === "munmap") doMunmap(machine, process, middle, 64 * 1024);
      if (operation === "mprotect") doMprotect(machine, process, middle, 64 * 1024, PROT_READ);
      if (operation === "dontneed") doMadvise(machine, process, middle, 64 * 1024, "dontneed");
      expect(machine.vmstat[THP_SPLIT_PMD], operation).toBe(1);
      expect(machine.memory.huge.hugeZeroPmds).toBe(0);
      expect(machine.memory.huge.hugePmdOffset(process.mm, region)).toBe(-1);
      expect(frameAt(machine, process, region + PAGE_SIZE)).toBe(machine.phys.zeroPfn);
      expect(frameAt(machine, process, region + 2 * MIB - PAGE_SIZE)).toBe(machine.phys.zeroPfn);
      expect(process.mm.rssAnon).toBe(0);
      expect(checkInvariants(machine), operation).toEqual([]);
      // A write to one of those pages copies the 4 KiB zero page, as for any zero-page PTE.
      const before = process.minflt;
      machine.access(process, region + PAGE_SIZE, 8, ACCESS_WRITE);
      expect(process.minflt - before).toBe(1);
      expect(process.mm.rssAnon).toBe(1);
      expect(checkInvariants(machine), operation).toEqual([]);
    }
  });

  it("fork copies the huge zero PMD; a write in the child gets the child a THP", () => {
    const { machine, process, region } = setUp(true);
    touch(machine, process, region, 2 * MIB, ACCESS_READ);
    const child = machine.fork(process);
    if (child === null) throw new Error("fork failed");
    const zero = machine.memory.huge.hugeZeroPfn;
    expect(frameAt(machine, child, region + PAGE_SIZE)).toBe(zero + 1);
    expect(machine.memory.huge.hugeZeroPmds).toBe(2);
    expect(checkInvariants(machine)).toEqual([]);
    machine.access(child, region + PAGE_SIZE, 8, ACCESS_WRITE);
    expect(machine.memory.huge.anonThps).toBe(1);
    expect(anonHugeKb(machine, child, region)).toBe(2048);
    expect(anonHugeKb(machine, process, region)).toBe(0);
    expect(frameAt(machine, process, region + PAGE_SIZE)).toBe(zero + 1);
    expect(machine.phys.stamp[frameAt(machine, child, region + PAGE_SIZE)]).toBe(
      machine.cpu.writeSerial,
    );
    expect(checkInvariants(machine)).toEqual([]);
    machine.exit(child);
    expect(machine.memory.huge.anonThps).toBe(0);
    expect(checkInvariants(machine)).toEqual([]);
  });

  it("a write without a free 2 MiB block splits it and copies 4 KiB (thp_fault_fallback)", () => {
    const machine = machineWith(["ram", "6M"], ["thp", "always"]);
    const process = machine.spawn("app");
    const region = doMmap(machine, process, 2 * MIB, RW, false, false);
    machine.access(process, region, 1, ACCESS_READ);
    expect(machine.memory.huge.hugeZeroPmds).toBe(1);
    // Take small pages until no order-9 block is left above the watermark.
    const small = doMmap(machine, process, 2 * MIB, RW, false, false);
    doMadvise(machine, process, small, 2 * MIB, "nohugepage");
    touch(machine, process, small, 2 * MIB, ACCESS_WRITE);
    const fallbacks = machine.vmstat[THP_FAULT_FALLBACK] as number;
    machine.access(process, region + 3 * PAGE_SIZE, 8, ACCESS_WRITE);
    expect(machine.vmstat[THP_FAULT_FALLBACK]).toBe(fallbacks + 1);
    expect(machine.vmstat[THP_SPLIT_PMD]).toBe(1);
    expect(machine.memory.huge.hugeZeroPmds).toBe(0);
    expect(machine.memory.huge.anonThps).toBe(0);
    expect(frameAt(machine, process, region)).toBe(machine.phys.zeroPfn);
    const written = frameAt(machine, process, region + 3 * PAGE_SIZE);
    expect(machine.phys.stamp[written]).toBe(machine.cpu.writeSerial);
    expect(checkInvariants(machine)).toEqual([]);
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

/** How a random run starts: swap on or off, the huge zero page on or off, pages read first. */
interface Start {
  swap: boolean;
  zeroPage: boolean;
  /** Pages [0, readFirst) are read before any step (huge zero PMDs when zeroPage is on). */
  readFirst: number;
}

function runSteps(steps: Step[], { swap, zeroPage, readFirst }: Start): Machine {
  const options: [string, string][] = [
    ["ram", "24M"],
    ["thp", "always"],
    ["thp_zero_page", zeroPage ? "on" : "off"],
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
  for (let p = 0; p < readFirst; p++) {
    machine.access(first, region + p * PAGE_SIZE, 8, ACCESS_READ);
    expect(machine.phys.stamp[frameAt(machine, first, region + p * PAGE_SIZE)]).toBe(0);
  }
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
  it("keep the invariants and every page's contents (thp=always, reads before writes)", () => {
    let allocated = 0;
    let split = 0;
    let zeroMapped = 0;
    const start: fc.Arbitrary<Start> = fc.record({
      swap: fc.boolean(),
      zeroPage: fc.boolean(),
      readFirst: fc.oneof(fc.constant(0), fc.constant(REGION_PAGES), fc.nat(REGION_PAGES)),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 30 }), start, (steps, begin) => {
        const machine = runSteps(steps, begin);
        allocated += machine.vmstat[THP_FAULT_ALLOC] as number;
        split += machine.vmstat[THP_SPLIT_PMD] as number;
        zeroMapped += machine.vmstat[THP_ZERO_PAGE_ALLOC] as number;
        if (!begin.zeroPage) expect(machine.memory.huge.hugeZeroPfn).toBe(-1);
        for (const process of machine.processes) machine.exit(process);
        expect(checkInvariants(machine)).toEqual([]);
        expect(machine.memory.huge.anonThps).toBe(0);
        expect(machine.memory.huge.hugeZeroPmds).toBe(0);
        expect(machine.memory.huge.depositedTables().size).toBe(0);
      }),
      { numRuns: 80 },
    );
    expect(allocated).toBeGreaterThan(0);
    expect(split).toBeGreaterThan(0);
    expect(zeroMapped).toBeGreaterThan(0);
  });
});
