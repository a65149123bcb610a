import { describe, expect, test } from "vitest";
import { PTE_ACCESSED } from "../arch/x86/pgtable.js";
import { machineConfigFrom } from "../config.js";
import { openFile, readFile, writeFile } from "../fs/read_write.js";
import { Machine } from "../machine.js";
import { doMmap, doMprotect } from "../mm/mmap.js";
import { PROT_NONE, PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import type { Process } from "../process.js";
import { renderSmaps } from "./smaps.js";

const RW = PROT_READ | PROT_WRITE;
const PAGE = 4096;

/** The smaps block whose maps line starts with `start` (hex), as field -> text after the colon. */
function block(machine: Machine, process: Process, start: number): Map<string, string> {
  const lines = renderSmaps(machine, process).split("\n");
  const first = lines.findIndex((line) => line.startsWith(`${start.toString(16)}-`));
  expect(first).toBeGreaterThanOrEqual(0);
  const fields = new Map<string, string>();
  for (const line of lines.slice(first + 1, first + 25)) {
    const colon = line.indexOf(":");
    fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

function kb(fields: Map<string, string>, name: string): number {
  const text = fields.get(name);
  expect(text).toMatch(/^ +\d+ kB$/);
  return Number.parseInt(text as string, 10);
}

function writePages(machine: Machine, process: Process, start: number, pages: number): void {
  for (let page = 0; page < pages; page++)
    machine.access(process, start + page * PAGE, 8, ACCESS_WRITE);
}

describe("renderSmaps", () => {
  test("a block is the maps line and 24 fields in Linux's order and widths", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 64 * 1024, RW, false, false);
    writePages(machine, app, address, 5);
    const text = renderSmaps(machine, app);
    const start = text.indexOf("7ffff7fef000-7ffff7fff000");
    const lines = text.slice(start).split("\n").slice(0, 25);
    expect(lines).toEqual([
      "7ffff7fef000-7ffff7fff000 rw-p 00000000 00:00 0 ",
      "Size:                 64 kB",
      "KernelPageSize:        4 kB",
      "MMUPageSize:           4 kB",
      "Rss:                  20 kB",
      "Pss:                  20 kB",
      "Pss_Dirty:            20 kB",
      "Shared_Clean:          0 kB",
      "Shared_Dirty:          0 kB",
      "Private_Clean:         0 kB",
      "Private_Dirty:        20 kB",
      "Referenced:           20 kB",
      "Anonymous:            20 kB",
      "KSM:                   0 kB",
      "LazyFree:              0 kB",
      "AnonHugePages:         0 kB",
      "ShmemPmdMapped:        0 kB",
      "FilePmdMapped:         0 kB",
      "Shared_Hugetlb:        0 kB",
      "Private_Hugetlb:       0 kB",
      "Swap:                  0 kB",
      "SwapPss:               0 kB",
      "Locked:                0 kB",
      "THPeligible:           0",
      "VmFlags: rd wr mr mw me ac ",
    ]);
  });

  test("pages that map the shared zero page are not resident", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 16 * PAGE, RW, false, false);
    for (let page = 0; page < 16; page++)
      machine.access(app, address + page * PAGE, 1, ACCESS_READ);
    const fields = block(machine, app, address);
    expect(kb(fields, "Rss")).toBe(0);
    expect(kb(fields, "Referenced")).toBe(0);
    writePages(machine, app, address, 3);
    expect(kb(block(machine, app, address), "Rss")).toBe(12);
  });

  test("after fork the pages are shared and Pss halves; a COW copy makes them private again", () => {
    const machine = new Machine();
    const parent = machine.spawn("app");
    const address = doMmap(machine, parent, 8 * PAGE, RW, false, false);
    writePages(machine, parent, address, 4);
    const child = machine.fork(parent) as Process;
    let fields = block(machine, parent, address);
    expect(kb(fields, "Rss")).toBe(16);
    expect(kb(fields, "Pss")).toBe(8);
    expect(kb(fields, "Shared_Dirty")).toBe(16);
    expect(kb(fields, "Private_Dirty")).toBe(0);
    machine.access(child, address, 8, ACCESS_WRITE);
    fields = block(machine, parent, address);
    expect(kb(fields, "Shared_Dirty")).toBe(12);
    expect(kb(fields, "Private_Dirty")).toBe(4);
    expect(kb(fields, "Pss")).toBe(6 + 4);
    // The child's entries start old (no A bit): mapped but not referenced.
    const childFields = block(machine, child, address);
    expect(kb(childFields, "Rss")).toBe(16);
    expect(kb(childFields, "Referenced")).toBe(4);
  });

  test("Pss of pages shared three ways rounds down in 12-bit fixed point, as the kernel's", () => {
    const machine = new Machine();
    const parent = machine.spawn("app");
    const address = doMmap(machine, parent, 3 * PAGE, RW, false, false);
    writePages(machine, parent, address, 3);
    machine.fork(parent);
    machine.fork(parent);
    // 3 × floor(2^24 / 3) = 2^24 - 3, >> 12 = 4095 bytes: 3 kB, not 4.
    expect(kb(block(machine, parent, address), "Pss")).toBe(3);
  });

  test("text fetched from the executable is a private clean file page", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    machine.access(app, 0x555555555000, 4, ACCESS_EXEC);
    const fields = block(machine, app, 0x555555555000);
    expect(kb(fields, "Rss")).toBe(4);
    expect(kb(fields, "Private_Clean")).toBe(4);
    expect(kb(fields, "Anonymous")).toBe(0);
    expect(fields.get("VmFlags")).toBe(" rd ex mr mw me ");
  });

  test("VmFlags of the stack and of shared memory", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const shared = doMmap(machine, app, PAGE, RW, true, false);
    machine.access(app, shared, 8, ACCESS_WRITE);
    const fields = block(machine, app, shared);
    expect(fields.get("VmFlags")).toBe(" rd wr sh mr mw me ms ");
    expect(kb(fields, "Anonymous")).toBe(0);
    expect(kb(fields, "Private_Dirty")).toBe(4);
    expect(block(machine, app, 0x7ffffffde000).get("VmFlags")).toBe(" rd wr mr mw me gd ac ");
  });

  test("PROT_NONE pages stay resident", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 2 * PAGE, RW, false, false);
    writePages(machine, app, address, 2);
    expect(doMprotect(machine, app, address, 2 * PAGE, PROT_NONE)).toBe(0);
    const fields = block(machine, app, address);
    expect(kb(fields, "Rss")).toBe(8);
    expect(kb(fields, "Anonymous")).toBe(8);
    expect(fields.get("VmFlags")).toBe(" mr mw me ");
  });

  test("rendering changes no page-table entry", () => {
    const machine = new Machine();
    const parent = machine.spawn("app");
    const address = doMmap(machine, parent, 4 * PAGE, RW, false, false);
    writePages(machine, parent, address, 4);
    const child = machine.fork(parent) as Process;
    const low = machine.phys.tableLow.slice();
    const high = machine.phys.tableHigh.slice();
    renderSmaps(machine, parent);
    renderSmaps(machine, child);
    expect(machine.phys.tableLow).toEqual(low);
    expect(machine.phys.tableHigh).toEqual(high);
  });

  test("pages reclaim swapped out count as Swap; SwapPss shares each slot among its entries", () => {
    const machine = new Machine(
      machineConfigFrom([
        { key: "ram", value: "16M" },
        { key: "swap", value: "8M" },
      ]),
    );
    const parent = machine.spawn("app");
    const size = 20 * 1024 * 1024;
    const address = doMmap(machine, parent, size, RW, false, false);
    writePages(machine, parent, address, size / PAGE);
    const swapKb = parent.mm.swapEntries * 4;
    expect(swapKb).toBeGreaterThan(0);
    let fields = block(machine, parent, address);
    expect(kb(fields, "Swap")).toBe(swapKb);
    expect(kb(fields, "SwapPss")).toBe(swapKb);
    // Every page is either resident or in swap.
    expect(kb(fields, "Rss") + kb(fields, "Swap")).toBe(20 * 1024);
    // fork copies the swap entries: each slot is now referenced twice, SwapPss halves.
    const child = machine.fork(parent) as Process;
    fields = block(machine, parent, address);
    expect(kb(fields, "Swap")).toBe(swapKb);
    expect(kb(fields, "SwapPss")).toBe(swapKb / 2);
    expect(kb(block(machine, child, address), "SwapPss")).toBe(swapKb / 2);
    // The child exits: the parent's entries are the only ones again.
    machine.exit(child);
    expect(kb(block(machine, parent, address), "SwapPss")).toBe(swapKb);
  });

  test("a page dirtied by write(2) is dirty though its PTE is clean (folio_test_dirty)", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const file = machine.createFile("data", 4 * PAGE, true);
    const address = doMmap(machine, app, 4 * PAGE, PROT_READ, true, false, { file, offset: 0 });
    // One read fault; fault-around maps the other three cached pages.
    machine.access(app, address, 8, ACCESS_READ);
    let fields = block(machine, app, address);
    expect(kb(fields, "Rss")).toBe(16);
    expect(kb(fields, "Private_Clean")).toBe(16);
    const fd = openFile(machine, app, "data");
    expect(writeFile(machine, app, fd, PAGE, null)).toBe(PAGE);
    fields = block(machine, app, address);
    expect(kb(fields, "Private_Dirty")).toBe(4);
    expect(kb(fields, "Private_Clean")).toBe(12);
    expect(kb(fields, "Pss_Dirty")).toBe(4);
  });

  test("Referenced counts a page whose A bit is clear but which has PG_referenced", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const file = machine.createFile("data", 4 * PAGE, true);
    const address = doMmap(machine, app, 4 * PAGE, PROT_READ, true, false, { file, offset: 0 });
    machine.access(app, address, 8, ACCESS_READ);
    expect(kb(block(machine, app, address), "Referenced")).toBe(16);
    // Clear the second page's accessed bit, as reclaim's folio_referenced does.
    const offset = machine.memory.pteOffset(app.mm, app.pid, address + PAGE, false);
    const low = machine.phys.tableLow;
    low[offset] = ((low[offset] as number) & ~PTE_ACCESSED) >>> 0;
    expect(kb(block(machine, app, address), "Referenced")).toBe(12);
    // read(2) of that page marks it accessed: PG_referenced.
    const fd = openFile(machine, app, "data");
    expect(readFile(machine, app, fd, PAGE, PAGE, null)).toBe(PAGE);
    expect(kb(block(machine, app, address), "Referenced")).toBe(16);
  });
});
