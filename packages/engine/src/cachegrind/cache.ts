/**
 * One cache of Cachegrind's model (valgrind's `cachegrind/cg_sim.c`): set-associative, true LRU,
 * indexed by the address as given (virtual), no valid bits and no dirty bits.
 *
 * - Each set is a row of `assoc` tags kept in MRU-first order in one Float64Array: a hit moves
 *   the tag to the front, a miss shifts the row down and puts the new tag in front, dropping the
 *   LRU one. Nothing else is recorded: write-allocate, and no write-backs, because cachegrind
 *   counts only references and misses.
 * - The tag is the whole line number (address >> line bits), as in cachegrind; the set is its
 *   low bits. Like cachegrind's zero-filled `tags` array, every way starts holding tag 0, so the
 *   first access to line 0 of memory hits.
 * - An access that straddles two lines looks up both (both rows are updated) and is one miss if
 *   either missed: cachesim_ref_is_miss.
 *
 * Line numbers are kept as doubles: the address is read as a signed 64-bit value (high half as
 * an int32), so the line number is exact for every address below 2^57 in magnitude, which
 * covers user and kernel (canonical) x86-64 addresses. Accesses must not be longer than a line
 * (the simulator cuts them, as cachegrind does).
 */
import { type CachegrindCacheGeometry, checkCachegrindCache } from "./geometry.js";

export class CachegrindCache {
  readonly geometry: Readonly<CachegrindCacheGeometry>;
  readonly sets: number;
  readonly assoc: number;
  readonly lineSize: number;
  /** log2(lineSize). */
  readonly lineBits: number;
  /** sets - 1: the set is the low bits of the line number. */
  readonly setMask: number;
  /** lineSize - 1: the offset of a byte in its line. */
  readonly offsetMask: number;
  /** Tags by slot `set * assoc + way`; way 0 is the most recently used. */
  readonly tags: Float64Array;

  constructor(geometry: CachegrindCacheGeometry) {
    const problem = checkCachegrindCache(geometry);
    if (problem !== null) {
      throw new Error(
        `cachegrind cache ${geometry.size},${geometry.assoc},${geometry.lineSize}: ${problem}`,
      );
    }
    this.geometry = { ...geometry };
    this.assoc = geometry.assoc;
    this.lineSize = geometry.lineSize;
    this.sets = geometry.size / geometry.lineSize / geometry.assoc;
    this.lineBits = 31 - Math.clz32(geometry.lineSize);
    this.setMask = this.sets - 1;
    this.offsetMask = geometry.lineSize - 1;
    this.tags = new Float64Array(this.sets * this.assoc);
  }

  /**
   * cachesim_ref_is_miss: look up the `size` bytes at address high:low (1 ≤ size ≤ lineSize;
   * size 0 is taken as 1), updating LRU order; true when a line they touch was missing.
   */
  refIsMiss(high: number, low: number, size: number): boolean {
    const lineBits = this.lineBits;
    // The line number's low 32 bits hold the set; the signed whole is the tag.
    const lineLow = ((low >>> lineBits) | (high << (32 - lineBits))) >>> 0;
    const line = (high >> lineBits) * 4294967296 + lineLow;
    const set = lineLow & this.setMask;
    if ((low & this.offsetMask) + size <= this.lineSize) return this.setRefIsMiss(set, line);
    // Straddles into the next line. Always look up both: the second updates LRU order too.
    const firstMissed = this.setRefIsMiss(set, line);
    const secondMissed = this.setRefIsMiss((set + 1) & this.setMask, line + 1);
    return firstMissed || secondMissed;
  }

  /** cachesim_setref_is_miss: find `tag` in row `set`, make it the MRU; true when it was absent. */
  setRefIsMiss(set: number, tag: number): boolean {
    const tags = this.tags;
    const base = set * this.assoc;
    if (tags[base] === tag) return false;
    const end = base + this.assoc;
    let slot = base + 1;
    while (slot < end && tags[slot] !== tag) slot++;
    const missed = slot === end;
    if (missed) slot = end - 1;
    for (; slot > base; slot--) tags[slot] = tags[slot - 1] as number;
    tags[base] = tag;
    return missed;
  }

  /** Empty the cache: every way back to tag 0, as at start. */
  reset(): void {
    this.tags.fill(0);
  }
}
