/**
 * File readahead window arithmetic, in 4 KiB pages: a model of Linux's mm/readahead.c
 * ("on-demand readahead") and of the mmap read-around in mm/filemap.c's do_sync_mmap_readahead().
 *
 * This module only decides *which* pages to bring in. The caller owns the page cache and the disk:
 * it reads the pages of the returned window that are not cached yet (clipping at end of file, as
 * the kernel's do_page_cache_ra() does), and when `asyncSize > 0` it marks page
 * `start + size - asyncSize` with PG_readahead if that page was newly brought in. A later read
 * that lands on the marked page clears the mark and calls asyncReadahead(), which is how a
 * sequential reader keeps the next window in flight before it runs out of cached pages.
 *
 * The window (the kernel's file_ra_state) describes the most recent readahead:
 *
 *     |<------------------ size ------------------>|
 *     |====================#=======================|
 *     ^start               ^PG_readahead mark       (the last asyncSize pages are the async part)
 *
 * Which kernel: the ondemand_readahead() of v5.18 to v6.9, with every folio one page (order 0).
 * Later kernels reshuffled the code; what changes in numbers, and what is left out:
 * - v6.10 split ondemand_readahead() into page_cache_sync_ra() and page_cache_async_ra(). Since
 *   then a cache *miss* exactly at the end of the window (or at its mark) is no longer ramped up
 *   as a continuation: it goes through the prev_pos test and restarts at the initial size. The
 *   "readit" merge (see mergeOwnMarkHit) became `async = size / 2`, which gives the same numbers
 *   for every initial window.
 * - v6.16-ish kernels round the end of an async window down to a multiple of 4 pages (large-folio
 *   alignment). Windows starting on a 4-page boundary, like every window of a reader that started
 *   at page 0 with the default 32-page maximum, are unaffected.
 * - A request larger than maxPages may raise the maximum up to the device's optimal I/O size
 *   (ractl_max_pages(), bdi->io_pages); here the maximum is always maxPages.
 * - Not modelled: POSIX_FADV_RANDOM's forced reads, blk-cgroup congestion, large folios, and the
 *   VM_HUGEPAGE / VM_EXEC variants of read-around.
 * - The page cache probes the kernel makes (page_cache_prev_miss(), page_cache_next_miss()) need
 *   to know which pages are cached; callers pass that as the optional `cached` argument. Without
 *   it those two branches behave as if the probe found nothing useful.
 */

/** Read-around stops once a mapping has missed this many more times than it hit (mm/filemap.c). */
export const MMAP_LOTSAMISS = 100;

/** The default readahead maximum: read_ahead_kb = 128 (VM_READAHEAD_PAGES), 32 pages of 4 KiB. */
export const DEFAULT_READAHEAD_PAGES = 32;

/**
 * mmap_miss stops counting here (do_sync_mmap_readahead() only increments below
 * MMAP_LOTSAMISS * 10), so that a run of hits can bring read-around back in bounded time.
 */
const MMAP_MISS_CEILING = MMAP_LOTSAMISS * 10;

/** file_ra_state: the readahead window of one open file (or of a file mapping), in pages. */
export interface ReadaheadState {
  start: number;
  size: number;
  asyncSize: number;
  /** index of the last page read, -1 before any */
  prevIndex: number;
  /** mmap_miss counter for read-around */
  mmapMiss: number;
}

export interface ReadaheadWindow {
  start: number;
  size: number;
  asyncSize: number;
}

/** Which pages the page cache holds, for the kernel's page cache probes. A Set<number> fits. */
export interface CachedPages {
  has(index: number): boolean;
}

/** file_ra_state_init(): an empty window, and no previous read (prev_pos = -1). */
export function newReadaheadState(): ReadaheadState {
  return { start: 0, size: 0, asyncSize: 0, prevIndex: -1, mmapMiss: 0 };
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

function requireRequest(index: number, requestPages: number, maxPages: number): void {
  requireInteger("index", index, 0);
  requireInteger("requestPages", requestPages, 1);
  requireInteger("maxPages", maxPages, 0);
}

/** roundup_pow_of_two() for n >= 1. */
function roundUpToPowerOfTwo(n: number): number {
  let power = 1;
  while (power < n) power *= 2;
  return power;
}

/**
 * get_init_ra_size(): the first window of a stream. The request is rounded up to a power of two,
 * then quadrupled when small, doubled when medium, and capped at the maximum otherwise. With the
 * default 32-page maximum: 1-2 pages -> 4, 3-4 -> 8, 5-8 -> 16, more -> 32.
 */
export function initialWindow(requestPages: number, maxPages: number): number {
  requireInteger("requestPages", requestPages, 1);
  requireInteger("maxPages", maxPages, 0);
  const rounded = roundUpToPowerOfTwo(requestPages);
  if (rounded <= Math.floor(maxPages / 32)) return rounded * 4;
  if (rounded <= Math.floor(maxPages / 4)) return rounded * 2;
  return maxPages;
}

/**
 * get_next_ra_size(): ramp a stream's window up: x4 while tiny, x2 up to half the maximum, then
 * the maximum. Fast at first so that a sequential reader soon gets big I/Os.
 */
export function nextWindow(currentSize: number, maxPages: number): number {
  requireInteger("currentSize", currentSize, 0);
  requireInteger("maxPages", maxPages, 0);
  if (currentSize < Math.floor(maxPages / 16)) return currentSize * 4;
  if (currentSize <= Math.floor(maxPages / 2)) return currentSize * 2;
  return maxPages;
}

/**
 * filemap_read()'s `ra->prev_pos = last_pos`: remember where a read(2) ended, so that the next
 * miss can tell a sequential reader from a random one. syncReadahead() and asyncReadahead() do
 * this themselves; call it for reads that were served from the cache without either.
 *
 * The kernel keeps the byte just past the read, so after a page-aligned read its prev_index is
 * the page after the last one read: a reader that skips exactly one page still counts as
 * sequential there, and one that re-reads its last page does not. We keep the page holding the
 * last byte instead, the rule the kernel's own comment describes ("trivial case:
 * index - prev_index == 1, unaligned reads: == 0"). Both agree on a reader that moves on to the
 * next page, and on unaligned reads.
 */
export function recordRead(state: ReadaheadState, index: number, requestPages: number): void {
  state.prevIndex = index + requestPages - 1;
}

function windowOf(state: ReadaheadState): ReadaheadWindow {
  return { start: state.start, size: state.size, asyncSize: state.asyncSize };
}

/** Read exactly these pages, with no mark and without touching the stream's window. */
function exactly(index: number, pages: number): ReadaheadWindow {
  return { start: index, size: pages, asyncSize: 0 };
}

/**
 * The "readit" step of ondemand_readahead(): a window that starts at the page being read and is
 * async in full would have its mark on that very page, so the read would trigger the next
 * readahead at once. The kernel does that next step now and merges it into this window.
 */
function mergeOwnMarkHit(state: ReadaheadState, index: number, maxPages: number): ReadaheadWindow {
  if (index === state.start && state.size === state.asyncSize) {
    const added = nextWindow(state.size, maxPages);
    if (state.size + added <= maxPages) {
      state.asyncSize = added;
      state.size += added;
    } else {
      state.size = maxPages;
      state.asyncSize = Math.floor(maxPages / 2);
    }
  }
  return windowOf(state);
}

/**
 * ondemand_readahead()'s initial_readahead: a new stream at `index`. The pages beyond the request
 * are the async part, so the mark sits just past what the reader asked for.
 */
function startStream(
  state: ReadaheadState,
  index: number,
  requestPages: number,
  maxPages: number,
): ReadaheadWindow {
  state.start = index;
  state.size = initialWindow(requestPages, maxPages);
  state.asyncSize = state.size > requestPages ? state.size - requestPages : state.size;
  return mergeOwnMarkHit(state, index, maxPages);
}

/**
 * The reader arrived where the stream expected it: at the window's mark, or just past the window
 * (the mark itself was never set or got evicted).
 */
function continuesStream(state: ReadaheadState, index: number): boolean {
  const markIndex = state.start + state.size - state.asyncSize;
  return index === markIndex || index === state.start + state.size;
}

/** Push the window forward past itself and ramp it up; all of it is async. */
function advanceStream(state: ReadaheadState, index: number, maxPages: number): ReadaheadWindow {
  state.start += state.size;
  state.size = nextWindow(state.size, maxPages);
  state.asyncSize = state.size;
  return mergeOwnMarkHit(state, index, maxPages);
}

/** The "sequential cache miss" test: the same page as the previous read's end, or the next one. */
function followsPreviousRead(state: ReadaheadState, index: number): boolean {
  return index === state.prevIndex || index === state.prevIndex + 1;
}

/**
 * count_history_pages(): how many pages right before `index` are cached, looking back at most
 * maxPages (page_cache_prev_miss()). Equal to `index` when everything from page 0 is cached.
 */
function cachedRunBefore(cached: CachedPages, index: number, maxPages: number): number {
  let run = 0;
  while (run < maxPages && index - 1 - run >= 0 && cached.has(index - 1 - run)) run++;
  return run;
}

/**
 * try_context_readahead(): no stream state matches, but the cache holds a run of pages just
 * before `index` longer than the request, the trace a sequential reader leaves behind (e.g. two
 * streams interleaved on one file). Size the window from that history; a history reaching back
 * to page 0 suggests a whole-file read and counts double.
 */
function resumeFromHistory(
  state: ReadaheadState,
  index: number,
  requestPages: number,
  maxPages: number,
  history: number,
): ReadaheadWindow {
  const estimate = history >= index ? history * 2 : history;
  state.start = index;
  state.size = Math.min(estimate + requestPages, maxPages);
  state.asyncSize = 1;
  return mergeOwnMarkHit(state, index, maxPages);
}

/**
 * page_cache_next_miss(index + 1, maxPages): the first uncached page after `index`, looking at
 * most maxPages ahead; index + maxPages + 1 when all of those are cached.
 */
function firstUncachedAfter(cached: CachedPages, index: number, maxPages: number): number {
  for (let page = index + 1; page <= index + maxPages; page++) {
    if (!cached.has(page)) return page;
  }
  return index + maxPages + 1;
}

/**
 * A marked page whose window is not the one in `state` (interleaved streams on one file): the
 * cached run after the mark is taken to be the old window's async part, and the new window starts
 * where that run ends, sized from the old one plus the request. Without a cache probe we cannot
 * find the old window, and read nothing, as the kernel does when the probe fails.
 */
function resumeFromMark(
  state: ReadaheadState,
  index: number,
  requestPages: number,
  maxPages: number,
  cached: CachedPages | undefined,
): ReadaheadWindow {
  if (cached === undefined) return exactly(index, 0);
  let start = firstUncachedAfter(cached, index, maxPages);
  // Nothing missing in range: the kernel steps back onto the last page it looked at.
  if (start - index - 1 === maxPages) start--;
  state.start = start;
  state.size = nextWindow(start - index + requestPages, maxPages);
  state.asyncSize = state.size;
  return mergeOwnMarkHit(state, index, maxPages);
}

/** ondemand_readahead() (v5.18-v6.9): the decision tree shared by cache misses and mark hits. */
function onDemand(
  state: ReadaheadState,
  index: number,
  requestPages: number,
  maxPages: number,
  hitMark: boolean,
  cached: CachedPages | undefined,
): ReadaheadWindow {
  // Start of file: assume a whole-file read is beginning.
  if (index === 0) return startStream(state, index, requestPages, maxPages);
  if (continuesStream(state, index)) return advanceStream(state, index, maxPages);
  if (hitMark) return resumeFromMark(state, index, requestPages, maxPages, cached);
  // Oversize read: the request alone fills the window.
  if (requestPages > maxPages) return startStream(state, index, requestPages, maxPages);
  if (followsPreviousRead(state, index)) return startStream(state, index, requestPages, maxPages);
  const history = cached === undefined ? 0 : cachedRunBefore(cached, index, maxPages);
  if (history > requestPages) {
    return resumeFromHistory(state, index, requestPages, maxPages, history);
  }
  // A standalone random read: read just what was asked, and leave the stream's window alone.
  return exactly(index, requestPages);
}

/**
 * A read(2) (or MADV_SEQUENTIAL fault) missed the cache at `index` for a request of
 * `requestPages`: page_cache_sync_ra() / ondemand_readahead(). Updates state.start/size/asyncSize.
 * Returns the window to bring in as {start, size, asyncSize} (the caller reads the pages of
 * [start, start+size) that are not cached and marks page start+size-asyncSize with PG_readahead
 * when asyncSize > 0). maxPages 0 means readahead off: the window is just
 * [index, index+requestPages).
 *
 * A random read (not at index 0, not sequential, not at the window, no cached history) reads
 * exactly the request with asyncSize 0 and leaves start/size/asyncSize as they were, as the
 * kernel does ("do not pollute the readahead state"). A MADV_SEQUENTIAL fault passes
 * requestPages = maxPages, as do_sync_mmap_readahead() does. With readahead off the kernel
 * actually reads a single page per call (page_cache_sync_ra() sets req_count = 1), so a read(2) of
 * n uncached pages costs it n one-page I/Os; callers who want that I/O count should read the
 * window one page per request. prevIndex becomes the last page of the request either way.
 */
export function syncReadahead(
  state: ReadaheadState,
  index: number,
  requestPages: number,
  maxPages: number,
  cached?: CachedPages,
): ReadaheadWindow {
  requireRequest(index, requestPages, maxPages);
  const window =
    maxPages === 0
      ? exactly(index, requestPages)
      : onDemand(state, index, requestPages, maxPages, false, cached);
  recordRead(state, index, requestPages);
  return window;
}

/**
 * The reader hit a page marked PG_readahead at `index`: page_cache_async_ra() pushes the window
 * forward (start += size, size = nextWindow(size), asyncSize = size).
 *
 * `requestPages` is what is left of the read from `index` on (filemap_read passes
 * last_index - index; a fault passes maxPages, as do_async_mmap_readahead() does). A mark that
 * does not belong to the current window is resolved through `cached` (see resumeFromMark). With
 * readahead off nothing is read: the window is empty.
 */
export function asyncReadahead(
  state: ReadaheadState,
  index: number,
  requestPages: number,
  maxPages: number,
  cached?: CachedPages,
): ReadaheadWindow {
  requireRequest(index, requestPages, maxPages);
  const window =
    maxPages === 0
      ? exactly(index, 0)
      : onDemand(state, index, requestPages, maxPages, true, cached);
  recordRead(state, index, requestPages);
  return window;
}

/**
 * A page fault on an uncached page of a file mapping with default advice:
 * do_sync_mmap_readahead()'s read-around, a window of maxPages centred on the fault
 * (start = max(0, index - maxPages/2), asyncSize = maxPages/4), or just the one page once mmapMiss
 * exceeds MMAP_LOTSAMISS (100). Nothing is clipped at end of file here; the caller does that.
 *
 * Every call counts a miss (up to MMAP_LOTSAMISS * 10); mmapCacheHit() counts hits back down.
 * Read-around does not touch prevIndex. With readahead off (maxPages 0) the kernel returns before
 * counting, and the fault reads just its page.
 */
export function readAroundWindow(
  state: ReadaheadState,
  index: number,
  maxPages: number,
): ReadaheadWindow {
  requireInteger("index", index, 0);
  requireInteger("maxPages", maxPages, 0);
  if (maxPages === 0) return exactly(index, 1);
  if (state.mmapMiss < MMAP_MISS_CEILING) state.mmapMiss++;
  // Far more misses than hits on this file: read-around only wastes I/O and memory.
  if (state.mmapMiss > MMAP_LOTSAMISS) return exactly(index, 1);
  state.start = Math.max(0, index - Math.floor(maxPages / 2));
  state.size = maxPages;
  state.asyncSize = Math.floor(maxPages / 4);
  return windowOf(state);
}

/**
 * do_async_mmap_readahead()'s bookkeeping: a fault found its page in the cache, one miss fewer.
 * (If that page carries PG_readahead the caller then calls asyncReadahead with maxPages.)
 */
export function mmapCacheHit(state: ReadaheadState): void {
  if (state.mmapMiss > 0) state.mmapMiss--;
}
