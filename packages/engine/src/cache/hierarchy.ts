/**
 * The cache hierarchy of one core: L1d and L1i, a unified L2, the shared L3, then DRAM.
 *
 * Fill and inclusion: a demand miss fills the line into every level it missed in (L3, then L2,
 * then the L1), so the levels are neither inclusive nor exclusive ("NINE"): an eviction from a
 * lower level does not remove the line from the levels above. A dirty victim is written to the
 * level below: marked dirty there when that level holds the line, else allocated in it (which
 * may push a dirty victim further down); a dirty line leaving the L3 is a write to DRAM. Clean
 * victims vanish. A store is a read for ownership: it fetches the line like a load and dirties
 * it in the L1d.
 *
 * Counters: each level's hits and misses count demand lookups only (so hits + misses of a level
 * is the number of accesses that reached it); `writebacks` counts dirty lines it evicted.
 *
 * The machine has one core, so "per core" and "shared" differ only in name here.
 */
import { type CacheLevelConfig, CpuCache, cacheSets, NATIVE_LRU } from "./cache.js";

/** Where an access was served, as `CacheHierarchy.access` returns it. */
export const SERVED_L1 = 0;
export const SERVED_L2 = 1;
export const SERVED_L3 = 2;
export const SERVED_DRAM = 3;
export const SERVED_NAMES_DATA = ["L1d", "L2", "L3", "DRAM"] as const;
export const SERVED_NAMES_INSTRUCTION = ["L1i", "L2", "L3", "DRAM"] as const;

/** The caches of a CPU configuration. */
export interface CacheConfig {
  /** Line size in bytes, the same at every level (a power of two, 16 to 4096). */
  lineBytes: number;
  l1d: CacheLevelConfig;
  l1i: CacheLevelConfig;
  l2: CacheLevelConfig;
  l3: CacheLevelConfig;
  /** Load-to-use latency, in cycles, of an access that DRAM serves. */
  dramLatency: number;
  /** Replacement policy of every level: `lru` (native, fast) or a registry spec. */
  policy: string;
}

const PAGE_SIZE = 4096;

/** Why `config` cannot be built, naming the option at fault, or null when it can. */
export function checkCacheConfig(config: CacheConfig): { key: string; message: string } | null {
  const line = config.lineBytes;
  if (!Number.isInteger(line) || line < 16 || line > PAGE_SIZE || (line & (line - 1)) !== 0) {
    return {
      key: "cache_line",
      message: `the line size must be a power of two from 16 to 4096, not ${line}`,
    };
  }
  const levels = [
    ["l1d", config.l1d],
    ["l1i", config.l1i],
    ["l2", config.l2],
    ["l3", config.l3],
  ] as const;
  for (const [key, level] of levels) {
    const sets = cacheSets(level, line);
    if (typeof sets === "string") return { key, message: `${key}: ${sets}` };
  }
  const order: [string, number][] = [
    ["l1d_latency", config.l1d.latency],
    ["l2_latency", config.l2.latency],
    ["l3_latency", config.l3.latency],
    ["dram_latency", config.dramLatency],
  ];
  if (config.l1i.latency > config.l2.latency) {
    return { key: "l1i_latency", message: "the L1i latency must not exceed the L2 latency" };
  }
  for (let index = 1; index < order.length; index++) {
    const [key, latency] = order[index] as [string, number];
    const [aboveKey, above] = order[index - 1] as [string, number];
    if (latency < above) {
      return {
        key,
        message: `latencies must not fall going down the hierarchy: ${key}=${latency} is below ${aboveKey}=${above}`,
      };
    }
  }
  return null;
}

export class CacheHierarchy {
  readonly l1d: CpuCache;
  readonly l1i: CpuCache;
  readonly l2: CpuCache;
  readonly l3: CpuCache;
  readonly lineBytes: number;
  /** log2(lineBytes): a physical address >> lineShift is its line number. */
  readonly lineShift: number;
  readonly linesPerPage: number;
  readonly dramLatency: number;
  /** Cycles of a data access served at each SERVED_* level, and of an instruction fetch. */
  readonly dataLatency: Int32Array;
  readonly instructionLatency: Int32Array;
  /** Lines read from DRAM, and dirty lines written back to it. */
  dramReads = 0;
  dramWrites = 0;

  constructor(config: CacheConfig) {
    const problem = checkCacheConfig(config);
    if (problem !== null) throw new Error(problem.message);
    const line = config.lineBytes;
    this.lineBytes = line;
    this.lineShift = Math.log2(line);
    this.linesPerPage = PAGE_SIZE / line;
    this.l1d = new CpuCache("L1d", config.l1d, line, config.policy);
    this.l1i = new CpuCache("L1i", config.l1i, line, config.policy);
    this.l2 = new CpuCache("L2", config.l2, line, config.policy);
    this.l3 = new CpuCache("L3", config.l3, line, config.policy);
    this.dramLatency = config.dramLatency;
    this.dataLatency = Int32Array.of(
      config.l1d.latency,
      config.l2.latency,
      config.l3.latency,
      config.dramLatency,
    );
    this.instructionLatency = Int32Array.of(
      config.l1i.latency,
      config.l2.latency,
      config.l3.latency,
      config.dramLatency,
    );
  }

  /** Whether the levels follow the native LRU (false when a registry policy orders them). */
  get nativeLru(): boolean {
    return this.l1d.policy === NATIVE_LRU;
  }

  /**
   * The line of byte `offset` (0-4095) of frame `pfn`.
   * @example lineOf(0x105, 0x48) with 64-byte lines // 0x4141
   */
  lineOf(pfn: number, offset: number): number {
    return pfn * this.linesPerPage + (offset >>> this.lineShift);
  }

  /**
   * Hot path: a demand access to `line` by a load or store (through the L1d) or an instruction
   * fetch (through the L1i). Returns where it was served, a SERVED_* constant; every level that
   * missed now holds the line.
   */
  access(line: number, instruction: boolean, write: boolean): number {
    const l1 = instruction ? this.l1i : this.l1d;
    if (l1.lookup(line, write)) return SERVED_L1;
    return this.missL1(l1, line, write);
  }

  private missL1(l1: CpuCache, line: number, write: boolean): number {
    let served = SERVED_L2;
    if (!this.l2.lookup(line, false)) {
      if (this.l3.lookup(line, false)) {
        served = SERVED_L3;
      } else {
        served = SERVED_DRAM;
        this.dramReads++;
        if (this.l3.fill(line, false) >= 0) this.dramWrites++;
      }
      this.fillL2(line, false);
    }
    const victim = l1.fill(line, write);
    if (victim >= 0) this.writeBackToL2(victim);
    return served;
  }

  /**
   * A line the kernel read or wrote (a page-table entry while it handled a fault): it is now in
   * every level, dirty in the L1d when written. Not a demand access: no hit or miss is counted,
   * but the evictions it causes write back as usual.
   */
  install(line: number, write: boolean): void {
    if (this.l1d.find(line) >= 0) {
      if (write) this.l1d.markDirty(line);
      return;
    }
    if (this.l3.find(line) < 0 && this.l3.fill(line, false) >= 0) this.dramWrites++;
    if (this.l2.find(line) < 0) this.fillL2(line, false);
    const victim = this.l1d.fill(line, write);
    if (victim >= 0) this.writeBackToL2(victim);
  }

  /**
   * A line the kernel wrote a while ago (clear_page, copy_page): dirty in the L1d (level 0),
   * the L2 (1) or the L3 (2), unless a level at least that close holds it already. Not a demand
   * access: nothing counted but the write-backs it causes.
   */
  installWritten(line: number, level: number): void {
    if (level === 0) {
      this.install(line, true);
      return;
    }
    if (this.l1d.find(line) >= 0 || this.l2.markDirty(line)) return;
    if (level === 2) {
      if (!this.l3.markDirty(line) && this.l3.fill(line, true) >= 0) this.dramWrites++;
      return;
    }
    if (this.l3.find(line) < 0 && this.l3.fill(line, false) >= 0) this.dramWrites++;
    this.fillL2(line, true);
  }

  /** Where an access to `line` would be served now, changing nothing (for inspection). */
  servedBy(line: number, instruction: boolean): number {
    if ((instruction ? this.l1i : this.l1d).find(line) >= 0) return SERVED_L1;
    if (this.l2.find(line) >= 0) return SERVED_L2;
    if (this.l3.find(line) >= 0) return SERVED_L3;
    return SERVED_DRAM;
  }

  /** Every level, top down. */
  levels(): CpuCache[] {
    return [this.l1d, this.l1i, this.l2, this.l3];
  }

  private fillL2(line: number, dirty: boolean): void {
    const victim = this.l2.fill(line, dirty);
    if (victim >= 0) this.writeBackToL3(victim);
  }

  private writeBackToL2(line: number): void {
    if (!this.l2.markDirty(line)) this.fillL2(line, true);
  }

  private writeBackToL3(line: number): void {
    if (!this.l3.markDirty(line) && this.l3.fill(line, true) >= 0) this.dramWrites++;
  }
}
