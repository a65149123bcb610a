/**
 * A checking container for policy tests: runs a policy the way the trace simulator does (evict,
 * then insert into the freed slot), and can also drop keys (`remove`), reusing freed slots lowest
 * first like a frame pool. It throws as soon as a policy breaks the contract: `peekVictim`
 * disagreeing with `evict`, or a victim slot that holds nothing.
 *
 * Off the hot path (it uses a Map); engine code, so no test-framework imports.
 *
 * @example
 * const box = new CheckedContainer(policy, 2);
 * box.reference(1); // { hit: false, victim: undefined }
 * box.reference(2);
 * box.reference(3); // { hit: false, victim: 1 } for FIFO or LRU
 */
import { parseParams } from "../params.js";
import type { Access, ReplacementPolicy } from "../policy.js";
import type { PolicyDefinition } from "../registry.js";

export interface StepResult {
  hit: boolean;
  /** The key evicted to make room, if any. */
  victim: number | undefined;
}

export class CheckedContainer {
  misses = 0;
  hits = 0;
  /** Evicted keys, in order. */
  readonly victims: number[] = [];
  private readonly slotOfKey = new Map<number, number>();
  private readonly keyOfSlot: (number | undefined)[];
  /** Free slots, highest first, so `pop` gives the lowest. */
  private readonly free: number[] = [];
  private readonly access: Access = {
    time: 0,
    keyHigh: 0,
    keyLow: 0,
    nextUse: Infinity,
    write: false,
  };

  constructor(
    readonly policy: ReplacementPolicy,
    readonly capacity: number,
  ) {
    this.keyOfSlot = new Array<number | undefined>(capacity).fill(undefined);
    for (let slot = capacity - 1; slot >= 0; slot--) this.free.push(slot);
  }

  /** The time the next reference will carry. */
  get time(): number {
    return this.access.time;
  }

  /** Reference `key` (an integer from 0 to 2^53 − 1). */
  reference(key: number, write = false): StepResult {
    const access = this.access;
    access.keyHigh = Math.floor(key / 4294967296);
    access.keyLow = key >>> 0;
    access.write = write;
    const resident = this.slotOfKey.get(key);
    let victim: number | undefined;
    if (resident !== undefined) {
      this.hits++;
      this.policy.onHit(resident, access);
    } else {
      this.misses++;
      let slot = this.free.pop();
      if (slot === undefined) {
        const peeked = this.policy.peekVictim(access);
        slot = this.policy.evict(access);
        if (peeked !== slot) {
          throw new Error(`time ${access.time}: peekVictim gave ${peeked}, evict gave ${slot}`);
        }
        victim = this.keyOfSlot[slot];
        if (victim === undefined) {
          throw new Error(`time ${access.time}: evict returned free slot ${slot}`);
        }
        this.victims.push(victim);
        this.slotOfKey.delete(victim);
      }
      this.slotOfKey.set(key, slot);
      this.keyOfSlot[slot] = key;
      this.policy.onInsert(slot, access);
    }
    access.time++;
    return { hit: resident !== undefined, victim };
  }

  /** The key `peekVictim` names for a miss on `key` now. */
  peek(key: number): number | undefined {
    const access = this.access;
    access.keyHigh = Math.floor(key / 4294967296);
    access.keyLow = key >>> 0;
    return this.keyOfSlot[this.policy.peekVictim(access)];
  }

  /** Drop `key` if resident (the container invalidates it: `remove`). */
  drop(key: number): void {
    const slot = this.slotOfKey.get(key);
    if (slot === undefined) return;
    this.policy.remove(slot);
    this.slotOfKey.delete(key);
    this.keyOfSlot[slot] = undefined;
    this.free.push(slot);
    this.free.sort((a, b) => b - a);
  }

  slotOf(key: number): number | undefined {
    return this.slotOfKey.get(key);
  }

  keyOf(slot: number): number | undefined {
    return this.keyOfSlot[slot];
  }

  /** Slots holding a key, ascending. */
  residentSlots(): number[] {
    const slots: number[] = [];
    this.keyOfSlot.forEach((key, slot) => {
      if (key !== undefined) slots.push(slot);
    });
    return slots;
  }
}

/** One step of `runChecked`: reference `key`, or drop it when `drop` is set. */
export interface CheckedStep {
  key: number;
  write?: boolean;
  drop?: boolean;
}

/** Run a whole string of steps through a CheckedContainer, calling `check` after each. */
export function runChecked(
  policy: ReplacementPolicy,
  capacity: number,
  steps: readonly (CheckedStep | number)[],
  check?: (box: CheckedContainer) => void,
): CheckedContainer {
  const box = new CheckedContainer(policy, capacity);
  for (const step of steps) {
    if (typeof step === "number") box.reference(step);
    else if (step.drop === true) box.drop(step.key);
    else box.reference(step.key, step.write ?? false);
    check?.(box);
  }
  return box;
}

/**
 * Run a policy definition (defaults, then `overrides`) over `steps` in a CheckedContainer, with
 * free slots taken lowest first: its misses and its victims in eviction order.
 */
export function driveDefinition(
  definition: PolicyDefinition,
  frames: number,
  steps: readonly (CheckedStep | number)[],
  overrides: Readonly<Record<string, number>> = {},
  seed = 0,
): { misses: number; victims: number[] } {
  const params = { ...parseParams(definition.name, "", definition.params), ...overrides };
  const policy = definition.create({ capacity: frames, seed, knowsFuture: false }, params);
  const box = runChecked(policy, frames, steps);
  return { misses: box.misses, victims: box.victims };
}

/** Misses of a plain LRU cache over `keys` (a reference model for tests). */
export function lruMisses(capacity: number, keys: readonly number[]): number {
  const order = new Map<number, true>();
  let misses = 0;
  for (const key of keys) {
    if (order.delete(key)) {
      order.set(key, true);
      continue;
    }
    misses++;
    if (order.size >= capacity) {
      const oldest = order.keys().next();
      if (oldest.done !== true) order.delete(oldest.value);
    }
    order.set(key, true);
  }
  return misses;
}

/**
 * A hot loop disturbed by a one-time scan: `warm` passes over the hot keys 0..hot-1, then `scan`
 * pairs of (the next hot key, a key never seen before, from 1,000,000 up).
 */
export function hotLoopWithScan(hot: number, warm: number, scan: number): number[] {
  const keys: number[] = [];
  for (let pass = 0; pass < warm; pass++) for (let key = 0; key < hot; key++) keys.push(key);
  for (let step = 0; step < scan; step++) keys.push(step % hot, 1_000_000 + step);
  return keys;
}
