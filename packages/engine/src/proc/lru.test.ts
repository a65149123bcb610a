import { describe, expect, test } from "vitest";
import { DEFAULT_MACHINE_CONFIG, machineConfigFrom } from "../config.js";
import { Machine } from "../machine.js";
import { doMmap } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import { LRU_PAGES_SHOWN, renderLru } from "./lru.js";

const RW = PROT_READ | PROT_WRITE;

describe("renderLru", () => {
  test("each list head to tail, shmem counted apart", () => {
    const machine = new Machine({ ...DEFAULT_MACHINE_CONFIG, ramBytes: 16 * 1024 * 1024 });
    const app = machine.spawn("app");
    const anon = doMmap(machine, app, 3 * 4096, RW, false, false);
    for (let page = 0; page < 3; page++) machine.access(app, anon + page * 4096, 8, ACCESS_WRITE);
    const shared = doMmap(machine, app, 4096, RW, true, false);
    machine.access(app, shared, 8, ACCESS_WRITE);
    machine.access(app, 0x555555555000, 4, ACCESS_EXEC);
    const lines = renderLru(machine).split("\n");
    expect(lines.pop()).toBe("");
    // New pages enter at the head: the last anonymous page written is listed first.
    expect(lines.slice(0, 5)).toEqual([
      "inactive_anon: 3 pages (12 kB)",
      "       pfn  flags  page",
      expect.stringMatching(
        /^ +0x[0-9a-f]+ {2}_{5} {2}anon vpn 0x7ffff7ffe \(pid 1000\), mapcount 1$/,
      ),
      expect.stringMatching(/anon vpn 0x7ffff7ffd /),
      expect.stringMatching(/anon vpn 0x7ffff7ffc /),
    ]);
    expect(lines).toContain("active_anon: 0 pages (0 kB)");
    // The executable's four pages were read in at exec; the text page is mapped.
    expect(lines).toContain("inactive_file: 4 pages (16 kB)");
    expect(lines.some((line) => /file \/usr\/bin\/app index 1, mapcount 1$/.test(line))).toBe(true);
    expect(lines).toContain("active_file: 0 pages (0 kB)");
    expect(lines.at(-1)).toBe("unevictable: 1 page (4 kB) of shmem, kept off the lists");
  });

  test("long lists stop after 16 pages; flags show the active and swap-cache pages", () => {
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
    // Read the first page back: swap readahead brings its neighbours into the swap cache too.
    machine.access(app, address, 8, ACCESS_READ);
    const text = renderLru(machine);
    const { sizes } = machine.lru;
    const inactive = sizes[0] as number;
    const active = sizes[1] as number;
    expect(text).toContain(`inactive_anon: ${inactive} pages (${inactive * 4} kB)\n`);
    expect(text).toContain(`  ... ${inactive - LRU_PAGES_SHOWN} more\n`);
    expect(text).toContain(`active_anon: ${active} pages (${active * 4} kB)\n`);
    expect(text).toContain(`  ... ${active - LRU_PAGES_SHOWN} more\n`);
    // Reclaim activated referenced pages: the active list's pages carry PG_active.
    const activeLines = text
      .split("\nactive_anon:")[1]
      ?.split("\n")
      .slice(2, 2 + LRU_PAGES_SHOWN);
    expect(activeLines).toHaveLength(LRU_PAGES_SHOWN);
    for (const line of activeLines ?? []) expect(line).toMatch(/ {2}__A__ {2}anon vpn /);
    // The page just read is mapped and still in the swap cache; its readahead neighbours are not
    // mapped by anyone yet.
    const pfn = machine.memory.swap?.cachePfn.find((holder) => holder >= 0) ?? -1;
    expect(pfn).toBeGreaterThanOrEqual(0);
    // The 20 MiB mapping is 2 MiB-aligned, as Linux places it: its first page is 0x7ffff6a00.
    expect(address).toBe(0x7ffff6a00000);
    expect(text).toMatch(
      / {2}____s {2}anon vpn 0x7ffff6a00 \(pid 1000\), mapcount 1, swap slot \d+\n/,
    );
    expect(text).toMatch(/ {2}____s {2}anon, not mapped, swap slot \d+\n/);
  });

  test("reading the lists changes nothing", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 4 * 4096, RW, false, false);
    for (let page = 0; page < 4; page++)
      machine.access(app, address + page * 4096, 8, ACCESS_WRITE);
    const flags = machine.phys.flags.slice();
    const low = machine.phys.tableLow.slice();
    const lists = [0, 1, 2, 3].map((list) => machine.lru.pagesOf(list));
    renderLru(machine);
    expect(machine.phys.flags).toEqual(flags);
    expect(machine.phys.tableLow).toEqual(low);
    expect([0, 1, 2, 3].map((list) => machine.lru.pagesOf(list))).toEqual(lists);
  });
});
