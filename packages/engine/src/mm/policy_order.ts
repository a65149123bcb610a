/**
 * `machine policy=NAME`: a replacement policy from the registry decides which page reclaim takes,
 * in place of the kernel's active and inactive lists, so a course can watch FIFO, LRU or Clock
 * run a whole machine. Not Linux: the kernel never sees each reference, only the accessed bits.
 *
 * The policy's slots are page frames. A page joins it when it is allocated as an anonymous or
 * page-cache page (it would join an LRU list) and leaves it when freed. It sees every reference,
 * as the trace simulator feeds it: each load, store or fetch that reaches the page (from the
 * CPU's reference hook) and each read(2) or write(2) that copies it. The reference that faulted a
 * page in is its insertion, not a hit, as in the trace simulator, where a miss is no hit.
 */
import type { PageReferenceHook } from "../arch/x86/mmu.js";
import type { Access, ReplacementPolicy } from "../policy/policy.js";
import { resolvePolicy } from "../policy/registry.js";

/** Policies that draw random numbers use this seed, so runs repeat. */
export const MACHINE_POLICY_SEED = 1;

export class PolicyPageOrder implements PageReferenceHook {
  readonly policy: ReplacementPolicy;
  /** Pages the policy holds. */
  resident = 0;
  /** Whether each frame is in the policy. */
  private readonly tracked: Uint8Array;
  /** The reference count at which each frame joined the policy (-1: never). */
  private readonly insertedAt: Float64Array;
  /** References so far; the next one's number. */
  private time = 0;
  /** The one Access object handed to the policy, reused (no allocation per reference). */
  private readonly access: Access = {
    time: 0,
    keyHigh: 0,
    keyLow: 0,
    nextUse: Number.POSITIVE_INFINITY,
    write: false,
  };

  /** `spec` is `name[:key=value,...]`, already checked by the machine's configuration. */
  constructor(
    readonly spec: string,
    totalFrames: number,
  ) {
    const { definition, params } = resolvePolicy(spec);
    this.policy = definition.create(
      { capacity: totalFrames, seed: MACHINE_POLICY_SEED, knowsFuture: false },
      params,
    );
    this.tracked = new Uint8Array(totalFrames);
    this.insertedAt = new Float64Array(totalFrames).fill(-1);
  }

  /** Whether the policy holds the page in `pfn`. */
  holds(pfn: number): boolean {
    return this.tracked[pfn] === 1;
  }

  /** A page joined the LRU (lru_cache_add): the policy takes it as a newly loaded key. */
  insert(pfn: number): void {
    if (this.tracked[pfn] === 1) return;
    this.tracked[pfn] = 1;
    this.resident++;
    this.insertedAt[pfn] = this.time;
    this.policy.onInsert(pfn, this.describe(pfn, false));
  }

  /** A page was freed: the policy forgets it. */
  remove(pfn: number): void {
    if (this.tracked[pfn] === 0) return;
    this.tracked[pfn] = 0;
    this.resident--;
    this.policy.remove(pfn);
  }

  /** One reference to the page in `pfn` (a hit, unless this reference faulted it in). */
  referenced(pfn: number, write: boolean): void {
    const time = this.time;
    if (this.tracked[pfn] === 1 && this.insertedAt[pfn] !== time) {
      this.policy.onHit(pfn, this.describe(pfn, write));
    }
    this.time = time + 1;
  }

  /** The page the policy would reclaim next, without changing anything; -1 when it holds none. */
  peekVictim(): number {
    if (this.resident === 0) return -1;
    return this.policy.peekVictim(this.describe(0, false));
  }

  /** Take the policy's victim out of it and return its frame; -1 when it holds none. */
  evict(): number {
    if (this.resident === 0) return -1;
    const pfn = this.policy.evict(this.describe(0, false));
    this.tracked[pfn] = 0;
    this.resident--;
    return pfn;
  }

  private describe(pfn: number, write: boolean): Access {
    const access = this.access;
    access.time = this.time;
    access.keyLow = pfn;
    access.write = write;
    return access;
  }
}
