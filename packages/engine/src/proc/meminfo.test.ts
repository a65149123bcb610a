import { describe, expect, test } from "vitest";
import { DEFAULT_MACHINE_CONFIG, machineConfigFrom } from "../config.js";
import { openFile, syncFile, writeFile } from "../fs/read_write.js";
import { Machine } from "../machine.js";
import { FRAME_ANON } from "../mm/frames.js";
import { doMmap } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import { memAvailablePages, meminfoValues, renderMeminfo } from "./meminfo.js";

const RW = PROT_READ | PROT_WRITE;
const MIB = 1024 * 1024;

/** A 16 MiB machine with 8 MiB of swap whose process wrote 20 MiB of anonymous memory. */
function swappedMachine() {
  const machine = new Machine(
    machineConfigFrom([
      { key: "ram", value: "16M" },
      { key: "swap", value: "8M" },
    ]),
  );
  const app = machine.spawn("app");
  const address = doMmap(machine, app, 20 * MIB, RW, false, false);
  for (let page = 0; page < (20 * MIB) / 4096; page++)
    machine.access(app, address + page * 4096, 8, ACCESS_WRITE);
  return { machine, app, address };
}

describe("renderMeminfo", () => {
  test("a fresh 16 MiB machine, in show_val_kb's %-16s%8lu kB layout", () => {
    const machine = new Machine({ ...DEFAULT_MACHINE_CONFIG, ramBytes: 16 * MIB });
    // 4096 frames, 256 reserved, one zero page; the high watermark is 183 pages (732 kB).
    expect(machine.reclaim.watermarks.high).toBe(183);
    expect(renderMeminfo(machine)).toBe(
      [
        "MemTotal:          15360 kB",
        "MemFree:           15356 kB",
        "MemAvailable:      14624 kB",
        "Buffers:               0 kB",
        "Cached:                0 kB",
        "SwapCached:            0 kB",
        "Active:                0 kB",
        "Inactive:              0 kB",
        "Active(anon):          0 kB",
        "Inactive(anon):        0 kB",
        "Active(file):          0 kB",
        "Inactive(file):        0 kB",
        "Unevictable:           0 kB",
        "SwapTotal:             0 kB",
        "SwapFree:              0 kB",
        "Dirty:                 0 kB",
        "Writeback:             0 kB",
        "AnonPages:             0 kB",
        "Mapped:                0 kB",
        "Shmem:                 0 kB",
        "PageTables:            0 kB",
        "AnonHugePages:         0 kB",
        "",
      ].join("\n"),
    );
  });

  test("anonymous, cached, shared and page-table memory", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const anon = doMmap(machine, app, 8 * 4096, RW, false, false);
    for (let page = 0; page < 8; page++) machine.access(app, anon + page * 4096, 8, ACCESS_WRITE);
    const shared = doMmap(machine, app, 4096, RW, true, false);
    machine.access(app, shared, 8, ACCESS_WRITE);
    const text = renderMeminfo(machine);
    expect(text).toContain("MemTotal:         261120 kB\n");
    expect(text).toContain("AnonPages:            32 kB\n");
    // Four executable pages and one shmem page.
    expect(text).toContain("Cached:               20 kB\n");
    expect(text).toContain("Shmem:                 4 kB\n");
    expect(text).toContain("Mapped:                4 kB\n");
    expect(text).toContain("PageTables:           16 kB\n");
    // The anonymous pages start on the inactive anon list, the executable's on the file lists;
    // shmem is on no list and shows as Unevictable.
    expect(text).toContain("Inactive(anon):       32 kB\n");
    expect(text).toContain("Unevictable:           4 kB\n");
    const values = meminfoValues(machine);
    expect((values["Active(file)"] as number) + (values["Inactive(file)"] as number)).toBe(16);
    expect(values.Active).toBe(
      (values["Active(anon)"] as number) + (values["Active(file)"] as number),
    );
    // si_mem_available: free - high watermark + the 4 file pages less min(4 / 2, low).
    const { high } = machine.reclaim.watermarks;
    expect(memAvailablePages(machine)).toBe(machine.phys.freeFrames - high + 2);
    expect(values.MemAvailable).toBe(memAvailablePages(machine) * 4);
  });

  test("keys are the printed labels, in Linux's order", () => {
    expect(Object.keys(meminfoValues(new Machine()))).toEqual([
      "MemTotal",
      "MemFree",
      "MemAvailable",
      "Buffers",
      "Cached",
      "SwapCached",
      "Active",
      "Inactive",
      "Active(anon)",
      "Inactive(anon)",
      "Active(file)",
      "Inactive(file)",
      "Unevictable",
      "SwapTotal",
      "SwapFree",
      "Dirty",
      "Writeback",
      "AnonPages",
      "Mapped",
      "Shmem",
      "PageTables",
      "AnonHugePages",
    ]);
  });

  test("a machine that swapped: SwapTotal, SwapFree and the anon lists", () => {
    const { machine, app } = swappedMachine();
    const swap = machine.memory.swap;
    if (swap === null) throw new Error("no swap");
    const values = meminfoValues(machine);
    // 2048 slots of 4 KiB, the header one unusable.
    expect(values.SwapTotal).toBe(8188);
    expect(app.mm.swapEntries).toBeGreaterThan(0);
    expect(values.SwapFree).toBe(8188 - swap.used * 4);
    // Pageout completes at once, so every written page left the swap cache: each slot in use is
    // held by one swap entry.
    expect(values.SwapCached).toBe(0);
    expect(swap.used).toBe(app.mm.swapEntries);
    // Everything that is not in swap is resident, on the anon lists.
    expect(values.AnonPages).toBe(app.mm.rssAnon * 4);
    expect((values["Active(anon)"] as number) + (values["Inactive(anon)"] as number)).toBe(
      (machine.phys.framesOfKind[FRAME_ANON] as number) * 4,
    );
    expect(app.mm.rssAnon + app.mm.swapEntries).toBe(5120);
  });

  test("pages read back from swap stay in the swap cache: SwapCached", () => {
    const { machine, app, address } = swappedMachine();
    expect(meminfoValues(machine).SwapCached).toBe(0);
    // The first pages were the first evicted; reading them back swaps them (and their
    // neighbours, by swap readahead) in, and a read leaves the copy in swap.
    for (let page = 0; page < 16; page++)
      machine.access(app, address + page * 4096, 8, ACCESS_READ);
    const swap = machine.memory.swap;
    if (swap === null) throw new Error("no swap");
    let cachedSlots = 0;
    for (let slot = 0; slot < swap.slots; slot++)
      if ((swap.cachePfn[slot] as number) >= 0) cachedSlots++;
    const values = meminfoValues(machine);
    expect(cachedSlots).toBeGreaterThanOrEqual(16);
    expect(values.SwapCached).toBe(cachedSlots * 4);
    // Readahead pages nobody mapped yet are on the anon lists but not in AnonPages.
    const onLists = (values["Active(anon)"] as number) + (values["Inactive(anon)"] as number);
    expect(values.AnonPages).toBe(app.mm.rssAnon * 4);
    expect(onLists).toBeGreaterThan(values.AnonPages as number);
  });

  test("Dirty counts page-cache pages written and not yet written back", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    machine.createFile("data", 64 * 1024, false);
    const fd = openFile(machine, app, "data");
    expect(writeFile(machine, app, fd, 3 * 4096, null)).toBe(3 * 4096);
    expect(meminfoValues(machine)).toMatchObject({ Dirty: 12, Writeback: 0 });
    expect(syncFile(machine, app, fd)).toBe(0);
    expect(meminfoValues(machine).Dirty).toBe(0);
  });
});
