import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulateWith } from "../run.js";
import { driverFor, refs, stepsArbitrary } from "../test_kit.js";
import { definition } from "./lru.js";

const drive = driverFor(definition);
const misses = (frames: number, pages: readonly number[]): number =>
  simulateWith(definition, {}, frames, pages).misses;

/** The textbook reference string (Silberschatz et al.). */
const TEXTBOOK = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];

/** LRU the slow, obvious way: a list of keys, most recent last. */
function naiveLru(frames: number, pages: readonly number[]): { misses: number; victims: number[] } {
  const order: number[] = [];
  const victims: number[] = [];
  let count = 0;
  for (const page of pages) {
    const at = order.indexOf(page);
    if (at >= 0) {
      order.splice(at, 1);
    } else {
      count++;
      if (order.length === frames) victims.push(order.shift() as number);
    }
    order.push(page);
  }
  return { misses: count, victims };
}

describe("lru", () => {
  it("misses 12 times on the textbook string with 3 frames, evicting in LRU order", () => {
    expect(misses(3, TEXTBOOK)).toBe(12);
    expect(drive(3, refs(TEXTBOOK))).toEqual({ misses: 12, victims: [7, 1, 2, 3, 0, 4, 0, 3, 2] });
  });

  it("a hit protects a key: 1,2,3,1,4 evicts 2", () => {
    expect(drive(3, refs([1, 2, 3, 1, 4])).victims).toEqual([2]);
  });

  it("forgets a removed key and reuses its slot", () => {
    const result = drive(2, [
      { key: 1 },
      { key: 2 },
      { key: 1, drop: true },
      { key: 3 },
      { key: 4 },
    ]);
    expect(result).toEqual({ misses: 4, victims: [2] });
  });

  it("agrees with a naive list model, victims included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }),
        (frames, pages) => {
          const expected = naiveLru(frames, pages);
          expect(drive(frames, refs(pages))).toEqual(expected);
          expect(misses(frames, pages)).toBe(expected.misses);
        },
      ),
    );
  });

  it("never misses more with more frames (inclusion)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 300 }),
        (frames, pages) => {
          expect(misses(frames + 1, pages)).toBeLessThanOrEqual(misses(frames, pages));
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
