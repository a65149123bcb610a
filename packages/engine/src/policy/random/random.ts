/**
 * Random: evict a resident key chosen uniformly at random, from a seeded generator
 * (`PolicyContext.seed`), so a run is repeatable: the same seed gives the same victims.
 *
 * The generator is a 32-bit counter advanced by the golden-ratio constant and passed through an
 * integer mixing function (multiply-xorshift rounds); it advances only when a victim is taken,
 * so `peekVictim` computes the same draw without consuming it. A draw of 32 bits picks the index
 * floor(draw * resident / 2^32) into a dense array of the resident slots (bias below
 * resident / 2^32, e.g. 2e-5 for 76,000 keys).
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import type { PolicyDefinition } from "../registry.js";

const NONE = -1;
const GOLDEN = 0x9e3779b9;

/** Mix a 32-bit value into a well-spread 32-bit value (bijective). */
function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
  return (z ^ (z >>> 16)) >>> 0;
}

class RandomPolicy implements ReplacementPolicy {
  /** The resident slots, densely: members[0..size-1]. */
  private readonly members: Int32Array;
  /** Index of each slot in `members`, NONE when not resident. */
  private readonly position: Int32Array;
  private size = 0;
  /** Generator state: the next draw is mix32(state + GOLDEN). */
  private state: number;

  constructor(capacity: number, seed: number) {
    this.members = new Int32Array(capacity);
    this.position = new Int32Array(capacity).fill(NONE);
    const low = seed >>> 0;
    const high = Math.floor(seed / 4294967296) >>> 0;
    this.state = mix32(low ^ mix32(high ^ 0x5bd1e995));
  }

  onHit(): void {}

  onInsert(slot: number): void {
    if ((this.position[slot] as number) !== NONE) return;
    this.position[slot] = this.size;
    this.members[this.size++] = slot;
  }

  peekVictim(): number {
    if (this.size === 0) return NONE;
    return this.members[this.pick(mix32(this.state + GOLDEN))] as number;
  }

  evict(_incoming: Access): number {
    if (this.size === 0) throw new Error("random: evict with nothing resident");
    this.state = (this.state + GOLDEN) >>> 0;
    const victim = this.members[this.pick(mix32(this.state))] as number;
    this.remove(victim);
    return victim;
  }

  remove(slot: number): void {
    const index = this.position[slot] as number;
    if (index === NONE) return;
    const last = this.members[--this.size] as number;
    this.members[index] = last;
    this.position[last] = index;
    this.position[slot] = NONE;
  }

  private pick(draw: number): number {
    const index = Math.floor((draw / 4294967296) * this.size);
    return index < this.size ? index : this.size - 1;
  }
}

export const definition: PolicyDefinition = {
  name: "random",
  title: "Random: evict a uniformly random resident key (seeded, repeatable)",
  description:
    "Evicts a resident key chosen uniformly at random by a generator seeded from the run's " +
    "seed: the same seed gives the same victims. No ties to break.",
  params: {},
  needsFuture: false,
  create: (context: PolicyContext) => new RandomPolicy(context.capacity, context.seed),
};
