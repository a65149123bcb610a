/**
 * The program's memory map from samples of /proc/<valgrind pid>/maps, for `vmscope record`.
 *
 * Valgrind runs the program (the guest) inside its own process, so each sample holds both the
 * guest's mappings and valgrind's. Samples are merged first, then valgrind's mappings dropped:
 *
 * - **Merging**: samples are applied oldest first; where a later sample maps a range, it
 *   replaces what earlier ones said (a later mprotect or mmap wins), and what earlier samples
 *   mapped elsewhere stays (memory the program unmapped before the end is still replayable).
 * - **Valgrind's own by name**: every bracketed pseudo-mapping (`[stack]`, `[vdso]`, `[vvar]`,
 *   `[vsyscall]`, `[heap]`) belongs to the host process the kernel set up for valgrind: the
 *   guest's stack and heap are ordinary anonymous mappings valgrind made for it. So do files in
 *   a `valgrind` directory (the tool, e.g. `/usr/libexec/valgrind/lackey-amd64-linux`), except
 *   `vgpreload_*.so`, which valgrind preloads into the guest and the guest runs; and vgdb's
 *   shared-memory pipe file.
 * - **Guest or valgrind by the trace**: of the rest, a mapping is the guest's when the trace
 *   touches one of its pages, or when it is one segment of a file whose adjacent segment is
 *   kept (a library's untouched headers). Valgrind's own heap, translation cache and debug-info
 *   reads are anonymous or file mappings the guest never touches, so they go.
 */
import { PAGE_SIZE } from "../arch/x86/pgtable.js";
import type { MapsEntry } from "./maps_file.js";
import { type TouchedPageList, touchedBitsIn } from "./touched_pages.js";

/** Merge samples, oldest first: later samples replace earlier ones where they overlap. */
export function mergeMapsSamples(samples: readonly (readonly MapsEntry[])[]): MapsEntry[] {
  let merged: MapsEntry[] = [];
  for (const sample of samples) {
    for (const entry of sample) merged = punchOut(merged, entry.start, entry.end);
    merged.push(...sample);
    merged.sort((a, b) => a.start - b.start);
  }
  return merged;
}

/** `entries` without [start, end): overlapping entries are trimmed or split. */
function punchOut(entries: MapsEntry[], start: number, end: number): MapsEntry[] {
  const result: MapsEntry[] = [];
  for (const entry of entries) {
    if (entry.end <= start || entry.start >= end) {
      result.push(entry);
      continue;
    }
    if (entry.start < start) result.push({ ...entry, end: start });
    if (entry.end > end) {
      const shift = entry.path === "" ? 0 : end - entry.start;
      result.push({ ...entry, start: end, offset: entry.offset + shift });
    }
  }
  return result;
}

/** Whether a mapping is valgrind's by its name alone (see the module comment). */
export function isValgrindMapping(entry: MapsEntry): boolean {
  const path = entry.path;
  if (path.startsWith("[")) return true;
  if (path.includes("/vgdb-pipe-")) return true;
  const slash = path.lastIndexOf("/");
  const directory = path.slice(0, slash);
  const file = path.slice(slash + 1);
  return /(^|\/)valgrind(\/|$)/.test(directory) && !file.startsWith("vgpreload_");
}

/** What guestMappings kept and dropped. */
export interface GuestMapsOutcome {
  kept: MapsEntry[];
  /** Dropped by name (valgrind's files, the host's pseudo-mappings). */
  droppedByName: number;
  /** Dropped because the trace never touches them. */
  droppedUntouched: number;
}

/** The guest's mappings among merged samples, given the pages its trace touched. */
export function guestMappings(
  merged: readonly MapsEntry[],
  touched: TouchedPageList,
): GuestMapsOutcome {
  const candidates = merged.filter((entry) => !isValgrindMapping(entry));
  const keep = candidates.map(
    (entry) => touchedBitsIn(touched, entry.start / PAGE_SIZE, entry.end / PAGE_SIZE) !== 0,
  );
  // A kept file segment keeps its untouched neighbours of the same file, in both directions.
  for (let pass = 0; pass < 2; pass++) {
    const order = pass === 0 ? candidates.keys() : [...candidates.keys()].reverse();
    for (const index of order) {
      if (!keep[index]) continue;
      const neighbour = pass === 0 ? index + 1 : index - 1;
      const entry = candidates[index] as MapsEntry;
      const other = candidates[neighbour];
      if (other !== undefined && sameFileAdjacent(entry, other)) keep[neighbour] = true;
    }
  }
  const kept = candidates.filter((_, index) => keep[index]);
  return {
    kept,
    droppedByName: merged.length - candidates.length,
    droppedUntouched: candidates.length - kept.length,
  };
}

function sameFileAdjacent(a: MapsEntry, b: MapsEntry): boolean {
  return (
    a.path !== "" &&
    a.path === b.path &&
    a.device === b.device &&
    a.inode === b.inode &&
    (a.end === b.start || b.end === a.start)
  );
}
