/**
 * A report: the counters of a machine and its processes at one moment, as `report` statements,
 * `vmscope replay` and `--json` give them.
 */
import type { Machine } from "../machine.js";
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
}

/** Snapshot the counters of `machine` and of the named processes. */
export function snapshotReport(
  machine: Machine,
  processes: Iterable<readonly [string, Process]>,
  label: string,
  line: number,
): Report {
  const perProcess: Record<string, Record<string, number>> = {};
  for (const [name, process] of processes) perProcess[name] = processCounters(process);
  return {
    label,
    line,
    processes: perProcess,
    vmstat: vmstatValues(machine),
    tlb: tlbCounters(machine),
  };
}
