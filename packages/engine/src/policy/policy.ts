/**
 * The replacement-policy interface, in the spirit of libCacheSim's per-algorithm files.
 *
 * A container (the trace simulator's frame pool, and later the machine's frames, a TLB set or a
 * cache set) owns the key index and runs hit / miss / evict / insert. A policy only orders the
 * container's slots: it never sees the index. Slots are dense integers 0..capacity-1, so a policy
 * keeps its state in typed arrays indexed by slot.
 *
 * Order of calls on a miss when the container is full: `evict(access)` picks a victim slot and
 * forgets it, then the container gives that slot to the new key and calls `onInsert(slot, access)`
 * (evict, then insert: libCacheSim's order). When not full, `onInsert` gets a never-used slot.
 */

/**
 * The reference being processed. The container reuses one object for every reference (no
 * allocation per access); a policy must copy what it wants to keep.
 */
export interface Access {
  /** Index of this reference in the trace, from 0. */
  time: number;
  /** The key (a page number or object id) as two unsigned 32-bit halves: exact for 64-bit ids. */
  keyHigh: number;
  keyLow: number;
  /** Time of the next reference to the same key, or Infinity when there is none. Known only
   * to containers that read the future (OPT); otherwise Infinity. */
  nextUse: number;
  /** Whether the reference writes (for policies that prefer clean pages, such as NRU). */
  write: boolean;
}

export interface ReplacementPolicy {
  /** A resident slot was referenced. */
  onHit(slot: number, access: Access): void;
  /** `slot` now holds the key of `access` (a miss). */
  onInsert(slot: number, access: Access): void;
  /** The slot `evict` would choose for `incoming`, without changing any state. */
  peekVictim(incoming: Access): number;
  /** Choose a victim for `incoming`, forget it and return its slot. Only called when full. */
  evict(incoming: Access): number;
  /** The container dropped `slot` on its own (invalidation): forget it. */
  remove(slot: number): void;
}

/** What a policy is built with. */
export interface PolicyContext {
  /** Number of slots. */
  capacity: number;
  /** Seed for policies that draw random numbers (deterministic for a seed). */
  seed: number;
  /** Whether the container supplies `Access.nextUse` (policies that need it refuse to run otherwise). */
  knowsFuture: boolean;
}
