import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CpuCache, cacheSets } from "./cache.js";

/** A 4-set, 2-way cache of 64-byte lines (512 bytes), latency 4. */
function tiny(policy = "lru"): CpuCache {
  return new CpuCache("L1d", { sizeBytes: 512, ways: 2, latency: 4 }, 64, policy);
}

/** Line numbers that all fall in set `set` of a 4-set cache. */
const inSet = (set: number, n: number) => set + 4 * n;

describe("CpuCache geometry", () => {
  it("splits a line number into set (low bits) and tag (the rest)", () => {
    const cache = new CpuCache("L1d", { sizeBytes: 32 * 1024, ways: 8, latency: 4 }, 64);
    expect(cache.sets).toBe(64);
    expect(cache.setIndex(0x12345)).toBe(0x05);
    expect(cache.tag(0x12345)).toBe(0x48d);
    // Line numbers above 2^32 (physical addresses above 256 GiB) keep their low bits.
    expect(cache.setIndex(2 ** 33 + 0x3f)).toBe(0x3f);
    expect(cache.tag(2 ** 33 + 0x3f)).toBe(2 ** 27);
  });

  it("takes a modulo when the set count is not a power of two", () => {
    // 30 MiB, 12 ways, 64-byte lines: 40960 sets (Golden Cove's L3).
    const cache = new CpuCache("L3", { sizeBytes: 30 * 1024 * 1024, ways: 12, latency: 65 }, 64);
    expect(cache.sets).toBe(40960);
    expect(cache.setIndex(40960 * 7 + 123)).toBe(123);
    expect(cache.tag(40960 * 7 + 123)).toBe(7);
  });

  it("refuses a size that is not a whole number of sets", () => {
    expect(cacheSets({ sizeBytes: 1000, ways: 2, latency: 1 }, 64)).toMatch(/whole number of sets/);
    expect(cacheSets({ sizeBytes: 64, ways: 2, latency: 1 }, 64)).toMatch(/cannot hold 2 ways/);
    expect(cacheSets({ sizeBytes: 512, ways: 0, latency: 1 }, 64)).toMatch(/ways must be/);
    expect(() => tiny("opt")).toThrow(/needs the future/);
  });
});

describe("CpuCache with native LRU", () => {
  it("misses, then hits; a fill evicts the least recently used line of the set", () => {
    const cache = tiny();
    const [a, b, c] = [inSet(1, 0), inSet(1, 1), inSet(1, 2)];
    expect(cache.lookup(a, false)).toBe(false);
    cache.fill(a, false);
    expect(cache.lookup(b, false)).toBe(false);
    cache.fill(b, false);
    expect(cache.lookup(a, false)).toBe(true); // a is now the most recent
    cache.fill(c, false); // evicts b
    expect(cache.find(b)).toBe(-1);
    expect(cache.find(a)).toBeGreaterThanOrEqual(0);
    expect(cache.find(c)).toBeGreaterThanOrEqual(0);
    expect([cache.hits, cache.misses]).toEqual([1, 2]);
    // The set is kept in recency order: way 0 is the line used last.
    expect([cache.lines[2], cache.lines[3]]).toEqual([c, a]);
  });

  it("writes back a dirty victim, and only a dirty one", () => {
    const cache = tiny();
    const [a, b, c, d] = [0, 1, 2, 3].map((n) => inSet(0, n)) as [number, number, number, number];
    cache.fill(a, true); // a store's line
    cache.fill(b, false);
    expect(cache.fill(c, false)).toBe(a); // a was dirty: the caller writes it below
    expect(cache.writebacks).toBe(1);
    expect(cache.fill(d, false)).toBe(-1); // b was clean: it just goes
    expect(cache.writebacks).toBe(1);
  });

  it("a store that hits marks the line dirty", () => {
    const cache = tiny();
    const [a, b, c] = [inSet(2, 0), inSet(2, 1), inSet(2, 2)];
    cache.fill(a, false);
    cache.fill(b, false);
    expect(cache.lookup(a, true)).toBe(true);
    cache.fill(c, false); // evicts b (clean)
    expect(cache.fill(inSet(2, 3), false)).toBe(a); // then a, dirty
  });

  it("hitsMostRecent answers only for the line used last, counting only its hit", () => {
    const cache = tiny();
    cache.fill(inSet(3, 0), false);
    cache.fill(inSet(3, 1), false);
    expect(cache.hitsMostRecent(inSet(3, 0), false)).toBe(false);
    expect(cache.hitsMostRecent(inSet(3, 1), false)).toBe(true);
    expect([cache.hits, cache.misses]).toEqual([1, 0]);
  });

  it("drop forgets a line without writing it back", () => {
    const cache = tiny();
    cache.fill(inSet(0, 0), true);
    cache.fill(inSet(0, 1), false);
    expect(cache.drop(inSet(0, 1))).toBe(true);
    expect(cache.drop(inSet(0, 1))).toBe(false);
    expect(cache.validLines()).toBe(1);
    expect(cache.writebacks).toBe(0);
  });
});

/** The textbook model: each set a list, most recent first; a miss pushes the oldest out. */
class ReferenceLru {
  readonly sets: number[][];
  hits = 0;
  misses = 0;
  constructor(
    sets: number,
    private readonly ways: number,
  ) {
    this.sets = Array.from({ length: sets }, () => []);
  }
  access(line: number): { hit: boolean; victim: number } {
    const set = this.sets[line % this.sets.length] as number[];
    const at = set.indexOf(line);
    if (at >= 0) {
      set.splice(at, 1);
      set.unshift(line);
      this.hits++;
      return { hit: true, victim: -1 };
    }
    this.misses++;
    set.unshift(line);
    const victim = set.length > this.ways ? (set.pop() as number) : -1;
    return { hit: false, victim };
  }
}

describe("CpuCache properties", () => {
  const stream = fc.array(fc.tuple(fc.integer({ min: 0, max: 63 }), fc.boolean()), {
    minLength: 1,
    maxLength: 300,
  });

  it("native LRU matches the textbook model on any access stream", () => {
    fc.assert(
      fc.property(stream, (accesses) => {
        const cache = new CpuCache("L2", { sizeBytes: 8 * 4 * 64, ways: 4, latency: 12 }, 64);
        const model = new ReferenceLru(8, 4);
        for (const [line] of accesses) {
          const expected = model.access(line);
          const hit = cache.lookup(line, false);
          expect(hit).toBe(expected.hit);
          if (!hit) cache.fill(line, false);
        }
        for (let set = 0; set < 8; set++) {
          const held = Array.from(cache.lines.subarray(set * 4, set * 4 + 4)).filter((l) => l >= 0);
          expect(held).toEqual(model.sets[set]);
        }
      }),
    );
  });

  it("hits + misses = lookups, no set holds a line twice, dirty victims are exactly the written ones", () => {
    for (const policy of ["lru", "fifo", "random", "clock"]) {
      fc.assert(
        fc.property(stream, (accesses) => {
          const cache = tiny(policy);
          const written = new Set<number>();
          let writebacks = 0;
          for (const [line, write] of accesses) {
            if (!cache.lookup(line, write)) {
              const victim = cache.fill(line, write);
              if (victim >= 0) {
                expect(written.has(victim)).toBe(true);
                written.delete(victim);
                writebacks++;
              }
            }
            if (write) written.add(line);
            for (const w of [...written])
              if (cache.find(w) < 0) throw new Error("lost a dirty line");
          }
          expect(cache.hits + cache.misses).toBe(accesses.length);
          expect(cache.writebacks).toBe(writebacks);
          for (let set = 0; set < cache.sets; set++) {
            const held = Array.from(cache.lines.subarray(set * 2, set * 2 + 2)).filter(
              (l) => l >= 0,
            );
            expect(new Set(held).size).toBe(held.length);
            for (const line of held) expect(cache.setIndex(line)).toBe(set);
          }
        }),
        { numRuns: 50 },
      );
    }
  });

  it("a registry FIFO keeps lines in fill order: a hit changes nothing", () => {
    const cache = tiny("fifo");
    const [a, b, c] = [inSet(1, 0), inSet(1, 1), inSet(1, 2)];
    cache.fill(a, false);
    cache.fill(b, false);
    expect(cache.lookup(a, false)).toBe(true);
    cache.fill(c, false); // FIFO evicts a, the first in, though it was just used
    expect(cache.find(a)).toBe(-1);
    expect(cache.find(b)).toBeGreaterThanOrEqual(0);
  });
});
