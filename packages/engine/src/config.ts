/**
 * The simulated machine's configuration and the `machine key=value ...` options that set it.
 */
import { type CpuConfig, DEFAULT_CPU_CONFIG } from "./arch/x86/mmu.js";
import type { TlbGeometry } from "./arch/x86/tlb.js";
import { parseSize } from "./scenario/units.js";

export interface MachineConfig {
  /** Bytes of RAM (a multiple of the 4 KiB page). */
  ramBytes: number;
  cpu: CpuConfig;
  /** RLIMIT_STACK in bytes. */
  stackLimit: number;
}

export const DEFAULT_MACHINE_CONFIG: Readonly<MachineConfig> = {
  ramBytes: 256 * 1024 * 1024,
  cpu: DEFAULT_CPU_CONFIG,
  stackLimit: 8 * 1024 * 1024,
};

/** Options of the `machine` statement, with what each takes; listed when a key is unknown. */
export const MACHINE_OPTIONS: Record<string, string> = {
  ram: "RAM size, e.g. 256M or 1G (default 256M)",
  pcid: "on|off: tag TLB entries with PCIDs instead of flushing on every switch (default on)",
  dtlb: "L1 data TLB as ENTRIESxWAYS (default 64x4)",
  itlb: "L1 instruction TLB as ENTRIESxWAYS (default 128x8)",
  stlb: "L2 shared TLB as ENTRIESxWAYS (default 1536x12)",
  stack: "stack size limit, RLIMIT_STACK (default 8M)",
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
  for (const { key, value } of options) config = applyOption(config, key, value);
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
    case "stlb":
      return { ...config, cpu: { ...config.cpu, [key]: tlbGeometry(key, value) } };
    case "stack": {
      const bytes = parseSize(value);
      if (bytes === null || bytes < 4096 || bytes > 2 ** 40) {
        throw new MachineConfigError(key, `stack must be a size like 8M, not "${value}"`);
      }
      return { ...config, stackLimit: bytes };
    }
    default:
      throw new MachineConfigError(
        key,
        `unknown machine option "${key}"; valid options: ${Object.keys(MACHINE_OPTIONS).join(", ")}`,
      );
  }
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
