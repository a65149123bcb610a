/**
 * Exact agreement with libCacheSim: the zipf1.0 reference trace of ../shared/traces (rebuilt
 * here by the synthetic generator, reference for reference) gives libCacheSim's miss counts for
 * LRU, FIFO, the 1-bit Clock and OPT at 1% and 10% of its distinct pages.
 */
import { describe, expect, it } from "vitest";
import { generateTraceArray } from "../trace/synthetic.js";
import { resolvePolicy } from "./registry.js";
import { nextUseTimes } from "./run.js";
import { CacheSimulator } from "./simulator.js";

/** From ../shared/traces/README.md (libCacheSim commit aa0fc40). */
const EXPECTED = {
  lru: [4_365_433, 2_461_922],
  fifo: [4_717_477, 2_769_215],
  clock: [4_267_700, 2_389_224],
  opt: [2_998_838, 1_489_236],
} as const;
const SIZES = [7_634, 76_341] as const;

describe("libCacheSim's miss counts on zipf1.0 (10 million references)", () => {
  const keysLow = generateTraceArray({
    pattern: "zipf",
    pages: 1_000_000,
    count: 10_000_000,
    seed: 42,
    base: 1,
  });
  const keysHigh = new Uint32Array(keysLow.length);

  it.each(Object.entries(EXPECTED))("%s", (name, expected) => {
    const { definition, params } = resolvePolicy(name);
    const next = definition.needsFuture ? nextUseTimes(keysHigh, keysLow) : null;
    SIZES.forEach((frames, index) => {
      const policy = definition.create(
        { capacity: frames, seed: 0, knowsFuture: next !== null },
        params,
      );
      const simulator = new CacheSimulator(policy, frames);
      for (let time = 0; time < keysLow.length; time++) {
        simulator.reference(
          0,
          keysLow[time] as number,
          false,
          next === null ? Infinity : (next[time] as number),
        );
      }
      expect(simulator.misses).toBe(expected[index]);
    });
  });
});
