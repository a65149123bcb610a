/**
 * The engine against the real kernel: each test reproduces a measurement of
 * docs/kernel-measurements.md (Linux 6.18, glibc 2.36) with the same operations.
 */
import { describe, expect, it } from "vitest";
import { machineConfigFrom } from "./config.js";
import { Machine } from "./machine.js";
import { doBrk, doMadvise, doMmap, doMprotect, doMunmap } from "./mm/mmap.js";
import { PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE } from "./mm/vma.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE } from "./probe.js";
import { processCounters } from "./proc/status.js";
import type { Process } from "./process.js";

const PAGE = 4096;
const MiB = 1024 * 1024;
const RW = PROT_READ | PROT_WRITE;

/** Faults `body` costs the process. */
function faultsOf(process: Process, body: () => void): number {
  const before = process.minflt;
  body();
  return process.minflt - before;
}

function touchPages(machine: Machine, process: Process, start: number, size: number, kind: number) {
  for (let address = start; address < start + size; address += PAGE) {
    machine.access(process, address, 1, kind);
  }
}

function memset(machine: Machine, process: Process, start: number, size: number) {
  for (let address = start; address < start + size; address += 64) {
    machine.access(process, address, Math.min(64, start + size - address), ACCESS_WRITE);
  }
}

function setup(options: { key: string; value: string }[] = []) {
  const machine = new Machine(machineConfigFrom(options));
  return { machine, app: machine.spawn("app") };
}

describe("glibc malloc on the simulated machine", () => {
  it("malloc(1 MiB) then memset twice costs 2, 256, 0 faults (exp01)", () => {
    const { machine, app } = setup();
    let buffer = 0;
    expect(faultsOf(app, () => (buffer = machine.malloc(app, MiB)))).toBe(2);
    expect(buffer % PAGE).toBe(16);
    expect(faultsOf(app, () => memset(machine, app, buffer, MiB))).toBe(256);
    expect(faultsOf(app, () => memset(machine, app, buffer, MiB))).toBe(0);
    expect(app.mm.rssPages).toBe(258);
  });

  it("the first malloc sets up a 132 KiB heap with one fault; *a = 10 costs none (exp02)", () => {
    const { machine, app } = setup();
    const heapStart = app.mm.startBrk;
    let pointer = 0;
    expect(faultsOf(app, () => (pointer = machine.malloc(app, 16)))).toBe(1);
    expect(pointer - heapStart).toBe(0x2a0);
    expect(app.mm.brk - heapStart).toBe(0x21000);
    expect(faultsOf(app, () => machine.access(app, pointer, 4, ACCESS_WRITE))).toBe(0);
  });

  it("freeing an mmapped chunk raises the threshold: the same size then comes from brk (exp03)", () => {
    const { machine, app } = setup();
    machine.malloc(app, 16);
    const first = machine.malloc(app, 200 * 1024);
    expect(first).toBeGreaterThan(app.mm.brk);
    expect(machine.free(app, first)).toBe("ok");
    const second = machine.malloc(app, 200 * 1024);
    expect(second).toBeLessThan(app.mm.brk);
    expect(second).toBeGreaterThan(app.mm.startBrk);
    const large = machine.malloc(app, 300 * 1024);
    expect(large).toBeGreaterThan(app.mm.brk);
  });

  it("each malloc(100000) on the heap faults once, in malloc (exp03)", () => {
    const { machine, app } = setup();
    machine.malloc(app, 16);
    for (let round = 0; round < 10; round++) {
      expect(faultsOf(app, () => machine.malloc(app, 100_000))).toBe(1);
    }
  });

  it("a double free aborts the process with SIGABRT", () => {
    const { machine, app } = setup();
    const pointer = machine.malloc(app, 32);
    machine.free(app, pointer);
    machine.free(app, pointer);
    expect(app.state).toBe("killed");
    expect(app.signal?.signal).toBe("SIGABRT");
  });
});

describe("anonymous memory", () => {
  it("reading fresh pages maps the zero page, writing them copies: 256 + 256 (exp04)", () => {
    const { machine, app } = setup();
    const region = doMmap(machine, app, MiB, RW, false, false);
    expect(faultsOf(app, () => touchPages(machine, app, region, MiB, ACCESS_READ))).toBe(256);
    expect(app.mm.rssPages).toBe(0);
    expect(faultsOf(app, () => touchPages(machine, app, region, MiB, ACCESS_READ))).toBe(0);
    expect(faultsOf(app, () => touchPages(machine, app, region, MiB, ACCESS_WRITE))).toBe(256);
    expect(app.cowFaults).toBe(256);
    expect(app.mm.rssPages).toBe(256);
  });

  it("MAP_POPULATE charges the faults to mmap; read-only populate maps zero pages (exp06)", () => {
    const { machine, app } = setup();
    let region = 0;
    expect(faultsOf(app, () => (region = doMmap(machine, app, MiB, RW, false, true)))).toBe(256);
    expect(faultsOf(app, () => touchPages(machine, app, region, MiB, ACCESS_WRITE))).toBe(0);
    let readOnly = 0;
    expect(
      faultsOf(app, () => (readOnly = doMmap(machine, app, MiB, PROT_READ, false, true))),
    ).toBe(256);
    expect(doMprotect(machine, app, readOnly, MiB, RW)).toBe(0);
    expect(faultsOf(app, () => touchPages(machine, app, readOnly, MiB, ACCESS_WRITE))).toBe(256);
  });

  it("after MADV_DONTNEED pages fault again, reads on the zero page (exp08)", () => {
    const { machine, app } = setup();
    const region = doMmap(machine, app, MiB, RW, false, false);
    touchPages(machine, app, region, MiB, ACCESS_WRITE);
    expect(doMadvise(machine, app, region, MiB, "dontneed")).toBe(0);
    expect(app.mm.rssPages).toBe(0);
    expect(faultsOf(app, () => touchPages(machine, app, region, MiB, ACCESS_WRITE))).toBe(256);
    doMadvise(machine, app, region, MiB, "dontneed");
    expect(faultsOf(app, () => touchPages(machine, app, region, MiB, ACCESS_READ))).toBe(256);
    expect(app.mm.rssPages).toBe(0);
  });

  it("an 8-byte store across a page boundary faults both pages (exp11)", () => {
    const { machine, app } = setup();
    const region = doMmap(machine, app, 2 * PAGE, RW, false, false);
    expect(faultsOf(app, () => machine.access(app, region + PAGE - 4, 8, ACCESS_WRITE))).toBe(2);
  });

  it("the stack grows down one fault per page, up to its limit (exp09)", () => {
    const { machine, app } = setup([{ key: "stack", value: "2M" }]);
    const below = app.mm.stackTop - 132 * 1024;
    expect(faultsOf(app, () => touchPages(machine, app, below - MiB, MiB, ACCESS_WRITE))).toBe(256);
    expect(app.alive).toBe(true);
    machine.access(app, app.mm.stackTop - 3 * MiB, 8, ACCESS_WRITE);
    expect(app.signal).toEqual({
      signal: "SIGSEGV",
      code: "SEGV_MAPERR",
      address: app.mm.stackTop - 3 * MiB,
    });
  });
});

describe("signals", () => {
  it("a store to read-only memory is SEGV_ACCERR and counts no fault (exp07)", () => {
    const { machine, app } = setup();
    const region = doMmap(machine, app, PAGE, RW, false, false);
    machine.access(app, region, 8, ACCESS_WRITE);
    doMprotect(machine, app, region, PAGE, PROT_READ);
    const faults = app.minflt;
    const pgfault = machine.vmstat[0];
    machine.access(app, region + 8, 8, ACCESS_WRITE);
    expect(app.signal?.code).toBe("SEGV_ACCERR");
    expect(app.minflt).toBe(faults);
    expect(machine.vmstat[0]).toBe(pgfault);
  });

  it("reading PROT_NONE memory is SEGV_ACCERR; an unmapped address is SEGV_MAPERR", () => {
    const { machine, app } = setup();
    const region = doMmap(machine, app, PAGE, PROT_NONE, false, false);
    machine.access(app, region, 1, ACCESS_READ);
    expect(app.signal?.code).toBe("SEGV_ACCERR");
    const other = machine.spawn("other");
    machine.access(other, 0x1000, 1, ACCESS_READ);
    expect(other.signal?.code).toBe("SEGV_MAPERR");
  });

  it("executing a data page maps it (one fault), then faults on NX: SEGV_ACCERR", () => {
    const { machine, app } = setup();
    const region = doMmap(machine, app, PAGE, RW, false, false);
    expect(faultsOf(app, () => machine.access(app, region, 4, ACCESS_EXEC))).toBe(1);
    expect(app.signal?.code).toBe("SEGV_ACCERR");
  });

  it("executing the program text works", () => {
    const { machine, app } = setup();
    const text = app.mm.vmas.find((vma) => vma.prot & PROT_EXEC);
    expect(text).toBeDefined();
    expect(machine.access(app, text?.start ?? 0, 4, ACCESS_EXEC)).toBe(true);
    expect(app.alive).toBe(true);
  });
});

describe("fork and copy-on-write (exp05)", () => {
  it("each side pays one fault per written page; after the child exits the parent reuses", () => {
    const { machine, app } = setup();
    const region = doMmap(machine, app, MiB, RW, false, false);
    touchPages(machine, app, region, MiB, ACCESS_WRITE);
    const child = machine.fork(app);
    if (child === null) throw new Error("fork failed");
    expect(child.mm.rssPages).toBe(256);
    expect(faultsOf(child, () => touchPages(machine, child, region, MiB, ACCESS_READ))).toBe(0);
    expect(faultsOf(child, () => touchPages(machine, child, region, MiB, ACCESS_WRITE))).toBe(256);
    // A COW copy replaces a page in RSS: the high-water mark does not move (VmHWM).
    expect(processCounters(child).hwm_kb).toBe(processCounters(child).rss_kb);
    const freeBefore = machine.phys.freeFrames;
    machine.exit(child);
    expect(machine.phys.freeFrames).toBeGreaterThan(freeBefore + 256);
    const allocations = machine.phys.freeFrames;
    expect(faultsOf(app, () => touchPages(machine, app, region, MiB, ACCESS_WRITE))).toBe(256);
    // Reused, not copied: no frame was allocated.
    expect(machine.phys.freeFrames).toBe(allocations);
  });

  it("a region that only held zero pages is not copied: the child faults its reads again", () => {
    const { machine, app } = setup();
    // A guard gap keeps the region from merging with another anonymous VMA.
    doMmap(machine, app, PAGE, PROT_NONE, false, false);
    const region = doMmap(machine, app, MiB, RW, false, false);
    touchPages(machine, app, region, MiB, ACCESS_READ);
    const child = machine.fork(app);
    if (child === null) throw new Error("fork failed");
    expect(faultsOf(child, () => touchPages(machine, child, region, MiB, ACCESS_READ))).toBe(256);
  });

  it("shared anonymous memory: 256 read faults fresh, writes free, the child's reads fault around (exp10)", () => {
    const { machine, app } = setup();
    // Fault-around windows are 16-page aligned: start the region on a 64 KiB boundary.
    const mapped = doMmap(machine, app, MiB + 15 * PAGE, RW, true, false);
    const region = Math.ceil(mapped / (16 * PAGE)) * 16 * PAGE;
    if (region > mapped) doMunmap(machine, app, mapped, region - mapped);
    if (region < mapped + 15 * PAGE)
      doMunmap(machine, app, region + MiB, mapped + 15 * PAGE - region);
    expect(faultsOf(app, () => touchPages(machine, app, region, MiB, ACCESS_READ))).toBe(256);
    expect(faultsOf(app, () => touchPages(machine, app, region, MiB, ACCESS_WRITE))).toBe(0);
    const child = machine.fork(app);
    if (child === null) throw new Error("fork failed");
    expect(faultsOf(child, () => touchPages(machine, child, region, MiB, ACCESS_READ))).toBe(16);
  });

  it("fault-around windows start at the mapping start when it is not 16-page aligned (exp10)", () => {
    const { machine, app } = setup();
    const region = doMmap(machine, app, MiB + 16 * PAGE, RW, true, false);
    const misaligned = region + 4 * PAGE;
    doMunmap(machine, app, region, 4 * PAGE);
    doMunmap(machine, app, misaligned + MiB, 12 * PAGE);
    touchPages(machine, app, misaligned, MiB, ACCESS_WRITE);
    const child = machine.fork(app);
    if (child === null) throw new Error("fork failed");
    expect(faultsOf(child, () => touchPages(machine, child, misaligned, MiB, ACCESS_READ))).toBe(
      17,
    );
  });
});

describe("address space bookkeeping", () => {
  it("munmap frees the page tables no mapping needs", () => {
    const { machine, app } = setup();
    // The stack's tables share the upper levels with the mmap area: those must stay.
    machine.access(app, app.mm.stackTop - 8, 8, ACCESS_WRITE);
    const tablesAtStart = app.mm.pgtablesBytes;
    const rssAtStart = app.mm.rssPages;
    const region = doMmap(machine, app, 4 * MiB, RW, false, false);
    touchPages(machine, app, region, 4 * MiB, ACCESS_WRITE);
    expect(app.mm.pgtablesBytes).toBeGreaterThan(tablesAtStart);
    doMunmap(machine, app, region, 4 * MiB);
    expect(app.mm.pgtablesBytes).toBe(tablesAtStart);
    expect(app.mm.rssPages).toBe(rssAtStart);
  });

  it("exit returns every frame except the cached executable", () => {
    const machine = new Machine();
    const free = machine.phys.freeFrames;
    const app = machine.spawn("app");
    const cachedImage = free - machine.phys.freeFrames - 1; // minus the PGD
    const region = doMmap(machine, app, MiB, RW, false, false);
    touchPages(machine, app, region, MiB, ACCESS_WRITE);
    machine.malloc(app, 300);
    machine.fork(app);
    for (const process of machine.processes) machine.exit(process);
    expect(machine.phys.freeFrames).toBe(free - cachedImage);
  });

  it("brk grows and shrinks the heap VMA", () => {
    const { machine, app } = setup();
    const start = app.mm.startBrk;
    expect(doBrk(machine, app, start + 10 * PAGE)).toBe(start + 10 * PAGE);
    touchPages(machine, app, start, 10 * PAGE, ACCESS_WRITE);
    expect(app.mm.rssPages).toBe(10);
    expect(doBrk(machine, app, start + 2 * PAGE)).toBe(start + 2 * PAGE);
    expect(app.mm.rssPages).toBe(2);
    expect(doBrk(machine, app, start - PAGE)).toBe(start + 2 * PAGE);
  });

  it("adjacent anonymous mappings merge; mprotect splits and re-merges", () => {
    const { machine, app } = setup();
    const count = app.mm.vmas.length;
    const upper = doMmap(machine, app, 64 * 1024, RW, false, false);
    const lower = doMmap(machine, app, 64 * 1024, RW, false, false);
    expect(lower + 64 * 1024).toBe(upper);
    expect(app.mm.vmas.length).toBe(count + 1);
    doMprotect(machine, app, lower + PAGE, PAGE, PROT_READ);
    expect(app.mm.vmas.length).toBe(count + 3);
    doMprotect(machine, app, lower + PAGE, PAGE, RW);
    expect(app.mm.vmas.length).toBe(count + 1);
  });
});

describe("TLBs and PCID", () => {
  function pingPong(pcid: "on" | "off") {
    const machine = new Machine(machineConfigFrom([{ key: "pcid", value: pcid }]));
    const first = machine.spawn("first");
    const second = machine.spawn("second");
    const a = doMmap(machine, first, 16 * PAGE, RW, false, false);
    const b = doMmap(machine, second, 16 * PAGE, RW, false, false);
    touchPages(machine, first, a, 16 * PAGE, ACCESS_WRITE);
    touchPages(machine, second, b, 16 * PAGE, ACCESS_WRITE);
    const misses = machine.cpu.dtlb.misses;
    for (let round = 0; round < 10; round++) {
      touchPages(machine, first, a, 16 * PAGE, ACCESS_READ);
      touchPages(machine, second, b, 16 * PAGE, ACCESS_READ);
    }
    return machine.cpu.dtlb.misses - misses;
  }

  it("without PCID every switch flushes; with PCID both address spaces stay cached", () => {
    expect(pingPong("off")).toBe(20 * 16);
    expect(pingPong("on")).toBe(0);
  });

  it("a COW break invalidates the stale read-only translation", () => {
    const { machine, app } = setup();
    const region = doMmap(machine, app, PAGE, RW, false, false);
    machine.access(app, region, 8, ACCESS_READ);
    const zeroTranslation = machine.cpu.dtlb.peek(region / PAGE, machine.cpu.asidOf(app.mm));
    expect(machine.cpu.dtlb.pfn[zeroTranslation]).toBe(machine.phys.zeroPfn);
    machine.access(app, region, 8, ACCESS_WRITE);
    const slot = machine.cpu.dtlb.peek(region / PAGE, machine.cpu.asidOf(app.mm));
    expect(machine.cpu.dtlb.pfn[slot]).not.toBe(machine.phys.zeroPfn);
  });
});
