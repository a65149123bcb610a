/**
 * Numbers and byte sizes as written in scenarios: `4096`, `0x1000`, `4K`, `1.5M`, `2GiB`.
 * Size suffixes are always binary (K = 1024), whether written `K`, `KB` or `KiB`,
 * because that is what every memory-management tool means by them.
 */

/** Sizes and addresses must stay exact in a double, so nothing above 2^53 is accepted. */
const LIMIT = 2n ** 53n;

const UNIT_SHIFTS: Readonly<Record<string, bigint>> = { k: 10n, m: 20n, g: 30n, t: 40n };

const HEX_PATTERN = /^0x[0-9a-f]+$/i;
const DECIMAL_PATTERN = /^[0-9]+$/;
/** Digits, an optional fraction (`1.5M`), and an optional unit with optional `B`/`iB`. */
const SIZE_PATTERN = /^([0-9]+)(?:\.([0-9]+))?(?:([kmgt])(?:i?b)?)?$/i;

/** Parses a byte count (`4096`, `0x1000`, `4K`, `1.5M`, `4KiB`); null unless it is a whole number of bytes <= 2^53. */
export function parseSize(text: string): number | null {
  if (HEX_PATTERN.test(text)) {
    return withinLimit(BigInt(text));
  }
  const match = SIZE_PATTERN.exec(text);
  if (match === null) {
    return null;
  }
  const whole = match[1] ?? "";
  const fraction = match[2] ?? "";
  const shift = UNIT_SHIFTS[(match[3] ?? "").toLowerCase()] ?? 0n;
  // Scale the digits up to an integer first so `1.5M` is computed exactly, not in floating point.
  const scale = 10n ** BigInt(fraction.length);
  const scaledBytes = BigInt(whole + fraction) << shift;
  if (scaledBytes % scale !== 0n) {
    return null;
  }
  return withinLimit(scaledBytes / scale);
}

/** Parses a decimal or `0x` hexadecimal integer, optionally negative; null if malformed or beyond ±2^53. */
export function parseNumber(text: string): number | null {
  const negative = text.startsWith("-");
  const digits = negative ? text.slice(1) : text;
  if (!HEX_PATTERN.test(digits) && !DECIMAL_PATTERN.test(digits)) {
    return null;
  }
  const magnitude = withinLimit(BigInt(digits));
  if (magnitude === null) {
    return null;
  }
  // `0 - 0` is +0, so `-0` never leaks out as negative zero.
  return negative ? 0 - magnitude : magnitude;
}

const FORMAT_UNITS: readonly [string, number][] = [
  ["T", 2 ** 40],
  ["G", 2 ** 30],
  ["M", 2 ** 20],
  ["K", 2 ** 10],
];

/** Formats a byte count with the largest unit that divides it exactly: `4K`, `1M`, `1536K`, `10`. */
export function formatSize(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes === 0) {
    return String(bytes);
  }
  const sign = bytes < 0 ? "-" : "";
  const magnitude = Math.abs(bytes);
  for (const [suffix, unit] of FORMAT_UNITS) {
    if (magnitude % unit === 0) {
      return `${sign}${magnitude / unit}${suffix}`;
    }
  }
  return String(bytes);
}

function withinLimit(value: bigint): number | null {
  return value <= LIMIT ? Number(value) : null;
}
