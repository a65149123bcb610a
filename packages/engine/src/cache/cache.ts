/**
 * One level of CPU cache: set-associative, physically indexed, write-back and write-allocate.
 *
 * The cache works on line numbers (physical address / line size). A line's set is its low bits
 * (`line % sets`); what the set stores is the whole line number, which holds the tag
 * (`floor(line / sets)`) and the set together, so a lookup compares one number.
 *
 * State is a struct of typed arrays indexed by `slot = set * ways + way`. Replacement is true LRU
 * by default, kept natively and without stamps: each set is held in recency order, way 0 the line
 * used last, so a hit on it costs two array reads, a hit deeper in the set moves the lines above
 * it down one, and a fill puts the new line at way 0 and pushes the last one out. Any policy of
 * the registry (policy/registry.ts) can order the ways instead: one policy instance per set, with
 * the ways as its slots, and lines staying in the way they were filled into.
 *
 * Lines are never invalidated by the simulation (physical caches keep a freed frame's lines; the
 * data would be overwritten when the frame is reused), except by `drop`, a clflush for tests.
 */
import type { Access, ReplacementPolicy } from "../policy/policy.js";
import { resolvePolicy } from "../policy/registry.js";

/** Geometry and latency of one level. */
export interface CacheLevelConfig {
  /** Capacity in bytes. */
  sizeBytes: number;
  ways: number;
  /** Load-to-use latency, in cycles, of an access this level serves. */
  latency: number;
}

/** The policy the default, native replacement follows. */
export const NATIVE_LRU = "lru";

const TWO_POW_32 = 4294967296;

/** The set count of a level, or an explanation of why the geometry cannot be built. */
export function cacheSets(level: CacheLevelConfig, lineBytes: number): number | string {
  const { sizeBytes, ways } = level;
  if (!Number.isInteger(ways) || ways < 1 || ways > 1024) {
    return `ways must be a whole number from 1 to 1024, not ${ways}`;
  }
  if (!Number.isInteger(sizeBytes) || sizeBytes < lineBytes * ways) {
    return `a ${sizeBytes}-byte cache cannot hold ${ways} ways of ${lineBytes}-byte lines`;
  }
  const sets = sizeBytes / (lineBytes * ways);
  if (!Number.isInteger(sets)) {
    return `size ${sizeBytes} is not a whole number of sets of ${ways} ${lineBytes}-byte lines`;
  }
  return sets;
}

export class CpuCache {
  readonly name: string;
  readonly sizeBytes: number;
  readonly sets: number;
  readonly ways: number;
  readonly lineBytes: number;
  readonly latency: number;
  /** The replacement policy's spec (`lru` is the native one). */
  readonly policy: string;
  /** `sets - 1` when the set count is a power of two (the index is a mask), else -1 (a modulo). */
  private readonly setMask: number;

  /**
   * Line number held by each slot; -1 in an empty slot. Float64: line numbers pass 2^32.
   * Native LRU keeps each set in recency order, way 0 the most recently used; under a registry
   * policy a line stays in the way it was filled into.
   */
  readonly lines: Float64Array;
  /** 1 when the slot's line was written since it was filled. */
  readonly dirty: Uint8Array;

  /** Demand lookups that found their line, and those that did not. */
  hits = 0;
  misses = 0;
  /** Dirty lines evicted, written to the level below. */
  writebacks = 0;

  private clock = 0;
  /** One policy per set when the policy is not the native LRU, else null. */
  private readonly policies: ReplacementPolicy[] | null;
  /** The reference handed to a policy, reused for every call (no allocation per access). */
  private readonly reference: Access = {
    time: 0,
    keyHigh: 0,
    keyLow: 0,
    nextUse: Number.POSITIVE_INFINITY,
    write: false,
  };

  constructor(name: string, level: CacheLevelConfig, lineBytes: number, policy = NATIVE_LRU) {
    const sets = cacheSets(level, lineBytes);
    if (typeof sets === "string") throw new Error(`${name}: ${sets}`);
    this.name = name;
    this.sizeBytes = level.sizeBytes;
    this.sets = sets;
    this.ways = level.ways;
    this.lineBytes = lineBytes;
    this.latency = level.latency;
    this.policy = policy;
    this.setMask = (sets & (sets - 1)) === 0 && sets <= 2 ** 30 ? sets - 1 : -1;
    const slots = sets * level.ways;
    this.lines = new Float64Array(slots).fill(-1);
    this.dirty = new Uint8Array(slots);
    this.policies = policy === NATIVE_LRU ? null : createPolicies(policy, sets, level.ways);
  }

  /**
   * The set of a line: its low bits. `&` keeps the low 32 bits of any line number below 2^53
   * exactly, so the mask is right for any physical address; other set counts take a modulo.
   * @example new CpuCache("L1d", { sizeBytes: 32768, ways: 8, latency: 4 }, 64).setIndex(0x12345) // 0x05
   */
  setIndex(line: number): number {
    return this.setMask >= 0 ? line & this.setMask : line % this.sets;
  }

  /**
   * The tag a line is stored under in its set: the line number above the set bits.
   * @example new CpuCache("L1d", { sizeBytes: 32768, ways: 8, latency: 4 }, 64).tag(0x12345) // 0x48d
   */
  tag(line: number): number {
    return Math.floor(line / this.sets);
  }

  /**
   * Hot path: a demand access to `line`. A hit makes it the set's most recently used line (and
   * dirty for a write) and returns true; a miss only counts (the hierarchy fills the line).
   * Native LRU checks way 0, the line used last, first: a repeated hit is two array reads.
   */
  lookup(line: number, write: boolean): boolean {
    const base = (this.setMask >= 0 ? line & this.setMask : line % this.sets) * this.ways;
    if (this.lines[base] === line && this.policies === null) {
      this.hits++;
      if (write) this.dirty[base] = 1;
      return true;
    }
    return this.lookupDeeper(base, line, write);
  }

  /**
   * The hit path of the hit path: true (and counted as a hit) when `line` is the one its set
   * used last; false, counting nothing, otherwise (then call lookup). Native LRU only.
   */
  hitsMostRecent(line: number, write: boolean): boolean {
    const base = (this.setMask >= 0 ? line & this.setMask : line % this.sets) * this.ways;
    if (this.lines[base] !== line || this.policies !== null) return false;
    this.hits++;
    if (write) this.dirty[base] = 1;
    return true;
  }

  /** The rest of the set; a native-LRU hit moves its line to way 0, the others down one. */
  private lookupDeeper(base: number, line: number, write: boolean): boolean {
    const lines = this.lines;
    const dirty = this.dirty;
    const end = base + this.ways;
    const policies = this.policies;
    for (let slot = policies === null ? base + 1 : base; slot < end; slot++) {
      if (lines[slot] !== line) continue;
      this.hits++;
      if (policies !== null) {
        if (write) dirty[slot] = 1;
        const set = base / this.ways;
        (policies[set] as ReplacementPolicy).onHit(slot - base, this.referenceTo(line, write));
        return true;
      }
      const wasDirty = write ? 1 : (dirty[slot] as number);
      for (let move = slot; move > base; move--) {
        lines[move] = lines[move - 1] as number;
        dirty[move] = dirty[move - 1] as number;
      }
      lines[base] = line;
      dirty[base] = wasDirty;
      return true;
    }
    this.misses++;
    return false;
  }

  /** The slot holding `line`, or -1; changes nothing (for views and inspection). */
  find(line: number): number {
    const base = this.setIndex(line) * this.ways;
    const end = base + this.ways;
    for (let slot = base; slot < end; slot++) if (this.lines[slot] === line) return slot;
    return -1;
  }

  /**
   * Put `line` (not already present) into its set. Native LRU: at way 0, the others move down
   * one and the last (least recently used, or empty) falls out. A registry policy: the lowest
   * empty way, else its victim. Returns the victim's line number when it was dirty (the caller
   * writes it to the level below; counted in `writebacks`), else -1.
   */
  fill(line: number, dirty: boolean): number {
    const base = this.setIndex(line) * this.ways;
    const lines = this.lines;
    const dirtyBits = this.dirty;
    let slot = base;
    if (this.policies === null) {
      const last = base + this.ways - 1;
      const victim = lines[last] as number;
      const dirtyVictim = victim >= 0 && dirtyBits[last] === 1 ? victim : -1;
      for (let move = last; move > base; move--) {
        lines[move] = lines[move - 1] as number;
        dirtyBits[move] = dirtyBits[move - 1] as number;
      }
      lines[base] = line;
      dirtyBits[base] = dirty ? 1 : 0;
      if (dirtyVictim >= 0) this.writebacks++;
      return dirtyVictim;
    }
    slot = base + this.policyWay(base, line, dirty);
    const victim = lines[slot] as number;
    const dirtyVictim = victim >= 0 && dirtyBits[slot] === 1 ? victim : -1;
    if (dirtyVictim >= 0) this.writebacks++;
    lines[slot] = line;
    dirtyBits[slot] = dirty ? 1 : 0;
    return dirtyVictim;
  }

  /** Mark `line` dirty if present (a write that is not a demand access); whether it was there. */
  markDirty(line: number): boolean {
    const slot = this.find(line);
    if (slot < 0) return false;
    this.dirty[slot] = 1;
    return true;
  }

  /**
   * clflush: drop `line` without writing it back. Returns whether it was present. Only tests
   * and experiments call this; the simulated kernel never flushes caches.
   */
  drop(line: number): boolean {
    const slot = this.find(line);
    if (slot < 0) return false;
    const set = this.setIndex(line);
    const base = set * this.ways;
    if (this.policies === null) {
      // Keep the recency order of the others: move the older lines up one.
      const last = base + this.ways - 1;
      for (let move = slot; move < last; move++) {
        this.lines[move] = this.lines[move + 1] as number;
        this.dirty[move] = this.dirty[move + 1] as number;
      }
      this.lines[last] = -1;
      this.dirty[last] = 0;
    } else {
      this.lines[slot] = -1;
      this.dirty[slot] = 0;
      this.policies[set]?.remove(slot - base);
    }
    return true;
  }

  /** Lines held (for views). */
  validLines(): number {
    let count = 0;
    for (const line of this.lines) if (line >= 0) count++;
    return count;
  }

  /** Zero the counters; the lines stay. */
  resetCounters(): void {
    this.hits = 0;
    this.misses = 0;
    this.writebacks = 0;
  }

  /** Under a registry policy, the way a fill takes: the lowest empty one, else the victim. */
  private policyWay(base: number, line: number, dirty: boolean): number {
    const policy = (this.policies as ReplacementPolicy[])[base / this.ways] as ReplacementPolicy;
    const reference = this.referenceTo(line, dirty);
    for (let way = 0; way < this.ways; way++) {
      if ((this.lines[base + way] as number) < 0) {
        policy.onInsert(way, reference);
        return way;
      }
    }
    const way = policy.evict(reference);
    policy.onInsert(way, reference);
    return way;
  }

  private referenceTo(line: number, write: boolean): Access {
    const reference = this.reference;
    reference.time = ++this.clock;
    reference.keyHigh = Math.floor(line / TWO_POW_32);
    reference.keyLow = line >>> 0;
    reference.write = write;
    return reference;
  }
}

/** One instance of the policy `spec` per set. Throws PolicySpecError for a bad spec. */
function createPolicies(spec: string, sets: number, ways: number): ReplacementPolicy[] {
  const { definition, params } = resolvePolicy(spec);
  if (definition.needsFuture) {
    throw new Error(`cache policy ${definition.name} needs the future, which a cache cannot see`);
  }
  const policies: ReplacementPolicy[] = [];
  for (let set = 0; set < sets; set++) {
    policies.push(definition.create({ capacity: ways, seed: set + 1, knowsFuture: false }, params));
  }
  return policies;
}
