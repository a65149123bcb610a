import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../arch/x86/pgtable.js";
import { MachineConfigError, machineConfigFrom } from "../config.js";
import { checkInvariants } from "../invariants/index.js";
import { Machine } from "../machine.js";
import { ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import { renderLru } from "../proc/lru.js";
import type { Process } from "../process.js";
import { entryMapsFrame } from "./memory.js";
import { doMmap } from "./mmap.js";
import { PolicyPageOrder } from "./policy_order.js";
import { PROT_READ, PROT_WRITE } from "./vma.js";
import { PSWPOUT } from "./vmstat.js";

const RW = PROT_READ | PROT_WRITE;

function machineWith(policy: string): Machine {
  return new Machine(
    machineConfigFrom([
      { key: "ram", value: "8M" },
      { key: "swap", value: "32M" },
      { key: "page_cluster", value: "0" },
      { key: "policy", value: policy },
    ]),
  );
}

function isResident(machine: Machine, process: Process, address: number): boolean {
  const offset = machine.memory.pteOffset(process.mm, process.pid, address, false);
  return offset >= 0 && entryMapsFrame(machine.phys.tableLow[offset] as number);
}

/**
 * Write pages 0..1199 (they fit in 8 MiB), read pages 0..99 again, then write 1200 more pages:
 * reclaim must make room, and which pages it takes shows the policy.
 */
function rereadFirstPagesThenGrow(policy: string) {
  const machine = machineWith(policy);
  const app = machine.spawn("app");
  const region = doMmap(machine, app, 2400 * PAGE_SIZE, RW, false, false);
  const page = (n: number) => region + n * PAGE_SIZE;
  for (let n = 0; n < 1200; n++) machine.access(app, page(n), 8, ACCESS_WRITE);
  for (let n = 0; n < 100; n++) machine.access(app, page(n), 8, ACCESS_READ);
  for (let n = 1200; n < 2400; n++) {
    machine.access(app, page(n), 8, ACCESS_WRITE);
    machine.runBackgroundWork();
  }
  const residentOf = (first: number, last: number) => {
    let resident = 0;
    for (let n = first; n < last; n++) if (isResident(machine, app, page(n))) resident++;
    return resident;
  };
  return { machine, rereadResident: residentOf(0, 100), nextResident: residentOf(100, 200) };
}

describe("machine policy=NAME", () => {
  it("FIFO reclaims the oldest pages even when they were just used again", () => {
    const { machine, rereadResident, nextResident } = rereadFirstPagesThenGrow("fifo");
    expect(machine.vmstat[PSWPOUT]).toBeGreaterThan(200);
    expect(rereadResident).toBe(0);
    expect(nextResident).toBe(0);
    expect(checkInvariants(machine)).toEqual([]);
  });

  it("LRU keeps the pages used again and reclaims the ones after them", () => {
    const { machine, rereadResident, nextResident } = rereadFirstPagesThenGrow("lru");
    expect(machine.vmstat[PSWPOUT]).toBeGreaterThan(200);
    expect(rereadResident).toBe(100);
    expect(nextResident).toBe(0);
    expect(checkInvariants(machine)).toEqual([]);
  });

  it("the faulting reference is the page's insertion, not a hit", () => {
    // LFU, ties broken by recency. Page 1 is faulted in by a reference; page 3 is read ahead
    // (inserted, never referenced). Both have count 1, so page 1, used less recently, goes
    // first; had the faulting reference counted as a hit, page 1 would have count 2.
    const order = new PolicyPageOrder("lfu", 8);
    order.insert(1);
    order.referenced(1, false);
    order.insert(3);
    expect(order.peekVictim()).toBe(1);
    // A later reference is a hit: now page 3 has the smaller count.
    order.referenced(1, false);
    expect(order.evict()).toBe(3);
    expect(order.holds(3)).toBe(false);
    expect(order.resident).toBe(1);
  });

  it("show lru names the policy and its next victim", () => {
    const machine = machineWith("fifo");
    const app = machine.spawn("app");
    const region = doMmap(machine, app, 4 * PAGE_SIZE, RW, false, false);
    machine.access(app, region, 8, ACCESS_WRITE);
    const text = renderLru(machine);
    expect(text).toMatch(/^reclaim order: policy fifo, \d+ pages \(\d+ kB\); next victim 0x/);
    expect(text).toContain("kept for accounting only");
  });

  it("rejects unknown policies, bad parameters and policies that need the future", () => {
    const configWith = (value: string) => () => machineConfigFrom([{ key: "policy", value }]);
    expect(configWith("nosuch")).toThrow(/unknown policy "nosuch"; known: fifo, lru/);
    expect(configWith("clock:bits=9")).toThrow(MachineConfigError);
    expect(configWith("opt")).toThrow(/needs to know future references/);
  });
});
