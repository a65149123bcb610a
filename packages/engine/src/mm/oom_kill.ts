/**
 * The OOM killer's choice (mm/oom_kill.c, oom_badness and select_bad_process).
 */
import type { Process } from "../process.js";

/** oom_score_adj that makes a process unkillable (OOM_SCORE_ADJ_MIN). */
export const OOM_SCORE_ADJ_MIN = -1000;

/**
 * oom_badness: resident pages + swap entries + page-table pages, shifted by
 * oom_score_adj thousandths of all memory (RAM plus swap). Null for an unkillable process.
 */
export function oomBadness(process: Process, totalPages: number): number | null {
  if (!process.alive || process.oomScoreAdj === OOM_SCORE_ADJ_MIN) return null;
  const mm = process.mm;
  const points = mm.rssPages + mm.swapEntries + mm.pgtablesBytes / 4096;
  return points + Math.trunc((process.oomScoreAdj * totalPages) / 1000);
}

/**
 * select_bad_process: the live process with the highest badness. Processes are visited in PID
 * order and a later one wins a tie, as the kernel's `points < chosen` test lets it.
 */
export function selectOomVictim(
  processes: readonly Process[],
  totalPages: number,
): { process: Process; points: number } | null {
  let chosen: { process: Process; points: number } | null = null;
  for (const process of processes) {
    const points = oomBadness(process, totalPages);
    if (points === null) continue;
    if (chosen === null || points >= chosen.points) chosen = { process, points };
  }
  return chosen;
}
