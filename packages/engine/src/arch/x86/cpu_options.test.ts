import { describe, expect, it } from "vitest";
import { MACHINE_OPTIONS, MachineConfigError, machineConfigFrom } from "../../config.js";
import { parseScenario } from "../../scenario/parser.js";
import { runScenario } from "../../scenario/runner.js";

function config(text: string) {
  const options = text.split(" ").map((pair) => {
    const [key, value] = pair.split("=") as [string, string];
    return { key, value };
  });
  return machineConfigFrom(options).cpu;
}

function failure(text: string): MachineConfigError {
  try {
    config(text);
  } catch (error) {
    if (error instanceof MachineConfigError) return error;
    throw error;
  }
  throw new Error(`"${text}" was accepted`);
}

describe("machine cpu= and the cache options", () => {
  it("cpu= picks a preset; later options override one value each", () => {
    const cpu = config("cpu=zen4 l2=2M:16 l2_latency=16 dram_latency=500");
    expect(cpu.model).toBe("zen4");
    expect(cpu.caches.l2).toEqual({ sizeBytes: 2 * 1024 * 1024, ways: 16, latency: 16 });
    expect(cpu.caches.l1d).toEqual({ sizeBytes: 32 * 1024, ways: 8, latency: 4 });
    expect(cpu.caches.dramLatency).toBe(500);
    expect(cpu.dtlb).toEqual({ entries: 72, ways: 72 });
  });

  it("cpu= applies first wherever it is written, so nothing is lost to it", () => {
    const cpu = config("l1d=64K:16 dtlb=32x4 cpu=golden-cove");
    expect(cpu.model).toBe("golden-cove");
    expect(cpu.caches.l1d.sizeBytes).toBe(64 * 1024);
    expect(cpu.dtlb).toEqual({ entries: 32, ways: 4 });
    expect(cpu.stlb).toEqual({ entries: 2048, ways: 16 });
  });

  it("sets the line size, the policy, the paging-structure caches, the STLB cost and the clock", () => {
    const cpu = config("cache_line=128 cache_policy=fifo psc=off stlb_latency=11 clock=4.5GHz");
    expect(cpu.caches.lineBytes).toBe(128);
    expect(cpu.caches.policy).toBe("fifo");
    expect(cpu.pscEnabled).toBe(false);
    expect(cpu.timing.stlbHit).toBe(11);
    expect(cpu.timing.cyclesPerNs).toBe(4.5);
  });

  it.each([
    ["cpu=pentium", "cpu", /unknown cpu "pentium"; presets: skylake, golden-cove, zen4, teaching/],
    ["l1d=48K", "l1d", /SIZE:WAYS/],
    ["l2=1000:4", "l2", /whole number of sets/],
    ["l3_latency=5", "l3_latency", /must not fall/],
    ["l2_latency=fast", "l2_latency", /whole number of cycles/],
    ["cache_line=48", "cache_line", /power of two/],
    ["cache_policy=opt", "cache_policy", /future/],
    ["cache_policy=nosuch", "cache_policy", /unknown policy/],
    ["psc=maybe", "psc", /on or off/],
    ["clock=fast", "clock", /GHz/],
  ])("%s is refused, naming %s", (text, key, message) => {
    const error = failure(text);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  it("lists every CPU option among the machine options", () => {
    for (const key of [
      "cpu",
      "l1d",
      "l1i",
      "l2",
      "l3",
      "cache_line",
      "l2_latency",
      "psc",
      "clock",
    ]) {
      expect(MACHINE_OPTIONS[key]).toBeDefined();
    }
  });

  it("a scenario's bad cache option is reported at the option", () => {
    const scenario = parseScenario("machine ram=64M l3=3000:8\nspawn app\n", "bad.vms");
    expect(() => runScenario(scenario)).toThrow(/bad\.vms:1:17: l3: /);
  });
});
