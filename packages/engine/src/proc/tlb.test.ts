import { describe, expect, test } from "vitest";
import { entryPfn } from "../arch/x86/pgtable.js";
import { Machine } from "../machine.js";
import { doMmap } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import { walkLevels } from "./pagetable.js";
import { renderTlb, tlbCounters, tlbFlagNames } from "./tlb.js";

describe("renderTlb", () => {
  test("geometry, counters and the valid entries", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 64 * 1024, PROT_READ | PROT_WRITE, false, false);
    machine.access(app, address, 8, ACCESS_WRITE);
    machine.access(app, address, 8, ACCESS_READ);
    machine.access(app, address, 8, ACCESS_READ);
    const pte = walkLevels(machine, app, address)[3];
    const pfn = entryPfn(pte?.low ?? 0, pte?.high ?? 0).toString(16);
    const lines = renderTlb(machine).split("\n");
    expect(lines[0]).toBe("dTLB: 64 entries, 16 sets x 4 ways, 1 valid");
    // The first write misses twice: before the fault and when the store restarts after it.
    expect(lines[1]).toBe("  hits 2, misses 2, hit rate 50.00%, evictions 0");
    expect(lines[2]).toBe(
      "   set way        vpn        tag  virtual address  PCID       pfn  flags",
    );
    // 16 sets: the set is the low 4 bits of the page number, the tag the bits above them.
    expect(lines[3]).toBe(
      `    15   0  7ffff7fef   7ffff7fe   0x7ffff7fef000     1 ${pfn.padStart(9)}  W U NX D`,
    );
    expect(lines[4]).toBe("iTLB: 128 entries, 16 sets x 8 ways, 0 valid");
    expect(lines[5]).toBe("  hits 0, misses 0, hit rate -, evictions 0");
    expect(lines[6]).toBe("STLB: 1536 entries, 128 sets x 12 ways, 1 valid");
    expect(lines).toContain("dTLB 2M: 32 entries, 8 sets x 4 ways, 0 valid");
    expect(lines.at(-2)).toMatch(
      /^page walks \d+, entries read by walks \d+, context switches 1, PCID on$/,
    );
  });

  test("reading the TLBs changes neither counters nor LRU stamps", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 4096, PROT_READ | PROT_WRITE, false, false);
    machine.access(app, address, 8, ACCESS_WRITE);
    const before = tlbCounters(machine);
    const stamps = machine.cpu.dtlb.stamp.slice();
    renderTlb(machine);
    expect(tlbCounters(machine)).toEqual(before);
    expect(machine.cpu.dtlb.stamp).toEqual(stamps);
  });

  test("flag names", () => {
    expect(tlbFlagNames(0)).toBe("");
    expect(tlbFlagNames(0xff)).toBe("W U NX D G");
  });
});

describe("tlbCounters", () => {
  test("keys", () => {
    const machine = new Machine();
    expect(Object.keys(tlbCounters(machine))).toEqual([
      "dtlb_hits",
      "dtlb_misses",
      "itlb_hits",
      "itlb_misses",
      "stlb_hits",
      "stlb_misses",
      "page_walks",
      "walk_reads",
      "context_switches",
    ]);
  });
});
