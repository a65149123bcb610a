/**
 * CPU presets for `machine cpu=NAME`: TLB and cache geometries, latencies and clock of real cores,
 * and a tiny teaching machine. Every value can be overridden by later machine options.
 *
 * Latencies are load-to-use cycles of an access served at that level (what the cache level
 * charges, see cache/hierarchy.ts); DRAM's is the whole trip, L3 miss included, at the preset's
 * clock. Sizes of the paging-structure caches are not published by Intel or AMD: the figures
 * below are assumptions of the right order, flagged as such.
 */
import type { CacheConfig } from "../../cache/hierarchy.js";
import type { CpuConfig } from "./mmu.js";
import type { PscGeometry } from "./psc.js";
import { DEFAULT_TIMING } from "./timing.js";

const KIB = 1024;
const MIB = 1024 * 1024;

/**
 * Assumed paging-structure-cache sizes for the big cores (unpublished): a 2-entry PML4E cache,
 * a 4-entry PDPTE cache and a 32-entry, 4-way PDE cache.
 */
const ASSUMED_PSC: Readonly<PscGeometry> = {
  pml4e: { entries: 2, ways: 2 },
  pdpte: { entries: 4, ways: 4 },
  pde: { entries: 32, ways: 4 },
};

function caches(
  l1d: [number, number, number],
  l1i: [number, number, number],
  l2: [number, number, number],
  l3: [number, number, number],
  dramLatency: number,
): CacheConfig {
  const level = ([sizeBytes, ways, latency]: [number, number, number]) => ({
    sizeBytes,
    ways,
    latency,
  });
  return {
    lineBytes: 64,
    l1d: level(l1d),
    l1i: level(l1i),
    l2: level(l2),
    l3: level(l3),
    dramLatency,
    policy: "lru",
  };
}

/**
 * 2 MiB entries: every preset has separate small L1 arrays for 2 MiB pages (`dtlb2m`, `itlb2m`)
 * and one STLB that holds both sizes. Skylake: L1 dTLB 32 entries 4-way and L1 iTLB 8 entries
 * (fully associative) for 2M/4M pages, STLB 1536 entries shared by 4K and 2M (Intel's
 * optimization manual, Skylake TLB table). Golden Cove: L1 dTLB 32 entries 4-way for 2M/4M,
 * iTLB 32 entries for 2M/4M, STLB 2048 shared. Zen 4's L1 dTLB (72) and iTLB (64) hold every
 * page size in one fully associative array: modelled as a separate 2 MiB array of the same size,
 * so 2 MiB entries do not take 4 KiB entries' room (an approximation).
 */

/**
 * Skylake client core (Core i7-6700), the default machine; its TLBs are the ones vmscope always
 * had. Sources: 7-cpu.com/cpu/Skylake.html (L1d 32 KiB 8-way 4 cycles, L2 256 KiB 4-way
 * 12 cycles, L3 8 MiB 16-way 42 cycles, RAM 42 cycles + 51 ns; dTLB 64 entries 4-way, iTLB 128
 * 8-way, STLB 1536 12-way, 9 cycles for an STLB hit); Intel 64 and IA-32 Architectures
 * Optimization Reference Manual, Skylake chapter (the same TLB and cache table). D2L's table of
 * latencies for this generation (about 4, 12-17 and 42 cycles) agrees.
 * Clock: 3 GHz, a round figure below the i7-6700's 3.4 GHz base (vmscope's costs always assumed
 * 3 GHz), so DRAM is 42 + 51 ns x 3 = 195 cycles.
 */
const SKYLAKE: CpuConfig = {
  model: "skylake",
  dtlb: { entries: 64, ways: 4 },
  itlb: { entries: 128, ways: 8 },
  dtlb2m: { entries: 32, ways: 4 },
  itlb2m: { entries: 8, ways: 8 },
  stlb: { entries: 1536, ways: 12 },
  pcid: true,
  psc: ASSUMED_PSC,
  pscEnabled: true,
  caches: caches([32 * KIB, 8, 4], [32 * KIB, 8, 4], [256 * KIB, 4, 12], [8 * MIB, 16, 42], 195),
  timing: { ...DEFAULT_TIMING, stlbHit: 9, cyclesPerNs: 3 },
};

/**
 * Golden Cove, the P-core of Alder Lake (Core i9-12900K); Raptor Cove keeps its TLBs and L1s
 * (with a 2 MiB 16-way L2: `l2=2M:16`). Sources: Hennessy & Patterson, Computer Architecture: A
 * Quantitative Approach, 7th ed., the Core i9 12900 memory hierarchy (dTLB 96 entries 6-way,
 * iTLB 256 8-way, STLB 2048 16-way, 8-cycle STLB plus 1 for the L1 miss; L1i 32 KiB 8-way;
 * L1d 48 KiB); chipsandcheese.com, "Going Armchair Quarterback on Golden Cove's Caches" (2022)
 * (L1d 64 sets x 12 ways, 5 cycles); Guru3D's and AnandTech's Core i9-12900K reviews (2021)
 * (L2 1.25 MiB per P-core, L3 30 MiB shared); the L2's 10 ways and the L3's 12 follow Intel's
 * 12th-gen datasheet (not re-read while writing: docs/hardware.md lists what was checked).
 * L2 15 and L3 65 cycles are the measured orders of magnitude reported there (the L3's depends
 * on the ring clock); DRAM 450 cycles is about 90 ns of DDR5 at the 5 GHz clock used here.
 * The L3's 40960 sets are not a power of two: vmscope takes the line number modulo the set
 * count where the real chip hashes lines to 12 slices.
 */
const GOLDEN_COVE: CpuConfig = {
  model: "golden-cove",
  dtlb: { entries: 96, ways: 6 },
  itlb: { entries: 256, ways: 8 },
  dtlb2m: { entries: 32, ways: 4 },
  itlb2m: { entries: 32, ways: 32 },
  stlb: { entries: 2048, ways: 16 },
  pcid: true,
  psc: ASSUMED_PSC,
  pscEnabled: true,
  caches: caches(
    [48 * KIB, 12, 5],
    [32 * KIB, 8, 4],
    [1280 * KIB, 10, 15],
    [30 * MIB, 12, 65],
    450,
  ),
  timing: { ...DEFAULT_TIMING, stlbHit: 9, cyclesPerNs: 5 },
};

/**
 * Zen 4 (Ryzen 7000, EPYC 9004). Sources: AMD Software Optimization Guide for the AMD Family 19h
 * Processors (pub. 57647) and chipsandcheese.com, "AMD's Zen 4, Part 2: Memory Subsystem and
 * Conclusion" (2022); the L2 dTLB's 3072 entries and its holding of page-directory entries also
 * follow WikiChip's Zen 2/Zen 4 pages. (The TLB figures here were not all confirmed against the
 * primary text while writing; see docs/hardware.md.) L1 dTLB 72 entries fully associative, L1 iTLB 64 fully associative, L2
 * dTLB 3072 entries (modelled 24-way, 128 sets; it also holds page-directory entries), L1d and
 * L1i 32 KiB 8-way, L1d 4 cycles, L2 1 MiB 8-way 14 cycles, L3 32 MiB 16-way per CCD about 50
 * cycles, DRAM about 80 ns (400 cycles at the 5 GHz used here). vmscope's single STLB stands
 * for the L2 dTLB (Zen 4 has a separate 512-entry L2 iTLB); its hit is charged 7 cycles.
 */
const ZEN4: CpuConfig = {
  model: "zen4",
  dtlb: { entries: 72, ways: 72 },
  itlb: { entries: 64, ways: 64 },
  dtlb2m: { entries: 72, ways: 72 },
  itlb2m: { entries: 64, ways: 64 },
  stlb: { entries: 3072, ways: 24 },
  pcid: true,
  psc: {
    pml4e: { entries: 4, ways: 4 },
    pdpte: { entries: 8, ways: 8 },
    pde: { entries: 64, ways: 4 },
  },
  pscEnabled: true,
  caches: caches([32 * KIB, 8, 4], [32 * KIB, 8, 4], [1 * MIB, 8, 14], [32 * MIB, 16, 50], 400),
  timing: { ...DEFAULT_TIMING, stlbHit: 7, cyclesPerNs: 5 },
};

/**
 * A teaching machine whose every structure fits on a slide: TLBs of 8 (2-way) and 32 (4-way)
 * entries (and 2 MiB arrays of 4 and 2), paging-structure caches of 2, 2 and 4 entries, caches of 512 bytes (4 sets x 2 ways),
 * 2 KiB (8 x 4) and 8 KiB (16 x 8) with 64-byte lines, round latencies 4, 12, 40 and 200 cycles,
 * and a 1 GHz clock, so cycles read as nanoseconds. Not a real core.
 */
const TEACHING: CpuConfig = {
  model: "teaching",
  dtlb: { entries: 8, ways: 2 },
  itlb: { entries: 8, ways: 2 },
  dtlb2m: { entries: 4, ways: 2 },
  itlb2m: { entries: 2, ways: 2 },
  stlb: { entries: 32, ways: 4 },
  pcid: true,
  psc: {
    pml4e: { entries: 2, ways: 2 },
    pdpte: { entries: 2, ways: 2 },
    pde: { entries: 4, ways: 4 },
  },
  pscEnabled: true,
  caches: caches([512, 2, 4], [512, 2, 4], [2 * KIB, 4, 12], [8 * KIB, 8, 40], 200),
  timing: { ...DEFAULT_TIMING, stlbHit: 8, cyclesPerNs: 1 },
};

/** The machine without `cpu=`. */
export const DEFAULT_CPU_MODEL = "skylake";

export const CPU_PRESETS: Readonly<Record<string, Readonly<CpuConfig>>> = {
  skylake: SKYLAKE,
  "golden-cove": GOLDEN_COVE,
  zen4: ZEN4,
  teaching: TEACHING,
};

/** One line per preset, for `machine` option help. */
export const CPU_PRESET_TITLES: Readonly<Record<string, string>> = {
  skylake: "Intel Skylake client core (the default)",
  "golden-cove": "Intel Golden Cove, the Alder Lake P-core",
  zen4: "AMD Zen 4",
  teaching: "a tiny machine whose TLBs and caches fit on a slide",
};

/** A deep copy of preset `name` that options may change, or undefined when there is none. */
export function cpuPreset(name: string): CpuConfig | undefined {
  const preset = CPU_PRESETS[name];
  if (preset === undefined) return undefined;
  const cache = preset.caches;
  return {
    ...preset,
    dtlb: { ...preset.dtlb },
    itlb: { ...preset.itlb },
    dtlb2m: { ...preset.dtlb2m },
    itlb2m: { ...preset.itlb2m },
    stlb: { ...preset.stlb },
    psc: {
      pml4e: { ...preset.psc.pml4e },
      pdpte: { ...preset.psc.pdpte },
      pde: { ...preset.psc.pde },
    },
    caches: {
      ...cache,
      l1d: { ...cache.l1d },
      l1i: { ...cache.l1i },
      l2: { ...cache.l2 },
      l3: { ...cache.l3 },
    },
    timing: { ...preset.timing },
  };
}
