/**
 * `machine pagetable=NAME`: which page-table design the simulated MMU walks.
 *
 * - `x86-64`: the four-level table the kernel keeps (the default);
 * - `la57`: five levels, a PML5 table above the four;
 * - `linear`: one table indexed by the virtual page number;
 * - `multilevel:B1,B2,...`: a radix tree with B1 index bits at the top level, then B2, ...;
 * - `inverted`: one entry per physical frame, found through a hash of (PID, page number).
 */

/** The designs by name; `multilevel` takes its index bits after a colon. */
export const PAGETABLE_DESIGNS = ["x86-64", "la57", "linear", "multilevel", "inverted"] as const;
export type DesignKind = (typeof PAGETABLE_DESIGNS)[number];

export const DEFAULT_PAGETABLE = "x86-64";

/** The page offset: every design maps 4 KiB pages. */
export const PAGE_OFFSET_BITS = 12;
/** The user address space every process has (TASK_SIZE is just below 2^47). */
export const USER_ADDRESS_BITS = 47;
/** Bounds on a `multilevel:` level: a 2^20-entry table is 8 MiB, 2048 frames. */
export const MAX_LEVEL_BITS = 20;
export const MAX_LEVELS = 6;
/** A virtual address has at most 64 bits. */
export const MAX_ADDRESS_BITS = 64;

export interface PageTableSpec {
  kind: DesignKind;
  /** Index bits per level, top level first (radix designs; empty for inverted). */
  bits: number[];
  /** The spec written back in canonical form: `x86-64`, `multilevel:10,10`, ... */
  name: string;
}

export class PageTableSpecError extends Error {}

/** The valid forms, for error messages. */
export function validDesigns(): string {
  return "x86-64, la57, linear, multilevel:BITS,... (e.g. multilevel:10,10), inverted";
}

/**
 * Parse a `pagetable=` value. Throws PageTableSpecError with a message naming the valid forms.
 * @example parsePageTableSpec("multilevel:10,10") // { kind: "multilevel", bits: [10, 10], name: "multilevel:10,10" }
 */
export function parsePageTableSpec(text: string): PageTableSpec {
  const colon = text.indexOf(":");
  const name = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
  const parameters = colon < 0 ? null : text.slice(colon + 1).trim();
  switch (name) {
    case "x86-64":
    case "x86_64":
      noParameters(name, parameters);
      return { kind: "x86-64", bits: [9, 9, 9, 9], name: "x86-64" };
    case "la57":
      noParameters(name, parameters);
      return { kind: "la57", bits: [9, 9, 9, 9, 9], name: "la57" };
    case "linear":
      noParameters(name, parameters);
      return { kind: "linear", bits: [USER_ADDRESS_BITS - PAGE_OFFSET_BITS], name: "linear" };
    case "inverted":
      noParameters(name, parameters);
      return { kind: "inverted", bits: [], name: "inverted" };
    case "multilevel": {
      const bits = multilevelBits(parameters);
      return { kind: "multilevel", bits, name: `multilevel:${bits.join(",")}` };
    }
    default:
      throw new PageTableSpecError(`unknown page-table design "${text}"; valid: ${validDesigns()}`);
  }
}

function noParameters(name: string, parameters: string | null): void {
  if (parameters !== null) {
    throw new PageTableSpecError(
      `page-table design ${name} takes no parameters, got ":${parameters}"`,
    );
  }
}

function multilevelBits(parameters: string | null): number[] {
  if (parameters === null || parameters === "") {
    throw new PageTableSpecError(
      "multilevel needs the index bits of each level, top first: multilevel:10,10 (a 32-bit " +
        "two-level table) or multilevel:9,9,9,9 (x86-64's shape)",
    );
  }
  const parts = parameters.split(",").map((part) => part.trim());
  const bits = parts.map((part) => (/^\d+$/.test(part) ? Number(part) : Number.NaN));
  const bad = bits.findIndex((value) => !(value >= 1 && value <= MAX_LEVEL_BITS));
  if (bad >= 0) {
    throw new PageTableSpecError(
      `multilevel: each level takes 1 to ${MAX_LEVEL_BITS} index bits (a 2^${MAX_LEVEL_BITS}-entry ` +
        `table is already 8 MiB), not "${parts[bad]}"`,
    );
  }
  if (bits.length > MAX_LEVELS) {
    throw new PageTableSpecError(`multilevel: at most ${MAX_LEVELS} levels, not ${bits.length}`);
  }
  const total = bits.reduce((sum, value) => sum + value, 0) + PAGE_OFFSET_BITS;
  if (total > MAX_ADDRESS_BITS) {
    throw new PageTableSpecError(
      `multilevel:${bits.join(",")} covers ${total}-bit addresses; at most ${MAX_ADDRESS_BITS}`,
    );
  }
  return bits;
}

/** Bits of virtual address the design translates: the index bits plus the 12-bit page offset. */
export function addressBits(spec: PageTableSpec): number {
  if (spec.kind === "inverted") return MAX_ADDRESS_BITS;
  return spec.bits.reduce((sum, value) => sum + value, 0) + PAGE_OFFSET_BITS;
}

/**
 * Bits of user address space a process has on this design: 47 (x86-64's, whose TASK_SIZE is just
 * below 2^47) when the design translates at least that many, else all the design translates (the
 * process then gets a narrower layout: mm/exec.ts processLayout).
 */
export function userAddressBits(spec: PageTableSpec): number {
  return Math.min(USER_ADDRESS_BITS, addressBits(spec));
}

/** The narrowest space a process layout is made for (16 MiB): below it, a design is refused. */
export const MIN_USER_ADDRESS_BITS = 24;

/**
 * Why processes cannot run on this design, or null when they can. A design translating fewer than
 * 47 bits gets a narrower process layout (a 32-bit process's for 32 bits), down to 24 bits
 * (16 MiB); below that there is no room for the executable, heap, mmap area and 8 MiB stack.
 */
export function layoutProblem(spec: PageTableSpec): string | null {
  const bits = addressBits(spec);
  if (bits >= MIN_USER_ADDRESS_BITS) return null;
  const missing = MIN_USER_ADDRESS_BITS - bits;
  return (
    `pagetable=${spec.name} translates ${bits}-bit addresses (${formatBytes(2 ** bits)}), too ` +
    `small for a process (the executable, heap, mmap area and stack need at least ` +
    `${MIN_USER_ADDRESS_BITS} bits, 16 MiB); give the levels ${missing} more index ` +
    `bit${missing === 1 ? "" : "s"} in all, e.g. multilevel:6,6`
  );
}

/** A byte count in the largest binary unit that keeps it whole-ish: 4 KiB, 8 MiB, 256 GiB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  return `${shown} ${units[unit]}`;
}
