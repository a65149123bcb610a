/**
 * OPT (Belady's MIN): evict the key whose next reference is farthest in the future, or one that
 * is never referenced again. It needs the future (`Access.nextUse`), so it runs on traces only,
 * and it is the lower bound every other policy is measured against.
 *
 * A binary max-heap over the resident slots, keyed by next use, in typed arrays (keys and slots
 * in heap order, and each slot's heap position): a hit re-keys one slot and a miss pops the
 * root, O(log n) each, nothing allocated.
 *
 * Ties: keys' next uses are distinct times, so only keys never used again can tie; among those
 * the least recently used goes first. The miss count does not depend on that choice. (Those keys
 * get the heap key 2^52 + 2^51 - time of last reference, above every finite next use: exact for
 * traces shorter than 2^51 references.)
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import type { PolicyDefinition } from "../registry.js";

const NONE = -1;
/** Heap keys of keys never used again start here; finite next uses stay below. */
const NEVER = 4503599627370496; // 2^52
const NEVER_SPAN = 2251799813685248; // 2^51

function heapKey(access: Access): number {
  const next = access.nextUse;
  return next < NEVER ? next : NEVER + (NEVER_SPAN - access.time);
}

class OptPolicy implements ReplacementPolicy {
  /** Heap order: key and slot of heap entry i; the root (0) has the largest key. */
  private readonly keys: Float64Array;
  private readonly slots: Int32Array;
  /** Heap index of each slot, NONE when not resident. */
  private readonly position: Int32Array;
  private size = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
    this.position = new Int32Array(capacity).fill(NONE);
  }

  onHit(slot: number, access: Access): void {
    const index = this.position[slot] as number;
    const key = heapKey(access);
    if (key > (this.keys[index] as number)) this.siftUp(index, key, slot);
    else this.siftDown(index, key, slot);
  }

  onInsert(slot: number, access: Access): void {
    if ((this.position[slot] as number) !== NONE) this.remove(slot);
    this.siftUp(this.size++, heapKey(access), slot);
  }

  peekVictim(): number {
    return this.size === 0 ? NONE : (this.slots[0] as number);
  }

  evict(_incoming: Access): number {
    if (this.size === 0) throw new Error("opt: evict with nothing resident");
    const victim = this.slots[0] as number;
    this.removeAt(0);
    return victim;
  }

  remove(slot: number): void {
    const index = this.position[slot] as number;
    if (index !== NONE) this.removeAt(index);
  }

  private removeAt(index: number): void {
    this.position[this.slots[index] as number] = NONE;
    const last = --this.size;
    if (index === last) return;
    const key = this.keys[last] as number;
    const slot = this.slots[last] as number;
    if (key > (this.keys[index] as number)) this.siftUp(index, key, slot);
    else this.siftDown(index, key, slot);
  }

  /** Place (key, slot) at `index` or above, moving smaller parents down. */
  private siftUp(index: number, key: number, slot: number): void {
    const keys = this.keys;
    const slots = this.slots;
    const position = this.position;
    let hole = index;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const parentKey = keys[parent] as number;
      if (parentKey >= key) break;
      const parentSlot = slots[parent] as number;
      keys[hole] = parentKey;
      slots[hole] = parentSlot;
      position[parentSlot] = hole;
      hole = parent;
    }
    keys[hole] = key;
    slots[hole] = slot;
    position[slot] = hole;
  }

  /** Place (key, slot) at `index` or below, moving larger children up. */
  private siftDown(index: number, key: number, slot: number): void {
    const keys = this.keys;
    const slots = this.slots;
    const position = this.position;
    const size = this.size;
    let hole = index;
    for (;;) {
      let child = 2 * hole + 1;
      if (child >= size) break;
      let childKey = keys[child] as number;
      const right = child + 1;
      if (right < size) {
        const rightKey = keys[right] as number;
        if (rightKey > childKey) {
          child = right;
          childKey = rightKey;
        }
      }
      if (childKey <= key) break;
      const childSlot = slots[child] as number;
      keys[hole] = childKey;
      slots[hole] = childSlot;
      position[childSlot] = hole;
      hole = child;
    }
    keys[hole] = key;
    slots[hole] = slot;
    position[slot] = hole;
  }
}

export const definition: PolicyDefinition = {
  name: "opt",
  title: "OPT (Belady's MIN): evict the key used farthest in the future",
  description:
    "Evicts the resident key whose next reference is farthest ahead; it reads the trace's " +
    "future, so it is the optimum other policies are compared with. Ties can only be between " +
    "keys never used again: the least recently used of them goes first.",
  params: {},
  needsFuture: true,
  create: (context: PolicyContext) => {
    if (!context.knowsFuture) {
      throw new Error(
        "opt needs the future of the trace (next-use times); this container has none",
      );
    }
    return new OptPolicy(context.capacity);
  },
};
