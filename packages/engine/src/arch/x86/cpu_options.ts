/**
 * The `machine` options that shape the CPU's caches and timing: `cpu=NAME` picks a preset,
 * and the others override one value each.
 *
 *     machine cpu=golden-cove l2=2M:16 l2_latency=16
 *
 * Syntax: a cache is `SIZE:WAYS` (`l1d=48K:12`, `l3=32M:16`); latencies are whole cycles of an
 * access served there (`l2_latency=15`); `cache_line=64` sets the line size of every level;
 * `cache_policy=NAME` a registry policy for every level; `psc=on|off` the paging-structure caches;
 * `stlb_latency=N` what an STLB hit adds; `clock=GHZ` the core clock.
 */
import { type CacheLevelConfig, NATIVE_LRU } from "../../cache/cache.js";
import { checkCacheConfig } from "../../cache/hierarchy.js";
import { PolicySpecError } from "../../policy/params.js";
import { resolvePolicy } from "../../policy/registry.js";
import { parseSize } from "../../scenario/units.js";
import { CPU_PRESET_TITLES, CPU_PRESETS, cpuPreset, DEFAULT_CPU_MODEL } from "./cpu_presets.js";
import type { CpuConfig } from "./mmu.js";

const DEFAULT = CPU_PRESETS[DEFAULT_CPU_MODEL] as CpuConfig;
const D = DEFAULT.caches;

/** Size in the units a user writes: `32K`, `1280K`, `8M`. */
function shortSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}M`;
  if (bytes % 1024 === 0) return `${bytes / 1024}K`;
  return String(bytes);
}

function levelText(level: CacheLevelConfig): string {
  return `${shortSize(level.sizeBytes)}:${level.ways}`;
}

/** Help for each CPU option, as `machine` lists them. */
export const CPU_OPTIONS: Record<string, string> = {
  cpu: `CPU preset: ${Object.keys(CPU_PRESETS)
    .map((name) => `${name} (${CPU_PRESET_TITLES[name]})`)
    .join(", ")}; the other CPU options override its values (default ${DEFAULT_CPU_MODEL})`,
  l1d: `L1 data cache as SIZE:WAYS, e.g. 48K:12 (default ${levelText(D.l1d)})`,
  l1i: `L1 instruction cache as SIZE:WAYS (default ${levelText(D.l1i)})`,
  l2: `unified L2 cache as SIZE:WAYS (default ${levelText(D.l2)})`,
  l3: `shared L3 cache as SIZE:WAYS (default ${levelText(D.l3)})`,
  cache_line: `cache line size in bytes at every level, a power of two (default ${D.lineBytes})`,
  l1d_latency: `cycles of an access the L1d serves (default ${D.l1d.latency})`,
  l1i_latency: `cycles of a fetch the L1i serves (default ${D.l1i.latency})`,
  l2_latency: `cycles of an access the L2 serves (default ${D.l2.latency})`,
  l3_latency: `cycles of an access the L3 serves (default ${D.l3.latency})`,
  dram_latency: `cycles of an access DRAM serves, the L3 miss included (default ${D.dramLatency})`,
  cache_policy:
    "replacement in every cache level: lru (native) or a policy from `vmscope policies` (default lru)",
  psc: "on|off: the paging-structure caches (PML4E, PDPTE and PDE caches) that shorten walks (default on)",
  stlb_latency: `cycles an STLB hit adds to an L1 TLB miss (default ${DEFAULT.timing.stlbHit})`,
  clock: `core clock in GHz, e.g. 3 or 4.5: converts disk latency to cycles and cycles to time (default ${DEFAULT.timing.cyclesPerNs})`,
};

/** A bad CPU option; `key` names the option at fault. */
export class CpuOptionError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

const LEVEL_KEYS = ["l1d", "l1i", "l2", "l3"] as const;
type LevelKey = (typeof LEVEL_KEYS)[number];

/**
 * `cpu` with option `key` applied, or null when `key` is not a CPU option. Throws CpuOptionError
 * for a bad value. Only the option's own value is checked here; checkCpuConfig checks the whole.
 */
export function applyCpuOption(cpu: CpuConfig, key: string, value: string): CpuConfig | null {
  const caches = cpu.caches;
  switch (key) {
    case "cpu": {
      const preset = cpuPreset(value);
      if (preset === undefined) {
        throw new CpuOptionError(
          key,
          `unknown cpu "${value}"; presets: ${Object.keys(CPU_PRESETS).join(", ")}`,
        );
      }
      return preset;
    }
    case "l1d":
    case "l1i":
    case "l2":
    case "l3": {
      const level = { ...caches[key], ...levelGeometry(key, value) };
      return { ...cpu, caches: { ...caches, [key]: level } };
    }
    case "l1d_latency":
    case "l1i_latency":
    case "l2_latency":
    case "l3_latency": {
      const level = key.slice(0, key.indexOf("_")) as LevelKey;
      const latency = cycles(key, value);
      return { ...cpu, caches: { ...caches, [level]: { ...caches[level], latency } } };
    }
    case "dram_latency":
      return { ...cpu, caches: { ...caches, dramLatency: cycles(key, value) } };
    case "cache_line": {
      const line = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (!(line >= 16 && line <= 4096 && (line & (line - 1)) === 0)) {
        throw new CpuOptionError(
          key,
          `cache_line must be a power of two from 16 to 4096, not "${value}"`,
        );
      }
      return { ...cpu, caches: { ...caches, lineBytes: line } };
    }
    case "cache_policy":
      return { ...cpu, caches: { ...caches, policy: cachePolicy(value) } };
    case "psc":
      if (value !== "on" && value !== "off") {
        throw new CpuOptionError(key, `psc must be on or off, not "${value}"`);
      }
      return { ...cpu, pscEnabled: value === "on" };
    case "stlb_latency":
      return { ...cpu, timing: { ...cpu.timing, stlbHit: cycles(key, value) } };
    case "clock": {
      const match = /^(\d+(?:\.\d+)?)(?:ghz)?$/i.exec(value);
      const ghz = match === null ? Number.NaN : Number(match[1]);
      if (!(ghz >= 0.1 && ghz <= 10)) {
        throw new CpuOptionError(
          key,
          `clock must be in GHz from 0.1 to 10, like 3 or 4.5GHz, not "${value}"`,
        );
      }
      return { ...cpu, timing: { ...cpu.timing, cyclesPerNs: ghz } };
    }
    default:
      return null;
  }
}

/** Throws CpuOptionError when the caches `cpu` describes cannot be built. */
export function checkCpuConfig(cpu: CpuConfig): void {
  const problem = checkCacheConfig(cpu.caches);
  if (problem !== null) throw new CpuOptionError(problem.key, problem.message);
}

function levelGeometry(key: string, value: string): { sizeBytes: number; ways: number } {
  const match = /^([^:]+):(\d+)$/.exec(value);
  const sizeBytes = match === null ? null : parseSize(match[1] as string);
  const ways = match === null ? Number.NaN : Number(match[2]);
  if (sizeBytes === null || !(ways >= 1 && ways <= 1024)) {
    throw new CpuOptionError(key, `${key} must be SIZE:WAYS, like 32K:8 or 2M:16, not "${value}"`);
  }
  return { sizeBytes, ways };
}

function cycles(key: string, value: string): number {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= 0 && number <= 100000)) {
    throw new CpuOptionError(key, `${key} must be a whole number of cycles, not "${value}"`);
  }
  return number;
}

/** Check a cache policy against the registry; OPT cannot run (a cache does not see the future). */
function cachePolicy(spec: string): string {
  if (spec === NATIVE_LRU) return spec;
  try {
    const { definition } = resolvePolicy(spec);
    if (definition.needsFuture) {
      throw new CpuOptionError(
        "cache_policy",
        `cache_policy "${spec}" needs to know future references, which a cache cannot`,
      );
    }
  } catch (error) {
    if (error instanceof PolicySpecError) throw new CpuOptionError("cache_policy", error.message);
    throw error;
  }
  return spec;
}
