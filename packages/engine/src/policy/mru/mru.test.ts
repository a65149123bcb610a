import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulateWith } from "../run.js";
import { driverFor, refs, stepsArbitrary } from "../test_kit.js";
import { definition } from "./mru.js";

const drive = driverFor(definition);

const misses = (frames: number, pages: readonly number[]): number =>
  simulateWith(definition, {}, frames, pages).misses;

/** MRU the slow, obvious way: a list of keys, most recent last. */
function naiveMru(frames: number, pages: readonly number[]): { misses: number; victims: number[] } {
  const order: number[] = [];
  const victims: number[] = [];
  let count = 0;
  for (const page of pages) {
    const at = order.indexOf(page);
    if (at >= 0) {
      order.splice(at, 1);
    } else {
      count++;
      if (order.length === frames) victims.push(order.pop() as number);
    }
    order.push(page);
  }
  return { misses: count, victims };
}

describe("mru", () => {
  it("keeps most of a loop larger than memory: 1,2,3,4,1,2,3,4 misses 5 times in 3 frames", () => {
    const pages = [1, 2, 3, 4, 1, 2, 3, 4];
    expect(drive(3, refs(pages))).toEqual({ misses: 5, victims: [3, 2] });
    expect(misses(3, pages)).toBe(5);
  });

  it("evicts the key referenced last: 1,2,3,1,4 evicts 1", () => {
    expect(drive(3, refs([1, 2, 3, 1, 4])).victims).toEqual([1]);
  });

  it("misses 16 times on the textbook string with 3 frames", () => {
    const textbook = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
    expect(misses(3, textbook)).toBe(naiveMru(3, textbook).misses);
    expect(misses(3, textbook)).toBe(16);
  });

  it("forgets a removed key", () => {
    const steps = [{ key: 1 }, { key: 2 }, { key: 2, drop: true }, { key: 3 }, { key: 4 }];
    expect(drive(2, steps)).toEqual({ misses: 4, victims: [3] });
  });

  it("agrees with a naive list model, victims included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }),
        (frames, pages) => {
          const expected = naiveMru(frames, pages);
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
