/**
 * Where user pages come from and go back to: every anonymous, page-cache and page-table page is
 * allocated here, so that watermarks, reclaim and the LRU lists see every one of them.
 */
import { FRAME_ANON, FRAME_FILE, PG_ACTIVE, type PhysicalMemory } from "./frames.js";
import { type LruLists, lruListOf } from "./lru.js";
import type { PolicyPageOrder } from "./policy_order.js";
import { PGALLOC_NORMAL, PGFREE } from "./vmstat.js";

/** Decides whether an allocation may proceed, reclaiming or OOM-killing first (the slow path). */
export interface AllocationGate {
  /** Make room for one page; false when the allocation must fail. */
  beforeAllocate(): boolean;
  /**
   * Whether `frames` contiguous frames may be taken without reclaim (a THP allocation, which here
   * never stalls: it falls back to 4 KiB pages instead). Absent: always.
   */
  allowsBlock?(frames: number): boolean;
}

/** A gate that lets every allocation through while frames are left (before reclaim is wired). */
export const OPEN_GATE: AllocationGate = { beforeAllocate: () => true };

export class UserPages {
  gate: AllocationGate = OPEN_GATE;
  /** With `machine policy=NAME`, the policy that orders the pages on the lists (else null). */
  order: PolicyPageOrder | null = null;

  constructor(
    readonly phys: PhysicalMemory,
    readonly lru: LruLists,
    private readonly vmstat: Float64Array,
  ) {}

  /**
   * One page of `kind` for `pid`, or -1. Anonymous and file pages join the head of their
   * inactive list (lru_cache_add); shmem pages stay off the lists (see docs: not reclaimed).
   */
  allocate(kind: number, pid: number): number {
    if (!this.gate.beforeAllocate()) return -1;
    const pfn = this.phys.allocFrame(kind, pid);
    if (pfn < 0) return -1;
    this.count(PGALLOC_NORMAL);
    if (kind === FRAME_ANON || kind === FRAME_FILE) {
      this.lru.addHead(pfn, lruListOf(kind === FRAME_FILE, false));
      if (this.order !== null) this.order.insert(pfn);
    }
    return pfn;
  }

  /**
   * 2^order contiguous anonymous frames for `pid` (a transparent huge page), or -1 when the
   * buddy allocator has no such block or taking it would cross the low watermark. Every frame
   * joins the inactive anonymous list on its own (Linux keeps one LRU entry per folio).
   */
  allocateBlock(order: number, pid: number): number {
    const frames = 1 << order;
    if (this.gate.allowsBlock !== undefined && !this.gate.allowsBlock(frames)) return -1;
    const head = this.phys.allocFrames(order, FRAME_ANON, pid);
    if (head < 0) return -1;
    this.vmstat[PGALLOC_NORMAL] = (this.vmstat[PGALLOC_NORMAL] as number) + frames;
    for (let pfn = head; pfn < head + frames; pfn++) {
      this.lru.addHead(pfn, lruListOf(false, false));
      if (this.order !== null) this.order.insert(pfn);
    }
    return head;
  }

  /** A zeroed page-table page, or -1. */
  allocateTable(pid: number): number {
    if (!this.gate.beforeAllocate()) return -1;
    const pfn = this.phys.allocTable(pid);
    if (pfn >= 0) this.count(PGALLOC_NORMAL);
    return pfn;
  }

  /** Return a page nobody references to the free lists. */
  release(pfn: number): void {
    this.lru.remove(pfn);
    if (this.order !== null) this.order.remove(pfn);
    this.phys.freeFrame(pfn);
    this.count(PGFREE);
  }

  /** Move a page to the head of the list its type and PG_active say (after a flag change). */
  relist(pfn: number): void {
    if (!this.lru.isOnList(pfn)) return;
    const file = this.phys.kind[pfn] === FRAME_FILE;
    const active = ((this.phys.flags[pfn] as number) & PG_ACTIVE) !== 0;
    this.lru.moveToHead(pfn, lruListOf(file, active));
  }

  private count(counter: number): void {
    this.vmstat[counter] = (this.vmstat[counter] as number) + 1;
  }
}
