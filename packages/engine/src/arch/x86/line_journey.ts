/**
 * The journey of one cache line through the hierarchy, told to a probe. Only called with a probe
 * attached, so it sits apart from the MMU's access path.
 */
import { type CacheHierarchy, SERVED_DRAM } from "../../cache/hierarchy.js";
import {
  type AccessProbe,
  HOP_DRAM,
  HOP_L1D,
  HOP_L1I,
  HOP_L2,
  HOP_L3,
  OUTCOME_HIT,
  OUTCOME_MISS,
} from "../../probe.js";

/** The probe hop of a cache level, for data (L1d) or instruction (L1i) accesses. */
const DATA_HOPS = Int32Array.of(HOP_L1D, HOP_L2, HOP_L3, HOP_DRAM);
const INSTRUCTION_HOPS = Int32Array.of(HOP_L1I, HOP_L2, HOP_L3, HOP_DRAM);

/**
 * The journey of one line through the hierarchy: a miss at each level above the one that
 * served it, then a hit there. Each hop costs what its level adds to the one above (its
 * latency minus theirs), so the hops add up to the serving level's latency.
 * a: the physical address of the line; b: its set in that level.
 */
export function reportLine(
  probe: AccessProbe,
  caches: CacheHierarchy,
  line: number,
  served: number,
  instruction: boolean,
): void {
  const latency = instruction ? caches.instructionLatency : caches.dataLatency;
  const hops = instruction ? INSTRUCTION_HOPS : DATA_HOPS;
  const lineAddress = line * caches.lineBytes;
  let above = 0;
  for (let level = 0; level <= served; level++) {
    const cache =
      level === 0 ? (instruction ? caches.l1i : caches.l1d) : level === 1 ? caches.l2 : caches.l3;
    const set = level === SERVED_DRAM ? 0 : cache.setIndex(line);
    const reached = latency[level] as number;
    const outcome = level === served ? OUTCOME_HIT : OUTCOME_MISS;
    probe.hop(hops[level] as number, outcome, reached - above, lineAddress, set);
    above = reached;
  }
}
