/**
 * An open-addressing hash table from a 64-bit key (two unsigned 32-bit halves) to a slot number,
 * in typed arrays: no allocation per operation, and exact for sparse 64-bit ids (a `Map` keyed
 * by numbers is both slower and unable to hold 64-bit ids exactly).
 *
 * Linear probing; deletion shifts the following entries back, so no tombstones accumulate.
 */
export class KeyIndex {
  private readonly keyHigh: Uint32Array;
  private readonly keyLow: Uint32Array;
  /** Slot stored for each table entry; -1 marks an empty entry. */
  private readonly value: Int32Array;
  private readonly mask: number;
  size = 0;

  /** A table that holds up to `capacity` keys at a load factor of at most 1/2. */
  constructor(capacity: number) {
    let tableSize = 16;
    while (tableSize < capacity * 2) tableSize *= 2;
    this.keyHigh = new Uint32Array(tableSize);
    this.keyLow = new Uint32Array(tableSize);
    this.value = new Int32Array(tableSize).fill(-1);
    this.mask = tableSize - 1;
  }

  private home(high: number, low: number): number {
    let hash = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
    hash ^= hash >>> 15;
    hash = Math.imul(hash, 0xc2b2ae35);
    hash ^= hash >>> 13;
    return hash & this.mask;
  }

  /** The slot stored for the key, or -1. */
  get(high: number, low: number): number {
    const mask = this.mask;
    let entry = this.home(high, low);
    for (;;) {
      const value = this.value[entry] as number;
      if (value < 0) return -1;
      if (this.keyLow[entry] === low && this.keyHigh[entry] === high) return value;
      entry = (entry + 1) & mask;
    }
  }

  /** Store `slot` for a key that is not present. */
  insert(high: number, low: number, slot: number): void {
    const mask = this.mask;
    let entry = this.home(high, low);
    while ((this.value[entry] as number) >= 0) entry = (entry + 1) & mask;
    this.keyHigh[entry] = high;
    this.keyLow[entry] = low;
    this.value[entry] = slot;
    this.size++;
  }

  /** Remove a key; returns whether it was present. */
  delete(high: number, low: number): boolean {
    const mask = this.mask;
    let entry = this.home(high, low);
    for (;;) {
      const value = this.value[entry] as number;
      if (value < 0) return false;
      if (this.keyLow[entry] === low && this.keyHigh[entry] === high) break;
      entry = (entry + 1) & mask;
    }
    // Backward-shift deletion: move later entries of the probe run into the hole when their
    // home position allows it, so lookups never stop early at a hole.
    let hole = entry;
    let next = (hole + 1) & mask;
    while ((this.value[next] as number) >= 0) {
      const home = this.home(this.keyHigh[next] as number, this.keyLow[next] as number);
      const distanceFromHome = (next - home) & mask;
      const distanceToHole = (next - hole) & mask;
      if (distanceFromHome >= distanceToHole) {
        this.keyHigh[hole] = this.keyHigh[next] as number;
        this.keyLow[hole] = this.keyLow[next] as number;
        this.value[hole] = this.value[next] as number;
        hole = next;
      }
      next = (next + 1) & mask;
    }
    this.value[hole] = -1;
    this.size--;
    return true;
  }
}
