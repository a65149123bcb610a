import { describe, expect, it } from "vitest";
import { machineConfigFrom } from "../config.js";
import { Machine } from "../machine.js";
import { doMmap } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import { parseScenario } from "../scenario/parser.js";
import { runScenario } from "../scenario/runner.js";
import { CACHE_LINES_SHOWN, cacheCounters, formatBytes, renderCaches } from "./caches.js";

function teaching() {
  const machine = new Machine(machineConfigFrom([{ key: "cpu", value: "teaching" }]));
  const app = machine.spawn("app");
  const region = doMmap(machine, app, 64 * 1024, PROT_READ | PROT_WRITE, false, false);
  return { machine, app, region };
}

describe("renderCaches", () => {
  it("shows each level's geometry, counters and lines, DRAM and the paging-structure caches", () => {
    const { machine, app, region } = teaching();
    machine.access(app, region, 8, ACCESS_WRITE);
    machine.access(app, region, 8, ACCESS_READ);
    const text = renderCaches(machine);
    const lines = text.split("\n");
    expect(lines[0]).toBe("cpu teaching: 64-byte lines, replacement lru, clock 1 GHz");
    expect(lines[1]).toMatch(/^L1d: 512 B, 4 sets x 2 ways, latency 4 cycles, \d+ lines? valid$/);
    expect(lines[2]).toMatch(/^ {2}hits \d+, misses \d+, hit rate \d+\.\d\d%, writebacks \d+$/);
    expect(lines[3]).toBe("   set way          tag    line address  D");
    // The data line the store dirtied is listed, tag and address, with D.
    const pfn = Math.floor((machine.cpu.caches.l1d.lines[0] ?? 0) / 64);
    expect(text).toMatch(/L1i: 512 B, 4 sets x 2 ways, latency 4 cycles, 0 lines valid/);
    expect(text).toMatch(/\n {5}0 {3}0 +0x[0-9a-f]+ +0x[0-9a-f]+000 {2}D\n/);
    expect(pfn).toBeGreaterThan(0);
    expect(text).toMatch(/^L2: 2 KiB, 8 sets x 4 ways, latency 12 cycles/m);
    expect(text).toMatch(/^L3: 8 KiB, 16 sets x 8 ways, latency 40 cycles/m);
    expect(text).toMatch(/^DRAM: latency 200 cycles, lines read \d+, lines written back \d+$/m);
    expect(text).toMatch(
      /^PDE cache \(address bits 47-21\): 4 entries, 1 sets x 4 ways, 1 valid$/m,
    );
  });

  it("lists at most CACHE_LINES_SHOWN lines of a big level and counts the rest", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const region = doMmap(machine, app, 1024 * 1024, PROT_READ | PROT_WRITE, false, false);
    for (let offset = 0; offset < 1024 * 1024; offset += 64)
      machine.access(app, region + offset, 8, ACCESS_WRITE);
    const text = renderCaches(machine);
    const l3 = text.slice(text.indexOf("\nL3:"), text.indexOf("\nDRAM:"));
    const listed = l3.split("\n").filter((line) => /^ +\d+ +\d+ +0x/.test(line));
    expect(listed).toHaveLength(CACHE_LINES_SHOWN);
    const valid = Number(/(\d+) lines valid/.exec(l3)?.[1]);
    expect(l3).toContain(`... ${valid - CACHE_LINES_SHOWN} more valid lines, not listed`);
  });

  it("changes nothing", () => {
    const { machine, app, region } = teaching();
    machine.access(app, region, 8, ACCESS_WRITE);
    const before = cacheCounters(machine);
    const lines = machine.cpu.caches.l1d.lines.slice();
    renderCaches(machine);
    expect(cacheCounters(machine)).toEqual(before);
    expect(machine.cpu.caches.l1d.lines).toEqual(lines);
  });

  it("formats sizes as a user writes them", () => {
    expect([formatBytes(512), formatBytes(48 * 1024), formatBytes(1280 * 1024)]).toEqual([
      "512 B",
      "48 KiB",
      "1.25 MiB",
    ]);
  });
});

describe("cache counters", () => {
  it("name every level's hits, misses and writebacks, DRAM traffic and the walk caches", () => {
    expect(Object.keys(cacheCounters(new Machine()))).toEqual([
      "l1d_hits",
      "l1d_misses",
      "l1d_writebacks",
      "l1i_hits",
      "l1i_misses",
      "l1i_writebacks",
      "l2_hits",
      "l2_misses",
      "l2_writebacks",
      "l3_hits",
      "l3_misses",
      "l3_writebacks",
      "dram_reads",
      "dram_writes",
      "pml4e_hits",
      "pml4e_misses",
      "pdpte_hits",
      "pdpte_misses",
      "pde_hits",
      "pde_misses",
    ]);
  });

  it("are in reports, and expect reads them as cache.NAME", () => {
    const source = [
      "machine cpu=teaching",
      "spawn app",
      "app: m = mmap 64K",
      'report "start"',
      "app: touch m 64K write",
      "app: read m",
      'report "end"',
      'expect cache.l1d_misses > 0 since "start"',
    ];
    const scenario = parseScenario(source.join("\n"), "c.vms");
    const result = runScenario(scenario);
    const end = result.reports[1];
    expect(end?.caches.l1d_hits).toBe(result.machine.cpu.caches.l1d.hits);
    expect(end?.caches.pde_hits).toBeGreaterThan(0);
    expect(result.expects[0]?.ok).toBe(true);
    expect(() =>
      runScenario(parseScenario("spawn app\nexpect cache.l9_hits == 0\n", "c.vms")),
    ).toThrow(/unknown counter "l9_hits" of cache; valid: l1d_hits/);
    expect(() => runScenario(parseScenario("spawn cache\n", "c.vms"))).toThrow(/reserved/);
  });
});
