import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entryPfn, PAGE_SIZE } from "../arch/x86/pgtable.js";
import { machineConfigFrom } from "../config.js";
import { checkInvariants } from "../invariants/index.js";
import { Machine } from "../machine.js";
import { ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import type { Process } from "../process.js";
import { entryMapsFrame } from "./memory.js";
import { doMadvise, doMmap } from "./mmap.js";
import { PROT_READ, PROT_WRITE } from "./vma.js";
import { PGMAJFAULT, PSWPIN, PSWPOUT } from "./vmstat.js";

const RW = PROT_READ | PROT_WRITE;
const REGION_PAGES = 2048; // 8 MiB per process, on a machine with 4 MiB of RAM

/** What the page mapped at `address` holds (its stamp); the access before it made it present. */
function stampAt(machine: Machine, process: Process, address: number): number {
  const offset = machine.memory.pteOffset(process.mm, process.pid, address, false);
  const low = machine.phys.tableLow[offset] as number;
  if (offset < 0 || !entryMapsFrame(low)) throw new Error("page not present after an access");
  return machine.phys.stamp[entryPfn(low, machine.phys.tableHigh[offset] as number)] as number;
}

interface Step {
  op: "write" | "read" | "fork" | "dontneed" | "exit";
  who: number;
  page: number;
  run: number;
}

interface Tracked {
  process: Process;
  region: number;
  /** Expected stamp per page (0: never written, reads as zeroes). */
  expected: Float64Array;
}

/** Mostly long runs of writes and reads, so that the working set outgrows RAM and swaps. */
const step = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("write" as const),
      who: fc.nat(3),
      page: fc.nat(REGION_PAGES - 1),
      run: fc.integer({ min: 100, max: 800 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("read" as const),
      who: fc.nat(3),
      page: fc.nat(REGION_PAGES - 1),
      run: fc.integer({ min: 100, max: 800 }),
    }),
  },
  fc.record({
    op: fc.constant("fork" as const),
    who: fc.nat(3),
    page: fc.constant(0),
    run: fc.constant(0),
  }),
  fc.record({
    op: fc.constant("dontneed" as const),
    who: fc.nat(3),
    page: fc.nat(REGION_PAGES - 1),
    run: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({
    op: fc.constant("exit" as const),
    who: fc.nat(3),
    page: fc.constant(0),
    run: fc.constant(0),
  }),
);

/** Reclaim set-ups the property runs under: Linux's lists at three swappiness values, and
 * registry policies in their place (`machine policy=`). */
const RECLAIM_SETUPS = [
  { key: "swappiness", value: "0" },
  { key: "swappiness", value: "60" },
  { key: "swappiness", value: "200" },
  { key: "policy", value: "fifo" },
  { key: "policy", value: "lru" },
  { key: "policy", value: "clock:bits=2" },
  { key: "policy", value: "random" },
  { key: "policy", value: "arc" },
  { key: "policy", value: "sieve" },
] as const;

function runWorkload(steps: Step[], reclaim: { key: string; value: string }): Machine {
  const machine = new Machine(
    machineConfigFrom([
      { key: "ram", value: "4M" },
      { key: "swap", value: "24M" },
      reclaim,
      { key: "page_cluster", value: "2" },
    ]),
  );
  const first = machine.spawn("app");
  const tracked: Tracked[] = [
    {
      process: first,
      region: doMmap(machine, first, REGION_PAGES * PAGE_SIZE, RW, false, false),
      expected: new Float64Array(REGION_PAGES),
    },
  ];
  for (const { op, who, page, run } of steps) {
    const live = tracked.filter((entry) => entry.process.alive);
    const entry = live[who % Math.max(1, live.length)];
    if (entry === undefined) break;
    const { process, region, expected } = entry;
    const last = Math.min(REGION_PAGES, page + run);
    if (op === "write") {
      for (let p = page; p < last && process.alive; p++) {
        machine.access(process, region + p * PAGE_SIZE, 8, ACCESS_WRITE);
        expected[p] = machine.cpu.writeSerial;
      }
    } else if (op === "read") {
      for (let p = page; p < last && process.alive; p++) {
        if (!machine.access(process, region + p * PAGE_SIZE, 8, ACCESS_READ)) break;
        expect(
          stampAt(machine, process, region + p * PAGE_SIZE),
          `page ${p} of pid ${process.pid}`,
        ).toBe(expected[p]);
      }
    } else if (op === "fork" && tracked.length < 4) {
      const child = machine.fork(process);
      if (child !== null) tracked.push({ process: child, region, expected: expected.slice() });
    } else if (op === "dontneed") {
      doMadvise(machine, process, region + page * PAGE_SIZE, (last - page) * PAGE_SIZE, "dontneed");
      expected.fill(0, page, last);
    } else if (op === "exit" && live.length > 1) {
      machine.exit(process);
    }
    machine.runBackgroundWork();
  }
  return machine;
}

describe("swap keeps every page's contents", () => {
  it("every page read back holds what was last written; frames and slots stay consistent", () => {
    let swapped = 0;
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 10, maxLength: 40 }),
        fc.constantFrom(...RECLAIM_SETUPS),
        (steps, reclaim) => {
          const machine = runWorkload(steps, reclaim);
          swapped += machine.vmstat[PSWPIN] as number;
          expect(checkInvariants(machine)).toEqual([]);
          for (const process of machine.processes) machine.exit(process);
          expect(checkInvariants(machine)).toEqual([]);
          // Every slot is freed once the pages that used it are gone.
          expect(machine.memory.swap?.used).toBe(0);
        },
      ),
      { numRuns: 90 },
    );
    // The property means something only if pages really went to swap and came back.
    expect(swapped).toBeGreaterThan(0);
  });

  it("a workload larger than RAM swaps out and back in, and counts it", () => {
    const steps = [
      { op: "write" as const, who: 0, page: 0, run: 64 },
      ...Array.from({ length: 31 }, (_, i) => ({
        op: "write" as const,
        who: 0,
        page: 64 * (i + 1),
        run: 64,
      })),
      ...Array.from({ length: 32 }, (_, i) => ({
        op: "read" as const,
        who: 0,
        page: 64 * i,
        run: 64,
      })),
    ];
    const machine = runWorkload(steps, { key: "swappiness", value: "60" });
    expect(machine.vmstat[PSWPOUT]).toBeGreaterThan(0);
    expect(machine.vmstat[PSWPIN]).toBeGreaterThan(0);
    expect(machine.vmstat[PGMAJFAULT]).toBeGreaterThan(0);
    expect(checkInvariants(machine)).toEqual([]);
  });
});
