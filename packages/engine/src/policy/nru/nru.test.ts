import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulateWith } from "../run.js";
import { driverFor, refs, type Step, stepsArbitrary } from "../test_kit.js";
import { definition } from "./nru.js";

const drive = driverFor(definition);

const misses = (frames: number, pages: readonly number[], interval = 100): number =>
  simulateWith(definition, { interval }, frames, pages).misses;

/** NRU the slow, obvious way: keys in load order with their R (as a tick) and M bits. */
function naiveNru(
  frames: number,
  steps: readonly Step[],
  interval: number,
): { misses: number; victims: number[] } {
  const resident: { key: number; referencedTick: number; modified: boolean }[] = [];
  const victims: number[] = [];
  let tick = 0;
  let references = 0;
  let count = 0;
  for (const step of steps) {
    const write = step.write ?? false;
    const entry = resident.find((candidate) => candidate.key === step.key);
    if (entry !== undefined) {
      entry.referencedTick = tick;
      entry.modified ||= write;
    } else {
      count++;
      if (resident.length === frames) {
        const classOf = (candidate: (typeof resident)[number]): number =>
          (candidate.referencedTick === tick ? 2 : 0) + (candidate.modified ? 1 : 0);
        const lowest = Math.min(...resident.map(classOf));
        const at = resident.findIndex((candidate) => classOf(candidate) === lowest);
        victims.push((resident[at] as (typeof resident)[number]).key);
        resident.splice(at, 1);
      }
      resident.push({ key: step.key, referencedTick: tick, modified: write });
    }
    if (++references % interval === 0) tick++;
  }
  return { misses: count, victims };
}

describe("nru", () => {
  it("evicts an unreferenced clean key before an unreferenced modified one", () => {
    // Tick every 4 references. 1 is written; after the tick at 4 references nothing is referenced.
    const steps: Step[] = [
      { key: 1, write: true },
      { key: 2 },
      { key: 3 },
      { key: 1 },
      { key: 4 }, // class 0 holds 2 and 3: the older, 2, goes
      { key: 3 },
      { key: 5 }, // class 0 is empty (3 and 4 referenced); class 1 holds 1
      { key: 3 }, // tick: R cleared
      { key: 6 }, // class 0 holds 3, 4, 5 in load order: 3 goes
    ];
    expect(drive(3, steps, { interval: 4 })).toEqual({ misses: 6, victims: [2, 1, 3] });
  });

  it("falls back to referenced keys, clean before modified, when all are referenced", () => {
    const steps: Step[] = [{ key: 1, write: true }, { key: 2 }, { key: 3 }, { key: 4 }];
    expect(drive(2, steps).victims).toEqual([2, 3]);
    const dirty: Step[] = [{ key: 1, write: true }, { key: 2, write: true }, { key: 3 }];
    expect(drive(2, dirty).victims).toEqual([1]);
  });

  it("sets R for the faulting reference: a key just loaded is not the next victim", () => {
    // The tick after 2 references clears 1 and 2; 3 is loaded referenced, so 4 evicts 2.
    expect(drive(2, refs([1, 2, 3, 4]), { interval: 2 }).victims).toEqual([1, 2]);
    expect(drive(3, refs([1, 2, 3, 4, 5]), { interval: 3 }).victims).toEqual([1, 2]);
  });

  it("agrees with a naive model, victims included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 9 }), write: fc.boolean() }), {
          maxLength: 200,
        }),
        (frames, interval, steps) => {
          expect(drive(frames, steps, { interval })).toEqual(naiveNru(frames, steps, interval));
        },
      ),
    );
  });

  it("matches the trace simulator's count (reads only)", () => {
    const pages = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
    for (const interval of [1, 3, 5, 100]) {
      expect(misses(3, pages, interval)).toBe(naiveNru(3, refs(pages), interval).misses);
    }
  });

  it("keeps peekVictim equal to evict under references, writes and removals", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 10 }),
        stepsArbitrary,
        (frames, interval, steps) => {
          drive(frames, steps, { interval });
        },
      ),
    );
  });
});
