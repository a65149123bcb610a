import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CacheConfig,
  CacheHierarchy,
  checkCacheConfig,
  SERVED_DRAM,
  SERVED_L1,
  SERVED_L2,
  SERVED_L3,
} from "./hierarchy.js";

/** The teaching machine's caches: L1s 4 sets x 2 ways, L2 8 x 4, L3 16 x 8, 64-byte lines. */
const TEACHING: CacheConfig = {
  lineBytes: 64,
  l1d: { sizeBytes: 512, ways: 2, latency: 4 },
  l1i: { sizeBytes: 512, ways: 2, latency: 4 },
  l2: { sizeBytes: 2048, ways: 4, latency: 12 },
  l3: { sizeBytes: 8192, ways: 8, latency: 40 },
  dramLatency: 200,
  policy: "lru",
};

describe("CacheHierarchy", () => {
  it("serves a cold line from DRAM and fills every level; then the L1 serves it", () => {
    const caches = new CacheHierarchy(TEACHING);
    expect(caches.access(100, false, false)).toBe(SERVED_DRAM);
    for (const level of [caches.l1d, caches.l2, caches.l3]) expect(level.find(100)).not.toBe(-1);
    expect(caches.l1i.find(100)).toBe(-1);
    expect(caches.access(100, false, false)).toBe(SERVED_L1);
    expect(caches.dramReads).toBe(1);
    expect(caches.dataLatency[SERVED_DRAM]).toBe(200);
  });

  it("a line evicted from the L1 comes back from the L2, one evicted from both from the L3", () => {
    const caches = new CacheHierarchy(TEACHING);
    // Lines 0, 4, 8 share L1 set 0 (2 ways): the third evicts the first from the L1 only.
    for (const line of [0, 4, 8]) caches.access(line, false, false);
    expect(caches.access(0, false, false)).toBe(SERVED_L2);
    // Lines 8k share L2 set 0 (4 ways) and L1 set 0: after five more, 0 is only in the L3.
    for (const line of [16, 24, 32, 40, 48]) caches.access(line, false, false);
    expect(caches.l2.find(0)).toBe(-1);
    expect(caches.access(0, false, false)).toBe(SERVED_L3);
  });

  it("instruction fetches use the L1i; both L1s share the L2", () => {
    const caches = new CacheHierarchy(TEACHING);
    caches.access(7, true, false);
    expect(caches.l1i.find(7)).not.toBe(-1);
    expect(caches.l1d.find(7)).toBe(-1);
    expect(caches.access(7, false, false)).toBe(SERVED_L2);
    expect(caches.instructionLatency[SERVED_L1]).toBe(4);
  });

  it("a dirty line written back from the L1 dirties the L2's copy; from the L3 it goes to DRAM", () => {
    const caches = new CacheHierarchy(TEACHING);
    caches.access(0, false, true); // store: line 0 dirty in the L1d
    caches.access(4, false, false);
    caches.access(8, false, false); // evicts 0 from the L1d: written back into the L2
    expect(caches.l1d.writebacks).toBe(1);
    expect(caches.l2.dirty[caches.l2.find(0)]).toBe(1);
    // Push 0 out of the L2 (set 0 holds lines 8k) and then out of the L3 (set 0 holds 16k).
    for (let k = 2; k <= 5; k++) caches.access(8 * k, false, false);
    expect(caches.l2.writebacks).toBe(1);
    expect(caches.l3.dirty[caches.l3.find(0)]).toBe(1);
    for (let k = 3; k <= 10; k++) caches.access(16 * k, false, false);
    expect(caches.l3.find(0)).toBe(-1);
    expect(caches.l3.writebacks).toBe(1);
    expect(caches.dramWrites).toBe(1);
  });

  it("install puts a line everywhere without counting a hit or a miss", () => {
    const caches = new CacheHierarchy(TEACHING);
    caches.install(9, true);
    expect([caches.l1d.hits, caches.l1d.misses, caches.l2.misses, caches.l3.misses]).toEqual([
      0, 0, 0, 0,
    ]);
    expect(caches.servedBy(9, false)).toBe(SERVED_L1);
    expect(caches.l1d.dirty[caches.l1d.find(9)]).toBe(1);
  });

  it("servedBy changes nothing", () => {
    const caches = new CacheHierarchy(TEACHING);
    caches.access(3, false, false);
    caches.l1d.drop(3);
    const lines = caches.l2.lines.slice();
    expect(caches.servedBy(3, false)).toBe(SERVED_L2);
    expect(caches.servedBy(99, false)).toBe(SERVED_DRAM);
    expect(caches.l2.lines).toEqual(lines);
    expect(caches.l2.hits + caches.l2.misses).toBe(1);
  });

  it("names the option at fault in a configuration that cannot be built", () => {
    expect(checkCacheConfig(TEACHING)).toBeNull();
    expect(checkCacheConfig({ ...TEACHING, lineBytes: 48 })?.key).toBe("cache_line");
    expect(
      checkCacheConfig({ ...TEACHING, l2: { sizeBytes: 1000, ways: 4, latency: 12 } })?.key,
    ).toBe("l2");
    expect(checkCacheConfig({ ...TEACHING, l3: { ...TEACHING.l3, latency: 10 } })?.key).toBe(
      "l3_latency",
    );
    expect(checkCacheConfig({ ...TEACHING, dramLatency: 5 })?.key).toBe("dram_latency");
  });

  it("per level, hits + misses = the accesses that reached it; DRAM reads = L3 misses", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.boolean(), fc.boolean()), {
          maxLength: 400,
        }),
        (accesses) => {
          const caches = new CacheHierarchy(TEACHING);
          const served = [0, 0, 0, 0];
          for (const [line, instruction, write] of accesses) {
            const level = caches.access(line, instruction, write && !instruction);
            served[level] = (served[level] ?? 0) + 1;
            // Each level holds a line at most once per set.
            for (const cache of caches.levels()) {
              const set = cache.setIndex(line);
              const held = Array.from(
                cache.lines.subarray(set * cache.ways, (set + 1) * cache.ways),
              ).filter((held) => held === line);
              expect(held.length).toBeLessThanOrEqual(1);
            }
          }
          const { l1d, l1i, l2, l3 } = caches;
          expect(l1d.hits + l1d.misses + l1i.hits + l1i.misses).toBe(accesses.length);
          expect(l2.hits + l2.misses).toBe(l1d.misses + l1i.misses);
          expect(l3.hits + l3.misses).toBe(l2.misses);
          expect(caches.dramReads).toBe(l3.misses);
          expect(served).toEqual([l1d.hits + l1i.hits, l2.hits, l3.hits, l3.misses]);
        },
      ),
    );
  });
});
