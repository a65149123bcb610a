import { describe, expect, it } from "vitest";
import { CacheHierarchy } from "../../cache/hierarchy.js";
import { machineConfigFrom } from "../../config.js";
import { Machine } from "../../machine.js";
import { CPU_PRESETS, cpuPreset } from "./cpu_presets.js";
import { DEFAULT_CPU_CONFIG } from "./mmu.js";
import { Tlb } from "./tlb.js";

/** Physical address 0x12345678 is line 0x48d159 with 64-byte lines. */
const LINE = Math.floor(0x12345678 / 64);
/** Virtual address 0x7ffff7fef000 is page 0x7ffff7fef. */
const VPN = 0x7ffff7fef;

/** Per level (L1d, L1i, L2, L3): sets, then the set and the tag of LINE, worked out by hand. */
const CACHE_GEOMETRY: Record<string, [number, number, number][]> = {
  skylake: [
    [64, 0x19, 0x12345],
    [64, 0x19, 0x12345],
    [1024, 0x159, 0x1234],
    [8192, 0x1159, 0x246],
  ],
  "golden-cove": [
    [64, 0x19, 0x12345],
    [64, 0x19, 0x12345],
    [2048, 0x159, 0x91a],
    // 30 MiB / 12 ways / 64 B = 40960 sets, not a power of two: 0x48d159 = 116 * 40960 + 0x5159.
    [40960, 0x5159, 0x74],
  ],
  zen4: [
    [64, 0x19, 0x12345],
    [64, 0x19, 0x12345],
    [2048, 0x159, 0x91a],
    [32768, 0x5159, 0x91],
  ],
  teaching: [
    [4, 0x1, 0x123456],
    [4, 0x1, 0x123456],
    [8, 0x1, 0x91a2b],
    [16, 0x9, 0x48d15],
  ],
};

/** Per TLB (dTLB, iTLB, STLB): sets, then the set and the tag of VPN. */
const TLB_GEOMETRY: Record<string, [number, number, number][]> = {
  skylake: [
    [16, 0xf, 0x7ffff7fe],
    [16, 0xf, 0x7ffff7fe],
    [128, 0x6f, 0xffffeff],
  ],
  "golden-cove": [
    [16, 0xf, 0x7ffff7fe],
    [32, 0xf, 0x3ffffbff],
    [128, 0x6f, 0xffffeff],
  ],
  // Zen 4's L1 TLBs are fully associative: one set, the whole page number is the tag.
  zen4: [
    [1, 0, 0x7ffff7fef],
    [1, 0, 0x7ffff7fef],
    [128, 0x6f, 0xffffeff],
  ],
  teaching: [
    [4, 0x3, 0x1ffffdffb],
    [4, 0x3, 0x1ffffdffb],
    [8, 0x7, 0xffffeffd],
  ],
};

describe("CPU presets", () => {
  it("lists the presets this test pins", () => {
    expect(Object.keys(CPU_PRESETS).sort()).toEqual(Object.keys(CACHE_GEOMETRY).sort());
    expect(DEFAULT_CPU_CONFIG.model).toBe("skylake");
  });

  it.each(Object.entries(CACHE_GEOMETRY))("%s: cache sets, set index and tag", (name, levels) => {
    const caches = new CacheHierarchy((CPU_PRESETS[name] ?? DEFAULT_CPU_CONFIG).caches);
    const actual = caches
      .levels()
      .map((cache) => [cache.sets, cache.setIndex(LINE), cache.tag(LINE)]);
    expect(actual).toEqual(levels);
  });

  it.each(Object.entries(TLB_GEOMETRY))("%s: TLB sets, set index and tag", (name, tlbs) => {
    const preset = CPU_PRESETS[name] ?? DEFAULT_CPU_CONFIG;
    const actual = [preset.dtlb, preset.itlb, preset.stlb].map((geometry) => {
      const tlb = new Tlb("t", geometry);
      return [tlb.sets, tlb.setIndex(VPN), Math.floor(VPN / tlb.sets)];
    });
    expect(actual).toEqual(tlbs);
  });

  it("latencies grow going down the hierarchy, and every preset builds a machine", () => {
    for (const name of Object.keys(CPU_PRESETS)) {
      const { caches } = cpuPreset(name) ?? DEFAULT_CPU_CONFIG;
      expect(caches.l1d.latency).toBeLessThanOrEqual(caches.l2.latency);
      expect(caches.l2.latency).toBeLessThan(caches.l3.latency);
      expect(caches.l3.latency).toBeLessThan(caches.dramLatency);
      const machine = new Machine(machineConfigFrom([{ key: "cpu", value: name }]));
      expect(machine.cpu.config.model).toBe(name);
    }
  });

  it("cpuPreset hands out a copy: changing it leaves the preset alone", () => {
    const copy = cpuPreset("teaching");
    if (copy === undefined) throw new Error("no teaching preset");
    copy.caches.l1d.latency = 99;
    copy.dtlb.entries = 2;
    expect(CPU_PRESETS.teaching?.caches.l1d.latency).toBe(4);
    expect(CPU_PRESETS.teaching?.dtlb.entries).toBe(8);
    expect(cpuPreset("pentium")).toBeUndefined();
  });
});
