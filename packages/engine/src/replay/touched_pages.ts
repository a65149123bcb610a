/**
 * The pages a trace touches, with how (read, write, fetch) and how often: what the first pass of
 * a replay collects to lay out the process's mappings before the second pass runs the accesses.
 *
 * The set is an open-addressing hash table in typed arrays, so collecting allocates nothing per
 * record (only when the table doubles).
 */
import { PAGE_SIZE, TASK_SIZE } from "../arch/x86/pgtable.js";
import type { TraceSink } from "../trace/core.js";
import {
  LACKEY_INSTRUCTION,
  LACKEY_MODIFY,
  LACKEY_STORE,
  type LackeyAccessSink,
} from "../trace/lackey.js";

/** How a page was touched: the same bits as PROT_READ, PROT_WRITE and PROT_EXEC. */
export const TOUCHED_READ = 1;
export const TOUCHED_WRITE = 2;
export const TOUCHED_EXEC = 4;

/** The first page number beyond user space: accesses at or above it are not replayed. */
export const USER_PAGE_LIMIT = TASK_SIZE / PAGE_SIZE;

const EMPTY = -1;
const INITIAL_SLOTS = 1 << 12;

/** The touched pages in address order. */
export interface TouchedPageList {
  /** Page numbers (address / 4096), ascending. */
  readonly pages: Float64Array;
  /** TOUCHED_* bits of each page. */
  readonly flags: Uint8Array;
  /** Records that touched each page (a record spanning two pages counts on both). */
  readonly counts: Float64Array;
}

/** Record kind (lackey letter code) to TOUCHED_* bits. */
function touchedBits(kind: number): number {
  if (kind === LACKEY_INSTRUCTION) return TOUCHED_EXEC;
  if (kind === LACKEY_STORE) return TOUCHED_WRITE;
  if (kind === LACKEY_MODIFY) return TOUCHED_READ | TOUCHED_WRITE;
  return TOUCHED_READ;
}

/**
 * Collects the touched pages of a trace. It is a sink for whole lackey records and for the page
 * references of the other address formats (page size 4096). Records that reach beyond user
 * space (the vsyscall page at 0xffffffffff600000, for one) are counted and left out.
 */
export class TouchedPages implements LackeyAccessSink, TraceSink {
  /** Records seen, and of those the ones beyond user space. */
  records = 0;
  beyondUserSpace = 0;
  private keys = new Float64Array(INITIAL_SLOTS).fill(EMPTY);
  private bits = new Uint8Array(INITIAL_SLOTS);
  private hits = new Float64Array(INITIAL_SLOTS);
  private used = 0;
  /** The last page added, to skip the table for runs of accesses to one page. */
  private lastPage = EMPTY;
  private lastSlot = 0;

  get size(): number {
    return this.used;
  }

  access(kind: number, high: number, low: number, size: number): void {
    this.records++;
    // high:low is a 64-bit address; 2^20 pages per unit of `high`.
    const first = high * 1048576 + (low >>> 12);
    const lastByte = low + (size > 0 ? size - 1 : 0);
    const last = high * 1048576 + Math.floor(lastByte / PAGE_SIZE);
    if (last >= USER_PAGE_LIMIT) {
      this.beyondUserSpace++;
      return;
    }
    const bits = touchedBits(kind);
    for (let page = first; page <= last; page++) this.add(page, bits);
  }

  reference(keyHigh: number, keyLow: number, write: boolean): void {
    this.records++;
    const page = keyHigh * 4294967296 + keyLow;
    if (page >= USER_PAGE_LIMIT) {
      this.beyondUserSpace++;
      return;
    }
    this.add(page, write ? TOUCHED_WRITE : TOUCHED_READ);
  }

  /** Mark `page` touched with `bits`. */
  add(page: number, bits: number): void {
    let slot = this.lastSlot;
    if (page !== this.lastPage) {
      slot = this.slotOf(page);
      if (this.keys[slot] === EMPTY) {
        this.keys[slot] = page;
        this.used++;
        if (this.used * 2 > this.keys.length) {
          this.grow();
          slot = this.slotOf(page);
        }
      }
      this.lastPage = page;
      this.lastSlot = slot;
    }
    this.bits[slot] = (this.bits[slot] as number) | bits;
    this.hits[slot] = (this.hits[slot] as number) + 1;
  }

  /** The slot holding `page`, or the empty slot where it would go (linear probing). */
  private slotOf(page: number): number {
    const mask = this.keys.length - 1;
    const low = page >>> 0;
    const high = (page - low) / 4294967296;
    const hash = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1);
    let slot = (hash ^ (hash >>> 16)) & mask;
    for (;;) {
      const key = this.keys[slot] as number;
      if (key === page || key === EMPTY) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const keys = this.keys;
    const bits = this.bits;
    const hits = this.hits;
    this.keys = new Float64Array(keys.length * 2).fill(EMPTY);
    this.bits = new Uint8Array(keys.length * 2);
    this.hits = new Float64Array(keys.length * 2);
    for (let old = 0; old < keys.length; old++) {
      const key = keys[old] as number;
      if (key === EMPTY) continue;
      const slot = this.slotOf(key);
      this.keys[slot] = key;
      this.bits[slot] = bits[old] as number;
      this.hits[slot] = hits[old] as number;
    }
    this.lastPage = EMPTY;
  }

  /** The pages in address order. */
  sorted(): TouchedPageList {
    const order: number[] = [];
    for (let slot = 0; slot < this.keys.length; slot++) {
      if (this.keys[slot] !== EMPTY) order.push(slot);
    }
    order.sort((a, b) => (this.keys[a] as number) - (this.keys[b] as number));
    const pages = new Float64Array(order.length);
    const flags = new Uint8Array(order.length);
    const counts = new Float64Array(order.length);
    order.forEach((slot, index) => {
      pages[index] = this.keys[slot] as number;
      flags[index] = this.bits[slot] as number;
      counts[index] = this.hits[slot] as number;
    });
    return { pages, flags, counts };
  }
}

/** Index of the first page of `list` at or above `page` (list.pages.length when none). */
export function firstPageAtOrAbove(list: TouchedPageList, page: number): number {
  let low = 0;
  let high = list.pages.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((list.pages[middle] as number) < page) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The TOUCHED_* bits of every page of `list` in [startPage, endPage), OR'ed; 0 when none. */
export function touchedBitsIn(list: TouchedPageList, startPage: number, endPage: number): number {
  let bits = 0;
  for (let index = firstPageAtOrAbove(list, startPage); index < list.pages.length; index++) {
    if ((list.pages[index] as number) >= endPage) break;
    bits |= list.flags[index] as number;
  }
  return bits;
}
