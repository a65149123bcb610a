import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { definition as aging } from "../aging/aging.js";
import { definition as clock } from "../clock/clock.js";
import { definition as fifo } from "../fifo/fifo.js";
import { definition as lfu } from "../lfu/lfu.js";
import { definition as lru } from "../lru/lru.js";
import { definition as mru } from "../mru/mru.js";
import { definition as nru } from "../nru/nru.js";
import { parseParams } from "../params.js";
import type { Access } from "../policy.js";
import { definition as random } from "../random/random.js";
import type { PolicyDefinition } from "../registry.js";
import { simulateWith } from "../run.js";
import { definition as secondChance } from "../second-chance/second-chance.js";
import { definition } from "./opt.js";

/** A reference to `key`, or with `drop` its invalidation. */
interface Step {
  key: number;
  drop?: boolean;
}

/**
 * Drive OPT like a container that reads the future: next-use times over the references (an
 * invalidation takes no time), free slots lowest first, evict-then-insert when full. Checks on
 * every eviction that peekVictim named the slot evict took and that it was resident.
 */
function drive(frames: number, steps: readonly Step[]): { misses: number; victims: number[] } {
  const policy = definition.create({ capacity: frames, seed: 0, knowsFuture: true }, {});
  const references = steps.filter((step) => step.drop !== true).map((step) => step.key);
  const nextUse = references.map((key, time) => {
    const next = references.indexOf(key, time + 1);
    return next < 0 ? Infinity : next;
  });
  const access: Access = { time: 0, keyHigh: 0, keyLow: 0, nextUse: Infinity, write: false };
  const slotOf = new Map<number, number>();
  const keyOf: number[] = [];
  const free = Array.from({ length: frames }, (_, slot) => slot);
  const victims: number[] = [];
  let misses = 0;
  for (const step of steps) {
    const slot = slotOf.get(step.key);
    if (step.drop === true) {
      if (slot === undefined) continue;
      policy.remove(slot);
      slotOf.delete(step.key);
      free.push(slot);
      free.sort((a, b) => a - b);
      continue;
    }
    access.keyLow = step.key;
    access.nextUse = nextUse[access.time] as number;
    if (slot !== undefined) {
      policy.onHit(slot, access);
    } else {
      misses++;
      let target = free.shift();
      if (target === undefined) {
        const peeked = policy.peekVictim(access);
        target = policy.evict(access);
        expect(target).toBe(peeked);
        const victim = keyOf[target] as number;
        expect(slotOf.get(victim)).toBe(target);
        slotOf.delete(victim);
        victims.push(victim);
      }
      slotOf.set(step.key, target);
      keyOf[target] = step.key;
      policy.onInsert(target, access);
    }
    access.time++;
  }
  return { misses, victims };
}

const refs = (pages: readonly number[]): Step[] => pages.map((key) => ({ key }));
const misses = (frames: number, pages: readonly number[]): number =>
  simulateWith(definition, {}, frames, pages).misses;

/** OPT the slow, obvious way: scan the future for each resident key; ties go to the LRU. */
function naiveOpt(frames: number, pages: readonly number[]): { misses: number; victims: number[] } {
  const resident: { key: number; last: number }[] = [];
  const victims: number[] = [];
  let total = 0;
  pages.forEach((page, time) => {
    const entry = resident.find((candidate) => candidate.key === page);
    if (entry !== undefined) {
      entry.last = time;
      return;
    }
    total++;
    if (resident.length === frames) {
      const nextOf = (key: number): number => {
        const next = pages.indexOf(key, time + 1);
        return next < 0 ? Infinity : next;
      };
      let at = 0;
      resident.forEach((candidate, index) => {
        const best = resident[at] as (typeof resident)[number];
        const mine = nextOf(candidate.key);
        const theirs = nextOf(best.key);
        if (mine > theirs || (mine === theirs && candidate.last < best.last)) at = index;
      });
      victims.push((resident[at] as (typeof resident)[number]).key);
      resident.splice(at, 1);
    }
    resident.push({ key: page, last: time });
  });
  return { misses: total, victims };
}

const OTHERS: readonly PolicyDefinition[] = [
  fifo,
  lru,
  mru,
  clock,
  secondChance,
  nru,
  lfu,
  random,
  aging,
];

describe("opt", () => {
  it("misses 9 times on the textbook string with 3 frames", () => {
    const textbook = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
    expect(misses(3, textbook)).toBe(9);
    expect(drive(3, refs(textbook))).toEqual({ misses: 9, victims: [7, 1, 0, 4, 3, 2] });
  });

  it("misses 7 times on 1,2,3,4,1,2,5,1,2,3,4,5 with 3 frames and 6 with 4", () => {
    const pages = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];
    expect(misses(3, pages)).toBe(7);
    expect(misses(4, pages)).toBe(6);
  });

  it("evicts the least recently used among keys never used again", () => {
    expect(drive(3, refs([1, 2, 3, 2, 1, 4])).victims).toEqual([3]);
    expect(drive(3, refs([3, 2, 1, 2, 3, 4])).victims).toEqual([1]);
  });

  it("refuses to run without the future", () => {
    expect(() => definition.create({ capacity: 4, seed: 0, knowsFuture: false }, {})).toThrow(
      /future/,
    );
  });

  it("agrees with a naive model, victims included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }),
        (frames, pages) => {
          const expected = naiveOpt(frames, pages);
          expect(drive(frames, refs(pages))).toEqual(expected);
          expect(misses(frames, pages)).toBe(expected.misses);
        },
      ),
    );
  });

  it("never misses more than any other policy", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 1000 }),
        (frames, pages, seed) => {
          const optimum = misses(frames, pages);
          for (const other of OTHERS) {
            const params = parseParams(other.name, "", other.params);
            const theirs = simulateWith(other, params, frames, pages, seed).misses;
            expect(optimum).toBeLessThanOrEqual(theirs);
          }
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
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(
          fc.record({
            key: fc.integer({ min: 0, max: 8 }),
            drop: fc.integer({ min: 0, max: 9 }).map((roll) => roll === 0),
          }),
          { maxLength: 200 },
        ),
        (frames, steps) => {
          drive(frames, steps);
        },
      ),
    );
  });
});
