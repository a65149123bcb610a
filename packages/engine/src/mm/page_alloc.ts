/**
 * The buddy allocator of simulated physical memory: a model of the free-area part of
 * Linux's mm/page_alloc.c for a single zone, without per-CPU lists, migrate types or watermarks.
 *
 * Free blocks of 2^order frames sit on one list per order. Allocation takes a block from the
 * smallest order that can satisfy the request and splits off the unused upper halves
 * (`expand()`); freeing merges a block with its buddy for as long as the buddy is free too
 * (`__free_one_page()`).
 *
 * Everything lives in typed arrays indexed by PFN so that alloc() and free(), which run on every
 * page fault, touch a handful of array slots and allocate nothing:
 * - `next` / `prev`: intrusive doubly-linked free lists threaded through the head PFN of each
 *   free block (the kernel threads `page->buddy_list` through struct page the same way).
 * - `freeOrder`: order of the free block whose head is this PFN, -1 otherwise (the kernel's
 *   PageBuddy flag plus `page_private()`); this is what makes "is my buddy free?" one read.
 * - `allocOrder`: order of the allocated block whose head is this PFN, -1 otherwise. The kernel
 *   has no such array; the simulator keeps it so that a double free or a free of a frame that was
 *   never handed out fails loudly in O(1) instead of corrupting the lists.
 *
 * Determinism and tie-breaking (the same calls always give the same PFNs):
 * - Each list is LIFO: free() pushes the (possibly merged) block at the head, alloc() takes the
 *   head. So the block freed most recently at an order is the first one reused at that order.
 *   Linux sometimes queues a freed block at the tail instead (when its buddy looks likely to be
 *   freed soon); we do not model that heuristic.
 * - Splitting keeps the lowest part of the block for the caller and puts the upper halves on the
 *   lower-order lists, like the kernel's expand().
 * - Fresh allocator: the usable range is carved into the largest naturally aligned blocks
 *   (capped at MAX_PAGE_ORDER), and each list starts in ascending PFN order, so within an order
 *   the lowest block goes first. Because the smallest sufficient order always wins, the small
 *   leftover blocks at the two ragged ends of the usable range are used before the big blocks in
 *   the middle; when both ends are aligned (no reserved frames, total a multiple of 2^10) a run
 *   of order-0 allocations simply returns 0, 1, 2, ... This low-addresses-first start is a
 *   simplification chosen because it reads well in a frame map: a real kernel's boot-time order
 *   depends on how memblock releases memory and on early allocations, and it often ends up
 *   handing out high addresses of a zone first.
 */

/** Highest order of a free block: Linux's MAX_PAGE_ORDER (orders 0..10, 4 MiB blocks with 4 KiB pages). */
export const MAX_PAGE_ORDER = 10;

/** Marks "no PFN" in the list links and heads, and "not a block head" in the order arrays. */
const NONE = -1;

/** Largest frame count we accept: PFNs must fit the Int32Array links. */
const MAX_TOTAL_FRAMES = 0x7fff_ffff;

function isOrder(order: number): boolean {
  return Number.isInteger(order) && order >= 0 && order <= MAX_PAGE_ORDER;
}

export class BuddyAllocator {
  readonly totalFrames: number;
  /** Frames [0, reservedFrames) are never handed out (firmware, kernel image). */
  readonly reservedFrames: number;

  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly freeOrder: Int8Array;
  private readonly allocOrder: Int8Array;
  /** Head PFN of each order's free list (free_area[order].free_list), NONE when empty. */
  private readonly freeHead: Int32Array;
  /** Blocks on each order's list (free_area[order].nr_free), kept so buddyinfo is O(orders). */
  private readonly nrFree: Int32Array;
  private nrFreePages = 0;

  /** Manages frames [0, totalFrames). Frames [0, reservedFrames) are never handed out (firmware/kernel image). totalFrames need not be a power of two. */
  constructor(totalFrames: number, reservedFrames = 0) {
    if (!Number.isInteger(totalFrames) || totalFrames < 0 || totalFrames > MAX_TOTAL_FRAMES) {
      throw new RangeError(`totalFrames must be an integer in [0, ${MAX_TOTAL_FRAMES}]`);
    }
    if (!Number.isInteger(reservedFrames) || reservedFrames < 0 || reservedFrames > totalFrames) {
      throw new RangeError(`reservedFrames must be an integer in [0, totalFrames=${totalFrames}]`);
    }
    this.totalFrames = totalFrames;
    this.reservedFrames = reservedFrames;
    this.next = new Int32Array(totalFrames).fill(NONE);
    this.prev = new Int32Array(totalFrames).fill(NONE);
    this.freeOrder = new Int8Array(totalFrames).fill(NONE);
    this.allocOrder = new Int8Array(totalFrames).fill(NONE);
    this.freeHead = new Int32Array(MAX_PAGE_ORDER + 1).fill(NONE);
    this.nrFree = new Int32Array(MAX_PAGE_ORDER + 1);
    this.releaseUsableRange();
  }

  /** Number of free frames now. */
  get freeFrames(): number {
    return this.nrFreePages;
  }

  /**
   * Allocate 2^order contiguous frames; returns the first PFN, or -1 when no block is big enough.
   * Mirrors __rmqueue_smallest(): the smallest non-empty order at or above `order` gives up its
   * list head, and expand() returns the unused upper halves to the lower lists.
   * An order above MAX_PAGE_ORDER returns -1, as __alloc_pages() returns NULL for it.
   * @example new BuddyAllocator(16).alloc(2) // 0, leaving free blocks 4 (order 2) and 8 (order 3)
   */
  alloc(order: number): number {
    if (!(order >= 0 && order <= MAX_PAGE_ORDER && (order | 0) === order)) {
      if (order > MAX_PAGE_ORDER && Number.isInteger(order)) return NONE;
      throw new RangeError(`alloc: order ${order} is not an integer in [0, ${MAX_PAGE_ORDER}]`);
    }
    for (let current = order; current <= MAX_PAGE_ORDER; current++) {
      const pfn = this.freeHead[current] as number;
      if (pfn === NONE) continue;
      this.delFromFreeList(pfn, current);
      this.expand(pfn, order, current);
      this.allocOrder[pfn] = order;
      this.nrFreePages -= 1 << order;
      return pfn;
    }
    return NONE;
  }

  /**
   * Return a block; merges with its buddy repeatedly (__free_one_page). Throws an Error on a
   * double free or a free of a reserved/never-allocated frame (a simulator bug, not user input),
   * and when `order` differs from the order the block was allocated with.
   * @example const b = new BuddyAllocator(16); b.free(b.alloc(0), 0); b.freeBlocksPerOrder()[4] // 1
   */
  free(pfn: number, order: number): void {
    // One read validates pfn, order and ownership together: allocOrder is NONE everywhere except
    // at the head of a live block (where it holds a valid order), and out-of-range or non-integer
    // indexes read as undefined. Only order === NONE could slip through the equality.
    if (this.allocOrder[pfn] !== order || order < 0) {
      throw new Error(this.describeBadFree(pfn, order));
    }
    this.allocOrder[pfn] = NONE;
    this.nrFreePages += 1 << order;

    let head = pfn;
    let current = order;
    while (current < MAX_PAGE_ORDER) {
      // __find_buddy_pfn(): the buddy differs from the block only in bit `current`.
      const buddy = head ^ (1 << current);
      // Past the end of memory there is no buddy (totalFrames need not be a power of two);
      // below reservedFrames freeOrder is always NONE, so reserved frames never merge.
      if (buddy >= this.totalFrames || this.freeOrder[buddy] !== current) break;
      this.delFromFreeList(buddy, current);
      head &= buddy; // clearing bit `current` gives the head of the merged block
      current++;
    }
    this.addToFreeList(head, current);
  }

  /**
   * split_page: turn an allocated block of 2^order frames into 2^order order-0 allocations, so
   * each frame can later be freed on its own; freeing them all merges the block back.
   */
  splitBlock(pfn: number, order: number): void {
    if (this.allocOrder[pfn] !== order || order < 0) {
      throw new Error(`splitBlock: pfn ${pfn} does not start an allocated block of order ${order}`);
    }
    this.allocOrder.fill(0, pfn, pfn + (1 << order));
  }

  /** Free blocks per order, like one row of /proc/buddyinfo (index = order). */
  freeBlocksPerOrder(): number[] {
    return Array.from(this.nrFree);
  }

  /** PFNs of the free blocks of one order, in list order (the next alloc takes the first). For views and tests. */
  freeList(order: number): number[] {
    if (!isOrder(order)) throw new RangeError(`freeList: bad order ${order}`);
    const out: number[] = [];
    // Bounded walk so that a corrupted (cyclic) list cannot hang a view.
    for (let pfn = this.freeHead[order] as number; pfn !== NONE; pfn = this.next[pfn] as number) {
      if (out.length >= this.totalFrames) break;
      out.push(pfn);
    }
    return out;
  }

  /** True when the frame lies in a free block. For views/invariants, not the hot path. */
  isFree(pfn: number): boolean {
    return this.freeBlockContaining(pfn) !== NONE;
  }

  /**
   * Order of the allocated block whose first frame is `pfn`, or -1 when `pfn` does not start a
   * live allocation. For views and for callers that forgot the order (free needs it).
   */
  allocatedOrder(pfn: number): number {
    return this.allocOrder[pfn] ?? NONE;
  }

  /**
   * Consistency check of the free lists (no overlap, alignment, buddies that should have merged,
   * counts); returns a list of violations (empty when fine). O(totalFrames): tests and the
   * engine's invariant switch call it, the hot path never does.
   */
  checkInvariants(): string[] {
    const errors: string[] = [];
    const total = this.totalFrames;
    // Who covers each frame: 0 = nobody, 1 = a free block, 2 = an allocated block.
    const owner = new Uint8Array(total);
    const claim = (start: number, order: number, who: 1 | 2, what: string): void => {
      const end = Math.min(start + (1 << order), total);
      for (let f = start; f < end; f++) {
        if (owner[f] !== 0) {
          errors.push(`${what} overlaps another block at pfn ${f}`);
          return;
        }
        owner[f] = who;
      }
    };
    const checkPlacement = (pfn: number, order: number, what: string): void => {
      if ((pfn & ((1 << order) - 1)) !== 0) errors.push(`${what} is not aligned to 2^${order}`);
      if (pfn < this.reservedFrames) errors.push(`${what} starts in the reserved range`);
      if (pfn + (1 << order) > total) errors.push(`${what} runs past totalFrames=${total}`);
    };

    let freeSum = 0;
    let headsOnLists = 0;
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
      let count = 0;
      let expectedPrev = NONE;
      let pfn = this.freeHead[order] as number;
      while (pfn !== NONE) {
        const what = `free block ${pfn} (order ${order})`;
        if (pfn < 0 || pfn >= total || !Number.isInteger(pfn)) {
          errors.push(`order ${order} list holds out-of-range pfn ${pfn}`);
          break;
        }
        if (count >= total) {
          errors.push(`order ${order} list is cyclic`);
          break;
        }
        if (this.prev[pfn] !== expectedPrev) {
          errors.push(`${what}: prev is ${this.prev[pfn]}, expected ${expectedPrev}`);
        }
        if (this.freeOrder[pfn] !== order) {
          errors.push(`${what}: freeOrder is ${this.freeOrder[pfn]}`);
        }
        if (this.allocOrder[pfn] !== NONE) errors.push(`${what} is also marked allocated`);
        checkPlacement(pfn, order, what);
        claim(pfn, order, 1, what);
        if (order < MAX_PAGE_ORDER) {
          const buddy = pfn ^ (1 << order);
          if (buddy < total && this.freeOrder[buddy] === order) {
            errors.push(`${what} and its buddy ${buddy} are both free but not merged`);
          }
        }
        count++;
        freeSum += 1 << order;
        expectedPrev = pfn;
        pfn = this.next[pfn] as number;
      }
      headsOnLists += count;
      if (count !== this.nrFree[order]) {
        errors.push(`order ${order}: nr_free is ${this.nrFree[order]}, list holds ${count}`);
      }
    }

    let headsMarked = 0;
    let allocatedSum = 0;
    for (let pfn = 0; pfn < total; pfn++) {
      if (this.freeOrder[pfn] !== NONE) headsMarked++;
      const order = this.allocOrder[pfn] as number;
      if (order === NONE) continue;
      const what = `allocated block ${pfn} (order ${order})`;
      if (!isOrder(order)) {
        errors.push(`${what} has an invalid order`);
        continue;
      }
      checkPlacement(pfn, order, what);
      claim(pfn, order, 2, what);
      allocatedSum += 1 << order;
    }
    if (headsMarked !== headsOnLists) {
      errors.push(`${headsMarked} frames are marked free heads but ${headsOnLists} are on lists`);
    }
    if (freeSum !== this.nrFreePages) {
      errors.push(
        `free lists hold ${freeSum} frames but the free counter says ${this.nrFreePages}`,
      );
    }
    const usable = total - this.reservedFrames;
    if (freeSum + allocatedSum !== usable) {
      errors.push(`free ${freeSum} + allocated ${allocatedSum} != usable ${usable}`);
    }
    for (let f = 0; f < total; f++) {
      if (f < this.reservedFrames ? owner[f] !== 0 : owner[f] === 0) {
        errors.push(
          `frame ${f} is ${owner[f] === 0 ? "lost (neither free nor allocated)" : "reserved but in a block"}`,
        );
        break; // one lost frame usually means many; the first is enough to debug
      }
    }
    return errors;
  }

  /** Head PFN of the free block containing `pfn`, or -1. Tries each order's aligned start. */
  private freeBlockContaining(pfn: number): number {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.totalFrames) return NONE;
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
      const head = pfn & ~((1 << order) - 1);
      // A free block of order >= `order` starting at an address aligned to 2^order covers pfn,
      // since its own alignment (2^its order) makes it start exactly there.
      if ((this.freeOrder[head] as number) >= order) return head;
    }
    return NONE;
  }

  /** Cold path of free(): say precisely what went wrong. */
  private describeBadFree(pfn: number, order: number): string {
    const where = `free(pfn=${pfn}, order=${order})`;
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.totalFrames) {
      return `${where}: pfn outside [0, ${this.totalFrames})`;
    }
    if (!isOrder(order)) return `${where}: order is not an integer in [0, ${MAX_PAGE_ORDER}]`;
    if (pfn < this.reservedFrames) return `${where}: frame is reserved, it was never allocated`;
    const live = this.allocOrder[pfn] as number;
    if (live !== NONE) return `${where}: block was allocated with order ${live}`;
    const freeHead = this.freeBlockContaining(pfn);
    if (freeHead !== NONE) {
      return `${where}: double free, frame already lies in free block ${freeHead} (order ${this.freeOrder[freeHead]})`;
    }
    return `${where}: frame is not the first frame of an allocated block`;
  }

  /**
   * expand(): the block at `pfn` of order `high` was taken to serve order `low`; keep the lowest
   * 2^low frames and give back each upper half, largest first.
   */
  private expand(pfn: number, low: number, high: number): void {
    while (high > low) {
      high--;
      this.addToFreeList(pfn + (1 << high), high);
    }
  }

  /** Push at the head of the order's list (list_add in __add_to_free_list). */
  private addToFreeList(pfn: number, order: number): void {
    const first = this.freeHead[order] as number;
    this.next[pfn] = first;
    this.prev[pfn] = NONE;
    if (first !== NONE) this.prev[first] = pfn;
    this.freeHead[order] = pfn;
    this.freeOrder[pfn] = order;
    this.nrFree[order] = (this.nrFree[order] as number) + 1;
  }

  /** Unlink from anywhere in the order's list in O(1) (__del_page_from_free_list). */
  private delFromFreeList(pfn: number, order: number): void {
    const after = this.next[pfn] as number;
    const before = this.prev[pfn] as number;
    if (before === NONE) this.freeHead[order] = after;
    else this.next[before] = after;
    if (after !== NONE) this.prev[after] = before;
    this.freeOrder[pfn] = NONE;
    this.nrFree[order] = (this.nrFree[order] as number) - 1;
  }

  /**
   * The boot-time release of usable memory (memblock_free_all() in spirit): carve
   * [reservedFrames, totalFrames) into the largest naturally aligned blocks. The blocks are
   * already fully merged, so nothing here needs __free_one_page(). They are pushed in descending
   * PFN order so that every list ends up ascending and the lowest frames are handed out first.
   */
  private releaseUsableRange(): void {
    const starts: number[] = [];
    const orders: number[] = [];
    let pfn = this.reservedFrames;
    while (pfn < this.totalFrames) {
      // Largest order allowed by pfn's alignment (ctz) and by the frames left (floor(log2)).
      const alignOrder = pfn === 0 ? MAX_PAGE_ORDER : 31 - Math.clz32(pfn & -pfn);
      const sizeOrder = 31 - Math.clz32(this.totalFrames - pfn);
      const order = Math.min(MAX_PAGE_ORDER, alignOrder, sizeOrder);
      starts.push(pfn);
      orders.push(order);
      pfn += 1 << order;
    }
    for (let i = starts.length - 1; i >= 0; i--) {
      this.addToFreeList(starts[i] as number, orders[i] as number);
    }
    this.nrFreePages = this.totalFrames - this.reservedFrames;
  }
}
