import { describe, expect, it } from "vitest";
import { CachegrindCache } from "./cache.js";

/** The tags of `set`, MRU first. */
function row(cache: CachegrindCache, set: number): number[] {
  return Array.from(cache.tags.subarray(set * cache.assoc, (set + 1) * cache.assoc));
}

/** Split a (safe) address into the high:low halves the cache takes. */
function halves(address: number): [number, number] {
  return [Math.floor(address / 2 ** 32), address >>> 0];
}

function access(cache: CachegrindCache, address: number, size = 1): boolean {
  const [high, low] = halves(address);
  return cache.refIsMiss(high, low, size);
}

describe("CachegrindCache geometry", () => {
  it("derives sets, line bits and masks from size, assoc and line size", () => {
    // 1 KiB, 2-way, 64-byte lines: 1024 / 64 / 2 = 8 sets.
    const cache = new CachegrindCache({ size: 1024, assoc: 2, lineSize: 64 });
    expect(cache.sets).toBe(8);
    expect(cache.lineBits).toBe(6);
    expect(cache.setMask).toBe(7);
    expect(cache.tags.length).toBe(16);
  });

  it("refuses a geometry cachegrind refuses", () => {
    expect(() => new CachegrindCache({ size: 3000, assoc: 2, lineSize: 64 })).toThrow(
      /set count is not a power of two/,
    );
  });

  it("puts line number 0x41 (address 0x1040..0x107f) in set 1 with the whole line number as tag", () => {
    const cache = new CachegrindCache({ size: 1024, assoc: 2, lineSize: 64 });
    expect(access(cache, 0x1047)).toBe(true);
    // 0x1047 >> 6 = 0x41; 0x41 & 7 = 1.
    expect(row(cache, 1)).toEqual([0x41, 0]);
    // Any byte of the same line hits.
    expect(access(cache, 0x1040)).toBe(false);
    expect(access(cache, 0x107f)).toBe(false);
    // The next line is the next set.
    expect(access(cache, 0x1080)).toBe(true);
    expect(row(cache, 2)).toEqual([0x42, 0]);
  });

  it("keeps addresses that differ only above bit 32 apart: same set, different tags", () => {
    const cache = new CachegrindCache({ size: 1024, assoc: 2, lineSize: 64 });
    expect(access(cache, 0x7ffd_0000_1040)).toBe(true);
    expect(access(cache, 0x1_0000_1040)).toBe(true);
    expect(row(cache, 1)).toEqual([0x1_0000_1040 / 64, 0x7ffd_0000_1040 / 64]);
    expect(access(cache, 0x7ffd_0000_1040)).toBe(false);
  });

  it("takes kernel addresses (high half with the top bit set) as negative line numbers, exactly", () => {
    const cache = new CachegrindCache({ size: 1024, assoc: 2, lineSize: 64 });
    // 0xffffffffff600000: the vsyscall page, -0xa00000 as a signed 64-bit value.
    expect(cache.refIsMiss(0xffffffff, 0xff600000, 8)).toBe(true);
    expect(row(cache, 0)).toEqual([-0xa00000 / 64, 0]);
    expect(cache.refIsMiss(0xffffffff, 0xff600038, 8)).toBe(false);
    // The line after the last one of memory wraps to line 0 (which every way holds at start).
    expect(cache.refIsMiss(0xffffffff, 0xffffffc0, 1)).toBe(true);
    expect(row(cache, 7)).toEqual([-1, 0]);
  });

  it("starts with tag 0 in every way, as cachegrind's zeroed array: line 0 hits at once", () => {
    const cache = new CachegrindCache({ size: 1024, assoc: 2, lineSize: 64 });
    expect(access(cache, 0x10)).toBe(false);
    expect(access(cache, 0x200)).toBe(true); // line 8, set 0
    expect(row(cache, 0)).toEqual([8, 0]);
    cache.reset();
    expect(row(cache, 0)).toEqual([0, 0]);
  });
});

describe("CachegrindCache LRU", () => {
  it("evicts the least recently used way, and a hit refreshes a line", () => {
    // 2 sets of 2 ways, 64-byte lines: lines 2, 4, 6, 8 (even) all map to set 0.
    const cache = new CachegrindCache({ size: 256, assoc: 2, lineSize: 64 });
    const line = (n: number) => access(cache, n * 64);
    expect(line(2)).toBe(true); // [2, 0]
    expect(line(4)).toBe(true); // [4, 2]
    expect(row(cache, 0)).toEqual([4, 2]);
    expect(line(2)).toBe(false); // hit moves 2 to the front: [2, 4]
    expect(row(cache, 0)).toEqual([2, 4]);
    expect(line(6)).toBe(true); // evicts 4, the LRU: [6, 2]
    expect(row(cache, 0)).toEqual([6, 2]);
    expect(line(2)).toBe(false);
    expect(line(4)).toBe(true); // 4 was evicted; now evicts 6: [4, 2]
    expect(row(cache, 0)).toEqual([4, 2]);
    expect(line(6)).toBe(true);
  });

  it("moves a hit in the middle of a 4-way set to the front and shifts the ones above it down", () => {
    const cache = new CachegrindCache({ size: 256, assoc: 4, lineSize: 64 }); // one set
    for (const n of [1, 2, 3, 4]) access(cache, n * 64);
    expect(row(cache, 0)).toEqual([4, 3, 2, 1]);
    expect(access(cache, 2 * 64)).toBe(false);
    expect(row(cache, 0)).toEqual([2, 4, 3, 1]);
    expect(access(cache, 5 * 64)).toBe(true);
    expect(row(cache, 0)).toEqual([5, 2, 4, 3]);
  });

  it("works direct-mapped (1 way)", () => {
    const cache = new CachegrindCache({ size: 128, assoc: 1, lineSize: 64 }); // 2 sets
    expect(access(cache, 64)).toBe(true);
    expect(access(cache, 64 + 3 * 128)).toBe(true); // same set 1, evicts
    expect(access(cache, 64)).toBe(true);
    expect(access(cache, 64)).toBe(false);
  });
});

describe("CachegrindCache accesses straddling two lines", () => {
  it("looks up both lines and counts one miss when both miss", () => {
    const cache = new CachegrindCache({ size: 1024, assoc: 2, lineSize: 64 });
    // Bytes 0x3c..0x43 span lines 0 and 1; line 0 is in the cold cache (tag 0), line 1 is not.
    expect(access(cache, 0x43c, 8)).toBe(true); // lines 0x10 and 0x11, sets 0 and 1
    expect(row(cache, 0)).toEqual([0x10, 0]);
    expect(row(cache, 1)).toEqual([0x11, 0]);
    expect(access(cache, 0x43c, 8)).toBe(false); // both hit: a hit
  });

  it("is a miss when only one of the two lines misses, and still updates the other's LRU order", () => {
    const cache = new CachegrindCache({ size: 256, assoc: 2, lineSize: 64 }); // 2 sets
    access(cache, 2 * 64); // set 0: [2, 0]
    access(cache, 4 * 64); // set 0: [4, 2]
    // Bytes at the end of line 2 and the start of line 3: 2 hits (and becomes MRU), 3 misses.
    expect(access(cache, 3 * 64 - 4, 8)).toBe(true);
    expect(row(cache, 0)).toEqual([2, 4]);
    expect(row(cache, 1)).toEqual([3, 0]);
    // First line misses, second hits: still one miss, and 6 evicts 4 (LRU after the refresh of 2).
    access(cache, 7 * 64); // set 1: [7, 3]
    expect(access(cache, 7 * 64 - 4, 8)).toBe(true); // lines 6 (set 0, miss) and 7 (set 1, hit)
    expect(row(cache, 0)).toEqual([6, 2]);
    expect(row(cache, 1)).toEqual([7, 3]);
  });

  it("does not straddle when the access ends on the line's last byte", () => {
    const cache = new CachegrindCache({ size: 1024, assoc: 2, lineSize: 64 });
    expect(access(cache, 0x438, 8)).toBe(true); // 0x438..0x43f: line 0x10 only
    expect(row(cache, 1)).toEqual([0, 0]);
    expect(access(cache, 0x400, 64)).toBe(false); // a whole line, aligned
  });

  it("wraps from the last set to set 0", () => {
    const cache = new CachegrindCache({ size: 1024, assoc: 2, lineSize: 64 }); // 8 sets
    expect(access(cache, 0x5fc, 8)).toBe(true); // lines 0x17 (set 7) and 0x18 (set 0)
    expect(row(cache, 7)).toEqual([0x17, 0]);
    expect(row(cache, 0)).toEqual([0x18, 0]);
  });

  it("carries from the low 32 bits into the high ones", () => {
    const cache = new CachegrindCache({ size: 1024, assoc: 2, lineSize: 64 });
    expect(cache.refIsMiss(0, 0xfffffffc, 8)).toBe(true);
    expect(row(cache, 7)).toEqual([0xfffffffc >>> 6, 0]);
    expect(row(cache, 0)).toEqual([2 ** 26, 0]);
    expect(cache.refIsMiss(1, 0, 1)).toBe(false);
  });
});
