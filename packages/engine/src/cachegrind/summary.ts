/**
 * Cachegrind's end-of-run summary (cg_fini in valgrind's `cachegrind/cg_main.c`), laid out as
 * valgrind 3.19 prints it, without the `==PID==` prefix:
 *
 * ```
 * I   refs:      127,757
 * I1  misses:      1,073
 * LLi misses:      1,072
 * I1  miss rate:    0.84%
 * LLi miss rate:    0.84%
 *
 * D   refs:       39,667  (29,401 rd   + 10,266 wr)
 * ...
 * ```
 *
 * Column widths follow the largest numbers (ULong_width: digits plus commas), and the rates
 * are printed with valgrind's own `%f` (m_debuglog.c), which truncates and then rounds up only
 * when the dropped part is more than one half, so 0.125 prints as "0.12" and 0.135 as "0.14".
 * Newer valgrind releases spell the first labels `I refs:` and `D refs:`; the numbers are laid
 * out the same.
 */
import type { CachegrindCounts } from "./simulator.js";

/** `n` with a comma every three digits, as valgrind's `%'llu` and `%,llu`. */
export function formatWithCommas(n: number): string {
  return Math.trunc(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** ULong_width: characters `n` takes with its commas (at least 1). */
function widthWithCommas(n: number): number {
  const digits = n > 0 ? Math.trunc(n).toString().length : 1;
  return digits + Math.floor((digits - 1) / 3);
}

/**
 * Valgrind's `%.{precision}f` (VG_(debugLog_vprintf), case 'f'): the whole part, and the
 * fraction scaled and truncated, plus one when what was cut is more than one half.
 */
export function formatValgrindFixed(value: number, precision: number): string {
  const negative = value < 0;
  const magnitude = negative ? -value : value;
  let whole = Math.trunc(magnitude);
  const fraction = magnitude - whole;
  const factor = 10 ** precision;
  let scaled = Math.trunc(fraction * factor);
  if (fraction * factor - scaled > 0.5) scaled += 1;
  if (scaled === factor) whole += 1;
  scaled %= factor;
  const sign = negative ? "-" : "";
  if (precision === 0) return `${sign}${whole}`;
  return `${sign}${whole}.${scaled.toString().padStart(precision, "0")}`;
}

function padLeft(text: string, width: number): string {
  return text.padStart(width, " ");
}

/** Cachegrind's summary of `counts`, one string per line (empty strings between sections). */
export function formatCachegrindSummary(counts: CachegrindCounts): string[] {
  const { Ir, I1mr, ILmr, Dr, D1mr, DLmr, Dw, D1mw, DLmw } = counts;
  const l1 = widthWithCommas(Ir);
  const l2 = widthWithCommas(Dr);
  const l3 = widthWithCommas(Dw);
  const count = (n: number, width: number) => padLeft(formatWithCommas(n), width);
  const rate = (value: number, precision: number, width: number) =>
    padLeft(formatValgrindFixed(value, precision), width);
  const single = (label: string, n: number) => `${label} ${count(n, l1)}`;
  const split = (label: string, total: number, read: number, write: number) =>
    `${label} ${count(total, l1)}  (${count(read, l2)} rd   + ${count(write, l3)} wr)`;
  const rates = (label: string, total: number, read: number, write: number) =>
    `${label} ${rate(total, 1, l1)}% (${rate(read, 1, l2)}%     + ${rate(write, 1, l3)}%  )`;

  // cg_fini divides by 1 where a total is 0, and uses those adjusted totals for the LL rates.
  const irRefs = Ir === 0 ? 1 : Ir;
  const dRefsRaw = Dr + Dw;
  const dRefs = dRefsRaw === 0 ? 1 : dRefsRaw;
  const drRefs = Dr === 0 ? 1 : Dr;
  const dwRefs = Dw === 0 ? 1 : Dw;
  const llMissesRead = DLmr + ILmr;
  const llMissesWrite = DLmw;

  return [
    single("I   refs:     ", Ir),
    single("I1  misses:   ", I1mr),
    single("LLi misses:   ", ILmr),
    `I1  miss rate: ${rate((I1mr * 100) / irRefs, 2, l1)}%`,
    `LLi miss rate: ${rate((ILmr * 100) / irRefs, 2, l1)}%`,
    "",
    split("D   refs:     ", dRefsRaw, Dr, Dw),
    split("D1  misses:   ", D1mr + D1mw, D1mr, D1mw),
    split("LLd misses:   ", DLmr + DLmw, DLmr, DLmw),
    rates(
      "D1  miss rate:",
      ((D1mr + D1mw) * 100) / dRefs,
      (D1mr * 100) / drRefs,
      (D1mw * 100) / dwRefs,
    ),
    rates(
      "LLd miss rate:",
      ((DLmr + DLmw) * 100) / dRefs,
      (DLmr * 100) / drRefs,
      (DLmw * 100) / dwRefs,
    ),
    "",
    split("LL refs:      ", D1mr + D1mw + I1mr, D1mr + I1mr, D1mw),
    split("LL misses:    ", llMissesRead + llMissesWrite, llMissesRead, llMissesWrite),
    rates(
      "LL miss rate: ",
      ((llMissesRead + llMissesWrite) * 100) / (irRefs + dRefs),
      (llMissesRead * 100) / (irRefs + drRefs),
      (llMissesWrite * 100) / dwRefs,
    ),
  ];
}
