import { describe, expect, test } from "vitest";
import { Machine } from "../machine.js";
import { doMmap } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { VMSTAT_NAMES } from "../mm/vmstat.js";
import { ACCESS_EXEC, ACCESS_WRITE } from "../probe.js";
import { renderVmstat, vmstatValues } from "./vmstat.js";

const RW = PROT_READ | PROT_WRITE;

describe("vmstatValues", () => {
  test("the gauges first, then every event counter in order", () => {
    const machine = new Machine();
    expect(Object.keys(vmstatValues(machine))).toEqual([
      "nr_free_pages",
      "nr_anon_pages",
      "nr_mapped",
      "nr_file_pages",
      "nr_shmem",
      "nr_page_table_pages",
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
