/**
 * Frames for a design's tables, from the same allocator as the kernel's page tables: they are
 * FRAME_PAGETABLE frames, so /proc/meminfo's PageTables and nr_page_table_pages count them, and
 * they take memory from everything else.
 *
 * A table of more than 4 KiB takes several frames, allocated one by one (the buddy allocator would
 * hand out one order-N block; the simulation only needs each part's address): entry `i` of a
 * table of 8-byte entries lies in part `i >> 9`. A table of less than 4 KiB takes a whole frame
 * (Linux shares a frame between small tables on some architectures; vmscope does not).
 */
import type { PhysicalMemory } from "../../mm/frames.js";
import type { UserPages } from "../../mm/user_pages.js";
import { PGALLOC_NORMAL } from "../../mm/vmstat.js";
import type { DesignCounters } from "./design.js";

export const FRAME_BYTES = 4096;

/** What a design needs from the machine to allocate its tables. */
export interface DesignContext {
  phys: PhysicalMemory;
  pages: UserPages;
  vmstat: Float64Array;
  /** Cycles to allocate and zero one table page (Timing.tableAllocation). */
  tableAllocationCycles: number;
}

/** Frames a table of `bytes` occupies. */
export function framesFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / FRAME_BYTES));
}

export class TableFrames {
  constructor(
    private readonly context: DesignContext,
    private readonly counters: DesignCounters,
  ) {}

  /**
   * `count` frames for `pid`, or null (nothing kept) when memory runs out. `atomic`: on a TLB
   * miss, where nothing may sleep: straight from the free lists, no reclaim (GFP_ATOMIC); else
   * through the kernel's allocation path (reclaim first when memory is low), as pgd_alloc.
   */
  allocate(count: number, pid: number, atomic: boolean): number[] | null {
    const frames: number[] = [];
    for (let part = 0; part < count; part++) {
      const pfn = atomic ? this.allocateAtomic(pid) : this.context.pages.allocateTable(pid);
      if (pfn < 0) {
        for (const allocated of frames) this.releaseFrame(allocated);
        this.counters.allocationFailures++;
        return null;
      }
      frames.push(pfn);
    }
    this.counters.tablesAllocated += count;
    this.add(count * FRAME_BYTES);
    return frames;
  }

  /** Give a table's frames back. */
  release(frames: readonly number[]): void {
    for (const pfn of frames) this.releaseFrame(pfn);
    this.counters.tablesFreed += frames.length;
    this.add(-frames.length * FRAME_BYTES);
  }

  private allocateAtomic(pid: number): number {
    const pfn = this.context.phys.allocTable(pid);
    if (pfn >= 0) {
      const vmstat = this.context.vmstat;
      vmstat[PGALLOC_NORMAL] = (vmstat[PGALLOC_NORMAL] as number) + 1;
    }
    return pfn;
  }

  private releaseFrame(pfn: number): void {
    this.context.phys.refcount[pfn] = 0;
    this.context.pages.release(pfn);
  }

  private add(bytes: number): void {
    const counters = this.counters;
    counters.tableBytes += bytes;
    if (counters.tableBytes > counters.peakTableBytes)
      counters.peakTableBytes = counters.tableBytes;
  }
}
