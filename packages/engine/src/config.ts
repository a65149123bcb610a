/**
 * The simulated machine's configuration and the `machine key=value ...` options that set it.
 */

import {
  DEFAULT_PAGETABLE,
  layoutProblem,
  PageTableSpecError,
  parsePageTableSpec,
} from "./arch/pagetable/spec.js";
import {
  applyCpuOption,
  CPU_OPTIONS,
  CpuOptionError,
  checkCpuConfig,
} from "./arch/x86/cpu_options.js";
import { type CpuConfig, DEFAULT_CPU_CONFIG } from "./arch/x86/mmu.js";
import type { TlbGeometry } from "./arch/x86/tlb.js";
import { DEFAULT_DISK, DISK_PRESETS } from "./block/disk.js";
import { THP_MODES, type ThpMode } from "./mm/huge_memory.js";
import { PolicySpecError } from "./policy/params.js";
import { resolvePolicy } from "./policy/registry.js";
import { parseSize } from "./scenario/units.js";

export interface MachineConfig {
  /** Bytes of RAM (a multiple of the 4 KiB page). */
  ramBytes: number;
  cpu: CpuConfig;
  /** RLIMIT_STACK in bytes. */
  stackLimit: number;
  /** Bytes of swap (0: none). */
  swapBytes: number;
  /** The disk's latency model, a preset name of block/disk.ts. */
  disk: string;
  /** read_ahead_kb: the largest readahead window, in bytes. */
  readaheadBytes: number;
  /** vm.swappiness, 0-200. */
  swappiness: number;
  /** vm.min_free_kbytes, or null for the kernel's default for this much RAM. */
  minFreeKbytes: number | null;
  /** vm.watermark_scale_factor, in ten-thousandths of RAM (1-3000). */
  watermarkScaleFactor: number;
  /** vm.page-cluster: swap readahead reads 2^pageCluster pages. */
  pageCluster: number;
  /** vm.dirty_background_ratio: the flusher starts when dirty pages pass this % of available memory. */
  dirtyBackgroundRatio: number;
  /** vm.dirty_expire_centisecs, in ns: pages dirty longer than this are written back. */
  dirtyExpireNs: number;
  /** A registry policy (`name[:key=value,...]`) that picks reclaim's victims, or null for Linux's lists. */
  policy: string | null;
  /** The page-table design the MMU walks (arch/pagetable/), in canonical form: `x86-64`, `multilevel:10,10`, ... */
  pagetable: string;
  /** /sys/kernel/mm/transparent_hugepage/enabled: always, madvise or never. */
  thp: ThpMode;
  /** /sys/kernel/mm/transparent_hugepage/use_zero_page: a read fault maps the huge zero page. */
  thpZeroPage: boolean;
}

export const DEFAULT_MACHINE_CONFIG: Readonly<MachineConfig> = {
  ramBytes: 256 * 1024 * 1024,
  cpu: DEFAULT_CPU_CONFIG,
  stackLimit: 8 * 1024 * 1024,
  swapBytes: 0,
  disk: DEFAULT_DISK,
  readaheadBytes: 128 * 1024,
  swappiness: 60,
  minFreeKbytes: null,
  watermarkScaleFactor: 10,
  pageCluster: 3,
  dirtyBackgroundRatio: 10,
  dirtyExpireNs: 30e9,
  policy: null,
  pagetable: DEFAULT_PAGETABLE,
  thp: "madvise",
  thpZeroPage: true,
};

/** Options of the `machine` statement, with what each takes; listed when a key is unknown. */
export const MACHINE_OPTIONS: Record<string, string> = {
  ram: "RAM size, e.g. 256M or 1G (default 256M)",
  pcid: "on|off: tag TLB entries with PCIDs instead of flushing on every switch (default on)",
  dtlb: "L1 data TLB as ENTRIESxWAYS (default 64x4)",
  itlb: "L1 instruction TLB as ENTRIESxWAYS (default 128x8)",
  stlb: "L2 shared TLB as ENTRIESxWAYS, for 4 KiB and 2 MiB pages (default 1536x12)",
  dtlb2m: "L1 data TLB's array of 2 MiB entries as ENTRIESxWAYS (default 32x4)",
  itlb2m: "L1 instruction TLB's array of 2 MiB entries as ENTRIESxWAYS (default 8x8)",
  stack: "stack size limit, RLIMIT_STACK (default 8M)",
  swap: "swap device size, e.g. 512M (default 0: no swap)",
  disk: `block device latency model: ${Object.keys(DISK_PRESETS).join(", ")} (default ${DEFAULT_DISK})`,
  readahead: "largest readahead window, read_ahead_kb, e.g. 128K (default 128K; 0 turns it off)",
  swappiness:
    "vm.swappiness, 0-200: weight of anonymous against file pages in reclaim (default 60)",
  min_free_kbytes: "vm.min_free_kbytes, the min watermark in KiB (default: the kernel's formula)",
  watermark_scale_factor: "vm.watermark_scale_factor, 1-3000 (default 10)",
  page_cluster: "vm.page-cluster, 0-10: swap readahead reads 2^N pages (default 3)",
  dirty_background_ratio: "vm.dirty_background_ratio, 0-100 (default 10)",
  dirty_expire: "vm.dirty_expire_centisecs as a time, e.g. 30s or 500ms (default 30s)",
  policy:
    "a replacement policy from `vmscope policies` (e.g. fifo, lru, clock:bits=2) that picks " +
    "reclaim's victims in place of Linux's active/inactive lists (default: linux's lists)",
  pagetable:
    "the page-table design the MMU walks: x86-64 (4 levels), la57 (5 levels), linear (one table " +
    "indexed by page number), multilevel:BITS,... (a radix tree with these index bits per level, " +
    "top first, e.g. multilevel:10,10, a 32-bit table: processes then get a 32-bit layout), inverted (one entry per frame, hashed by PID and page) " +
    "(default x86-64)",
  thp:
    "transparent huge pages for private anonymous memory: always, madvise (only where madvise " +
    "hugepage asked for them) or never (default madvise, as Debian's kernel)",
  thp_zero_page:
    "on|off: a read fault in an empty huge-page range maps the shared huge zero page read-only " +
    "(transparent_hugepage/use_zero_page; default on)",
  ...CPU_OPTIONS,
};

/** A bad option; `key` names the option at fault. */
export class MachineConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/** Apply `machine` options to the defaults. Throws MachineConfigError on an unknown key or bad value. */
export function machineConfigFrom(
  options: readonly { key: string; value: string }[],
): MachineConfig {
  let config: MachineConfig = { ...DEFAULT_MACHINE_CONFIG, cpu: { ...DEFAULT_MACHINE_CONFIG.cpu } };
  // cpu=NAME replaces the whole CPU, so it goes first wherever it is written: every other
  // option then overrides one of the preset's values.
  const presetsFirst = [
    ...options.filter((option) => option.key === "cpu"),
    ...options.filter((option) => option.key !== "cpu"),
  ];
  try {
    for (const { key, value } of presetsFirst) config = applyOption(config, key, value);
    checkCpuConfig(config.cpu);
  } catch (error) {
    if (error instanceof CpuOptionError) throw new MachineConfigError(error.key, error.message);
    throw error;
  }
  return config;
}

function applyOption(config: MachineConfig, key: string, value: string): MachineConfig {
  switch (key) {
    case "ram": {
      const bytes = parseSize(value);
      if (bytes === null || bytes < 4 * 1024 * 1024 || bytes % 4096 !== 0 || bytes > 2 ** 40) {
        throw new MachineConfigError(
          key,
          `ram must be a size from 4M to 1T in whole pages, not "${value}"`,
        );
      }
      return { ...config, ramBytes: bytes };
    }
    case "pcid":
      if (value !== "on" && value !== "off") {
        throw new MachineConfigError(key, `pcid must be on or off, not "${value}"`);
      }
      return { ...config, cpu: { ...config.cpu, pcid: value === "on" } };
    case "dtlb":
    case "itlb":
    case "dtlb2m":
    case "itlb2m":
    case "stlb":
      return { ...config, cpu: { ...config.cpu, [key]: tlbGeometry(key, value) } };
    case "stack": {
      const bytes = parseSize(value);
      if (bytes === null || bytes < 4096 || bytes > 2 ** 40) {
        throw new MachineConfigError(key, `stack must be a size like 8M, not "${value}"`);
      }
      return { ...config, stackLimit: bytes };
    }
    case "swap": {
      const bytes = parseSize(value);
      if (
        bytes === null ||
        bytes % 4096 !== 0 ||
        bytes > 2 ** 40 ||
        (bytes > 0 && bytes < 2 * 4096)
      ) {
        throw new MachineConfigError(
          key,
          `swap must be 0 or a size like 512M in whole pages, not "${value}"`,
        );
      }
      return { ...config, swapBytes: bytes };
    }
    case "disk":
      if (!(value in DISK_PRESETS)) {
        throw new MachineConfigError(
          key,
          `unknown disk "${value}"; valid: ${Object.keys(DISK_PRESETS).join(", ")}`,
        );
      }
      return { ...config, disk: value };
    case "readahead": {
      const bytes = parseSize(value);
      if (bytes === null || bytes % 4096 !== 0 || bytes > 64 * 1024 * 1024) {
        throw new MachineConfigError(
          key,
          `readahead must be a size in whole pages up to 64M, not "${value}"`,
        );
      }
      return { ...config, readaheadBytes: bytes };
    }
    case "swappiness":
      return { ...config, swappiness: integerOption(key, value, 0, 200) };
    case "min_free_kbytes":
      return { ...config, minFreeKbytes: integerOption(key, value, 128, 1048576) };
    case "watermark_scale_factor":
      return { ...config, watermarkScaleFactor: integerOption(key, value, 1, 3000) };
    case "page_cluster":
      return { ...config, pageCluster: integerOption(key, value, 0, 10) };
    case "dirty_background_ratio":
      return { ...config, dirtyBackgroundRatio: integerOption(key, value, 0, 100) };
    case "dirty_expire": {
      const ns = parseDuration(value);
      if (ns === null) {
        throw new MachineConfigError(
          key,
          `dirty_expire must be a time like 30s or 500ms, not "${value}"`,
        );
      }
      return { ...config, dirtyExpireNs: ns };
    }
    case "policy":
      return { ...config, policy: machinePolicy(value) };
    case "pagetable":
      return { ...config, pagetable: machinePagetable(value) };
    case "thp":
      if (!(THP_MODES as readonly string[]).includes(value)) {
        throw new MachineConfigError(key, `thp must be always, madvise or never, not "${value}"`);
      }
      return { ...config, thp: value as ThpMode };
    case "thp_zero_page":
      if (value !== "on" && value !== "off") {
        throw new MachineConfigError(key, `thp_zero_page must be on or off, not "${value}"`);
      }
      return { ...config, thpZeroPage: value === "on" };
    default: {
      const cpu = applyCpuOption(config.cpu, key, value);
      if (cpu !== null) return { ...config, cpu };
      throw new MachineConfigError(
        key,
        `unknown machine option "${key}"; valid options: ${Object.keys(MACHINE_OPTIONS).join(", ")}`,
      );
    }
  }
}

/** A `pagetable=` value in canonical form; refused when the processes' layout does not fit it. */
function machinePagetable(value: string): string {
  try {
    const spec = parsePageTableSpec(value);
    const problem = layoutProblem(spec);
    if (problem !== null) throw new MachineConfigError("pagetable", problem);
    return spec.name;
  } catch (error) {
    if (error instanceof PageTableSpecError)
      throw new MachineConfigError("pagetable", error.message);
    throw error;
  }
}

/** Check a `policy=` value against the registry; a policy that reads the future cannot run a machine. */
function machinePolicy(spec: string): string {
  let needsFuture: boolean;
  try {
    needsFuture = resolvePolicy(spec).definition.needsFuture;
  } catch (error) {
    if (error instanceof PolicySpecError) throw new MachineConfigError("policy", error.message);
    throw error;
  }
  if (needsFuture) {
    throw new MachineConfigError(
      "policy",
      `policy "${spec}" needs to know future references, which a running machine cannot; ` +
        "run it on a trace with `vmscope sim` instead",
    );
  }
  return spec;
}

function tlbGeometry(key: string, value: string): TlbGeometry {
  const match = /^(\d+)x(\d+)$/.exec(value);
  const entries = match ? Number(match[1]) : Number.NaN;
  const ways = match ? Number(match[2]) : Number.NaN;
  const sets = entries / ways;
  if (
    !match ||
    ways < 1 ||
    entries < ways ||
    !Number.isInteger(sets) ||
    (sets & (sets - 1)) !== 0
  ) {
    throw new MachineConfigError(
      key,
      `${key} must be ENTRIESxWAYS with a power-of-two number of sets (e.g. 64x4), not "${value}"`,
    );
  }
  return { entries, ways };
}

function integerOption(key: string, value: string, low: number, high: number): number {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= low && number <= high)) {
    throw new MachineConfigError(
      key,
      `${key} must be a whole number from ${low} to ${high}, not "${value}"`,
    );
  }
  return number;
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };

/** A time such as `30s`, `500ms` or `80us`, in ns; null when malformed. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ns|us|ms|s)$/.exec(text);
  if (match === null) return null;
  return Number(match[1]) * (DURATION_UNITS[match[2] as string] as number);
}
