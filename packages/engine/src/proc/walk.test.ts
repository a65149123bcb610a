import { describe, expect, it } from "vitest";
import { machineConfigFrom } from "../config.js";
import { Machine } from "../machine.js";
import { doMmap } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_WRITE } from "../probe.js";
import { parseScenario } from "../scenario/parser.js";
import { runScenario } from "../scenario/runner.js";
import { cacheCounters } from "./caches.js";
import { walkLevels } from "./pagetable.js";
import { tlbCounters } from "./tlb.js";
import { renderWalkJourney, walkSteps } from "./walk.js";

function teaching(...extra: string[]) {
  const options = ["cpu=teaching", ...extra].map((option) => {
    const [key, value] = option.split("=") as [string, string];
    return { key, value };
  });
  const machine = new Machine(machineConfigFrom(options));
  const app = machine.spawn("app");
  const region = doMmap(machine, app, 64 * 1024, PROT_READ | PROT_WRITE, false, false);
  return { machine, app, region };
}

describe("show walk", () => {
  it("names the paging-structure cache that skips the upper levels and the cache serving the PTE", () => {
    const { machine, app, region } = teaching();
    machine.access(app, region, 8, ACCESS_WRITE);
    machine.access(app, region + 4096, 8, ACCESS_WRITE);
    const steps = walkSteps(machine, app, region);
    expect(steps.map((step) => step.level)).toEqual(["PGD", "PUD", "PMD", "PTE"]);
    expect(steps.slice(0, 3).map((step) => [step.servedBy, step.cycles])).toEqual([
      ["PDE cache", 0],
      ["PDE cache", 0],
      ["PDE cache", 0],
    ]);
    const pte = steps[3];
    const where = machine.cpu.caches.servedBy(
      machine.cpu.entryLine(walkLevels(machine, app, region)[3]?.tablePfn ?? 0, pte?.index ?? 0),
      false,
    );
    expect(pte?.servedBy).toBe(["L1d", "L2", "L3", "DRAM"][where]);
    expect(pte?.cycles).toBe([4, 12, 40, 200][where]);
    const text = renderWalkJourney(machine, app, region);
    expect(text).toMatch(
      /^walk of 0x[0-9a-f]+ in PID 1000 \(app\), cpu teaching, as the caches stand now/,
    );
    expect(text).toContain("TLBs: dTLB hit");
    expect(text).toMatch(
      /paging-structure caches: the PDE cache holds 0x[0-9a-f]+ \(bits 47-21\): the walk starts at the PTE/,
    );
    expect(text).toMatch(/^PTE +\d+ +0x[0-9a-f]+ +[0-9a-f]{16} {2}P RW US A D NX/m);
    expect(text).toMatch(
      /^cost if the TLBs missed: TLB lookups 8, walk reads \d+, data access \d+: \d+ cycles$/m,
    );
  });

  it("without paging-structure caches every level is read from a cache or DRAM", () => {
    const { machine, app, region } = teaching("psc=off");
    machine.access(app, region, 8, ACCESS_WRITE);
    const steps = walkSteps(machine, app, region);
    for (const step of steps) expect(["L1d", "L2", "L3", "DRAM"]).toContain(step.servedBy);
    expect(renderWalkJourney(machine, app, region)).toContain("paging-structure caches: off");
  });

  it("stops at an entry that is not present", () => {
    const { machine, app, region } = teaching();
    const text = renderWalkJourney(machine, app, region);
    expect(text).toMatch(/-> the PGD entry is not present: an access page-faults/);
    expect(text).toMatch(/^cost before the fault: TLB lookups 8, walk reads \d+: \d+ cycles$/m);
  });

  it("changes nothing: no LRU order, counter, A/D bit or TLB entry moves", () => {
    const { machine, app, region } = teaching();
    machine.access(app, region, 8, ACCESS_WRITE);
    machine.cpu.dtlb.flushAll(true);
    const snapshot = () => ({
      caches: cacheCounters(machine),
      tlb: tlbCounters(machine),
      l1d: Array.from(machine.cpu.caches.l1d.lines),
      l2: Array.from(machine.cpu.caches.l2.lines),
      tables: Array.from(machine.phys.tableLow.subarray(0, 4096 * 8)),
      psc: Array.from(machine.cpu.psc?.pde.stamp ?? []),
    });
    const before = snapshot();
    const first = renderWalkJourney(machine, app, region + 8192);
    renderWalkJourney(machine, app, region);
    expect(snapshot()).toEqual(before);
    expect(renderWalkJourney(machine, app, region + 8192)).toBe(first);
  });

  it("is a show statement of the scenario language", () => {
    const result = runScenario(
      parseScenario(
        "machine cpu=teaching\nspawn app\napp: m = mmap 16K\napp: write m\nshow walk app m+8\nshow caches\n",
        "w.vms",
      ),
    );
    const views = result.output.flatMap((item) => (item.kind === "view" ? [item] : []));
    expect(views.map((view) => view.title)).toEqual([
      expect.stringMatching(/^walk of app 0x[0-9a-f]+008 through the caches$/),
      "caches",
    ]);
    expect(views[0]?.text).toContain("offset 0x008");
    expect(() => parseScenario("spawn app\nshow walk app\n", "w.vms")).toThrow(/w\.vms:2:14/);
  });
});
