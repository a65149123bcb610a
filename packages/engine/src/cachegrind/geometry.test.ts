import { describe, expect, it } from "vitest";
import {
  CACHEGRIND_FALLBACK_GEOMETRY,
  CachegrindConfigError,
  checkCachegrindCache,
  configureCachegrindCaches,
  describeCachegrindCache,
  type HostCache,
  parseCachegrindCacheOption,
  tweakCachegrindLastLevel,
} from "./geometry.js";

/** The caches Linux reports on the machine these notes were written on (an Intel Xeon guest). */
const XEON_HOST: HostCache[] = [
  { level: 1, type: "Data", size: 48 * 1024, assoc: 12, lineSize: 64 },
  { level: 1, type: "Instruction", size: 64 * 1024, assoc: 16, lineSize: 64 },
  { level: 2, type: "Unified", size: 2048 * 1024, assoc: 16, lineSize: 64 },
  { level: 3, type: "Unified", size: 491520 * 1024, assoc: 16, lineSize: 64 },
];

describe("checkCachegrindCache (cg_arch.c check_cache)", () => {
  it("accepts a usual geometry", () => {
    expect(checkCachegrindCache({ size: 32768, assoc: 8, lineSize: 64 })).toBeNull();
    expect(checkCachegrindCache({ size: 32768, assoc: 512, lineSize: 64 })).toBeNull(); // fully associative
  });

  it("gives cachegrind's reasons, in cachegrind's order", () => {
    expect(checkCachegrindCache({ size: 100000, assoc: 8, lineSize: 64 })).toBe(
      "Cache set count is not a power of two.",
    );
    expect(checkCachegrindCache({ size: 3 * 8 * 64, assoc: 8, lineSize: 64 })).toBe(
      "Cache set count is not a power of two.",
    );
    expect(checkCachegrindCache({ size: 48 * 8, assoc: 8, lineSize: 48 })).toBe(
      "Cache line size is not a power of two.",
    );
    expect(checkCachegrindCache({ size: 32768, assoc: 8, lineSize: 8 })).toBe(
      "Cache line size is too small.",
    );
    expect(checkCachegrindCache({ size: 64, assoc: 1, lineSize: 64 })).toBe(
      "Cache size <= line size.",
    );
    // A set count that is a power of two is tested first, so a line size of 8 and a bad set
    // count report the set count.
    expect(checkCachegrindCache({ size: 8 * 3, assoc: 1, lineSize: 8 })).toBe(
      "Cache set count is not a power of two.",
    );
  });
});

describe("parseCachegrindCacheOption (cg_arch.c parse_cache_opt)", () => {
  it("reads size,assoc,line_size", () => {
    expect(parseCachegrindCacheOption("--D1", "32768,8,64")).toEqual({
      size: 32768,
      assoc: 8,
      lineSize: 64,
    });
  });

  it("refuses what cachegrind refuses, with its words", () => {
    const error = (text: string) => {
      try {
        parseCachegrindCacheOption("--LL", text);
      } catch (caught) {
        expect(caught).toBeInstanceOf(CachegrindConfigError);
        return (caught as Error).message;
      }
      throw new Error(`accepted ${text}`);
    };
    expect(error("100000,8,64")).toBe("--LL '100000,8,64': Cache set count is not a power of two.");
    expect(error("32768,8,8")).toBe("--LL '32768,8,8': Cache line size is too small.");
    expect(error("4294967296,8,64")).toBe(
      "--LL '4294967296,8,64': One of the cache parameters was too large and overflowed.",
    );
    expect(error("0,8,64")).toMatch(/must each be at least 1/);
    expect(error("32768,8")).toMatch(/expected SIZE,ASSOC,LINE_SIZE/);
    expect(error("32k,8,64")).toMatch(/expected SIZE,ASSOC,LINE_SIZE/);
    expect(error("-32768,8,64")).toMatch(/expected SIZE,ASSOC,LINE_SIZE/);
  });
});

describe("tweakCachegrindLastLevel (cg_arch.c maybe_tweak_LLc)", () => {
  it("leaves a power-of-two set count alone", () => {
    const cache = { size: 8 << 20, assoc: 16, lineSize: 64 };
    expect(tweakCachegrindLastLevel(cache)).toBe(cache);
  });

  it("turns 12 MiB, 16-way (12288 sets) into 8192 sets of 24 ways, the same size", () => {
    expect(tweakCachegrindLastLevel({ size: 12 << 20, assoc: 16, lineSize: 64 })).toEqual({
      size: 12 << 20,
      assoc: 24,
      lineSize: 64,
    });
  });

  it("turns AMD's 5 MiB, 48-way (1706.67 sets) into 1024 sets of 80 ways", () => {
    expect(tweakCachegrindLastLevel({ size: 5 << 20, assoc: 48, lineSize: 64 })).toEqual({
      size: 5 << 20,
      assoc: 80,
      lineSize: 64,
    });
  });

  it("turns this host's 480 MiB, 16-way L3 (491520 sets) into 262144 sets of 30 ways", () => {
    // 491520 / 262144 = 1.875; 1.875 * 16 = 30. Cachegrind 3.19 prints the same on this host.
    expect(tweakCachegrindLastLevel({ size: 503316480, assoc: 16, lineSize: 64 })).toEqual({
      size: 503316480,
      assoc: 30,
      lineSize: 64,
    });
  });
});

describe("configureCachegrindCaches", () => {
  it("picks L1i, L1d and the highest unified level, and bends the LL as cachegrind does", () => {
    const configuration = configureCachegrindCaches({}, XEON_HOST);
    expect(configuration.geometry).toEqual({
      I1: { size: 65536, assoc: 16, lineSize: 64 },
      D1: { size: 49152, assoc: 12, lineSize: 64 },
      LL: { size: 503316480, assoc: 30, lineSize: 64 },
    });
    expect(configuration.source).toEqual({ I1: "host", D1: "host", LL: "host" });
    // Cachegrind 3.19's own warnings on this host, word for word.
    expect(configuration.warnings).toEqual([
      "L3 cache found, using its data for the LL simulation.",
      "specified LL cache: line_size 64  assoc 16  total_size 503,316,480",
      "simulated LL cache: line_size 64  assoc 30  total_size 503,316,480",
    ]);
  });

  it("lets each option replace the detected cache", () => {
    const configuration = configureCachegrindCaches(
      { D1: { size: 32768, assoc: 8, lineSize: 64 } },
      XEON_HOST,
    );
    expect(configuration.geometry.D1).toEqual({ size: 32768, assoc: 8, lineSize: 64 });
    expect(configuration.source).toEqual({ I1: "host", D1: "option", LL: "host" });
    expect(configuration.warnings).toHaveLength(3);
  });

  it("leaves out the warnings about the detected LL when --LL replaces it", () => {
    const configuration = configureCachegrindCaches(
      { LL: { size: 1 << 20, assoc: 16, lineSize: 64 } },
      XEON_HOST,
    );
    expect(configuration.geometry.LL).toEqual({ size: 1 << 20, assoc: 16, lineSize: 64 });
    expect(configuration.geometry.I1).toEqual({ size: 65536, assoc: 16, lineSize: 64 });
    expect(configuration.warnings).toEqual([]);
  });

  it("falls back to cachegrind's x86 defaults when the host tells nothing", () => {
    const configuration = configureCachegrindCaches({}, []);
    expect(configuration.geometry).toEqual(CACHEGRIND_FALLBACK_GEOMETRY);
    expect(configuration.source).toEqual({ I1: "fallback", D1: "fallback", LL: "fallback" });
    expect(configuration.warnings).toEqual([]);
  });

  it("warns when the highest level is not unified, and falls back", () => {
    const host: HostCache[] = [
      { level: 1, type: "Data", size: 32768, assoc: 8, lineSize: 64 },
      { level: 1, type: "Instruction", size: 32768, assoc: 8, lineSize: 64 },
    ];
    const configuration = configureCachegrindCaches({}, host);
    expect(configuration.warnings).toEqual(["L2 cache not installed, ignore LL results."]);
    expect(configuration.source.LL).toBe("fallback");
  });

  it("refuses a detected cache it cannot model unless an option replaces it", () => {
    const host: HostCache[] = [
      { level: 1, type: "Data", size: 48 * 1024, assoc: 12, lineSize: 64 },
      { level: 1, type: "Instruction", size: 48 * 1024, assoc: 8, lineSize: 64 }, // 96 sets
      { level: 2, type: "Unified", size: 1 << 20, assoc: 16, lineSize: 64 },
    ];
    expect(() => configureCachegrindCaches({}, host)).toThrow(
      "Auto-detected I1 cache configuration not supported: Cache set count is not a power of two.",
    );
    const configuration = configureCachegrindCaches(
      { I1: { size: 32768, assoc: 8, lineSize: 64 } },
      host,
    );
    expect(configuration.geometry.I1).toEqual({ size: 32768, assoc: 8, lineSize: 64 });
  });

  it("describes a cache as cachegrind -v does", () => {
    expect(describeCachegrindCache({ size: 503316480, assoc: 30, lineSize: 64 })).toBe(
      "503,316,480 B, 30-way, 64 B lines",
    );
  });
});
