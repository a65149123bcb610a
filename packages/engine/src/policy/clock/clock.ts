/**
 * Rotating-hand CLOCK (not OSTEP's randomized CLOCK, which picks random pages until it finds an
 * unreferenced one). The slots form a dial; a hand points at the next candidate. Each slot has a
 * reference counter of `bits` bits:
 *
 * - a new key starts at 0 (unreferenced);
 * - a hit sets its counter to the maximum, 2^bits - 1;
 * - to evict, the hand looks at its slot: a counter of 0 is the victim (the hand then moves one
 *   past it, so the new key, which takes the victim's slot, is the last the hand will reach);
 *   otherwise the hand decrements the counter and moves on.
 *
 * With `bits=1` this is exactly libCacheSim's Clock: a FIFO queue in which a referenced key
 * reaching the head goes back to the tail with its bit cleared, and the first unreferenced key
 * at the head is evicted. The dial is that queue: the hand is the head, and the slot just behind
 * it (where the new key goes) is the tail. The `second-chance` policy is the same algorithm
 * written as a linked FIFO list and evicts the same keys whenever slots are only freed by
 * eviction (as in the trace simulator). They part ways after `remove()`: here a key loaded into
 * a freed slot takes that slot's place on the dial, as on a real frame-table clock.
 *
 * Cost: a hit is one store. The hand's work is paid for by hits (each hit adds at most 2^bits - 1
 * decrements), so eviction is O(2^bits) amortized.
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import type { PolicyDefinition } from "../registry.js";

/** Counter of a slot that holds no key: the hand skips it. */
const EMPTY = -1;

class ClockPolicy implements ReplacementPolicy {
  /** Reference counter per slot, 0..max, or EMPTY. */
  private readonly counter: Int16Array;
  private readonly capacity: number;
  private readonly max: number;
  private hand = 0;
  private resident = 0;

  constructor(capacity: number, bits: number) {
    this.capacity = capacity;
    this.max = (1 << bits) - 1;
    this.counter = new Int16Array(capacity).fill(EMPTY);
  }

  onHit(slot: number): void {
    this.counter[slot] = this.max;
  }

  onInsert(slot: number): void {
    if ((this.counter[slot] as number) === EMPTY) this.resident++;
    this.counter[slot] = 0;
  }

  /**
   * The hand evicts the slot that reaches 0 first: the smallest counter c takes c sweeps, and
   * within the sweep the first such slot from the hand wins.
   */
  peekVictim(): number {
    if (this.resident === 0) return -1;
    const counter = this.counter;
    const capacity = this.capacity;
    let best = -1;
    let bestCount = this.max + 1;
    let slot = this.hand;
    for (let step = 0; step < capacity; step++) {
      const count = counter[slot] as number;
      if (count !== EMPTY && count < bestCount) {
        best = slot;
        bestCount = count;
        if (count === 0) break;
      }
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
    return best;
  }

  evict(_incoming: Access): number {
    if (this.resident === 0) throw new Error("clock: evict with nothing resident");
    const counter = this.counter;
    const capacity = this.capacity;
    let hand = this.hand;
    for (;;) {
      const count = counter[hand] as number;
      if (count === 0) break;
      if (count > 0) counter[hand] = count - 1;
      hand = hand + 1 === capacity ? 0 : hand + 1;
    }
    const victim = hand;
    counter[victim] = EMPTY;
    this.resident--;
    this.hand = victim + 1 === capacity ? 0 : victim + 1;
    return victim;
  }

  remove(slot: number): void {
    if ((this.counter[slot] as number) === EMPTY) return;
    this.counter[slot] = EMPTY;
    this.resident--;
  }
}

export const definition: PolicyDefinition = {
  name: "clock",
  title: "Rotating-hand CLOCK with a reference counter of `bits` bits (bits=1: classic Clock)",
  description:
    "A hand sweeps the slots in order. A new key starts unreferenced (counter 0); a hit sets the " +
    "counter to 2^bits-1. The hand evicts the first slot at 0 and decrements the others it " +
    "passes. No ties: the hand's position decides. With bits=1 it is libCacheSim's Clock " +
    "(FIFO that re-queues referenced keys with the bit cleared) and evicts as second-chance does. " +
    "Not OSTEP's randomized CLOCK.",
  params: {
    bits: {
      description: "reference-counter bits per slot; a hit sets the counter to 2^bits-1",
      default: "1",
      min: 1,
      max: 8,
    },
  },
  needsFuture: false,
  create: (context: PolicyContext, params) => {
    const bits = params.bits ?? 1;
    if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
      throw new RangeError(`clock: bits must be an integer from 1 to 8, not ${bits}`);
    }
    return new ClockPolicy(context.capacity, bits);
  },
};
