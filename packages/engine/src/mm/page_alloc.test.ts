import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BuddyAllocator, MAX_PAGE_ORDER } from "./page_alloc.js";

/** buddyinfo as a full row of MAX_PAGE_ORDER + 1 counts, from a sparse {order: count} spec. */
function row(counts: Record<number, number>): number[] {
  const out = new Array<number>(MAX_PAGE_ORDER + 1).fill(0);
  for (const [order, count] of Object.entries(counts)) out[Number(order)] = count;
  return out;
}

/**
 * A deliberately naive reference: plain JS arrays as the per-order lists (unshift = push at the
 * head, shift = take the head, indexOf + splice = unlink). It spells out the documented policy
 * (smallest sufficient order, LIFO lists, low half kept on a split, ascending lists on a fresh
 * allocator) independently of the typed-array code, so the two must agree PFN for PFN.
 */
class ReferenceBuddy {
  readonly lists: number[][] = [];
  constructor(total: number, reserved: number) {
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) this.lists.push([]);
    let pfn = reserved;
    while (pfn < total) {
      let order = MAX_PAGE_ORDER;
      while (pfn % 2 ** order !== 0 || pfn + 2 ** order > total) order--;
      this.listAt(order).push(pfn);
      pfn += 2 ** order;
    }
  }
  listAt(order: number): number[] {
    const list = this.lists[order];
    if (list === undefined) throw new Error(`no list for order ${order}`);
    return list;
  }
  alloc(order: number): number {
    for (let k = order; k <= MAX_PAGE_ORDER; k++) {
      const pfn = this.listAt(k).shift();
      if (pfn === undefined) continue;
      for (let j = k - 1; j >= order; j--) this.listAt(j).unshift(pfn + 2 ** j);
      return pfn;
    }
    return -1;
  }
  free(pfn: number, order: number): void {
    let head = pfn;
    let k = order;
    while (k < MAX_PAGE_ORDER) {
      const size = 2 ** k;
      const buddy = head % (2 * size) === 0 ? head + size : head - size;
      const at = this.listAt(k).indexOf(buddy);
      if (at < 0) break;
      this.listAt(k).splice(at, 1);
      head = Math.min(head, buddy);
      k++;
    }
    this.listAt(k).unshift(head);
  }
}

describe("BuddyAllocator: fresh state", () => {
  it("16 frames start as one order-4 block", () => {
    const b = new BuddyAllocator(16);
    expect(b.totalFrames).toBe(16);
    expect(b.freeFrames).toBe(16);
    expect(b.freeBlocksPerOrder()).toEqual(row({ 4: 1 }));
    expect(b.checkInvariants()).toEqual([]);
  });

  it("a non-power-of-two total is carved into the largest aligned blocks", () => {
    // 13 = 8 + 4 + 1 at PFNs 0, 8, 12
    const b = new BuddyAllocator(13);
    expect(b.freeBlocksPerOrder()).toEqual(row({ 0: 1, 2: 1, 3: 1 }));
    expect(b.freeList(3)).toEqual([0]);
    expect(b.freeList(2)).toEqual([8]);
    expect(b.freeList(0)).toEqual([12]);
    expect(b.checkInvariants()).toEqual([]);
  });

  it("blocks are capped at MAX_PAGE_ORDER and lists are ascending", () => {
    // 3000 = 2*1024 + 512 + 256 + 128 + 32 + 16 + 8
    const b = new BuddyAllocator(3000);
    expect(b.freeBlocksPerOrder()).toEqual(row({ 3: 1, 4: 1, 5: 1, 7: 1, 8: 1, 9: 1, 10: 2 }));
    expect(b.freeList(MAX_PAGE_ORDER)).toEqual([0, 1024]);
    expect(b.freeList(9)).toEqual([2048]);
    expect(b.freeList(3)).toEqual([2992]);
    expect(b.freeFrames).toBe(3000);
    expect(b.checkInvariants()).toEqual([]);
  });

  it("reserved frames are left out and their neighbours are aligned blocks", () => {
    // usable [3, 16) = 3 (order 0) + 4..7 (order 2) + 8..15 (order 3)
    const b = new BuddyAllocator(16, 3);
    expect(b.reservedFrames).toBe(3);
    expect(b.freeFrames).toBe(13);
    expect(b.freeBlocksPerOrder()).toEqual(row({ 0: 1, 2: 1, 3: 1 }));
    for (let pfn = 0; pfn < 3; pfn++) expect(b.isFree(pfn)).toBe(false);
    for (let pfn = 3; pfn < 16; pfn++) expect(b.isFree(pfn)).toBe(true);
    expect(b.checkInvariants()).toEqual([]);
  });

  it("empty and fully reserved memory have nothing to give", () => {
    for (const b of [new BuddyAllocator(0), new BuddyAllocator(8, 8)]) {
      expect(b.freeFrames).toBe(0);
      expect(b.alloc(0)).toBe(-1);
      expect(b.freeBlocksPerOrder()).toEqual(row({}));
      expect(b.checkInvariants()).toEqual([]);
    }
  });

  it("rejects bad sizes", () => {
    expect(() => new BuddyAllocator(-1)).toThrow(RangeError);
    expect(() => new BuddyAllocator(1.5)).toThrow(RangeError);
    expect(() => new BuddyAllocator(8, 9)).toThrow(RangeError);
    expect(() => new BuddyAllocator(8, -1)).toThrow(RangeError);
  });
});

describe("BuddyAllocator: splitting and merging", () => {
  it("four order-0 allocations split the block; freeing them merges back to order 4", () => {
    const b = new BuddyAllocator(16);
    const pfns = [b.alloc(0), b.alloc(0), b.alloc(0), b.alloc(0)];
    expect(pfns).toEqual([0, 1, 2, 3]);
    expect(b.freeFrames).toBe(12);
    // 4..7 and 8..15 are the upper halves left by the first split
    expect(b.freeBlocksPerOrder()).toEqual(row({ 2: 1, 3: 1 }));
    expect(b.checkInvariants()).toEqual([]);
    for (const pfn of pfns) {
      b.free(pfn, 0);
      expect(b.checkInvariants()).toEqual([]);
    }
    expect(b.freeFrames).toBe(16);
    expect(b.freeBlocksPerOrder()).toEqual(row({ 4: 1 }));
    expect(b.freeList(4)).toEqual([0]);
  });

  it("expand() keeps the low part and files each upper half on its own list", () => {
    const b = new BuddyAllocator(16);
    expect(b.alloc(0)).toBe(0);
    expect(b.freeList(0)).toEqual([1]);
    expect(b.freeList(1)).toEqual([2]);
    expect(b.freeList(2)).toEqual([4]);
    expect(b.freeList(3)).toEqual([8]);
    // each request now fits exactly one list, so nothing else splits
    expect(b.alloc(2)).toBe(4);
    expect(b.alloc(3)).toBe(8);
    expect(b.alloc(1)).toBe(2);
    expect(b.alloc(0)).toBe(1);
    expect(b.freeFrames).toBe(0);
    expect(b.checkInvariants()).toEqual([]);
  });

  it("merging stops at a buddy that is allocated, and resumes when it comes back", () => {
    const b = new BuddyAllocator(8);
    const a = b.alloc(1); // 0..1
    const c = b.alloc(1); // 2..3
    expect([a, c]).toEqual([0, 2]);
    b.free(a, 1);
    expect(b.freeBlocksPerOrder()).toEqual(row({ 1: 1, 2: 1 }));
    b.free(c, 1); // 2 merges with 0 (order 1), then 0 with 4 (order 2)
    expect(b.freeBlocksPerOrder()).toEqual(row({ 3: 1 }));
    expect(b.checkInvariants()).toEqual([]);
  });

  it("blocks at the ragged end of memory have no buddy to merge with", () => {
    // 24 frames: 0..15 (order 4) and 16..23 (order 3), whose buddy 24..31 does not exist
    const b = new BuddyAllocator(24);
    expect(b.alloc(4)).toBe(0);
    expect(b.alloc(3)).toBe(16);
    b.free(16, 3);
    expect(b.freeBlocksPerOrder()).toEqual(row({ 3: 1 }));
    b.free(0, 4);
    expect(b.freeBlocksPerOrder()).toEqual(row({ 3: 1, 4: 1 }));
    expect(b.checkInvariants()).toEqual([]);
  });

  it("a frame next to the reserved range never merges into it", () => {
    const b = new BuddyAllocator(16, 3);
    expect(b.alloc(0)).toBe(3);
    b.free(3, 0); // buddy 2 is reserved
    expect(b.freeBlocksPerOrder()).toEqual(row({ 0: 1, 2: 1, 3: 1 }));
    const got: number[] = [];
    for (let p = b.alloc(0); p !== -1; p = b.alloc(0)) got.push(p);
    expect(got).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(b.checkInvariants()).toEqual([]);
  });
});

describe("BuddyAllocator: tie-breaking", () => {
  it("a fresh allocator with aligned ends hands out ascending PFNs from frame 0", () => {
    const b = new BuddyAllocator(2048);
    const got: number[] = [];
    for (let i = 0; i < 2048; i++) got.push(b.alloc(0));
    expect(got).toEqual(Array.from({ length: 2048 }, (_, i) => i));
    expect(b.alloc(0)).toBe(-1);
  });

  it("with ragged ends, small leftover blocks go first, lowest first within an order", () => {
    // usable [3, 20): 3 (order 0), 4 and 16 (order 2), 8 (order 3)
    const b = new BuddyAllocator(20, 3);
    expect(b.freeList(2)).toEqual([4, 16]);
    const got: number[] = [];
    for (let p = b.alloc(0); p !== -1; p = b.alloc(0)) got.push(p);
    expect(got).toEqual([3, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it("lists are LIFO: the block freed last is reused first", () => {
    const b = new BuddyAllocator(16);
    for (let i = 0; i < 4; i++) b.alloc(0); // 0, 1, 2, 3
    b.free(0, 0); // buddy 1 is busy: order-0 list = [0]
    b.free(2, 0); // buddy 3 is busy: order-0 list = [2, 0]
    expect(b.freeList(0)).toEqual([2, 0]);
    expect(b.alloc(0)).toBe(2);
    expect(b.alloc(0)).toBe(0);
  });

  it("the smallest sufficient order wins over a lower address in a bigger block", () => {
    const b = new BuddyAllocator(16);
    const low = b.alloc(2); // 0..3, leaving 4 (order 2), 8 (order 3)
    b.alloc(2); // 4..7
    const mid = b.alloc(2); // 8..11, leaving 12 (order 2)
    b.free(low, 2); // buddy 4 is busy, so 0 joins 12 on the order-2 list, at the head
    expect(b.freeList(2)).toEqual([0, 12]);
    b.free(mid, 2); // 8 merges with 12 into order 3
    expect(b.freeList(3)).toEqual([8]);
    expect(b.alloc(2)).toBe(0); // exact fit beats splitting 8
  });

  it("allocation order is the same on every run", () => {
    const run = (): number[] => {
      const b = new BuddyAllocator(777, 13);
      const out: number[] = [];
      for (let i = 0; i < 200; i++) {
        const pfn = b.alloc(i % 4);
        out.push(pfn);
        if (i % 3 === 0 && pfn !== -1) b.free(pfn, i % 4);
      }
      return out;
    };
    expect(run()).toEqual(run());
  });
});

describe("BuddyAllocator: limits and misuse", () => {
  it("exhausting memory returns -1, and a fitting block makes it succeed again", () => {
    const b = new BuddyAllocator(4096);
    const big: number[] = [];
    for (let i = 0; i < 4; i++) big.push(b.alloc(MAX_PAGE_ORDER));
    expect(big).toEqual([0, 1024, 2048, 3072]);
    expect(b.alloc(MAX_PAGE_ORDER)).toBe(-1);
    expect(b.alloc(0)).toBe(-1);
    expect(b.freeFrames).toBe(0);
    b.free(2048, MAX_PAGE_ORDER);
    expect(b.alloc(3)).toBe(2048);
    expect(b.checkInvariants()).toEqual([]);
  });

  it("returns -1 when free frames suffice but no block is big enough (fragmentation)", () => {
    const b = new BuddyAllocator(8);
    const pfns: number[] = [];
    for (let i = 0; i < 8; i++) pfns.push(b.alloc(0));
    for (const pfn of pfns) if (pfn % 2 === 0) b.free(pfn, 0);
    expect(b.freeFrames).toBe(4);
    expect(b.alloc(1)).toBe(-1);
    expect(b.alloc(0)).not.toBe(-1);
  });

  it("an order above MAX_PAGE_ORDER returns -1; a nonsense order throws", () => {
    const b = new BuddyAllocator(1 << 12);
    expect(b.alloc(MAX_PAGE_ORDER + 1)).toBe(-1);
    expect(() => b.alloc(-1)).toThrow(RangeError);
    expect(() => b.alloc(0.5)).toThrow(RangeError);
    expect(() => b.alloc(Number.NaN)).toThrow(RangeError);
    expect(b.freeFrames).toBe(1 << 12);
  });

  it("a double free throws and leaves the lists intact", () => {
    const b = new BuddyAllocator(16);
    const pfn = b.alloc(0);
    b.alloc(0); // keep the buddy busy so the first free does not merge
    b.free(pfn, 0);
    expect(() => b.free(pfn, 0)).toThrow(/double free/);
    expect(b.checkInvariants()).toEqual([]);
  });

  it("a double free of a block that has since merged still throws", () => {
    const b = new BuddyAllocator(16);
    const pfn = b.alloc(0);
    b.free(pfn, 0); // merges all the way back to one order-4 block
    expect(() => b.free(pfn, 0)).toThrow(/double free/);
    expect(() => b.free(5, 0)).toThrow(/double free/);
    expect(b.freeBlocksPerOrder()).toEqual(row({ 4: 1 }));
  });

  it("freeing reserved, out-of-range, interior or mis-sized blocks throws", () => {
    const b = new BuddyAllocator(16, 2);
    const pfn = b.alloc(2); // 4..7 (2 and 3 are the order-0/1 leftovers)
    expect(pfn).toBe(4);
    expect(() => b.free(0, 0)).toThrow(/reserved/);
    expect(() => b.free(16, 0)).toThrow(/outside/);
    expect(() => b.free(-1, 0)).toThrow(/outside/);
    expect(() => b.free(5, 0)).toThrow(/not the first frame/);
    expect(() => b.free(4, 1)).toThrow(/allocated with order 2/);
    expect(() => b.free(4, -1)).toThrow(/order/);
    expect(() => b.free(4, 99)).toThrow(/order/);
    expect(b.allocatedOrder(4)).toBe(2);
    b.free(4, 2);
    expect(b.allocatedOrder(4)).toBe(-1);
    expect(b.freeFrames).toBe(14);
    expect(b.checkInvariants()).toEqual([]);
  });

  it("isFree follows blocks of every order", () => {
    const b = new BuddyAllocator(32);
    const p = b.alloc(3); // 0..7; free: 8..15 (order 3), 16..31 (order 4)
    for (let f = 0; f < 32; f++) expect(b.isFree(f)).toBe(f >= 8);
    b.free(p, 3);
    for (let f = 0; f < 32; f++) expect(b.isFree(f)).toBe(true);
    expect(b.isFree(32)).toBe(false);
    expect(b.isFree(-1)).toBe(false);
  });
});

type Op = { kind: "alloc"; order: number } | { kind: "free"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  // small orders dominate real workloads and make splits and merges frequent
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("alloc" as const),
      order: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: MAX_PAGE_ORDER })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }) },
);

describe("BuddyAllocator: properties", () => {
  it("random alloc/free keeps the invariants, matches the reference, and frees back to the start", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2600 }),
        fc.integer({ min: 0, max: 40 }),
        fc.array(opArb, { maxLength: 300, size: "max" }),
        fc.array(fc.nat(), { maxLength: 300, size: "max" }),
        (total, reservedWish, ops, freeOrder) => {
          const reserved = Math.min(reservedWish, total);
          const b = new BuddyAllocator(total, reserved);
          const ref = new ReferenceBuddy(total, reserved);
          const initial = b.freeBlocksPerOrder();
          const live: Array<{ pfn: number; order: number }> = [];
          let allocated = 0;

          for (const op of ops) {
            if (op.kind === "alloc") {
              const hadBlock = b
                .freeBlocksPerOrder()
                .slice(op.order)
                .some((n) => n > 0);
              const pfn = b.alloc(op.order);
              expect(pfn).toBe(ref.alloc(op.order));
              expect(pfn !== -1).toBe(hadBlock);
              if (pfn !== -1) {
                const size = 1 << op.order;
                expect(pfn % size).toBe(0);
                expect(pfn).toBeGreaterThanOrEqual(reserved);
                expect(pfn + size).toBeLessThanOrEqual(total);
                expect(b.isFree(pfn)).toBe(false);
                expect(b.isFree(pfn + size - 1)).toBe(false);
                live.push({ pfn, order: op.order });
                allocated += size;
              }
            } else if (live.length > 0) {
              const [victim] = live.splice(op.pick % live.length, 1);
              if (victim === undefined) throw new Error("unreachable");
              b.free(victim.pfn, victim.order);
              ref.free(victim.pfn, victim.order);
              expect(b.isFree(victim.pfn)).toBe(true);
              allocated -= 1 << victim.order;
            }
            expect(b.checkInvariants()).toEqual([]);
            expect(b.freeFrames + allocated).toBe(total - reserved);
          }

          // free the rest in an arbitrary order: merging must rebuild the boot-time layout
          let i = 0;
          while (live.length > 0) {
            const [victim] = live.splice((freeOrder[i++] ?? 0) % live.length, 1);
            if (victim === undefined) throw new Error("unreachable");
            b.free(victim.pfn, victim.order);
          }
          expect(b.checkInvariants()).toEqual([]);
          expect(b.freeFrames).toBe(total - reserved);
          expect(b.freeBlocksPerOrder()).toEqual(initial);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("BuddyAllocator: checkInvariants notices corruption", () => {
  it("reports a broken free list instead of passing", () => {
    const b = new BuddyAllocator(16);
    b.alloc(0);
    // Reach into the private arrays the way a buggy engine change might: mark an allocated frame
    // as a free head without linking it.
    const internals = b as unknown as { freeOrder: Int8Array };
    internals.freeOrder[0] = 0;
    expect(b.checkInvariants().length).toBeGreaterThan(0);
  });
});
