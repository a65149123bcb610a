import { describe, expect, it } from "vitest";
import {
  LRU_ACTIVE_FILE,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
  LruLists,
  lruListOf,
} from "./lru.js";

describe("LruLists", () => {
  it("adds at the head, takes from the tail, and keeps sizes", () => {
    const lru = new LruLists(16);
    for (const pfn of [3, 5, 7]) lru.addHead(pfn, LRU_INACTIVE_ANON);
    expect(lru.pagesOf(LRU_INACTIVE_ANON)).toEqual([7, 5, 3]);
    expect(lru.tail(LRU_INACTIVE_ANON)).toBe(3);
    lru.remove(5);
    expect(lru.pagesOf(LRU_INACTIVE_ANON)).toEqual([7, 3]);
    lru.moveToHead(3, LRU_ACTIVE_FILE);
    expect(lru.pagesOf(LRU_INACTIVE_ANON)).toEqual([7]);
    expect(lru.pagesOf(LRU_ACTIVE_FILE)).toEqual([3]);
    expect(Array.from(lru.sizes)).toEqual([1, 0, 0, 1]);
    lru.remove(7);
    lru.remove(7); // not on a list any more: nothing happens
    expect(lru.tail(LRU_INACTIVE_ANON)).toBe(-1);
    expect(lru.isOnList(7)).toBe(false);
    expect(lru.fileSize()).toBe(1);
  });

  it("names the list of each page type and activity", () => {
    expect(lruListOf(false, false)).toBe(LRU_INACTIVE_ANON);
    expect(lruListOf(true, false)).toBe(LRU_INACTIVE_FILE);
    expect(lruListOf(true, true)).toBe(LRU_ACTIVE_FILE);
  });
});
