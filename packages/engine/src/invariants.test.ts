import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  entryPfn,
  PAGE_SIZE,
  PTE_DIRTY,
  PTE_HI_NX,
  PTE_RW,
  TASK_SIZE,
} from "./arch/x86/pgtable.js";
import { TLB_USER, TLB_VALID, TLB_WRITABLE } from "./arch/x86/tlb.js";
import { DEFAULT_MACHINE_CONFIG, type MachineConfig } from "./config.js";
import { assertInvariants, checkInvariants } from "./invariants/index.js";
import { Machine } from "./machine.js";
import { EXECUTABLE_BASE, INITIAL_STACK_SIZE, STACK_TOP } from "./mm/exec.js";
import { FRAME_ANON, FRAME_FILE, FRAME_PAGETABLE, FRAME_SHMEM } from "./mm/frames.js";
import { doBrk, doMadvise, doMmap, doMprotect, doMunmap } from "./mm/mmap.js";
import { PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, Vma } from "./mm/vma.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE } from "./probe.js";
import type { Process } from "./process.js";

const MiB = 1024 * 1024;
const RW = PROT_READ | PROT_WRITE;

/** A small machine with tiny TLBs, so that evictions and PCID reuse happen in short runs. */
function smallConfig(pcid: boolean, ramBytes = 16 * MiB): MachineConfig {
  return {
    ...DEFAULT_MACHINE_CONFIG,
    ramBytes,
    cpu: {
      ...DEFAULT_MACHINE_CONFIG.cpu,
      pcid,
      dtlb: { entries: 8, ways: 2 },
      itlb: { entries: 4, ways: 2 },
      stlb: { entries: 16, ways: 4 },
    },
  };
}

/** Entry offset of the PTE for `address` (no allocation), or a test failure. */
function pteOffset(machine: Machine, process: Process, address: number): number {
  const offset = machine.memory.pteOffset(process.mm, process.pid, address, false);
  if (offset < 0) throw new Error(`no page table for ${address.toString(16)}`);
  return offset;
}

function mappedPfn(machine: Machine, process: Process, address: number): number {
  const offset = pteOffset(machine, process, address);
  return entryPfn(
    machine.phys.tableLow[offset] as number,
    machine.phys.tableHigh[offset] as number,
  );
}

/** A process with an 8-page private region: pages 0-3 written, page 5 read (zero page). */
function busyMachine(pcid = true) {
  const machine = new Machine(smallConfig(pcid));
  const p = machine.spawn("app");
  const region = doMmap(machine, p, 8 * PAGE_SIZE, RW, false, false);
  for (let page = 0; page < 4; page++) {
    machine.access(p, region + page * PAGE_SIZE, 8, ACCESS_WRITE);
  }
  machine.access(p, region + 5 * PAGE_SIZE, 8, ACCESS_READ);
  return { machine, p, region };
}

function expectViolation(machine: Machine, pattern: RegExp): void {
  const violations = checkInvariants(machine);
  expect(
    violations.some((line) => pattern.test(line)),
    violations.join("\n"),
  ).toBe(true);
}

describe("checkInvariants on healthy machines", () => {
  it("finds nothing wrong with a fresh machine", () => {
    expect(checkInvariants(new Machine(smallConfig(true)))).toEqual([]);
    expect(checkInvariants(new Machine())).toEqual([]);
  });

  it("finds nothing wrong after a mixed workload, with and without PCID", () => {
    for (const pcid of [true, false]) {
      const { machine, p, region } = busyMachine(pcid);
      expect(checkInvariants(machine)).toEqual([]);
      // The executable: read the headers, run the text, write the data segment (a COW fault).
      machine.access(p, EXECUTABLE_BASE, 8, ACCESS_READ);
      machine.access(p, EXECUTABLE_BASE + PAGE_SIZE, 16, ACCESS_EXEC);
      machine.access(p, EXECUTABLE_BASE + 4 * PAGE_SIZE, 8, ACCESS_WRITE);
      const shared = doMmap(machine, p, 4 * PAGE_SIZE, RW, true, true);
      machine.access(p, shared, 8, ACCESS_WRITE);
      const child = machine.fork(p);
      expect(child).not.toBeNull();
      if (child === null) return;
      machine.access(child, region, 8, ACCESS_WRITE);
      machine.access(child, shared + PAGE_SIZE, 8, ACCESS_READ);
      machine.access(child, STACK_TOP - 8, 8, ACCESS_WRITE);
      const block = machine.malloc(child, 5000);
      machine.access(child, block, 5000, ACCESS_WRITE);
      expect(checkInvariants(machine)).toEqual([]);
      doMprotect(machine, p, region, 2 * PAGE_SIZE, PROT_READ);
      doMadvise(machine, p, region + 2 * PAGE_SIZE, 2 * PAGE_SIZE, "dontneed");
      doMunmap(machine, child, region + PAGE_SIZE, PAGE_SIZE);
      expect(checkInvariants(machine)).toEqual([]);
      machine.exit(p);
      expect(checkInvariants(machine)).toEqual([]);
      machine.exit(child);
      expect(checkInvariants(machine)).toEqual([]);
    }
  });
});

describe("checkInvariants on corrupted state", () => {
  it("reports a mapcount that disagrees with the PTEs", () => {
    const { machine, p, region } = busyMachine();
    const pfn = mappedPfn(machine, p, region);
    machine.phys.mapcount[pfn] = 2;
    expectViolation(machine, new RegExp(`^pfn ${pfn} \\(anon\\): mapcount 2 but 1 PTEs map it$`));
    expectViolation(machine, new RegExp(`^pfn ${pfn} \\(anon\\): refcount 1, expected 2`));
  });

  it("reports a TLB entry left with the wrong frame", () => {
    const { machine, p, region } = busyMachine();
    machine.access(p, region + 3 * PAGE_SIZE, 8, ACCESS_READ);
    const tlb = machine.cpu.dtlb;
    const slot = tlb.peek(region / PAGE_SIZE + 3, machine.cpu.asidOf(p.mm));
    expect(slot).toBeGreaterThanOrEqual(0);
    const right = tlb.pfn[slot] as number;
    tlb.pfn[slot] = right + 1;
    expectViolation(
      machine,
      new RegExp(
        `^dTLB slot ${slot} .* maps pfn ${right + 1} but the PTE of pid ${p.pid} maps pfn ${right} \\(stale entry\\)$`,
      ),
    );
  });

  it("reports a TLB entry with more rights than its PTE", () => {
    const { machine, p, region } = busyMachine();
    machine.access(p, region + 5 * PAGE_SIZE, 8, ACCESS_READ); // the zero page, read-only
    const tlb = machine.cpu.dtlb;
    const slot = tlb.peek(region / PAGE_SIZE + 5, machine.cpu.asidOf(p.mm));
    expect(slot).toBeGreaterThanOrEqual(0);
    tlb.flags[slot] = (tlb.flags[slot] as number) | TLB_WRITABLE;
    expectViolation(machine, /is writable but the PTE of pid \d+ is read-only$/);
  });

  it("reports a TLB entry for a page that is no longer mapped", () => {
    const { machine, p, region } = busyMachine();
    const asid = machine.cpu.asidOf(p.mm);
    machine.cpu.stlb.insert(region / PAGE_SIZE + 7, asid, 300, TLB_VALID | TLB_USER);
    expectViolation(machine, /^STLB slot \d+ .* has no present PTE there \(stale entry\)$/);
  });

  it("reports a TLB entry that is dirty while the PTE is clean", () => {
    const { machine, p, region } = busyMachine();
    machine.access(p, region, 8, ACCESS_WRITE);
    const offset = pteOffset(machine, p, region);
    machine.phys.tableLow[offset] = ((machine.phys.tableLow[offset] as number) & ~PTE_DIRTY) >>> 0;
    expectViolation(machine, /is dirty but the PTE of pid \d+ is clean$/);
  });

  it("reports entries of address spaces that no longer run", () => {
    // With PCID: an entry under the PCID of an exited process.
    const withPcid = busyMachine(true);
    const asid = withPcid.machine.cpu.asidOf(withPcid.p.mm);
    withPcid.machine.exit(withPcid.p);
    expect(checkInvariants(withPcid.machine)).toEqual([]);
    withPcid.machine.cpu.dtlb.insert(withPcid.region / PAGE_SIZE, asid, 300, TLB_VALID | TLB_USER);
    expectViolation(withPcid.machine, new RegExp(`no live address space runs under PCID ${asid}$`));
    // Without PCID: nothing may stay cached once no process runs.
    const noPcid = busyMachine(false);
    noPcid.machine.exit(noPcid.p);
    noPcid.machine.cpu.dtlb.insert(noPcid.region / PAGE_SIZE, 0, 300, TLB_VALID | TLB_USER);
    expectViolation(noPcid.machine, /without PCID only the running process may have entries/);
  });

  it("without PCID, checks asid-0 entries against the running process only", () => {
    const { machine, p, region } = busyMachine(false);
    const q = machine.spawn("other");
    machine.access(q, STACK_TOP - 8, 8, ACCESS_WRITE); // q runs now; p's entries were flushed
    expect(checkInvariants(machine)).toEqual([]);
    // A leftover translation of p's page, now read as q's: q has no such mapping.
    machine.cpu.dtlb.insert(
      region / PAGE_SIZE,
      0,
      mappedPfn(machine, p, region),
      TLB_VALID | TLB_USER,
    );
    expectViolation(machine, new RegExp(`but pid ${q.pid} has no present PTE there`));
  });

  it("reports RSS counters that disagree with the page tables", () => {
    const { machine, p } = busyMachine();
    p.mm.rssAnon += 1;
    expectViolation(
      machine,
      new RegExp(`^pid ${p.pid}: rssAnon is 5, page tables map 4 anonymous pages$`),
    );
    p.mm.rssAnon -= 1;
    p.mm.rssFile = 2;
    expectViolation(machine, /rssFile is 2, page tables map 0 file pages$/);
  });

  it("reports pgtablesBytes that disagree with the tables", () => {
    const { machine, p } = busyMachine();
    p.mm.pgtablesBytes += PAGE_SIZE;
    expectViolation(machine, /pgtablesBytes is \d+ but \d+ tables lie below the PGD/);
  });

  it("reports a leaked anonymous page and a leaked page table", () => {
    const { machine, p } = busyMachine();
    const page = machine.phys.allocFrame(FRAME_ANON, p.pid);
    expectViolation(
      machine,
      new RegExp(`^pfn ${page} \\(anon\\) is mapped by no PTE \\(leaked\\)$`),
    );
    machine.phys.freeFrame(page);
    expect(checkInvariants(machine)).toEqual([]);
    const table = machine.phys.allocTable(p.pid);
    expectViolation(
      machine,
      new RegExp(`^leaked page tables \\(reachable from no live PGD\\): pfn ${table}$`),
    );
    expectViolation(machine, /page-table frames exist but \d+ are reachable/);
  });

  it("reports a frame the buddy allocator handed out behind the frame map's back", () => {
    const { machine } = busyMachine();
    const pfn = machine.phys.buddy.alloc(0);
    expectViolation(
      machine,
      new RegExp(`^pfn ${pfn} \\(free\\) is not free in the buddy allocator$`),
    );
    expectViolation(machine, /frames are FRAME_FREE but the buddy allocator has/);
  });

  it("reports a page mapped outside every VMA", () => {
    const { machine, p, region } = busyMachine();
    const vma = p.mm.vmaAt(region);
    expect(vma).not.toBeNull();
    if (vma !== null) p.mm.remove(vma);
    expectViolation(
      machine,
      new RegExp(
        `^pid ${p.pid}: PTE for 0x${region.toString(16)} maps pfn \\d+ \\(anon\\) outside any VMA$`,
      ),
    );
  });

  it("reports a writable PTE on a page shared after fork (broken copy-on-write)", () => {
    const { machine, p, region } = busyMachine();
    const child = machine.fork(p);
    if (child === null) throw new Error("fork failed");
    expect(checkInvariants(machine)).toEqual([]);
    const offset = pteOffset(machine, child, region);
    machine.phys.tableLow[offset] = (machine.phys.tableLow[offset] as number) | PTE_RW;
    expectViolation(
      machine,
      new RegExp(
        `^pid ${child.pid}: .* writable in a private VMA but anon pfn \\d+ is shared \\(mapcount 2, refcount 2\\)$`,
      ),
    );
  });

  it("reports a writable PTE on the zero page and in a read-only VMA", () => {
    const { machine, p, region } = busyMachine();
    const offset = pteOffset(machine, p, region + 5 * PAGE_SIZE);
    machine.phys.tableLow[offset] = (machine.phys.tableLow[offset] as number) | PTE_RW;
    expectViolation(machine, /is writable in a private VMA but maps the zero page/);
    doMprotect(machine, p, region, PAGE_SIZE, PROT_READ);
    const first = pteOffset(machine, p, region);
    machine.phys.tableLow[first] = (machine.phys.tableLow[first] as number) | PTE_RW;
    expectViolation(machine, /is writable but its VMA is r--p$/);
  });

  it("reports NX out of step with PROT_EXEC", () => {
    const { machine, p, region } = busyMachine();
    const offset = pteOffset(machine, p, region);
    machine.phys.tableHigh[offset] =
      ((machine.phys.tableHigh[offset] as number) & ~PTE_HI_NX) >>> 0;
    expectViolation(machine, /has NX clear but its VMA is rw-p$/);
  });

  it("reports overlapping and misaligned VMAs", () => {
    const { machine, p, region } = busyMachine();
    // Placed by hand just after the region, as a buggy split or merge could leave it.
    const index = p.mm.vmas.findIndex((vma) => vma.start === region);
    p.mm.vmas.splice(
      index + 1,
      0,
      new Vma(region + PAGE_SIZE, region + 2 * PAGE_SIZE + 1, RW, 0, null, 0),
    );
    expectViolation(machine, /overlaps \[/);
    expectViolation(machine, /is not page-aligned$/);
  });

  it("reports a page-cache page whose references are off", () => {
    const { machine, p } = busyMachine();
    machine.access(p, EXECUTABLE_BASE, 8, ACCESS_READ);
    const pfn = mappedPfn(machine, p, EXECUTABLE_BASE);
    expect(machine.phys.kind[pfn]).toBe(FRAME_FILE);
    machine.phys.refcount[pfn] = (machine.phys.refcount[pfn] as number) - 1;
    expectViolation(
      machine,
      new RegExp(
        `^pfn ${pfn} \\(file\\): refcount \\d+, expected \\d+ \\(mapcount \\+ the page cache\\)$`,
      ),
    );
  });

  it("reports a dead process that still holds memory", () => {
    const { machine, p } = busyMachine();
    machine.exit(p);
    p.mm.rssAnon = 1;
    expectViolation(
      machine,
      new RegExp(`^pid ${p.pid} \\(exited\\) still holds RSS anon/file/shmem 1/0/0$`),
    );
  });
});

describe("assertInvariants", () => {
  it("is silent when all is well and throws with the context otherwise", () => {
    const { machine, p } = busyMachine();
    expect(() => assertInvariants(machine, "line 3: touch")).not.toThrow();
    p.mm.rssAnon = 0;
    p.mm.pgtablesBytes = 0;
    expect(() => assertInvariants(machine, "line 4: oops")).toThrow(
      /^2 invariant violations after line 4: oops:\n {2}- pid \d+: pgtablesBytes/,
    );
  });
});

// ---- random operation sequences -------------------------------------------------------------

const NAMES = ["app", "sh", "cc"] as const;
const MAX_SPAWNED = 3;
const MAX_LIVE = 4;

type Op =
  | { op: "spawn"; name: number }
  | { op: "mmap"; who: number; pages: number; prot: number; shared: boolean; populate: boolean }
  | { op: "munmap"; who: number; vma: number; from: number; pages: number }
  | { op: "mprotect"; who: number; vma: number; from: number; pages: number; prot: number }
  | { op: "dontneed"; who: number; vma: number; from: number; pages: number }
  | {
      op: "access";
      who: number;
      vma: number;
      page: number;
      offset: number;
      size: number;
      kind: number;
      polite: boolean;
    }
  | { op: "sweep"; who: number; vma: number; kind: number; polite: boolean }
  | { op: "stray"; who: number; where: number; distance: number; kind: number }
  | { op: "malloc"; who: number; size: number; zeroed: boolean; touch: boolean }
  | { op: "free"; who: number; pick: number; keep: boolean }
  | { op: "brk"; who: number; pages: number }
  | { op: "fork"; who: number }
  | { op: "exit"; who: number };

const who = fc.nat(7);
const index = fc.nat(31);
const prot = fc.constantFrom(
  PROT_NONE,
  PROT_READ,
  RW,
  PROT_READ | PROT_EXEC,
  RW | PROT_EXEC,
  PROT_WRITE,
  PROT_EXEC,
);
const kind = fc.constantFrom(ACCESS_READ, ACCESS_WRITE, ACCESS_EXEC);
/** Mostly accesses the VMA allows (so processes live long enough to matter), sometimes any. */
const polite = fc.nat(3).map((n) => n > 0);

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ op: fc.constant("spawn" as const), name: fc.nat(NAMES.length - 1) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("mmap" as const),
      who,
      pages: fc.integer({ min: 1, max: 40 }),
      prot,
      shared: fc.boolean(),
      populate: fc.boolean(),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("munmap" as const),
      who,
      vma: index,
      from: index,
      pages: fc.integer({ min: 1, max: 48 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("mprotect" as const),
      who,
      vma: index,
      from: index,
      pages: fc.integer({ min: 1, max: 40 }),
      prot,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("dontneed" as const),
      who,
      vma: index,
      from: index,
      pages: fc.integer({ min: 1, max: 40 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("access" as const),
      who,
      vma: index,
      page: fc.nat(63),
      offset: fc.nat(PAGE_SIZE - 1),
      size: fc.constantFrom(1, 8, 64, PAGE_SIZE, 3 * PAGE_SIZE),
      kind,
      polite,
    }),
    weight: 10,
  },
  {
    arbitrary: fc.record({ op: fc.constant("sweep" as const), who, vma: index, kind, polite }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("stray" as const),
      who,
      where: fc.nat(5),
      distance: fc.integer({ min: 1, max: 400 }),
      kind,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("malloc" as const),
      who,
      size: fc.constantFrom(1, 24, 200, 1500, 5000, 40_000, 140_000, 300_000),
      zeroed: fc.boolean(),
      touch: fc.boolean(),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("free" as const),
      who,
      pick: index,
      keep: fc.boolean(),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("brk" as const),
      who,
      pages: fc.integer({ min: -8, max: 12 }),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant("fork" as const), who }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("exit" as const), who }), weight: 1 },
);

/** `wanted` if the VMA allows it, else a read (-1 for PROT_NONE, which allows nothing). */
function allowedKind(vma: Vma, wanted: number): number {
  if (vma.prot === PROT_NONE) return -1;
  if (wanted === ACCESS_WRITE && !(vma.prot & PROT_WRITE)) return ACCESS_READ;
  if (wanted === ACCESS_EXEC && !(vma.prot & PROT_EXEC)) return ACCESS_READ;
  return wanted;
}

/** The machine under test and what the test remembers about it. */
class World {
  readonly machine: Machine;
  /** Live malloc pointers per PID (a pointer stays listed after a `keep` free: a later double free). */
  readonly pointers = new Map<number, number[]>();
  spawned = 0;

  constructor(config: MachineConfig) {
    this.machine = new Machine(config);
  }

  pick(n: number): Process | null {
    const live = this.machine.running();
    return live[n % Math.max(1, live.length)] ?? null;
  }

  vmaOf(process: Process, n: number): Vma | null {
    const vmas = process.mm.vmas;
    return vmas[n % Math.max(1, vmas.length)] ?? null;
  }

  run(op: Op): void {
    const machine = this.machine;
    if (op.op === "spawn") {
      if (this.spawned >= MAX_SPAWNED || machine.running().length >= MAX_LIVE) return;
      this.spawned++;
      machine.spawn(NAMES[op.name] ?? "app");
      return;
    }
    const process = this.pick(op.who);
    if (process === null) return;
    switch (op.op) {
      case "mmap":
        doMmap(machine, process, op.pages * PAGE_SIZE, op.prot, op.shared, op.populate);
        return;
      case "munmap":
      case "mprotect":
      case "dontneed": {
        const vma = this.vmaOf(process, op.vma);
        if (vma === null) return;
        const start = vma.start + (op.from % vma.pages) * PAGE_SIZE;
        const length = op.pages * PAGE_SIZE;
        if (op.op === "munmap") doMunmap(machine, process, start, length);
        else if (op.op === "mprotect") doMprotect(machine, process, start, length, op.prot);
        else doMadvise(machine, process, start, length, "dontneed");
        return;
      }
      case "access": {
        const vma = this.vmaOf(process, op.vma);
        if (vma === null) return;
        const address = vma.start + (op.page % vma.pages) * PAGE_SIZE + op.offset;
        const accessKind = op.polite ? allowedKind(vma, op.kind) : op.kind;
        if (accessKind < 0) return;
        machine.access(process, address, op.size, accessKind);
        return;
      }
      case "sweep": {
        const vma = this.vmaOf(process, op.vma);
        if (vma === null) return;
        const accessKind = op.polite ? allowedKind(vma, op.kind) : op.kind;
        if (accessKind < 0) return;
        for (let address = vma.start; address < vma.end && process.alive; address += PAGE_SIZE) {
          machine.access(process, address, 8, accessKind);
        }
        return;
      }
      case "stray":
        machine.access(process, this.strayAddress(process, op.where, op.distance), 8, op.kind);
        return;
      case "malloc": {
        const pointer = op.zeroed
          ? machine.calloc(process, op.size)
          : machine.malloc(process, op.size);
        if (pointer === 0 || !process.alive) return;
        this.pointersOf(process.pid).push(pointer);
        if (op.touch)
          machine.access(process, pointer, Math.min(op.size, 16 * PAGE_SIZE), ACCESS_WRITE);
        return;
      }
      case "free": {
        const list = this.pointersOf(process.pid);
        if (list.length === 0) return;
        const at = op.pick % list.length;
        const pointer = list[at] as number;
        if (!op.keep) list.splice(at, 1);
        machine.free(process, pointer);
        return;
      }
      case "brk":
        doBrk(machine, process, process.mm.brk + op.pages * PAGE_SIZE);
        return;
      case "fork": {
        if (machine.running().length >= MAX_LIVE) return;
        const child = machine.fork(process);
        if (child !== null) this.pointers.set(child.pid, [...this.pointersOf(process.pid)]);
        return;
      }
      case "exit":
        machine.exit(process);
        return;
    }
  }

  /** Addresses outside the mappings (or just at their edges): NULL, gaps, below the stack, kernel space. */
  private strayAddress(process: Process, where: number, distance: number): number {
    const vma = this.vmaOf(process, distance);
    switch (where) {
      case 0:
        return distance * 8;
      case 1:
        return vma === null ? 0 : vma.end + distance - 1;
      case 2:
        return vma === null ? 0 : vma.start - distance;
      case 3:
        return TASK_SIZE + distance * PAGE_SIZE;
      case 4:
        // Below the initial stack: within the stack limit this grows the stack.
        return STACK_TOP - INITIAL_STACK_SIZE - distance * PAGE_SIZE * 8;
      default:
        return process.mm.mmapBase - distance * 0x10000;
    }
  }

  private pointersOf(pid: number): number[] {
    let list = this.pointers.get(pid);
    if (list === undefined) {
      list = [];
      this.pointers.set(pid, list);
    }
    return list;
  }
}

/** Run `ops`, checking every invariant after each; then exit everyone and expect all memory back. */
function runAndCheck(config: MachineConfig, ops: readonly Op[]): void {
  const world = new World(config);
  const machine = world.machine;
  const initialFree = machine.phys.freeFrames;
  expect(checkInvariants(machine)).toEqual([]);
  ops.forEach((op, step) => {
    world.run(op);
    const violations = checkInvariants(machine);
    if (violations.length > 0) {
      throw new Error(
        `after step ${step} ${JSON.stringify(op)}:\n${violations.slice(0, 20).join("\n")}`,
      );
    }
  });
  for (const process of machine.running()) machine.exit(process);
  expect(checkInvariants(machine)).toEqual([]);
  const kinds = machine.phys.framesOfKind;
  expect([kinds[FRAME_ANON], kinds[FRAME_SHMEM], kinds[FRAME_PAGETABLE]]).toEqual([0, 0, 0]);
  // Only the executables' pages stay, in the page cache.
  expect(kinds[FRAME_FILE]).toBeLessThanOrEqual(4 * NAMES.length);
  expect(machine.phys.freeFrames + (kinds[FRAME_FILE] as number)).toBe(initialFree);
  const cpu = machine.cpu;
  expect([cpu.dtlb.validCount(), cpu.itlb.validCount(), cpu.stlb.validCount()]).toEqual([0, 0, 0]);
}

/** Sequences start with a spawn, so that most operations have a process to act on. */
const opsArbitrary = fc
  .tuple(
    fc.nat(NAMES.length - 1),
    fc.array(opArbitrary, { minLength: 1, maxLength: 40, size: "max" }),
  )
  .map(([name, ops]): Op[] => [{ op: "spawn", name }, ...ops]);

describe("invariants hold after every operation of random sequences", () => {
  for (const pcid of [true, false]) {
    it(`16 MiB of RAM, PCID ${pcid ? "on" : "off"}`, () => {
      fc.assert(
        fc.property(opsArbitrary, (ops) => runAndCheck(smallConfig(pcid), ops)),
        { numRuns: 150 },
      );
    });
  }

  it("1.5 MiB of RAM, where allocations fail and processes are killed", () => {
    fc.assert(
      fc.property(fc.boolean(), opsArbitrary, (pcid, ops) =>
        runAndCheck(smallConfig(pcid, 1.5 * MiB), ops),
      ),
      { numRuns: 400 },
    );
  });
});

// ---- exact fault counts -----------------------------------------------------------------------

/** A permutation of 0..n-1 drawn from random sort keys. */
function orderOf(keys: readonly number[], n: number): number[] {
  return Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (keys[a] ?? 0) - (keys[b] ?? 0) || a - b,
  );
}

const pagesAndOrder = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    keys: fc.array(fc.nat(1000), { minLength: n, maxLength: n }),
    offsets: fc.array(fc.nat(PAGE_SIZE - 8), { minLength: n, maxLength: n }),
    pcid: fc.boolean(),
  }),
);

/** Touch each page of [region, region + n pages) once, in `order`, at the page's offset. */
function touch(
  machine: Machine,
  process: Process,
  region: number,
  order: readonly number[],
  offsets: readonly number[],
  kindOfAccess: number,
): void {
  for (const page of order) {
    const ok = machine.access(
      process,
      region + page * PAGE_SIZE + (offsets[page] ?? 0),
      8,
      kindOfAccess,
    );
    if (!ok) throw new Error(`access to page ${page} failed`);
  }
}

describe("fault counts", () => {
  it("writing N fresh private pages costs N minor faults; a second pass costs none", () => {
    fc.assert(
      fc.property(pagesAndOrder, ({ n, keys, offsets, pcid }) => {
        const machine = new Machine(smallConfig(pcid));
        const p = machine.spawn("app");
        const region = doMmap(machine, p, n * PAGE_SIZE, RW, false, false);
        const order = orderOf(keys, n);
        touch(machine, p, region, order, offsets, ACCESS_WRITE);
        expect(p.minflt).toBe(n);
        expect(p.mm.rssAnon).toBe(n);
        touch(machine, p, region, order.slice().reverse(), offsets, ACCESS_WRITE);
        touch(machine, p, region, order, offsets, ACCESS_READ);
        expect(p.minflt).toBe(n);
        expect(checkInvariants(machine)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it("reading N fresh pages and then writing them costs 2N minor faults", () => {
    fc.assert(
      fc.property(pagesAndOrder, ({ n, keys, offsets, pcid }) => {
        const machine = new Machine(smallConfig(pcid));
        const p = machine.spawn("app");
        const region = doMmap(machine, p, n * PAGE_SIZE, RW, false, false);
        const order = orderOf(keys, n);
        touch(machine, p, region, order, offsets, ACCESS_READ);
        expect(p.minflt).toBe(n);
        expect(p.mm.rssAnon).toBe(0); // all on the zero page
        touch(machine, p, region, order.slice().reverse(), offsets, ACCESS_WRITE);
        expect(p.minflt).toBe(2 * n);
        expect(p.mm.rssAnon).toBe(n);
        touch(machine, p, region, order, offsets, ACCESS_WRITE);
        expect(p.minflt).toBe(2 * n);
        expect(checkInvariants(machine)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it("after fork, whichever side writes first copies (N faults) and the other reuses (N faults)", () => {
    fc.assert(
      fc.property(pagesAndOrder, fc.boolean(), ({ n, keys, offsets, pcid }, childFirst) => {
        const machine = new Machine(smallConfig(pcid));
        const parent = machine.spawn("app");
        const region = doMmap(machine, parent, n * PAGE_SIZE, RW, false, false);
        const order = orderOf(keys, n);
        touch(machine, parent, region, order, offsets, ACCESS_WRITE);
        const child = machine.fork(parent);
        if (child === null) throw new Error("fork failed");
        const before = parent.minflt;
        expect(checkInvariants(machine)).toEqual([]);
        const [first, second] = childFirst ? [child, parent] : [parent, child];
        touch(machine, first, region, order, offsets, ACCESS_WRITE);
        expect(checkInvariants(machine)).toEqual([]);
        touch(machine, second, region, order.slice().reverse(), offsets, ACCESS_WRITE);
        expect(child.minflt).toBe(n);
        expect(parent.minflt - before).toBe(n);
        expect([child.cowFaults, parent.cowFaults]).toEqual([n, n]);
        expect(parent.mm.rssAnon + child.mm.rssAnon).toBe(2 * n);
        // Everything is exclusive now: another pass on either side costs nothing.
        touch(machine, first, region, order, offsets, ACCESS_WRITE);
        touch(machine, second, region, order, offsets, ACCESS_WRITE);
        expect(child.minflt).toBe(n);
        expect(parent.minflt - before).toBe(n);
        expect(checkInvariants(machine)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it("a region that only ever mapped the zero page is not copied at fork: the child faults again", () => {
    fc.assert(
      fc.property(pagesAndOrder, ({ n, keys, offsets, pcid }) => {
        const machine = new Machine(smallConfig(pcid));
        const parent = machine.spawn("app");
        const region = doMmap(machine, parent, n * PAGE_SIZE, RW, false, false);
        const order = orderOf(keys, n);
        touch(machine, parent, region, order, offsets, ACCESS_READ);
        const child = machine.fork(parent);
        if (child === null) throw new Error("fork failed");
        touch(machine, child, region, order, offsets, ACCESS_READ);
        expect(child.minflt).toBe(n);
        touch(machine, parent, region, order, offsets, ACCESS_READ);
        expect(parent.minflt).toBe(n);
        expect(checkInvariants(machine)).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });

  it("an access that ends in SIGSEGV counts no fault", () => {
    const cases = [
      { what: "unmapped", prot: RW, kind: ACCESS_READ, page: 4, code: "SEGV_MAPERR" },
      { what: "read-only", prot: PROT_READ, kind: ACCESS_WRITE, page: 0, code: "SEGV_ACCERR" },
      { what: "PROT_NONE", prot: PROT_NONE, kind: ACCESS_READ, page: 1, code: "SEGV_ACCERR" },
      { what: "NX", prot: RW, kind: ACCESS_EXEC, page: 2, code: "SEGV_ACCERR" },
    ] as const;
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom(...cases),
        fc.nat(PAGE_SIZE - 8),
        fc.boolean(),
        (pcid, fatal, offset, touchFirst) => {
          const machine = new Machine(smallConfig(pcid));
          const p = machine.spawn("app");
          const region = doMmap(machine, p, 4 * PAGE_SIZE, fatal.prot, false, false);
          const target = region + fatal.page * PAGE_SIZE + offset;
          // Make the page present first when the VMA allows some access (a fault of its own).
          if (touchFirst && fatal.prot !== PROT_NONE && fatal.page < 4) {
            machine.access(p, target, 8, fatal.prot & PROT_WRITE ? ACCESS_WRITE : ACCESS_READ);
          }
          const before = p.minflt;
          expect(machine.access(p, target, 8, fatal.kind)).toBe(false);
          // A fetch from a missing page of a readable VMA is no access error (access_error only
          // checks vma_is_accessible): the page is mapped (one fault), and the retried fetch then
          // hits NX. Only that last, fatal fault counts nothing.
          const mappedFirst = fatal.what === "NX" && !touchFirst ? 1 : 0;
          expect(p.minflt).toBe(before + mappedFirst);
          expect(p.state).toBe("killed");
          expect(p.signal).toEqual({ signal: "SIGSEGV", code: fatal.code, address: target });
          expect(checkInvariants(machine)).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("munmap and exit give every frame back, except the executables' cached pages", () => {
    const regionSpec = fc.record({
      pages: fc.integer({ min: 1, max: 24 }),
      shared: fc.boolean(),
      writes: fc.array(fc.nat(23), { maxLength: 24 }),
      reads: fc.array(fc.nat(23), { maxLength: 24 }),
    });
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.nat(NAMES.length - 1), { minLength: 1, maxLength: 3 }),
        fc.array(regionSpec, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (pcid, names, specs, forkFirst) => {
          const machine = new Machine(smallConfig(pcid));
          const initialFree = machine.phys.freeFrames;
          const processes = names.map((name) => machine.spawn(NAMES[name] ?? "app"));
          const regions: { process: Process; start: number; pages: number }[] = [];
          specs.forEach((spec, i) => {
            const process = processes[i % processes.length] as Process;
            const start = doMmap(machine, process, spec.pages * PAGE_SIZE, RW, spec.shared, false);
            regions.push({ process, start, pages: spec.pages });
            for (const page of spec.reads) {
              machine.access(process, start + (page % spec.pages) * PAGE_SIZE, 8, ACCESS_READ);
            }
            for (const page of spec.writes) {
              machine.access(process, start + (page % spec.pages) * PAGE_SIZE, 8, ACCESS_WRITE);
            }
          });
          const everyone = [...processes];
          if (forkFirst) {
            const child = machine.fork(processes[0] as Process);
            if (child !== null) everyone.push(child);
          }
          for (const { process, start, pages } of regions) {
            expect(doMunmap(machine, process, start, pages * PAGE_SIZE)).toBe(0);
          }
          expect(checkInvariants(machine)).toEqual([]);
          for (const process of processes) expect(process.mm.rssAnon + process.mm.rssShmem).toBe(0);
          for (const process of everyone) machine.exit(process);
          expect(checkInvariants(machine)).toEqual([]);
          const imagePages = 4 * new Set(names).size;
          expect(machine.phys.framesOfKind[FRAME_FILE]).toBe(imagePages);
          expect(machine.phys.freeFrames).toBe(initialFree - imagePages);
        },
      ),
      { numRuns: 60 },
    );
  });
});

// ---- engine bugs the properties above found, now fixed: kept as regression tests ---------------

describe("regressions found by the properties", () => {
  // mm/memory.ts cachePage/faultAround use vma.backingIndex(address) with the unaligned fault
  // address (mm/vma.ts does not round down): the page-cache index becomes fractional, so a
  // fresh page is cached at index 3.000244... instead of using page 3.
  it("an unaligned write to a private file page copies the cached page of that page", () => {
    const machine = new Machine(smallConfig(true));
    const p = machine.spawn("app");
    machine.access(p, EXECUTABLE_BASE + 4 * PAGE_SIZE + 1, 1, ACCESS_WRITE); // the data segment
    expect(machine.phys.framesOfKind[FRAME_FILE]).toBe(4); // the image's four pages, no more
    expect(checkInvariants(machine)).toEqual([]);
  });

  it("an unaligned access to shared anonymous memory maps the shared page", () => {
    const machine = new Machine(smallConfig(true));
    const parent = machine.spawn("app");
    const shared = doMmap(machine, parent, PAGE_SIZE, RW, true, false);
    const child = machine.fork(parent);
    if (child === null) throw new Error("fork failed");
    machine.access(parent, shared + 8, 8, ACCESS_WRITE);
    machine.access(child, shared + 16, 8, ACCESS_WRITE);
    // Both must see the same page; today each offset gets its own "page" of the object.
    expect(mappedPfn(machine, child, shared)).toBe(mappedPfn(machine, parent, shared));
    expect(checkInvariants(machine)).toEqual([]);
  });

  // machine.ts mallocHost: store() checks process.alive, but brk(), mmapAnonymous() and munmap()
  // do not, so an allocator whose store killed the process keeps mapping memory into it.
  it("malloc stops at once when its process dies inside it", () => {
    const machine = new Machine(smallConfig(true));
    const p = machine.spawn("app");
    const block = machine.malloc(p, 40_000);
    machine.malloc(p, 1);
    machine.free(p, block); // the 40 000-byte chunk goes to the unsorted bin
    doMunmap(machine, p, p.mm.startBrk, PAGE_SIZE); // the heap's first page, where that chunk is
    // _int_malloc sorts the unsorted chunk (stores into the unmapped page: SIGSEGV), then
    // sysmalloc mmaps 300 000 bytes for the dead process and malloc returns a pointer.
    const pointer = machine.malloc(p, 300_000);
    expect(p.state).toBe("killed");
    expect(pointer).toBe(0);
    expect(p.mm.vmas).toEqual([]);
    expect(checkInvariants(machine)).toEqual([]);
  });

  // machine.ts fork: when copyPageRange fails (ENOMEM) the child is torn down and fork returns
  // null before cpu.invalidateMm(parent), yet the parent's PTEs copied so far were already
  // write-protected; its TLB keeps them writable. Linux's dup_mmap flushes the old mm on both paths.
  it("a fork that fails for lack of memory still flushes the parent's TLB", () => {
    for (const pcid of [true, false]) {
      const machine = new Machine(smallConfig(pcid, 5 * MiB));
      const parent = machine.spawn("app");
      const region = doMmap(machine, parent, 4 * MiB + PAGE_SIZE, RW, false, false);
      // One page in each of three 2 MiB spans: the child would need three PTE tables.
      for (const page of [0, 512, 1024])
        machine.access(parent, region + page * PAGE_SIZE, 8, ACCESS_WRITE);
      const filler = machine.spawn("filler");
      // Neither may be OOM-killed: with nothing to kill, allocations dip into the reserve.
      parent.oomScoreAdj = -1000;
      filler.oomScoreAdj = -1000;
      const fill = doMmap(machine, filler, 4 * MiB, RW, false, false);
      for (let address = fill; filler.alive && machine.phys.freeFrames > 4; address += PAGE_SIZE) {
        machine.access(filler, address, 8, ACCESS_WRITE);
      }
      machine.access(parent, region, 8, ACCESS_WRITE); // a writable, dirty TLB entry
      // 4 frames: PGD, PUD, PMD and the first PTE table; the second PTE table fails.
      expect(machine.fork(parent)).toBeNull();
      const minflt = parent.minflt;
      expect(checkInvariants(machine)).toEqual([]);
      // The PTE is read-only again, so the next write must fault (a COW reuse).
      machine.access(parent, region, 8, ACCESS_WRITE);
      expect(parent.minflt).toBe(minflt + 1);
    }
  });
});
