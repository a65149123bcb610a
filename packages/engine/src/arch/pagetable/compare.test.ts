import { describe, expect, it } from "vitest";
import { parseScenario } from "../../scenario/parser.js";
import { runOnDesign, withPagetable } from "./compare.js";

describe("withPagetable", () => {
  it("sets pagetable= on the scenario's machine line, replacing one it has", () => {
    const own = parseScenario("machine ram=32M pagetable=la57\nspawn a\n", "t.vms");
    const first = withPagetable(own, "inverted").statements[0];
    expect(
      first?.kind === "machine" && first.options.map(({ key, value }) => `${key}=${value}`),
    ).toEqual(["ram=32M", "pagetable=inverted"]);
    const none = parseScenario("spawn a\n", "t.vms");
    const added = withPagetable(none, "linear").statements;
    expect(added).toHaveLength(2);
    expect(added[0]?.kind).toBe("machine");
    expect(none.statements).toHaveLength(1);
  });
});

describe("runOnDesign", () => {
  const scenario = parseScenario(
    "spawn app\napp: m = mmap 4M\napp: touch m 4M write\napp: munmap m\n",
    "t.vms",
  );

  it("reports the peak table memory before munmap freed it, and what is left at the end", () => {
    const x86 = runOnDesign(scenario, "x86-64");
    // The 4 MiB mapping's PTE tables are freed by munmap; the peak saw them.
    expect(x86.peakTableBytes).toBeGreaterThan(x86.tableBytes);
    expect(x86.kernelTableBytes).toBe(x86.tableBytes);
    const tree = runOnDesign(scenario, "multilevel:9,9,9,9");
    expect(tree.peakTableBytes).toBeGreaterThan(tree.tableBytes);
    expect(tree.fills).toBe(1024);
    expect(tree.faults).toBe(x86.faults);
  });

  it("a design the machine refuses gives a row saying why", () => {
    const run = runOnDesign(scenario, "multilevel:5,5");
    expect(run.refused).toMatch(/translates 22-bit addresses/);
    expect(run.walks).toBe(0);
  });

  it("a 32-bit design runs with a 32-bit layout and names accesses beyond its user space", () => {
    const narrow = runOnDesign(scenario, "multilevel:10,10");
    expect(narrow.refused).toBeNull();
    expect(narrow.userAddressBits).toBe(32);
    expect(narrow.beyondUserSpace).toEqual([]);
    const beyond = parseScenario("spawn app\napp: touch 0x100000000 4K write\n", "beyond.vms");
    expect(runOnDesign(beyond, "multilevel:10,10").beyondUserSpace).toEqual([
      "app SIGSEGV at 0x100000000",
    ]);
    expect(runOnDesign(beyond, "x86-64").beyondUserSpace).toEqual([]);
  });

  it("inverted rows carry chain statistics; others none", () => {
    // munmap emptied the table; the walks went through chains of one entry.
    expect(runOnDesign(scenario, "inverted").chains).toEqual({
      chains: 0,
      average: 0,
      longest: 0,
      longestWalked: 1,
    });
    expect(runOnDesign(scenario, "la57").chains).toBeNull();
  });
});
