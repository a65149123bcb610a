/**
 * A report: the counters of a machine and its processes at one moment, as `report` statements,
 * `vmscope replay` and `--json` give them.
 */
import type { Machine } from "../machine.js";
import { cacheCounters } from "../proc/caches.js";
import { processCounters } from "../proc/status.js";
import { tlbCounters } from "../proc/tlb.js";
import { vmstatValues } from "../proc/vmstat.js";
import type { Process } from "../process.js";

/** Counters of one report, as `--json` prints them. */
export interface Report {
  label: string;
  line: number;
  processes: Record<string, Record<string, number>>;
  vmstat: Record<string, number>;
  tlb: Record<string, number>;
  /** Hits, misses and writebacks of each cache level, DRAM traffic, paging-structure caches. */
  caches: Record<string, number>;
}

/** Snapshot the counters of `machine` and of the named processes. */
export function snapshotReport(
  machine: Machine,
  processes: Iterable<readonly [string, Process]>,
  label: string,
  line: number,
): Report {
  const perProcess: Record<string, Record<string, number>> = {};
  const clock = machine.cpu.timing.cyclesPerNs;
  for (const [name, process] of processes) perProcess[name] = processCounters(process, clock);
  return {
    label,
    line,
    processes: perProcess,
    vmstat: vmstatValues(machine),
    tlb: tlbCounters(machine),
    caches: cacheCounters(machine),
  };
}
