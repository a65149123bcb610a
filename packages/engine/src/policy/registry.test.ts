/**
 * Every registered policy, through the registry: the textbook golden tables, OPT as a lower
 * bound, and the parameter syntax.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolicySpecError } from "./params.js";
import { POLICIES, resolvePolicy } from "./registry.js";
import { simulatePages } from "./run.js";

const TEXTBOOK = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
const BELADY = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];

describe("the registry", () => {
  it("lists the sixteen policies the issue names, each with a title and description", () => {
    expect(POLICIES.map((policy) => policy.name)).toEqual([
      "fifo",
      "lru",
      "mru",
      "clock",
      "second-chance",
      "nru",
      "lfu",
      "random",
      "opt",
      "aging",
      "wsclock",
      "linux",
      "arc",
      "2q",
      "s3fifo",
      "sieve",
    ]);
    for (const policy of POLICIES) {
      expect(policy.title.length).toBeGreaterThan(0);
      expect(policy.description.length).toBeGreaterThan(20);
    }
  });

  it("gives the textbook fault counts: FIFO 15, LRU 12, OPT 9 with 3 frames", () => {
    expect(simulatePages("fifo", 3, TEXTBOOK).misses).toBe(15);
    expect(simulatePages("lru", 3, TEXTBOOK).misses).toBe(12);
    expect(simulatePages("opt", 3, TEXTBOOK).misses).toBe(9);
  });

  it("shows Belady's anomaly: FIFO faults 9 times with 3 frames and 10 with 4", () => {
    expect(simulatePages("fifo", 3, BELADY).misses).toBe(9);
    expect(simulatePages("fifo", 4, BELADY).misses).toBe(10);
  });

  it("OPT never misses more than any registered policy", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 8 }),
        (pages, frames) => {
          const optimal = simulatePages("opt", frames, pages).misses;
          for (const policy of POLICIES) {
            expect(simulatePages(policy.name, frames, pages, 7).misses).toBeGreaterThanOrEqual(
              optimal,
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("rejects unknown policies and parameters with the valid ones listed", () => {
    expect(() => resolvePolicy("lur")).toThrow(PolicySpecError);
    expect(() => resolvePolicy("lur")).toThrow(/known: fifo, lru/);
    expect(() => resolvePolicy("clock:hand=2")).toThrow(
      'unknown parameter "hand" of policy clock; valid: bits',
    );
    expect(() => resolvePolicy("clock:bits=9")).toThrow("from 1 to 8");
    expect(resolvePolicy("Clock:bits=3").params).toEqual({ bits: 3 });
  });
});
