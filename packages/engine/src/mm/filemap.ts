/**
 * The page cache's I/O side (mm/filemap.c, mm/readahead.c): finding a file page, reading it and
 * its readahead window from the disk when it is missing, marking pages accessed and dirty, and
 * writing dirty pages back.
 *
 * Simplified: a read request completes at once, so pages are never "locked, under I/O"; an
 * asynchronous readahead costs the reader nothing (the I/O overlaps its work), a synchronous one
 * costs the disk's time for each contiguous run.
 */
import type { BlockDevice } from "../block/disk.js";
import type { AddressSpace } from "./address_space.js";
import {
  FRAME_FILE,
  FRAME_SHMEM,
  PG_ACTIVE,
  PG_DIRTY,
  PG_READAHEAD,
  PG_REFERENCED,
  type PhysicalMemory,
} from "./frames.js";
import {
  asyncReadahead,
  mmapCacheHit,
  type ReadaheadState,
  type ReadaheadWindow,
  readAroundWindow,
  recordRead,
  syncReadahead,
} from "./readahead.js";
import type { UserPages } from "./user_pages.js";
import { PGACTIVATE } from "./vmstat.js";

/** How a file mapping is read (madvise MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL). */
export type ReadAdvice = "normal" | "random" | "sequential";

export class PageCache {
  /** Disk time (ns) the last faultPage or readRange waited for. */
  waitedNs = 0;
  /** Pages the last faultPage or readRange read from the disk. */
  pagesRead = 0;
  /** Write-protects every mapping of a page being cleaned (folio_mkclean), set by the machine. */
  mkclean: (pfn: number) => void = () => {};
  /** The machine's clock in ns, for the inode's dirtied_when. */
  clock: () => number = () => 0;

  constructor(
    private readonly pages: UserPages,
    private readonly phys: PhysicalMemory,
    private readonly vmstat: Float64Array,
    readonly disk: BlockDevice,
    /** ra_pages: the readahead window's maximum (read_ahead_kb / 4). */
    public readaheadPages: number,
  ) {}

  /** find_get_page: the PFN caching page `index` of `space`, or -1. */
  lookup(space: AddressSpace, index: number): number {
    return space.pages.get(index) ?? -1;
  }

  /** A new cache page for `index` holding what the disk holds, without I/O; -1 when out of memory. */
  addPage(space: AddressSpace, index: number, pid: number): number {
    const pfn = this.pages.allocate(space.isShmem ? FRAME_SHMEM : FRAME_FILE, pid);
    if (pfn < 0) return -1;
    const phys = this.phys;
    phys.refcount[pfn] = 1; // the cache's own reference
    phys.pageIndex[pfn] = index;
    phys.mapping[pfn] = space;
    phys.stamp[pfn] = space.diskStamps.get(index) ?? 0;
    space.pages.set(index, pfn);
    return pfn;
  }

  /** Drop a clean, unmapped page from the cache (reclaim, truncation) and free it. */
  removePage(pfn: number): void {
    const space = this.phys.mapping[pfn];
    if (space === null || space === undefined) return;
    if ((this.phys.flags[pfn] as number) & PG_DIRTY) space.dirtyPages--;
    space.pages.delete(this.phys.pageIndex[pfn] as number);
    this.phys.refcount[pfn] = (this.phys.refcount[pfn] as number) - 1;
    if (this.phys.refcount[pfn] === 0) this.pages.release(pfn);
  }

  /**
   * filemap_fault's lookup for a fault on page `index` of a file mapping: a cached page is a
   * minor fault (and may start the next asynchronous window); a missing one is read with its
   * read-around or readahead window, and the fault is major. Returns the PFN or -1.
   */
  faultPage(
    space: AddressSpace,
    ra: ReadaheadState,
    advice: ReadAdvice,
    index: number,
    pid: number,
  ): number {
    this.waitedNs = 0;
    this.pagesRead = 0;
    const cached = this.lookup(space, index);
    if (cached >= 0) {
      mmapCacheHit(ra);
      if (advice !== "random") {
        this.maybeAsyncReadahead(space, ra, cached, index, this.readaheadPages, pid);
      }
      return cached;
    }
    let window: ReadaheadWindow;
    if (advice === "random" || this.readaheadPages === 0) {
      window = { start: index, size: 1, asyncSize: 0 };
    } else if (advice === "sequential") {
      window = syncReadahead(ra, index, this.readaheadPages, this.readaheadPages, space.pages);
    } else {
      window = readAroundWindow(ra, index, this.readaheadPages);
    }
    return this.readAndFind(space, window, index, pid);
  }

  /**
   * The cache pages behind a read(2) of pages [first, first + count): each missing page starts a
   * synchronous readahead, each PG_readahead page an asynchronous one; every page read is marked
   * accessed. Returns false when memory ran out. Sets waitedNs and pagesRead.
   */
  readRange(
    space: AddressSpace,
    ra: ReadaheadState,
    first: number,
    count: number,
    pid: number,
  ): boolean {
    this.waitedNs = 0;
    this.pagesRead = 0;
    for (let index = first; index < first + count; index++) {
      let pfn = this.lookup(space, index);
      if (pfn < 0) {
        const request = first + count - index;
        const window = syncReadahead(ra, index, request, this.readaheadPages, space.pages);
        pfn = this.readAndFind(space, window, index, pid);
        if (pfn < 0) return false;
      } else {
        this.maybeAsyncReadahead(space, ra, pfn, index, first + count - index, pid);
      }
      recordRead(ra, index, 1);
      this.markAccessed(pfn);
    }
    return true;
  }

  /** page_cache_async_ra: the reader reached the PG_readahead page, so read the next window now. */
  private maybeAsyncReadahead(
    space: AddressSpace,
    ra: ReadaheadState,
    pfn: number,
    index: number,
    requestPages: number,
    pid: number,
  ): void {
    const flags = this.phys.flags[pfn] as number;
    if (!(flags & PG_READAHEAD)) return;
    this.phys.flags[pfn] = flags & ~PG_READAHEAD;
    const window = asyncReadahead(ra, index, requestPages, this.readaheadPages, space.pages);
    const waited = this.waitedNs;
    this.readWindow(space, window, pid, index);
    this.waitedNs = waited; // asynchronous: the reader does not wait for it
  }

  /** Read `window` and return the page at `index`, reading it alone if the window lost it. */
  private readAndFind(
    space: AddressSpace,
    window: ReadaheadWindow,
    index: number,
    pid: number,
  ): number {
    this.readWindow(space, window, pid, index);
    let pfn = this.lookup(space, index);
    if (pfn < 0) {
      pfn = this.addPage(space, index, pid);
      if (pfn < 0) return -1;
      this.waitedNs += this.disk.read(1);
      this.pagesRead++;
    }
    return pfn;
  }

  /**
   * Bring the window's pages (cut at end of file) into the cache, one disk request per run of
   * missing pages, and mark the page where the next asynchronous readahead starts.
   */
  private readWindow(
    space: AddressSpace,
    window: ReadaheadWindow,
    pid: number,
    wanted: number,
  ): void {
    const end = Math.min(window.start + window.size, space.sizeInPages);
    const missing: number[] = [];
    for (let index = Math.max(0, window.start); index < end; index++) {
      if (space.pages.has(index)) continue;
      if (this.addPage(space, index, pid) < 0) break;
      missing.push(index);
    }
    if (missing.length > 0) this.waitedNs += this.disk.readRuns(missing);
    this.pagesRead += missing.length;
    if (window.asyncSize > 0) {
      const marked = window.start + window.size - window.asyncSize;
      const pfn = this.lookup(space, marked);
      if (pfn >= 0 && marked !== wanted) {
        this.phys.flags[pfn] = (this.phys.flags[pfn] as number) | PG_READAHEAD;
      }
    }
  }

  /**
   * force_page_cache_readahead for MADV_WILLNEED: read pages [from, to) that are missing (cut
   * at end of file), without anyone waiting. Returns the disk time.
   */
  prefetch(space: AddressSpace, from: number, to: number, pid: number): number {
    const saved = this.waitedNs;
    this.waitedNs = 0;
    this.readWindow(space, { start: from, size: to - from, asyncSize: 0 }, pid, -1);
    const ns = this.waitedNs;
    this.waitedNs = saved;
    return ns;
  }

  /**
   * folio_mark_accessed: a first use sets PG_referenced; a second promotes an inactive page to
   * the active list. `write`: the use was write(2) (told to a `machine policy=` policy).
   */
  markAccessed(pfn: number, write = false): void {
    if (this.pages.order !== null) this.pages.order.referenced(pfn, write);
    const flags = this.phys.flags[pfn] as number;
    if (!(flags & PG_REFERENCED)) {
      this.phys.flags[pfn] = flags | PG_REFERENCED;
    } else if (!(flags & PG_ACTIVE) && this.pages.lru.isOnList(pfn)) {
      this.phys.flags[pfn] = (flags | PG_ACTIVE) & ~PG_REFERENCED;
      this.pages.relist(pfn);
      this.vmstat[PGACTIVATE] = (this.vmstat[PGACTIVATE] as number) + 1;
    }
  }

  /** folio_mark_dirty for a page-cache page; the inode remembers when it first got dirty. */
  markDirty(pfn: number): void {
    const flags = this.phys.flags[pfn] as number;
    if (flags & PG_DIRTY) return;
    this.phys.flags[pfn] = flags | PG_DIRTY;
    const space = this.phys.mapping[pfn];
    if (space === null || space === undefined) return;
    space.dirtyPages++;
    if (space.dirtiedAtNs < 0) space.dirtiedAtNs = this.clock();
  }

  /**
   * Write one dirty page to the disk now (pageout from reclaim): the disk keeps its stamp.
   * Returns the disk time.
   */
  writePage(pfn: number): number {
    const space = this.phys.mapping[pfn] as AddressSpace;
    const index = this.phys.pageIndex[pfn] as number;
    this.clean(space, pfn, index);
    return this.disk.write(1);
  }

  /**
   * Write back every dirty page of `space` (fsync, the flusher): one request per run of
   * consecutive pages; the mappings are write-protected so the next store dirties the page
   * again. Returns the disk time.
   */
  writeback(space: AddressSpace): number {
    if (space.dirtyPages === 0) return 0;
    const dirty: number[] = [];
    for (const [index, pfn] of space.pages) {
      if ((this.phys.flags[pfn] as number) & PG_DIRTY) dirty.push(index);
    }
    dirty.sort((a, b) => a - b);
    for (const index of dirty) this.clean(space, space.pages.get(index) as number, index);
    space.dirtiedAtNs = -1;
    return this.disk.writeRuns(dirty);
  }

  private clean(space: AddressSpace, pfn: number, index: number): void {
    this.mkclean(pfn);
    this.phys.flags[pfn] = (this.phys.flags[pfn] as number) & ~PG_DIRTY;
    space.dirtyPages--;
    if (space.dirtyPages === 0) space.dirtiedAtNs = -1;
    space.diskStamps.set(index, this.phys.stamp[pfn] as number);
  }
}
