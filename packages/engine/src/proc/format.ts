/**
 * Number formatting shared by the /proc renderers: the kernel's seq_put_hex_ll and
 * seq_put_decimal_ull_width, and the `Label:   value kB` lines of meminfo, status and smaps.
 */

/**
 * Lower-case hex of a non-negative integer, zero-padded to at least `width` digits
 * (seq_put_hex_ll with a width: a minimum, never a truncation).
 * @example hex(0x1000, 8) // "00001000"
 */
export function hex(value: number, width = 0): string {
  return value.toString(16).padStart(width, "0");
}

/**
 * A decimal right-aligned in at least `width` columns (seq_put_decimal_ull_width).
 * @example decimal(132, 8) // "     132"
 */
export function decimal(value: number, width: number): string {
  return String(value).padStart(width, " ");
}

/**
 * One `Label:          value kB` line of /proc/meminfo or smaps: the label with its colon padded
 * to 16 columns, the value right-aligned in 8 (wider values push on), then ` kB`.
 * @example kbLine("MemTotal", 262144) // "MemTotal:         262144 kB"
 */
export function kbLine(label: string, kb: number): string {
  return `${`${label}:`.padEnd(16, " ")}${decimal(kb, 8)} kB`;
}

/** Bytes to whole KiB, rounding down like the kernel's `>> 10`. */
export function bytesToKb(bytes: number): number {
  return Math.floor(bytes / 1024);
}

/** Pages (4 KiB) to KiB. */
export function pagesToKb(pages: number): number {
  return pages * 4;
}
