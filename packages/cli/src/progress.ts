/**
 * A progress bar on stderr for long runs, shown only on a terminal and never with --json
 * (machine-readable output stays clean).
 */
import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** A progress that shows nothing (workers, --json). */
export const SILENT_PROGRESS: Progress = { update() {}, stop() {} };

export function startProgress(label: string, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return SILENT_PROGRESS;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {eta_formatted} left`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let lastPercent = -1;
  return {
    update(done, total) {
      if (!started) {
        bar.start(Math.max(1, total), 0);
        started = true;
      }
      // Redraw only when the whole percentage changes: updates are cheap but not free.
      const percent = Math.floor((done * 100) / Math.max(1, total));
      if (percent !== lastPercent) {
        lastPercent = percent;
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
