import { describe, expect, test } from "vitest";
import { entryPfn, isSwapEntry, PTE_ACCESSED } from "../arch/x86/pgtable.js";
import { machineConfigFrom } from "../config.js";
import { Machine } from "../machine.js";
import { doMmap, doMprotect } from "../mm/mmap.js";
import { PROT_NONE, PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import type { Process } from "../process.js";
import { renderWalk, walkLevels } from "./pagetable.js";

const RW = PROT_READ | PROT_WRITE;

function setup(): { machine: Machine; app: Process; address: number } {
  const machine = new Machine();
  const app = machine.spawn("app");
  const address = doMmap(machine, app, 64 * 1024, RW, false, false);
  machine.access(app, address, 8, ACCESS_WRITE);
  return { machine, app, address };
}

describe("walkLevels", () => {
  test("a mapped page: four present entries leading to its frame", () => {
    const { machine, app, address } = setup();
    const levels = walkLevels(machine, app, address + 0x123);
    expect(levels.map((level) => [level.level, level.index, level.present])).toEqual([
      ["PGD", 255, true],
      ["PUD", 511, true],
      ["PMD", 447, true],
      ["PTE", 495, true],
    ]);
    expect(levels[0]?.tablePfn).toBe(app.mm.pgd);
    for (let i = 1; i < 4; i++) {
      const above = levels[i - 1];
      expect(levels[i]?.tablePfn).toBe(entryPfn(above?.low ?? 0, above?.high ?? 0));
    }
    const leaf = levels[3];
    expect(machine.phys.kind[entryPfn(leaf?.low ?? 0, leaf?.high ?? 0)]).toBe(4); // FRAME_ANON
  });

  test("stops at the first entry that is not present", () => {
    const { machine, app, address } = setup();
    const unmapped = walkLevels(machine, app, address + 4096);
    expect(unmapped.map((level) => level.present)).toEqual([true, true, true, false]);
    expect(unmapped[3]?.low).toBe(0);
    const low = walkLevels(machine, app, 0x1000);
    expect(low).toHaveLength(1);
    expect(low[0]).toMatchObject({ level: "PGD", index: 0, present: false });
  });

  test("nothing to walk for an exited process or a kernel address", () => {
    const { machine, app } = setup();
    expect(walkLevels(machine, app, 2 ** 47)).toEqual([]);
    machine.exit(app);
    expect(walkLevels(machine, app, 0x7ffff7fef000)).toEqual([]);
  });
});

describe("renderWalk", () => {
  test("the walk of a written anonymous page", () => {
    const { machine, app, address } = setup();
    const text = renderWalk(machine, app, address + 8);
    const levels = walkLevels(machine, app, address);
    const pte = levels[3];
    const pfn = entryPfn(pte?.low ?? 0, pte?.high ?? 0);
    const lines = text.split("\n");
    expect(lines[0]).toBe(
      "page walk of 0x7ffff7fef008 in PID 1000 (app), read-only (no A/D bits set, no TLB fill)",
    );
    expect(lines[1]).toBe(
      "  PGD index 255 (bits 47-39), PUD index 511 (38-30), PMD index 447 (29-21), PTE index 495 (20-12), offset 0x008 (11-0)",
    );
    expect(lines[2]).toBe("  VMA 7ffff7fef000-7ffff7fff000 rw-p 00000000 00:00 0");
    expect(lines[3]).toBe(
      `CR3 -> PGD table in frame 0x${app.mm.pgd.toString(16)} (physical 0x${(app.mm.pgd * 4096).toString(16)})`,
    );
    expect(lines[4]).toMatch(/^PGD\[255\] at 0x[0-9a-f]+7f8 = 0{7}[0-9a-f]{6}067 {2}P RW US A D$/);
    expect(text).toContain(`PTE[495] at 0x${(levels[3]?.tablePfn ?? 0).toString(16)}f78 = 80`);
    expect(text).toContain("  P RW US A D NX\n");
    expect(text).toContain(
      `  -> page frame 0x${pfn.toString(16)} (anon, mapcount 1): physical address 0x${(pfn * 4096 + 8).toString(16)}\n`,
    );
    expect(text.endsWith("rights after all levels: read-write, user, no-execute\n")).toBe(true);
  });

  test("marks where the walk stops", () => {
    const { machine, app, address } = setup();
    const missingPage = renderWalk(machine, app, address + 4096);
    expect(missingPage).toContain("= 0000000000000000  (empty)\n");
    expect(missingPage).toContain("  -> not present: no page mapped here; an access page-faults\n");
    const missingTable = renderWalk(machine, app, 0x1000);
    expect(missingTable).toContain("  no VMA contains it: an access gets SIGSEGV (SEGV_MAPERR)\n");
    expect(missingTable).toContain("PGD[0] at ");
    expect(missingTable).toContain("  -> not present: no PUD table below; an access page-faults\n");
    expect(missingTable).not.toContain("PUD[");
  });

  test("a PROT_NONE page is resident but not present to the hardware", () => {
    const { machine, app, address } = setup();
    expect(doMprotect(machine, app, address, 4096, PROT_NONE)).toBe(0);
    const text = renderWalk(machine, app, address);
    // The page was written before: its dirty bit survives the protection change.
    expect(text).toMatch(/ {2}PROTNONE A D NX\n/);
    expect(text).toMatch(/-> PROT_NONE: frame 0x[0-9a-f]+ \(anon, mapcount 1\) is resident/);
  });

  test("the zero page is named", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 4096, RW, false, false);
    machine.access(app, address, 1, 0);
    expect(renderWalk(machine, app, address)).toContain("(the shared zero page)");
  });

  test("changes no accessed bit, no TLB and no counter", () => {
    const { machine, app, address } = setup();
    const child = machine.fork(app) as Process;
    const childPte = walkLevels(machine, child, address)[3];
    expect((childPte?.low ?? 0) & PTE_ACCESSED).toBe(0); // fork made the child's entry old
    const low = machine.phys.tableLow.slice();
    const high = machine.phys.tableHigh.slice();
    const cpu = machine.cpu;
    const counters = [
      cpu.pageWalks,
      cpu.walkReads,
      cpu.dtlb.hits,
      cpu.dtlb.misses,
      cpu.stlb.misses,
    ];
    const dtlbFlags = cpu.dtlb.flags.slice();
    renderWalk(machine, child, address);
    renderWalk(machine, app, address);
    renderWalk(machine, child, address + 4096);
    expect(machine.phys.tableLow).toEqual(low);
    expect(machine.phys.tableHigh).toEqual(high);
    expect([cpu.pageWalks, cpu.walkReads, cpu.dtlb.hits, cpu.dtlb.misses, cpu.stlb.misses]).toEqual(
      counters,
    );
    expect(cpu.dtlb.flags).toEqual(dtlbFlags);
  });

  test("an address outside user space", () => {
    const { machine, app } = setup();
    expect(renderWalk(machine, app, 2 ** 47)).toContain(
      "  not a user-space address: user space is 0x0 to 0x7fffffffffff\n",
    );
  });

  test("a swapped-out page ends the walk at its swap entry", () => {
    const machine = new Machine(
      machineConfigFrom([
        { key: "ram", value: "16M" },
        { key: "swap", value: "8M" },
      ]),
    );
    const app = machine.spawn("app");
    const size = 20 * 1024 * 1024;
    const region = doMmap(machine, app, size, RW, false, false);
    for (let page = 0; page < size / 4096; page++)
      machine.access(app, region + page * 4096, 8, ACCESS_WRITE);
    const swap = machine.memory.swap;
    if (swap === null) throw new Error("no swap");
    const levels = walkLevels(machine, app, region);
    const pte = levels[3];
    expect(pte).toMatchObject({ level: "PTE", present: false });
    expect(isSwapEntry(pte?.low ?? 0)).toBe(true);
    const slot = entryPfn(pte?.low ?? 0, pte?.high ?? 0);
    expect(swap.count[slot]).toBe(1);
    expect(swap.cachePfn[slot]).toBe(-1);
    const text = renderWalk(machine, app, region);
    expect(text).toMatch(/PTE\[\d+\] at 0x[0-9a-f]+ = [0-9a-f]{16} {2}SWAP\n/);
    expect(text).toContain(
      `  -> swap entry: slot ${slot} of /swapfile (not present: an access faults and do_swap_page reads it back)\n`,
    );
    expect(text).not.toContain("rights after all levels");
    expect(text).not.toContain("(empty)");

    // Reading a neighbour swaps its cluster in: this slot's page lands in the swap cache
    // (swap readahead) while the entry stays, so the walk names the frame that holds it.
    machine.access(app, region + 4096, 8, ACCESS_READ);
    const cached = swap.cachePfn[slot] as number;
    expect(cached).toBeGreaterThanOrEqual(0);
    expect(renderWalk(machine, app, region)).toContain(
      `  -> swap entry: slot ${slot} of /swapfile (still in the swap cache in frame 0x${cached.toString(16)}: an access faults and do_swap_page maps it without I/O)\n`,
    );
  });
});
