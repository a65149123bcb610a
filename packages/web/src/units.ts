/** Numbers as the page writes them: durations, sizes, page counts. */

/** A duration in ns in the unit that reads best: "82 µs", "8.0 ms", "350 ns". */
export function durationText(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  if (ns >= 1e3) return `${Math.round(ns / 1e3)} µs`;
  return `${Math.round(ns)} ns`;
}

const KIB = 1024;

/** Bytes as "32 KiB", "8 MiB", or "100 B" when not a whole number of KiB. */
export function sizeText(bytes: number): string {
  if (bytes >= KIB * KIB && bytes % (KIB * KIB) === 0) return `${bytes / (KIB * KIB)} MiB`;
  if (bytes >= KIB && bytes % KIB === 0) return `${bytes / KIB} KiB`;
  return `${bytes} B`;
}

/** "1 page", "1,024 pages". */
export function pagesText(count: number): string {
  return `${count.toLocaleString("en-US")} page${count === 1 ? "" : "s"}`;
}
