import { describe, expect, it } from "vitest";
import { formatCachegrindSummary, formatValgrindFixed, formatWithCommas } from "./summary.js";

/** Valgrind 3.19's output, `==PID== ` prefixes removed: `valgrind --tool=cachegrind --cache-sim=yes /bin/true`. */
const TRUE_SUMMARY = `I   refs:      127,757
I1  misses:      1,073
LLi misses:      1,072
I1  miss rate:    0.84%
LLi miss rate:    0.84%

D   refs:       39,667  (29,401 rd   + 10,266 wr)
D1  misses:      1,492  ( 1,154 rd   +    338 wr)
LLd misses:      1,328  ( 1,016 rd   +    312 wr)
D1  miss rate:     3.8% (   3.9%     +    3.3%  )
LLd miss rate:     3.3% (   3.5%     +    3.0%  )

LL refs:         2,565  ( 2,227 rd   +    338 wr)
LL misses:       2,400  ( 2,088 rd   +    312 wr)
LL miss rate:      1.4% (   1.3%     +    3.0%  )`;

/** The same for `matmul jki 96` (tools/cachegrind-check/matmul.c): wider columns. */
const MATMUL_SUMMARY = `I   refs:      9,414,695
I1  misses:        1,372
LLi misses:        1,371
I1  miss rate:      0.01%
LLi miss rate:      0.01%

D   refs:      2,797,757  (1,809,391 rd   + 988,366 wr)
D1  misses:      144,920  (  141,023 rd   +   3,897 wr)
LLd misses:        4,828  (    1,021 rd   +   3,807 wr)
D1  miss rate:       5.2% (      7.8%     +     0.4%  )
LLd miss rate:       0.2% (      0.1%     +     0.4%  )

LL refs:         146,292  (  142,395 rd   +   3,897 wr)
LL misses:         6,199  (    2,392 rd   +   3,807 wr)
LL miss rate:        0.1% (      0.0%     +     0.4%  )`;

describe("formatCachegrindSummary", () => {
  it("prints /bin/true's counts exactly as cachegrind 3.19 does", () => {
    const lines = formatCachegrindSummary({
      Ir: 127757,
      I1mr: 1073,
      ILmr: 1072,
      Dr: 29401,
      D1mr: 1154,
      DLmr: 1016,
      Dw: 10266,
      D1mw: 338,
      DLmw: 312,
    });
    expect(lines.join("\n")).toBe(TRUE_SUMMARY);
  });

  it("widens the columns to the largest numbers as cachegrind does", () => {
    const lines = formatCachegrindSummary({
      Ir: 9414695,
      I1mr: 1372,
      ILmr: 1371,
      Dr: 1809391,
      D1mr: 141023,
      DLmr: 1021,
      Dw: 988366,
      D1mw: 3897,
      DLmw: 3807,
    });
    expect(lines.join("\n")).toBe(MATMUL_SUMMARY);
  });

  it("divides by 1 when there were no references, as cg_fini does", () => {
    const lines = formatCachegrindSummary({
      Ir: 0,
      I1mr: 0,
      ILmr: 0,
      Dr: 0,
      D1mr: 0,
      DLmr: 0,
      Dw: 0,
      D1mw: 0,
      DLmw: 0,
    });
    expect(lines[0]).toBe("I   refs:      0");
    expect(lines[3]).toBe("I1  miss rate: 0.00%");
    expect(lines[6]).toBe("D   refs:      0  (0 rd   + 0 wr)");
    expect(lines[14]).toBe("LL miss rate:  0.0% (0.0%     + 0.0%  )");
  });
});

describe("formatValgrindFixed (valgrind's own %f)", () => {
  it("truncates, then rounds up only when more than one half was cut", () => {
    expect(formatValgrindFixed(0.125, 2)).toBe("0.12"); // glibc rounds this to even: 0.12 too
    expect(formatValgrindFixed(0.375, 2)).toBe("0.37"); // glibc: 0.38
    expect(formatValgrindFixed(0.25, 1)).toBe("0.2");
    expect(formatValgrindFixed(0.26, 1)).toBe("0.3");
    expect(formatValgrindFixed(3.8397, 1)).toBe("3.8");
  });

  it("carries into the whole part", () => {
    expect(formatValgrindFixed(99.999, 2)).toBe("100.00");
    expect(formatValgrindFixed(0.96, 1)).toBe("1.0");
  });
});

describe("formatWithCommas", () => {
  it("groups digits by three", () => {
    expect(formatWithCommas(0)).toBe("0");
    expect(formatWithCommas(999)).toBe("999");
    expect(formatWithCommas(1000)).toBe("1,000");
    expect(formatWithCommas(503316480)).toBe("503,316,480");
  });
});
