import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulateWith } from "../run.js";
import { driverFor, refs, stepsArbitrary } from "../test_kit.js";
import { definition } from "./fifo.js";

const drive = driverFor(definition);

const misses = (frames: number, pages: readonly number[]): number =>
  simulateWith(definition, {}, frames, pages).misses;

/** FIFO the slow, obvious way: an array of keys in load order. */
function naiveFifo(
  frames: number,
  pages: readonly number[],
): { misses: number; victims: number[] } {
  const queue: number[] = [];
  const victims: number[] = [];
  let count = 0;
  for (const page of pages) {
    if (queue.includes(page)) continue;
    count++;
    if (queue.length === frames) victims.push(queue.shift() as number);
    queue.push(page);
  }
  return { misses: count, victims };
}

describe("fifo", () => {
  it("misses 15 times on the textbook string with 3 frames, evicting in load order", () => {
    const textbook = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
    expect(misses(3, textbook)).toBe(15);
    expect(drive(3, refs(textbook))).toEqual({
      misses: 15,
      victims: [7, 0, 1, 2, 3, 0, 4, 2, 3, 0, 1, 2],
    });
  });

  it("shows Belady's anomaly: 9 misses with 3 frames, 10 with 4", () => {
    const pages = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];
    expect(misses(3, pages)).toBe(9);
    expect(misses(4, pages)).toBe(10);
    expect(drive(4, refs(pages)).victims).toEqual([1, 2, 3, 4, 5, 1]);
  });

  it("ignores hits: 1,2,3,1,4 evicts 1", () => {
    expect(drive(3, refs([1, 2, 3, 1, 4])).victims).toEqual([1]);
  });

  it("forgets a removed key; the key loaded into its slot is the newest", () => {
    const steps = [
      { key: 1 },
      { key: 2 },
      { key: 1, drop: true },
      { key: 3 },
      { key: 4 },
      { key: 5 },
    ];
    expect(drive(2, steps)).toEqual({ misses: 5, victims: [2, 3] });
  });

  it("agrees with a naive queue model, victims included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }),
        (frames, pages) => {
          const expected = naiveFifo(frames, pages);
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
