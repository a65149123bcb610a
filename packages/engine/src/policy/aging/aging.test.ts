import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulateWith } from "../run.js";
import { driverFor, refs, stepsArbitrary } from "../test_kit.js";
import { definition } from "./aging.js";

const drive = driverFor(definition);

const misses = (frames: number, pages: readonly number[], bits = 8, interval = 100): number =>
  simulateWith(definition, { bits, interval }, frames, pages).misses;

/**
 * Aging the slow, obvious way, from its definition: each key remembers the ticks in which it was
 * referenced since it was loaded. Its value at tick t is the bit for tick t (R) above the
 * `bits`-bit register of ticks t-1 .. t-bits. The victim is the smallest value now; ties are
 * compared as of the last tick in which either key was referenced, then by last reference.
 */
function naiveAging(
  frames: number,
  pages: readonly number[],
  bits: number,
  interval: number,
): { misses: number; victims: number[] } {
  const resident: { key: number; ticks: number[]; last: number }[] = [];
  const victims: number[] = [];
  const valueAt = (ticks: readonly number[], tick: number): number => {
    let value = 0;
    for (let age = 0; age <= bits; age++)
      if (ticks.includes(tick - age)) value |= 1 << (bits - age);
    return value;
  };
  let tick = 0;
  let total = 0;
  pages.forEach((page, time) => {
    const entry = resident.find((candidate) => candidate.key === page);
    if (entry !== undefined) {
      if (!entry.ticks.includes(tick)) entry.ticks.push(tick);
      entry.last = time;
    } else {
      total++;
      if (resident.length === frames) {
        let at = 0;
        resident.forEach((candidate, index) => {
          const best = resident[at] as (typeof resident)[number];
          const when = Math.max(...candidate.ticks, ...best.ticks);
          const mine = valueAt(candidate.ticks, when);
          const theirs = valueAt(best.ticks, when);
          if (mine < theirs || (mine === theirs && candidate.last < best.last)) at = index;
        });
        victims.push((resident[at] as (typeof resident)[number]).key);
        resident.splice(at, 1);
      }
      resident.push({ key: page, ticks: [tick], last: time });
    }
    if ((time + 1) % interval === 0) tick++;
  });
  return { misses: total, victims };
}

describe("aging", () => {
  it("evicts the smallest register (2 bits, a tick every 2 references)", () => {
    // After the first tick 1 and 2 hold 10; 1 is hit (R), so 3 evicts 2. After the next tick
    // 1 holds 11 and 3 holds 10: 4 evicts 3. Then 1 (11) loses to 4 (R set): 5 evicts 1.
    // After the third tick 4 and 5 both hold 10: the earlier referenced, 4, goes.
    const pages = [1, 2, 1, 3, 4, 5, 6];
    expect(drive(2, refs(pages), { bits: 2, interval: 2 })).toEqual({
      misses: 6,
      victims: [2, 3, 1, 4],
    });
  });

  it("breaks a tie with the bits already shifted out", () => {
    // 1 bit, a tick every 2 references: at 5, keys 2 and 3 both hold register 1, but 2 was
    // also referenced in the tick before, so 3 goes (LRU would evict 2).
    const pages = [1, 2, 2, 3, 4, 5];
    expect(drive(3, refs(pages), { bits: 1, interval: 2 })).toEqual({
      misses: 5,
      victims: [1, 3],
    });
  });

  it("of two keys that aged to 0, evicts the one whose references stopped first", () => {
    // 1 bit, a tick every reference: 1 and 2 age to 0, 2 later than 1, so 1 goes first.
    expect(drive(3, refs([1, 2, 3, 4, 5, 6]), { bits: 1, interval: 1 }).victims).toEqual([1, 2, 3]);
  });

  it("agrees with a naive model from the definition, victims included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }),
        (frames, bits, interval, pages) => {
          const expected = naiveAging(frames, pages, bits, interval);
          expect(drive(frames, refs(pages), { bits, interval })).toEqual(expected);
          expect(misses(frames, pages, bits, interval)).toBe(expected.misses);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("handles the widest register", () => {
    const pages = Array.from({ length: 3000 }, (_, time) => (time * 37) % 101);
    expect(misses(40, pages, 16, 3)).toBe(naiveAging(40, pages, 16, 3).misses);
  });

  it("rejects parameters out of range", () => {
    const context = { capacity: 4, seed: 0, knowsFuture: false };
    expect(() => definition.create(context, { bits: 17, interval: 100 })).toThrow(RangeError);
    expect(() => definition.create(context, { bits: 8, interval: 0 })).toThrow(RangeError);
  });

  it("keeps peekVictim equal to evict under references and removals", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 5 }),
        stepsArbitrary,
        (frames, bits, interval, steps) => {
          drive(frames, steps, { bits, interval });
        },
      ),
    );
  });
});
