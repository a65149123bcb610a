/**
 * Running a policy over keys held in memory: reference strings (`--refs 7,0,1,2`), tests, and
 * the next-use times OPT needs.
 */
import { KeyIndex } from "./key_index.js";
import { type PolicyDefinition, resolvePolicy } from "./registry.js";
import { CacheSimulator } from "./simulator.js";

export interface SimulationResult {
  policy: string;
  frames: number;
  accesses: number;
  hits: number;
  misses: number;
  missRatio: number;
}

/**
 * For each reference, the time of the next reference to the same key (Infinity when none): one
 * backward pass with a key index (memory grows with the distinct keys).
 */
export function nextUseTimes(keysHigh: Uint32Array, keysLow: Uint32Array): Float64Array {
  const count = keysLow.length;
  const next = new Float64Array(count);
  const index = new KeyIndex(1024);
  // The index maps a key to a slot; a side array holds the last time seen per slot.
  let lastSeen = new Float64Array(1024);
  let slots = 0;
  for (let time = count - 1; time >= 0; time--) {
    const high = keysHigh[time] as number;
    const low = keysLow[time] as number;
    let slot = index.get(high, low);
    if (slot < 0) {
      slot = slots++;
      if (slot === lastSeen.length) {
        const grown = new Float64Array(slot * 2);
        grown.set(lastSeen);
        lastSeen = grown;
      }
      index.insert(high, low, slot);
      next[time] = Infinity;
    } else {
      next[time] = lastSeen[slot] as number;
    }
    lastSeen[slot] = time;
  }
  return next;
}

/** Simulate `spec` (e.g. `lru`, `clock:bits=2`) with `frames` frames over page numbers `pages`. */
export function simulatePages(
  spec: string,
  frames: number,
  pages: readonly number[],
  seed = 0,
): SimulationResult {
  const { definition, params } = resolvePolicy(spec);
  return { ...simulateWith(definition, params, frames, pages, seed), policy: spec };
}

/** Simulate one policy definition with explicit parameters (what the policies' own tests use). */
export function simulateWith(
  definition: PolicyDefinition,
  params: Readonly<Record<string, number>>,
  frames: number,
  pages: readonly number[],
  seed = 0,
): SimulationResult {
  const keysHigh = new Uint32Array(pages.length);
  const keysLow = new Uint32Array(pages.length);
  pages.forEach((page, time) => {
    keysHigh[time] = Math.floor(page / 4294967296);
    keysLow[time] = page >>> 0;
  });
  const next = definition.needsFuture ? nextUseTimes(keysHigh, keysLow) : null;
  const policy = definition.create({ capacity: frames, seed, knowsFuture: next !== null }, params);
  const simulator = new CacheSimulator(policy, frames);
  for (let time = 0; time < pages.length; time++) {
    simulator.reference(
      keysHigh[time] as number,
      keysLow[time] as number,
      false,
      next === null ? Infinity : (next[time] as number),
    );
  }
  return {
    policy: definition.name,
    frames,
    accesses: pages.length,
    hits: simulator.hits,
    misses: simulator.misses,
    missRatio: pages.length === 0 ? 0 : simulator.misses / pages.length,
  };
}
