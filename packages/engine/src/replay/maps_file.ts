/**
 * Reading and writing the text of /proc/PID/maps (fs/proc/task_mmu.c, show_map_vma):
 *
 *     00108000-00109000 r--p 00000000 fe:00 2238420                    /tmp/prog
 *     04035000-04056000 rwxp 00000000 00:00 0
 *
 * `start-end perms offset major:minor inode [path]`, addresses and offset in hex, the inode in
 * decimal, the path (which may hold spaces, e.g. `/tmp/x (deleted)`) after blanks.
 */
import { PAGE_SIZE, TASK_SIZE } from "../arch/x86/pgtable.js";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { hex } from "../proc/format.js";

/** One line of a maps file. */
export interface MapsEntry {
  start: number;
  end: number;
  /** PROT_* bits from the `rwx` letters. */
  prot: number;
  /** `s` (MAP_SHARED) rather than `p`. */
  shared: boolean;
  /** Byte offset in the file. */
  offset: number;
  /** `major:minor` as written. */
  device: string;
  inode: number;
  /** The path or pseudo-name (`[heap]`, `[stack]`, ...); "" for anonymous memory. */
  path: string;
  /** 1-based line in the text it came from (0 when made up). */
  line: number;
}

/** A malformed maps file: the message names the problem, `line` (1-based) where. */
export class MapsFormatError extends Error {
  override name = "MapsFormatError";
  constructor(
    message: string,
    readonly line: number,
    readonly text: string,
  ) {
    super(message);
  }
}

const LINE_PATTERN =
  /^([0-9a-fA-F]+)-([0-9a-fA-F]+)\s+([r-][w-][x-][ps])\s+([0-9a-fA-F]+)\s+([0-9a-fA-F]+:[0-9a-fA-F]+)\s+(\d+)(?:\s+(.*))?$/;

/** Whether a mapping lies (partly) beyond the user half of the address space, as [vsyscall] does. */
export function beyondUserSpace(entry: MapsEntry): boolean {
  return entry.end > TASK_SIZE;
}

/**
 * Parse maps text. Blank lines are skipped; entries must be page-aligned, non-empty, in address
 * order and not overlap (entries beyond user space are exempt from the order check: their
 * addresses exceed 2^53 and are not exact as numbers). Throws MapsFormatError.
 */
export function parseMaps(text: string): MapsEntry[] {
  const entries: MapsEntry[] = [];
  const lines = text.split("\n");
  let previous: MapsEntry | null = null;
  for (let index = 0; index < lines.length; index++) {
    const raw = (lines[index] as string).replace(/\r$/, "");
    if (raw.trim() === "") continue;
    const line = index + 1;
    const fail = (message: string): never => {
      throw new MapsFormatError(message, line, raw.length > 80 ? `${raw.slice(0, 77)}...` : raw);
    };
    const match = LINE_PATTERN.exec(raw.trim());
    if (match === null) fail("expected START-END PERMS OFFSET DEV INODE [PATH]");
    const [, startText, endText, perms, offsetText, device, inodeText, pathText] =
      match as RegExpExecArray;
    const start = Number.parseInt(startText as string, 16);
    const end = Number.parseInt(endText as string, 16);
    const offset = Number.parseInt(offsetText as string, 16);
    if (start % PAGE_SIZE !== 0 || end % PAGE_SIZE !== 0) fail("addresses must be page-aligned");
    if (end <= start) fail("the end address must be above the start");
    if (offset % PAGE_SIZE !== 0) fail("the offset must be page-aligned");
    const letters = perms as string;
    const entry: MapsEntry = {
      start,
      end,
      prot:
        (letters[0] === "r" ? PROT_READ : 0) |
        (letters[1] === "w" ? PROT_WRITE : 0) |
        (letters[2] === "x" ? PROT_EXEC : 0),
      shared: letters[3] === "s",
      offset,
      device: device as string,
      inode: Number(inodeText),
      path: (pathText ?? "").trim(),
      line,
    };
    if (previous !== null && !beyondUserSpace(entry) && entry.start < previous.end) {
      fail(
        entry.start < previous.start
          ? `not in address order (line ${previous.line} starts higher)`
          : `overlaps the mapping on line ${previous.line}`,
      );
    }
    entries.push(entry);
    previous = entry;
  }
  return entries;
}

/** The perms column: `r-xp`. */
export function permissionLetters(entry: MapsEntry): string {
  return (
    (entry.prot & PROT_READ ? "r" : "-") +
    (entry.prot & PROT_WRITE ? "w" : "-") +
    (entry.prot & PROT_EXEC ? "x" : "-") +
    (entry.shared ? "s" : "p")
  );
}

/** The kernel pads the prefix to this column before a path (see proc/maps.ts). */
const NAME_PAD_WIDTH = 25 + 8 * 6 - 1;

/** One line as the kernel writes it (without the newline). */
export function formatMapsLine(entry: MapsEntry): string {
  const prefix =
    `${hex(entry.start, 8)}-${hex(entry.end, 8)} ${permissionLetters(entry)} ` +
    `${hex(entry.offset, 8)} ${entry.device} ${entry.inode} `;
  return entry.path === "" ? prefix : `${prefix.padEnd(NAME_PAD_WIDTH, " ")} ${entry.path}`;
}
