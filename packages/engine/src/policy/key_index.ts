/**
 * An open-addressing hash table from a 64-bit key (two unsigned 32-bit halves) to a slot number,
 * in one typed array: no allocation per operation, and exact for sparse 64-bit ids (a `Map` keyed
 * by numbers is both slower and unable to hold 64-bit ids exactly).
 *
 * Each entry is four int32 words [key low, key high, slot, unused], so a probe touches one cache
 * line. Linear probing; deletion shifts the following entries back, so no tombstones accumulate.
 * The table doubles when it passes half full, so a capacity is only a starting size.
 *
 * A container whose values are distinct slots can ask the index to remember where each slot's
 * entry sits (`trackSlots`): evicting a slot then needs no probe (`deleteSlot`).
 */
const WORDS = 4;
/**
 * Keys a table of `entries` may hold: a quarter while the table fits in a CPU cache (1 MiB),
 * where the extra room buys shorter probe runs for free; half beyond, where size costs misses.
 */
function maxKeys(entries: number): number {
  return entries * WORDS * 4 <= 1 << 20 ? entries / 4 : entries / 2;
}
/** The slot word of an empty entry. */
const EMPTY = -1;

export class KeyIndex {
  private table: Int32Array;
  /** Entries in the table minus one (a power of two minus one). */
  private mask: number;
  /** 32 - log2(entries): Fibonacci hashing keeps the top bits of the product. */
  private shift: number;
  /** Entry holding each slot, when the values are distinct slots (`trackSlots`). */
  private entryOfSlot: Int32Array | null;
  size = 0;

  /** A table sized for `capacity` keys (see maxKeys for the load factor). */
  constructor(capacity: number, trackSlots = false) {
    this.entryOfSlot = trackSlots ? new Int32Array(Math.max(16, capacity)) : null;
    let entries = 16;
    while (capacity > maxKeys(entries)) entries *= 2;
    this.table = new Int32Array(entries * WORDS);
    this.mask = entries - 1;
    this.shift = 32 - Math.log2(entries);
    this.clear();
  }

  private clear(): void {
    for (let word = 2; word < this.table.length; word += WORDS) this.table[word] = EMPTY;
  }

  /** Entry where the probe for a key starts (Fibonacci hashing of both halves). */
  private home(high: number, low: number): number {
    return Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  /** The slot stored for the key, or -1. */
  get(high: number, low: number): number {
    const table = this.table;
    const mask = this.mask;
    const lowWord = low | 0;
    const highWord = high | 0;
    let entry = this.home(high, low);
    for (;;) {
      const base = entry * WORDS;
      const slot = table[base + 2] as number;
      if (slot === EMPTY) return -1;
      if (table[base] === lowWord && table[base + 1] === highWord) return slot;
      entry = (entry + 1) & mask;
    }
  }

  /** Store `slot` (≥ 0) for a key that is not present. */
  insert(high: number, low: number, slot: number): void {
    if (this.size + 1 > maxKeys(this.mask + 1)) this.grow();
    const table = this.table;
    const mask = this.mask;
    let entry = this.home(high, low);
    while (table[entry * WORDS + 2] !== EMPTY) entry = (entry + 1) & mask;
    const base = entry * WORDS;
    table[base] = low | 0;
    table[base + 1] = high | 0;
    table[base + 2] = slot;
    this.size++;
    if (this.entryOfSlot !== null) this.placeSlot(slot, entry);
  }

  private placeSlot(slot: number, entry: number): void {
    let entries = this.entryOfSlot as Int32Array;
    if (slot >= entries.length) {
      const grown = new Int32Array(Math.max(slot + 1, entries.length * 2));
      grown.set(entries);
      this.entryOfSlot = entries = grown;
    }
    entries[slot] = entry;
  }

  /** Remove the key stored with `slot` (only with `trackSlots`): no probe needed. */
  deleteSlot(slot: number): void {
    this.removeEntry((this.entryOfSlot as Int32Array)[slot] as number);
  }

  /** Remove a key; returns whether it was present. */
  delete(high: number, low: number): boolean {
    const table = this.table;
    const mask = this.mask;
    const lowWord = low | 0;
    const highWord = high | 0;
    let entry = this.home(high, low);
    for (;;) {
      const base = entry * WORDS;
      if (table[base + 2] === EMPTY) return false;
      if (table[base] === lowWord && table[base + 1] === highWord) break;
      entry = (entry + 1) & mask;
    }
    this.removeEntry(entry);
    return true;
  }

  /**
   * Backward-shift deletion: move later entries of the probe run into the hole when their home
   * position allows it, so lookups never stop early at a hole.
   */
  private removeEntry(entry: number): void {
    const table = this.table;
    const mask = this.mask;
    const entryOfSlot = this.entryOfSlot;
    let hole = entry;
    let next = (hole + 1) & mask;
    while (table[next * WORDS + 2] !== EMPTY) {
      const base = next * WORDS;
      const home = this.home((table[base + 1] as number) >>> 0, (table[base] as number) >>> 0);
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        const target = hole * WORDS;
        const slot = table[base + 2] as number;
        table[target] = table[base] as number;
        table[target + 1] = table[base + 1] as number;
        table[target + 2] = slot;
        if (entryOfSlot !== null) entryOfSlot[slot] = hole;
        hole = next;
      }
      next = (next + 1) & mask;
    }
    table[hole * WORDS + 2] = EMPTY;
    this.size--;
  }

  /** Double the table and re-insert every key (rare: only past half full). */
  private grow(): void {
    const old = this.table;
    const entries = (this.mask + 1) * 2;
    this.table = new Int32Array(entries * WORDS);
    this.mask = entries - 1;
    this.shift = 32 - Math.log2(entries);
    this.clear();
    this.size = 0;
    for (let base = 0; base < old.length; base += WORDS) {
      const slot = old[base + 2] as number;
      if (slot !== EMPTY) {
        this.insert((old[base + 1] as number) >>> 0, (old[base] as number) >>> 0, slot);
      }
    }
  }
}
