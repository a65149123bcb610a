import { describe, expect, it } from "vitest";
import {
  asyncReadahead,
  DEFAULT_READAHEAD_PAGES,
  initialWindow,
  MMAP_LOTSAMISS,
  mmapCacheHit,
  newReadaheadState,
  nextWindow,
  type ReadaheadState,
  type ReadaheadWindow,
  readAroundWindow,
  recordRead,
  syncReadahead,
} from "./readahead.js";

const MAX = DEFAULT_READAHEAD_PAGES;

interface Step extends ReadaheadWindow {
  kind: "sync" | "async";
  at: number;
}

/**
 * Reads a file of `filePages` pages from the start, `pagesPerRead` pages per read(2), the way
 * filemap_read() / filemap_get_pages() drive readahead: a page not in the cache calls
 * syncReadahead, a cached page carrying PG_readahead clears the mark and calls asyncReadahead
 * with what is left of the read. Windows are clipped at end of file (do_page_cache_ra()), and the
 * mark goes only on a page the window newly brings in (page_cache_ra_unbounded()).
 */
function readWholeFile(filePages: number, pagesPerRead: number, maxPages: number) {
  const state = newReadaheadState();
  const cached = new Set<number>();
  const marked = new Set<number>();
  const steps: Step[] = [];
  const bringIn = (window: ReadaheadWindow): void => {
    const markAt = window.asyncSize > 0 ? window.start + window.size - window.asyncSize : -1;
    const end = Math.min(window.start + window.size, filePages);
    for (let page = window.start; page < end; page++) {
      if (cached.has(page)) continue;
      cached.add(page);
      if (page === markAt) marked.add(page);
    }
  };
  for (let first = 0; first < filePages; first += pagesPerRead) {
    const end = Math.min(first + pagesPerRead, filePages);
    for (let page = first; page < end; page++) {
      if (!cached.has(page)) {
        const window = syncReadahead(state, page, end - page, maxPages, cached);
        steps.push({ kind: "sync", at: page, ...window });
        bringIn(window);
      } else if (marked.has(page)) {
        marked.delete(page);
        const window = asyncReadahead(state, page, end - page, maxPages, cached);
        steps.push({ kind: "async", at: page, ...window });
        bringIn(window);
      }
    }
  }
  return { state, cached, steps };
}

function stateWith(window: Partial<ReadaheadState>): ReadaheadState {
  return { ...newReadaheadState(), ...window };
}

describe("initialWindow (get_init_ra_size)", () => {
  it("follows the kernel's table for a 128 KiB maximum: 1-2 pages -> 4, 3-4 -> 8, 5-8 -> 16, more -> 32", () => {
    const sizes = [1, 2, 3, 4, 5, 8, 9, 16, 32, 100].map((request) => initialWindow(request, MAX));
    expect(sizes).toEqual([4, 4, 8, 8, 16, 16, 32, 32, 32, 32]);
  });

  it("scales with a larger maximum", () => {
    // max 512 (2 MiB): x4 up to 16 pages, x2 up to 128, then the maximum.
    expect(initialWindow(1, 512)).toBe(4);
    expect(initialWindow(16, 512)).toBe(64);
    expect(initialWindow(17, 512)).toBe(64);
    expect(initialWindow(128, 512)).toBe(256);
    expect(initialWindow(129, 512)).toBe(512);
  });

  it("rejects a request of no pages", () => {
    expect(() => initialWindow(0, MAX)).toThrow(RangeError);
  });
});

describe("nextWindow (get_next_ra_size)", () => {
  it("quadruples below max/16, doubles up to max/2, then stays at the maximum", () => {
    const sizes = [1, 2, 4, 8, 16, 17, 32].map((size) => nextWindow(size, MAX));
    expect(sizes).toEqual([4, 4, 8, 16, 32, 32, 32]);
  });
});

describe("syncReadahead and asyncReadahead (ondemand_readahead)", () => {
  it("ramps a 4 KiB-at-a-time reader of a 1 MiB file up to the maximum: 4 (async 3), 8, 16, 32, 32...", () => {
    // ondemand_readahead(): page 0 starts a stream (get_init_ra_size(1, 32) = 4, async 4 - 1 = 3,
    // mark on page 1); each mark hit is the expected index start + size - asyncSize, so the window
    // moves past itself and grows by get_next_ra_size(): 4 -> 8 -> 16 -> 32, then stays at 32
    // with the mark on its first page. The last window lies past end of file and reads nothing.
    const { steps, cached } = readWholeFile(256, 1, MAX);
    expect(
      steps.map(({ kind, at, start, size, asyncSize }) => [kind, at, start, size, asyncSize]),
    ).toEqual([
      ["sync", 0, 0, 4, 3],
      ["async", 1, 4, 8, 8],
      ["async", 4, 12, 16, 16],
      ["async", 12, 28, 32, 32],
      ["async", 28, 60, 32, 32],
      ["async", 60, 92, 32, 32],
      ["async", 92, 124, 32, 32],
      ["async", 124, 156, 32, 32],
      ["async", 156, 188, 32, 32],
      ["async", 188, 220, 32, 32],
      ["async", 220, 252, 32, 32],
      ["async", 252, 284, 32, 32],
    ]);
    expect(cached.size).toBe(256);
  });

  it("serves a single 128 KiB read from page 0 with a 32-page window, half of it async", () => {
    // get_init_ra_size(32, 32) = 32 is no bigger than the request, so the window is all async and
    // starts at the page being read: the "readit" merge turns that into size 32, async 16.
    const state = newReadaheadState();
    expect(syncReadahead(state, 0, 32, MAX)).toEqual({ start: 0, size: 32, asyncSize: 16 });
    // The same read then reaches the mark on page 16 with 16 pages still to go.
    expect(asyncReadahead(state, 16, 16, MAX)).toEqual({ start: 32, size: 32, asyncSize: 32 });
    expect(state.prevIndex).toBe(31);
  });

  it("keeps 128 KiB reads one window ahead", () => {
    const { steps } = readWholeFile(128, 32, MAX);
    expect(
      steps.map(({ kind, at, start, size, asyncSize }) => [kind, at, start, size, asyncSize]),
    ).toEqual([
      ["sync", 0, 0, 32, 16],
      ["async", 16, 32, 32, 32],
      ["async", 32, 64, 32, 32],
      ["async", 64, 96, 32, 32],
      ["async", 96, 128, 32, 32],
    ]);
  });

  it("reads exactly the request when readahead is off", () => {
    const state = newReadaheadState();
    expect(syncReadahead(state, 5, 8, 0)).toEqual({ start: 5, size: 8, asyncSize: 0 });
    expect(syncReadahead(state, 0, 1, 0)).toEqual({ start: 0, size: 1, asyncSize: 0 });
    expect(asyncReadahead(state, 9, 1, 0)).toEqual({ start: 9, size: 0, asyncSize: 0 });
    expect(state).toMatchObject({ start: 0, size: 0, asyncSize: 0 });
  });

  it("reads a random miss as is, without disturbing the stream", () => {
    const state = stateWith({ start: 0, size: 4, asyncSize: 3, prevIndex: 0 });
    expect(syncReadahead(state, 500, 1, MAX)).toEqual({ start: 500, size: 1, asyncSize: 0 });
    expect(state).toEqual({ start: 0, size: 4, asyncSize: 3, prevIndex: 500, mmapMiss: 0 });
  });

  it("starts a stream when a miss follows the previous read, or repeats its last page", () => {
    const state = newReadaheadState();
    expect(syncReadahead(state, 100, 1, MAX)).toEqual({ start: 100, size: 1, asyncSize: 0 });
    expect(syncReadahead(state, 101, 1, MAX)).toEqual({ start: 101, size: 4, asyncSize: 3 });

    const again = newReadaheadState();
    recordRead(again, 200, 1);
    expect(syncReadahead(again, 200, 1, MAX)).toEqual({ start: 200, size: 4, asyncSize: 3 });
  });

  it("counts a gap of one page as random (the kernel's page-aligned prev_pos would not)", () => {
    const state = newReadaheadState();
    recordRead(state, 200, 1);
    expect(syncReadahead(state, 202, 1, MAX)).toEqual({ start: 202, size: 1, asyncSize: 0 });
  });

  it("ramps up a miss just past the window as the stream's continuation", () => {
    // ondemand_readahead(): index == start + size pushes the window forward (size 8, all async);
    // that window starts at the page being read, so "readit" merges the next one: 8 + 16 = 24,
    // async 16. (Kernels from v6.10 restart such a miss at the initial size instead.)
    const state = stateWith({ start: 0, size: 4, asyncSize: 3, prevIndex: 0 });
    expect(syncReadahead(state, 4, 1, MAX)).toEqual({ start: 4, size: 24, asyncSize: 16 });
  });

  it("caps an oversize read at the maximum", () => {
    const state = newReadaheadState();
    expect(syncReadahead(state, 100, 64, MAX)).toEqual({ start: 100, size: 32, asyncSize: 16 });
  });

  it("sizes a window from cached history before the miss (try_context_readahead)", () => {
    const history = new Set([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    // 10 cached pages before page 100: min(10 + 1, 32) = 11 pages, async 1.
    expect(syncReadahead(newReadaheadState(), 100, 1, MAX, history)).toEqual({
      start: 100,
      size: 11,
      asyncSize: 1,
    });
    // Cached from page 0 up to the miss: the history counts double, min(2 * 10 + 1, 32) = 21.
    const fromStart = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(syncReadahead(newReadaheadState(), 10, 1, MAX, fromStart)).toEqual({
      start: 10,
      size: 21,
      asyncSize: 1,
    });
    // No longer than the request: still a random read.
    expect(syncReadahead(newReadaheadState(), 100, 10, MAX, history)).toEqual({
      start: 100,
      size: 10,
      asyncSize: 0,
    });
  });

  it("resumes an interleaved stream from a mark that is not the current window's", () => {
    const other = (): ReadaheadState => stateWith({ start: 500, size: 32, asyncSize: 32 });
    // Pages 100-107 cached after the mark at 100: the old async part ended at 108.
    // get_next_ra_size(108 - 100 + 1 = 9) = 18, all async.
    const run = new Set([100, 101, 102, 103, 104, 105, 106, 107]);
    expect(asyncReadahead(other(), 100, 1, MAX, run)).toEqual({
      start: 108,
      size: 18,
      asyncSize: 18,
    });
    // No gap within 32 pages: the kernel steps back onto page 132.
    const full = new Set(Array.from({ length: 40 }, (_, i) => 100 + i));
    expect(asyncReadahead(other(), 100, 1, MAX, full)).toEqual({
      start: 132,
      size: 32,
      asyncSize: 32,
    });
    // Without a cache probe there is no way to find the old window: nothing is read.
    expect(asyncReadahead(other(), 100, 1, MAX)).toEqual({ start: 100, size: 0, asyncSize: 0 });
  });

  it("rejects malformed arguments", () => {
    const state = newReadaheadState();
    expect(() => syncReadahead(state, -1, 1, MAX)).toThrow(RangeError);
    expect(() => syncReadahead(state, 0, 0, MAX)).toThrow(RangeError);
    expect(() => syncReadahead(state, 0, 1, 1.5)).toThrow(RangeError);
  });
});

describe("readAroundWindow (do_sync_mmap_readahead)", () => {
  it("centres a maxPages window on the fault with a quarter of it async", () => {
    const state = newReadaheadState();
    expect(readAroundWindow(state, 100, MAX)).toEqual({ start: 84, size: 32, asyncSize: 8 });
    expect(state).toMatchObject({ start: 84, size: 32, asyncSize: 8, mmapMiss: 1, prevIndex: -1 });
  });

  it("does not start before page 0", () => {
    expect(readAroundWindow(newReadaheadState(), 3, MAX)).toEqual({
      start: 0,
      size: 32,
      asyncSize: 8,
    });
  });

  it("reads one page once misses exceed MMAP_LOTSAMISS, and leaves the window alone", () => {
    const atLimit = stateWith({ mmapMiss: MMAP_LOTSAMISS - 1 });
    expect(readAroundWindow(atLimit, 100, MAX)).toEqual({ start: 84, size: 32, asyncSize: 8 });
    expect(atLimit.mmapMiss).toBe(MMAP_LOTSAMISS);

    const past = stateWith({ start: 7, size: 32, asyncSize: 8, mmapMiss: MMAP_LOTSAMISS });
    expect(readAroundWindow(past, 100, MAX)).toEqual({ start: 100, size: 1, asyncSize: 0 });
    expect(past).toMatchObject({ start: 7, size: 32, asyncSize: 8, mmapMiss: MMAP_LOTSAMISS + 1 });
  });

  it("stops counting misses at 10 x MMAP_LOTSAMISS, and counts hits back down", () => {
    const state = stateWith({ mmapMiss: MMAP_LOTSAMISS * 10 });
    readAroundWindow(state, 5, MAX);
    expect(state.mmapMiss).toBe(MMAP_LOTSAMISS * 10);
    mmapCacheHit(state);
    expect(state.mmapMiss).toBe(MMAP_LOTSAMISS * 10 - 1);
    const fresh = newReadaheadState();
    mmapCacheHit(fresh);
    expect(fresh.mmapMiss).toBe(0);
  });

  it("reads just the faulting page when readahead is off, without counting", () => {
    const state = newReadaheadState();
    expect(readAroundWindow(state, 100, 0)).toEqual({ start: 100, size: 1, asyncSize: 0 });
    expect(state.mmapMiss).toBe(0);
  });

  it("hands the read-around mark to asyncReadahead like any other", () => {
    // do_async_mmap_readahead(): the fault on page 84 + 32 - 8 = 108 is the expected index.
    const state = newReadaheadState();
    readAroundWindow(state, 100, MAX);
    expect(asyncReadahead(state, 108, MAX, MAX)).toEqual({ start: 116, size: 32, asyncSize: 32 });
  });
});
