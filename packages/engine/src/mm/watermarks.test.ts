import { describe, expect, it } from "vitest";
import {
  DEFAULT_WATERMARK_SCALE_FACTOR,
  defaultMinFreeKbytes,
  zoneWatermarks,
} from "./watermarks.js";

/** Managed pages of a machine with `mib` MiB of RAM, less the 1 MiB (256 pages) kept reserved. */
function managedPagesOf(mib: number): number {
  return mib * 256 - 256;
}

function bootWatermarks(managedPages: number, scaleFactor = DEFAULT_WATERMARK_SCALE_FACTOR) {
  return zoneWatermarks(managedPages, defaultMinFreeKbytes(managedPages), scaleFactor);
}

describe("defaultMinFreeKbytes (calculate_min_free_kbytes)", () => {
  it("takes the integer square root of 16 x lowmem KiB", () => {
    // 256 MiB: 65280 pages = 261120 KiB; 16 x 261120 = 4177920; 2043^2 = 4173849 <= 4177920 <
    // 2044^2 = 4177936, so int_sqrt gives 2043 (the float root, 2043.996, must round down).
    expect(managedPagesOf(256)).toBe(65_280);
    expect(defaultMinFreeKbytes(65_280)).toBe(2_043);
    // 16 GiB: 4194048 pages = 16776192 KiB; 16 x that = 268419072, just under 16384^2.
    expect(defaultMinFreeKbytes(managedPagesOf(16 * 1024))).toBe(16_383);
    // Perfect squares land exactly: 65536 pages -> sqrt(4194304) = 2048.
    expect(defaultMinFreeKbytes(65_536)).toBe(2_048);
  });

  it("stays above the 128 KiB floor down to 1 MiB, and is clamped to it below", () => {
    // 4 MiB: 768 managed pages = 3072 KiB -> int_sqrt(49152) = 221; all 1024 pages -> 256. The
    // floor only matters once 16 x KiB < 128^2, i.e. under 256 pages.
    expect(defaultMinFreeKbytes(managedPagesOf(4))).toBe(221);
    expect(defaultMinFreeKbytes(1_024)).toBe(256);
    expect(defaultMinFreeKbytes(256)).toBe(128);
    expect(defaultMinFreeKbytes(255)).toBe(128); // int_sqrt(16320) = 127, clamped
    expect(defaultMinFreeKbytes(0)).toBe(128);
  });

  it("reaches the 262144 KiB ceiling at 4 TiB and stays there", () => {
    expect(defaultMinFreeKbytes(2 ** 30 - 1)).toBe(262_143);
    expect(defaultMinFreeKbytes(2 ** 30)).toBe(262_144);
    expect(defaultMinFreeKbytes(2 ** 31)).toBe(262_144);
  });

  it("rejects malformed page counts", () => {
    expect(() => defaultMinFreeKbytes(-1)).toThrow(RangeError);
    expect(() => defaultMinFreeKbytes(1.5)).toThrow(RangeError);
  });
});

describe("zoneWatermarks (__setup_per_zone_wmarks)", () => {
  it("gives a 256 MiB machine min 510, low 637, high 764 pages", () => {
    // pages_min = 2043 >> 2 = 510. step = max(510 >> 2 = 127, mult_frac(65280, 10, 10000) = 65):
    // min / 4 wins on a small machine. low = 510 + 127 = 637, high = 637 + 127 = 764.
    expect(bootWatermarks(65_280)).toEqual({ minFreeKbytes: 2_043, min: 510, low: 637, high: 764 });
  });

  it("gives a 16 GiB machine gaps of 0.1% of memory", () => {
    // pages_min = 16383 >> 2 = 4095. step = max(1023, mult_frac(4194048, 10, 10000) = 4194):
    // the scale factor wins. low = 4095 + 4194 = 8289, high = 8289 + 4194 = 12483.
    expect(bootWatermarks(managedPagesOf(16 * 1024))).toEqual({
      minFreeKbytes: 16_383,
      min: 4_095,
      low: 8_289,
      high: 12_483,
    });
  });

  it("keeps min / 4 gaps on a tiny machine", () => {
    // 4 MiB, 768 pages: 221 KiB -> min 55; step = max(13, mult_frac(768, 10, 10000) = 0) = 13.
    expect(bootWatermarks(managedPagesOf(4))).toEqual({
      minFreeKbytes: 221,
      min: 55,
      low: 68,
      high: 81,
    });
    // 255 pages: clamped 128 KiB -> min 32; step 8.
    expect(bootWatermarks(255)).toEqual({ minFreeKbytes: 128, min: 32, low: 40, high: 48 });
  });

  it("widens the gaps with watermark_scale_factor 200 (2% of memory)", () => {
    // 256 MiB: mult_frac(65280, 200, 10000) = 6 x 200 + 5280 x 200 / 10000 = 1200 + 105 = 1305
    // (65280 x 0.02 = 1305.6, rounded down). low = 510 + 1305 = 1815, high = 1815 + 1305 = 3120.
    expect(bootWatermarks(65_280, 200)).toEqual({
      minFreeKbytes: 2_043,
      min: 510,
      low: 1_815,
      high: 3_120,
    });
  });

  it("takes min_free_kbytes as given, rounding KiB down to pages", () => {
    expect(zoneWatermarks(65_280, 67_584, DEFAULT_WATERMARK_SCALE_FACTOR)).toEqual({
      minFreeKbytes: 67_584,
      min: 16_896,
      low: 21_120,
      high: 25_344,
    });
    expect(zoneWatermarks(65_280, 7, DEFAULT_WATERMARK_SCALE_FACTOR).min).toBe(1);
  });

  it("accepts only the sysctl's scale factors, 1 to 3000", () => {
    expect(() => zoneWatermarks(65_280, 2_043, 0)).toThrow(RangeError);
    expect(() => zoneWatermarks(65_280, 2_043, 3_001)).toThrow(RangeError);
    expect(zoneWatermarks(65_280, 2_043, 3_000).high).toBe(510 + 2 * 19_584);
  });
});
