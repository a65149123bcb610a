import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulateWith } from "../run.js";
import { driverFor, refs, stepsArbitrary } from "../test_kit.js";
import { definition } from "./lfu.js";

const drive = driverFor(definition);

const misses = (frames: number, pages: readonly number[]): number =>
  simulateWith(definition, {}, frames, pages).misses;

/** LFU the slow, obvious way: counts and last-reference times, smallest (count, time) goes. */
function naiveLfu(frames: number, pages: readonly number[]): { misses: number; victims: number[] } {
  const resident: { key: number; count: number; last: number }[] = [];
  const victims: number[] = [];
  let total = 0;
  pages.forEach((page, time) => {
    const entry = resident.find((candidate) => candidate.key === page);
    if (entry !== undefined) {
      entry.count++;
      entry.last = time;
      return;
    }
    total++;
    if (resident.length === frames) {
      let at = 0;
      resident.forEach((candidate, index) => {
        const best = resident[at] as (typeof resident)[number];
        if (
          candidate.count < best.count ||
          (candidate.count === best.count && candidate.last < best.last)
        ) {
          at = index;
        }
      });
      victims.push((resident[at] as (typeof resident)[number]).key);
      resident.splice(at, 1);
    }
    resident.push({ key: page, count: 1, last: time });
  });
  return { misses: total, victims };
}

describe("lfu", () => {
  it("evicts the smallest count, least recently used among equals, and forgets evicted counts", () => {
    // 1, 2, 3 reach count 2; 4 evicts the least recent of them (2, last used at time 3).
    // 5 evicts 4 (count 1); 6 evicts 5; 2 comes back at count 1 and evicts 6; 7 evicts 2.
    const pages = [1, 2, 3, 2, 1, 3, 4, 5, 1, 6, 2, 7];
    expect(drive(3, refs(pages))).toEqual({ misses: 8, victims: [2, 4, 5, 6, 2] });
    expect(misses(3, pages)).toBe(8);
  });

  it("misses 11 times on the textbook string with 3 frames", () => {
    const textbook = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
    expect(misses(3, textbook)).toBe(naiveLfu(3, textbook).misses);
    expect(misses(3, textbook)).toBe(11);
    expect(drive(3, refs(textbook)).victims).toEqual([7, 1, 2, 3, 4, 3, 1, 7]);
  });

  it("keeps a hot key through a scan", () => {
    const pages = [1, 1, 1, 2, 3, 4, 5, 6, 1];
    expect(drive(2, refs(pages))).toEqual({ misses: 6, victims: [2, 3, 4, 5] });
  });

  it("agrees with a naive model, victims included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }),
        (frames, pages) => {
          const expected = naiveLfu(frames, pages);
          expect(drive(frames, refs(pages))).toEqual(expected);
          expect(misses(frames, pages)).toBe(expected.misses);
        },
      ),
    );
  });

  it("keeps peekVictim equal to evict under references and removals", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), stepsArbitrary, (frames, steps) => {
        drive(frames, steps);
      }),
    );
  });
});
