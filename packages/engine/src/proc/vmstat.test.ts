import { describe, expect, test } from "vitest";
import { machineConfigFrom } from "../config.js";
import { openFile, readFile, syncFile, writeFile } from "../fs/read_write.js";
import { Machine } from "../machine.js";
import { doMmap } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { VMSTAT_NAMES } from "../mm/vmstat.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import { meminfoValues } from "./meminfo.js";
import { renderVmstat, vmstatValues } from "./vmstat.js";

const RW = PROT_READ | PROT_WRITE;

describe("vmstatValues", () => {
  test("the gauges first, then every event counter in order", () => {
    const machine = new Machine();
    expect(Object.keys(vmstatValues(machine))).toEqual([
      "nr_free_pages",
      "nr_zone_inactive_anon",
      "nr_zone_active_anon",
      "nr_zone_inactive_file",
      "nr_zone_active_file",
      "nr_zone_unevictable",
      "nr_zone_write_pending",
      "nr_inactive_anon",
      "nr_active_anon",
      "nr_inactive_file",
      "nr_active_file",
      "nr_unevictable",
      "nr_anon_pages",
      "nr_mapped",
      "nr_file_pages",
      "nr_dirty",
      "nr_writeback",
      "nr_shmem",
      "nr_anon_transparent_hugepages",
      "nr_page_table_pages",
      "nr_swapcached",
      ...VMSTAT_NAMES,
    ]);
  });

  test("gauges follow the frames: anonymous, file, shmem, page tables", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const before = vmstatValues(machine);
    // The executable's four pages are cached, none mapped yet; one PGD.
    expect(before).toMatchObject({ nr_anon_pages: 0, nr_mapped: 0, nr_file_pages: 4, nr_shmem: 0 });
    expect(before.nr_page_table_pages).toBe(1);
    const anon = doMmap(machine, app, 16 * 4096, RW, false, false);
    for (let page = 0; page < 5; page++) machine.access(app, anon + page * 4096, 8, ACCESS_WRITE);
    const shared = doMmap(machine, app, 2 * 4096, RW, true, false);
    machine.access(app, shared, 8, ACCESS_WRITE);
    machine.access(app, 0x555555555000, 4, ACCESS_EXEC);
    const after = vmstatValues(machine);
    expect(after).toMatchObject({
      nr_anon_pages: 5,
      nr_mapped: 2,
      nr_file_pages: 5,
      nr_shmem: 1,
      nr_page_table_pages: 7,
      pgfault: 7,
    });
    expect(after.nr_free_pages).toBe((before.nr_free_pages as number) - 5 - 1 - 6);
    // The LRU gauges: new anonymous pages on the inactive anon list, shmem on none.
    expect(after).toMatchObject({
      nr_inactive_anon: 5,
      nr_zone_inactive_anon: 5,
      nr_unevictable: 1,
      nr_zone_unevictable: 1,
    });
    expect((after.nr_inactive_file as number) + (after.nr_active_file as number)).toBe(4);
  });

  test("swapping: pswpout, pgpgout in KiB, nr_swapcached after a swap-in", () => {
    const machine = new Machine(
      machineConfigFrom([
        { key: "ram", value: "16M" },
        { key: "swap", value: "8M" },
      ]),
    );
    const app = machine.spawn("app");
    const size = 20 * 1024 * 1024;
    const address = doMmap(machine, app, size, RW, false, false);
    for (let page = 0; page < size / 4096; page++)
      machine.access(app, address + page * 4096, 8, ACCESS_WRITE);
    const swapped = vmstatValues(machine);
    expect(swapped.pswpout).toBe(app.mm.swapEntries);
    expect(swapped.pgpgout).toBe((swapped.pswpout as number) * 4);
    expect(swapped.pgpgin).toBe(0);
    expect(swapped.nr_swapcached).toBe(0);
    expect(swapped.nr_anon_pages).toBe(app.mm.rssAnon);
    expect((swapped.nr_inactive_anon as number) + (swapped.nr_active_anon as number)).toBe(
      app.mm.rssAnon,
    );
    expect(swapped.pgsteal_anon).toBeGreaterThanOrEqual(swapped.pswpout as number);

    machine.access(app, address, 8, ACCESS_READ);
    const back = vmstatValues(machine);
    expect(back.pswpin).toBeGreaterThan(0);
    expect(back.pgmajfault).toBe(1);
    expect(back.pgpgin).toBe(machine.disk.pagesRead * 4);
    expect(back.pgpgin).toBe((back.pswpin as number) * 4);
    // Swap readahead read a cluster around the slot: all of it sits in the swap cache, only
    // the faulting page is mapped. nr_file_pages counts the swap cache, meminfo's Cached does not.
    expect(back.nr_swapcached).toBe(back.pswpin);
    expect(meminfoValues(machine).SwapCached).toBe((back.nr_swapcached as number) * 4);
    expect((back.nr_file_pages as number) - (back.nr_swapcached as number)).toBe(
      (meminfoValues(machine).Cached as number) / 4,
    );
  });

  test("file I/O: pgpgin and pgpgout count the disk's pages in KiB; nr_dirty", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    machine.createFile("data", 64 * 1024, false);
    const fd = openFile(machine, app, "data");
    expect(readFile(machine, app, fd, 0, 8192, null)).toBe(8192);
    const read = vmstatValues(machine);
    expect(read.pgpgin).toBe(machine.disk.pagesRead * 4);
    expect(read.pgpgin).toBeGreaterThanOrEqual(8);
    expect(writeFile(machine, app, fd, 3 * 4096, null)).toBe(3 * 4096);
    expect(vmstatValues(machine)).toMatchObject({
      nr_dirty: 3,
      nr_zone_write_pending: 3,
      nr_writeback: 0,
      pgpgout: 0,
    });
    syncFile(machine, app, fd);
    expect(vmstatValues(machine)).toMatchObject({ nr_dirty: 0, pgpgout: 12 });
  });
});

describe("renderVmstat", () => {
  test("one `name value` line per value", () => {
    const machine = new Machine();
    const text = renderVmstat(machine);
    const lines = text.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines[0]).toBe(`nr_free_pages ${machine.phys.freeFrames}`);
    expect(lines).toContain("pgfault 0");
    for (const line of lines) expect(line).toMatch(/^[a-z_]+ \d+$/);
  });
});
