/**
 * A swap device (mm/swapfile.c): slots of one page each, a use count per slot (swap_map), the
 * swap cache that maps a slot to the frame holding its page (swapper_spaces), and what each slot
 * holds. Slot 0 is the swap header and is never handed out, as on Linux.
 */
import type { BlockDevice } from "../block/disk.js";

export class SwapDevice {
  readonly slots: number;
  /** Swap entries (in page tables) that refer to each slot (swap_map without SWAP_HAS_CACHE). */
  readonly count: Int32Array;
  /** The frame caching each slot's page (the swap cache), or -1. */
  readonly cachePfn: Int32Array;
  /** The stamp of the page written to each slot (see PhysicalMemory.stamp). */
  readonly stamp: Float64Array;
  /** Slots in use: referenced by an entry or held by the swap cache. */
  used = 0;
  /** Where the next search for a free slot starts (the cluster allocator's cursor, simplified). */
  private cursor = 1;

  constructor(
    bytes: number,
    readonly device: BlockDevice,
    readonly name = "/swapfile",
  ) {
    this.slots = Math.floor(bytes / 4096);
    this.count = new Int32Array(this.slots);
    this.cachePfn = new Int32Array(this.slots).fill(-1);
    this.stamp = new Float64Array(this.slots);
  }

  /** Usable slots (all but the header). */
  get capacity(): number {
    return Math.max(0, this.slots - 1);
  }

  get free(): number {
    return this.capacity - this.used;
  }

  /**
   * A free slot (get_swap_pages), searched from the cursor so consecutive evictions land in
   * consecutive slots, as the cluster allocator tends to place them; -1 when swap is full.
   */
  allocate(): number {
    if (this.used >= this.capacity) return -1;
    for (let scanned = 0; scanned < this.slots; scanned++) {
      const slot = this.cursor;
      this.cursor = slot + 1 >= this.slots ? 1 : slot + 1;
      if (slot !== 0 && this.isFree(slot)) {
        this.used++;
        return slot;
      }
    }
    return -1;
  }

  isFree(slot: number): boolean {
    return this.count[slot] === 0 && this.cachePfn[slot] === -1;
  }

  /** swap_duplicate: one more swap entry refers to `slot` (fork copied it). */
  duplicate(slot: number): void {
    this.count[slot] = (this.count[slot] as number) + 1;
  }

  /**
   * swap_free: one swap entry referring to `slot` is gone. Returns true when only the swap cache
   * still holds the slot, so the caller may drop the cached page (free_swap_and_cache).
   */
  release(slot: number): boolean {
    const left = (this.count[slot] as number) - 1;
    this.count[slot] = left;
    if (left > 0) return false;
    if (this.cachePfn[slot] === -1) {
      this.used--;
      return false;
    }
    return true;
  }

  /** The page in `pfn` joins the swap cache as `slot`'s copy. */
  addToCache(slot: number, pfn: number): void {
    this.cachePfn[slot] = pfn;
  }

  /** The swap cache lets go of `slot`; the slot is freed when no entry refers to it. */
  removeFromCache(slot: number): void {
    this.cachePfn[slot] = -1;
    if (this.count[slot] === 0) this.used--;
  }
}
