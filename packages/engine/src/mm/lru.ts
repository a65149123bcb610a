/**
 * The classic two-list LRU of mm/vmscan.c: inactive and active lists for anonymous (swap-backed)
 * and file pages, each a doubly linked list threaded through typed arrays indexed by PFN.
 * New pages enter the head; reclaim takes from the tail.
 */

/** List numbers, in the kernel's enum lru_list order. */
export const LRU_INACTIVE_ANON = 0;
export const LRU_ACTIVE_ANON = 1;
export const LRU_INACTIVE_FILE = 2;
export const LRU_ACTIVE_FILE = 3;
export const LRU_NAMES = ["inactive_anon", "active_anon", "inactive_file", "active_file"] as const;
const LIST_COUNT = 4;
const NONE = -1;

/** The list a page of that type and activity belongs on. */
export function lruListOf(file: boolean, active: boolean): number {
  return (file ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON) + (active ? 1 : 0);
}

export function isActiveList(list: number): boolean {
  return (list & 1) === 1;
}

export function isFileList(list: number): boolean {
  return list >= LRU_INACTIVE_FILE;
}

export class LruLists {
  /** The list each frame is on, or -1. */
  readonly listOf: Int8Array;
  private readonly next: Int32Array;
  private readonly previous: Int32Array;
  private readonly heads = new Int32Array(LIST_COUNT).fill(NONE);
  private readonly tails = new Int32Array(LIST_COUNT).fill(NONE);
  /** Pages on each list (lruvec_lru_size). */
  readonly sizes = new Int32Array(LIST_COUNT);

  constructor(totalFrames: number) {
    this.listOf = new Int8Array(totalFrames).fill(NONE);
    this.next = new Int32Array(totalFrames).fill(NONE);
    this.previous = new Int32Array(totalFrames).fill(NONE);
  }

  /** Put `pfn` at the head (most recent end) of `list`. */
  addHead(pfn: number, list: number): void {
    const head = this.heads[list] as number;
    this.listOf[pfn] = list;
    this.previous[pfn] = NONE;
    this.next[pfn] = head;
    if (head === NONE) this.tails[list] = pfn;
    else this.previous[head] = pfn;
    this.heads[list] = pfn;
    this.sizes[list] = (this.sizes[list] as number) + 1;
  }

  /** Take `pfn` off whatever list it is on (a no-op when it is on none). */
  remove(pfn: number): void {
    const list = this.listOf[pfn] as number;
    if (list === NONE) return;
    const before = this.previous[pfn] as number;
    const after = this.next[pfn] as number;
    if (before === NONE) this.heads[list] = after;
    else this.next[before] = after;
    if (after === NONE) this.tails[list] = before;
    else this.previous[after] = before;
    this.listOf[pfn] = NONE;
    this.sizes[list] = (this.sizes[list] as number) - 1;
  }

  /** Pages on the two file lists. */
  fileSize(): number {
    return (this.sizes[LRU_INACTIVE_FILE] as number) + (this.sizes[LRU_ACTIVE_FILE] as number);
  }

  /** Move `pfn` to the head of `list`. */
  moveToHead(pfn: number, list: number): void {
    this.remove(pfn);
    this.addHead(pfn, list);
  }

  /** The least recently added page of `list`, or -1 when it is empty. */
  tail(list: number): number {
    return this.tails[list] as number;
  }

  isOnList(pfn: number): boolean {
    return this.listOf[pfn] !== NONE;
  }

  /** The pages of `list` from head to tail (for views and tests). */
  pagesOf(list: number): number[] {
    const pages: number[] = [];
    for (let pfn = this.heads[list] as number; pfn !== NONE; pfn = this.next[pfn] as number) {
      pages.push(pfn);
    }
    return pages;
  }
}
