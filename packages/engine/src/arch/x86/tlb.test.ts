import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  TLB_DIRTY,
  TLB_GLOBAL,
  TLB_NX,
  TLB_USER,
  TLB_VALID,
  TLB_WRITABLE,
  Tlb,
  type TlbGeometry,
} from "./tlb.js";

const RW = TLB_VALID | TLB_WRITABLE | TLB_USER;

/** The i-th page number that maps to `set` of `tlb` (distinct for distinct i). */
function pageInSet(tlb: Tlb, set: number, i: number): number {
  return set + i * tlb.sets;
}

describe("Tlb geometry", () => {
  it("splits a 64-entry 4-way TLB into 16 sets", () => {
    const tlb = new Tlb("dtlb", { entries: 64, ways: 4 });
    expect(tlb.sets).toBe(16);
    expect(tlb.ways).toBe(4);
    expect(tlb.name).toBe("dtlb");
    expect(tlb.setIndex(0)).toBe(0);
    expect(tlb.setIndex(15)).toBe(15);
    expect(tlb.setIndex(16)).toBe(0);
    expect(tlb.setIndex(0x12345)).toBe(5);
    // The slot of a fresh insert lies inside its set's block of ways.
    const slot = tlb.insert(0x12345, 0, 7, RW);
    expect(slot).toBeGreaterThanOrEqual(5 * 4);
    expect(slot).toBeLessThan(6 * 4);
    expect(slot).toBe(20); // first invalid way of set 5
  });

  it("splits a 1536-entry 12-way STLB into 128 sets", () => {
    const tlb = new Tlb("stlb", { entries: 1536, ways: 12 });
    expect(tlb.sets).toBe(128);
    expect(tlb.ways).toBe(12);
    expect(tlb.setIndex(127)).toBe(127);
    expect(tlb.setIndex(128)).toBe(0);
    expect(tlb.setIndex(0x7ffff_ffff)).toBe(127);
    expect(tlb.insert(130, 0, 1, RW)).toBe(2 * 12);
    expect(tlb.insert(130 + 128, 0, 1, RW)).toBe(2 * 12 + 1);
  });

  it("treats ways === entries as fully associative", () => {
    const tlb = new Tlb("fa", { entries: 8, ways: 8 });
    expect(tlb.sets).toBe(1);
    for (let v = 0; v < 8; v++) expect(tlb.setIndex(v * 1_000_003)).toBe(0);
    for (let v = 0; v < 8; v++) tlb.insert(v * 1_000_003, 0, v, RW);
    expect(tlb.validCount()).toBe(8);
    expect(tlb.evictions).toBe(0);
  });

  it.each<[TlbGeometry, RegExp]>([
    [{ entries: 48, ways: 4 }, /power of two/],
    [{ entries: 1536, ways: 4 }, /power of two/],
    [{ entries: 64, ways: 0 }, /ways/],
    [{ entries: 64, ways: -4 }, /ways/],
    [{ entries: 64, ways: 2.5 }, /ways/],
    [{ entries: 0, ways: 1 }, /entries/],
    [{ entries: 64, ways: 5 }, /multiple of ways/],
    [{ entries: 4, ways: 8 }, /multiple of ways/],
  ])("rejects %o", (geometry, message) => {
    expect(() => new Tlb("bad", geometry)).toThrow(message);
    expect(() => new Tlb("bad", geometry)).toThrow(/TLB bad/);
  });
});

describe("Tlb lookup and insert", () => {
  it("misses when empty, hits after insert, and exposes pfn and flags", () => {
    const tlb = new Tlb("dtlb", { entries: 64, ways: 4 });
    expect(tlb.lookup(0x400, 1)).toBe(-1);
    expect(tlb.misses).toBe(1);
    const flags = TLB_VALID | TLB_USER | TLB_NX | TLB_DIRTY;
    const slot = tlb.insert(0x400, 1, 0x9abc, flags);
    expect(tlb.lookup(0x400, 1)).toBe(slot);
    expect(tlb.hits).toBe(1);
    expect(tlb.pfn[slot]).toBe(0x9abc);
    expect(tlb.flags[slot]).toBe(flags);
    expect(tlb.vpn[slot]).toBe(0x400);
    expect(tlb.asid[slot]).toBe(1);
    expect(tlb.validCount()).toBe(1);
  });

  it("always stores the VALID bit", () => {
    const tlb = new Tlb("dtlb", { entries: 16, ways: 4 });
    const slot = tlb.insert(3, 0, 3, TLB_WRITABLE);
    expect(tlb.flags[slot]).toBe(TLB_VALID | TLB_WRITABLE);
  });

  it("refills a present entry in place without an eviction", () => {
    const tlb = new Tlb("dtlb", { entries: 16, ways: 4 });
    const slot = tlb.insert(3, 0, 3, TLB_VALID | TLB_USER);
    expect(tlb.insert(3, 0, 3, TLB_VALID | TLB_USER | TLB_DIRTY)).toBe(slot);
    expect(tlb.flags[slot]).toBe(TLB_VALID | TLB_USER | TLB_DIRTY);
    expect(tlb.validCount()).toBe(1);
    expect(tlb.evictions).toBe(0);
  });

  it("peek finds entries without changing counters or recency", () => {
    const tlb = new Tlb("dtlb", { entries: 8, ways: 2 });
    const a = pageInSet(tlb, 1, 0);
    const b = pageInSet(tlb, 1, 1);
    const c = pageInSet(tlb, 1, 2);
    const slotA = tlb.insert(a, 0, 1, RW);
    tlb.insert(b, 0, 2, RW);
    expect(tlb.peek(a, 0)).toBe(slotA); // would refresh a if it were a lookup
    expect(tlb.peek(c, 0)).toBe(-1);
    expect(tlb.hits + tlb.misses).toBe(0);
    tlb.insert(c, 0, 3, RW);
    expect(tlb.peek(a, 0)).toBe(-1); // a stayed least recently used
    expect(tlb.peek(b, 0)).toBeGreaterThanOrEqual(0);
  });

  it("rejects an asid that the tag array cannot hold", () => {
    const tlb = new Tlb("dtlb", { entries: 16, ways: 4 });
    expect(() => tlb.insert(1, 0x10000, 1, RW)).toThrow(RangeError);
    expect(() => tlb.insert(1, -1, 1, RW)).toThrow(RangeError);
    expect(() => tlb.insert(1, 1.5, 1, RW)).toThrow(RangeError);
    expect(tlb.insert(1, 4095, 1, RW)).toBeGreaterThanOrEqual(0);
  });
});

describe("Tlb LRU replacement", () => {
  it("evicts the first inserted page when ways+1 pages share a set", () => {
    const tlb = new Tlb("dtlb", { entries: 64, ways: 4 });
    const pages = [0, 1, 2, 3, 4].map((i) => pageInSet(tlb, 9, i));
    for (const [i, v] of pages.entries()) tlb.insert(v, 0, 100 + i, RW);
    expect(tlb.evictions).toBe(1);
    expect(tlb.peek(pages[0] as number, 0)).toBe(-1);
    for (const v of pages.slice(1)) expect(tlb.peek(v, 0)).toBeGreaterThanOrEqual(0);
    // Only the shared set was touched.
    expect(tlb.validCount()).toBe(4);
  });

  it("a lookup refreshes recency, so the next-oldest page is evicted instead", () => {
    const tlb = new Tlb("dtlb", { entries: 64, ways: 4 });
    const pages = [0, 1, 2, 3, 4, 5].map((i) => pageInSet(tlb, 3, i));
    for (const v of pages.slice(0, 4)) tlb.insert(v, 0, v, RW);
    expect(tlb.lookup(pages[0] as number, 0)).toBeGreaterThanOrEqual(0);
    tlb.insert(pages[4] as number, 0, 0, RW);
    expect(tlb.peek(pages[0] as number, 0)).toBeGreaterThanOrEqual(0);
    expect(tlb.peek(pages[1] as number, 0)).toBe(-1);
    tlb.insert(pages[5] as number, 0, 0, RW);
    expect(tlb.peek(pages[2] as number, 0)).toBe(-1);
    expect(tlb.evictions).toBe(2);
  });

  it("fills an invalidated way before evicting", () => {
    const tlb = new Tlb("dtlb", { entries: 16, ways: 4 });
    const pages = [0, 1, 2, 3, 4].map((i) => pageInSet(tlb, 0, i));
    const slots = pages.slice(0, 4).map((v) => tlb.insert(v, 0, v, RW));
    expect(tlb.invalidatePage(pages[2] as number, 0)).toBe(true);
    expect(tlb.insert(pages[4] as number, 0, 0, RW)).toBe(slots[2]);
    expect(tlb.evictions).toBe(0);
    expect(tlb.peek(pages[0] as number, 0)).toBeGreaterThanOrEqual(0);
  });
});

describe("Tlb address spaces", () => {
  it("keeps the same page number apart in two asids", () => {
    const tlb = new Tlb("dtlb", { entries: 64, ways: 4 });
    const s1 = tlb.insert(0x7f00, 1, 111, RW);
    expect(tlb.lookup(0x7f00, 2)).toBe(-1);
    const s2 = tlb.insert(0x7f00, 2, 222, RW);
    expect(s2).not.toBe(s1);
    expect(tlb.pfn[tlb.lookup(0x7f00, 1)]).toBe(111);
    expect(tlb.pfn[tlb.lookup(0x7f00, 2)]).toBe(222);
    tlb.invalidateAsid(1);
    expect(tlb.lookup(0x7f00, 1)).toBe(-1);
    expect(tlb.lookup(0x7f00, 2)).toBe(s2);
  });

  it("global entries hit for any asid and survive flushAll(false) and invalidateAsid", () => {
    const tlb = new Tlb("dtlb", { entries: 64, ways: 4 });
    const g = tlb.insert(0xffff_8000, 5, 42, TLB_VALID | TLB_WRITABLE | TLB_GLOBAL);
    tlb.insert(0x1000, 5, 43, RW);
    for (const asid of [0, 5, 4095]) expect(tlb.lookup(0xffff_8000, asid)).toBe(g);
    tlb.invalidateAsid(5);
    expect(tlb.lookup(0xffff_8000, 7)).toBe(g);
    expect(tlb.peek(0x1000, 5)).toBe(-1);
    tlb.insert(0x1000, 5, 43, RW);
    tlb.flushAll(false);
    expect(tlb.lookup(0xffff_8000, 9)).toBe(g);
    expect(tlb.peek(0x1000, 5)).toBe(-1);
    expect(tlb.validCount()).toBe(1);
    tlb.flushAll(true);
    expect(tlb.peek(0xffff_8000, 5)).toBe(-1);
    expect(tlb.validCount()).toBe(0);
  });

  it("a global fill takes over the per-asid entries of its page", () => {
    const tlb = new Tlb("dtlb", { entries: 16, ways: 4 });
    const a = tlb.insert(8, 1, 1, RW);
    tlb.insert(8, 2, 2, RW);
    expect(tlb.insert(8, 3, 3, RW | TLB_GLOBAL)).toBe(a);
    expect(tlb.validCount()).toBe(1);
    expect(tlb.evictions).toBe(0);
    expect(tlb.pfn[tlb.lookup(8, 2)]).toBe(3);
  });
});

describe("Tlb invalidatePage", () => {
  it("drops (vpn, asid) only, and reports whether it dropped anything", () => {
    const tlb = new Tlb("dtlb", { entries: 64, ways: 4 });
    tlb.insert(0x20, 1, 1, RW);
    tlb.insert(0x20, 2, 2, RW);
    tlb.insert(0x21, 1, 3, RW);
    expect(tlb.invalidatePage(0x20, 1)).toBe(true);
    expect(tlb.invalidatePage(0x20, 1)).toBe(false);
    expect(tlb.peek(0x20, 1)).toBe(-1);
    expect(tlb.peek(0x20, 2)).toBeGreaterThanOrEqual(0);
    expect(tlb.peek(0x21, 1)).toBeGreaterThanOrEqual(0);
    expect(tlb.invalidatePage(0x99, 1)).toBe(false);
  });

  it("also drops a global entry for the page, from any asid", () => {
    const tlb = new Tlb("dtlb", { entries: 64, ways: 4 });
    tlb.insert(0x30, 0, 1, RW | TLB_GLOBAL);
    expect(tlb.invalidatePage(0x30, 17)).toBe(true);
    expect(tlb.peek(0x30, 0)).toBe(-1);
  });
});

describe("Tlb with page numbers above 2^32", () => {
  it("indexes by the low bits and never aliases pages that differ only in high bits", () => {
    const tlb = new Tlb("stlb", { entries: 1536, ways: 12 });
    const low = 0x1234_5677; // set 0x77
    const high = low + 2 ** 40; // 57-bit address space: bit 40 of the page number
    const higher = low + (2 ** 44 + 2 ** 33);
    expect(tlb.setIndex(high)).toBe(0x77);
    expect(tlb.setIndex(higher)).toBe(0x77);
    expect(tlb.setIndex(2 ** 45 - 1)).toBe(127);
    const sHigh = tlb.insert(high, 0, 5, RW);
    expect(Math.floor(sHigh / 12)).toBe(0x77);
    expect(tlb.lookup(low, 0)).toBe(-1);
    expect(tlb.lookup(higher, 0)).toBe(-1);
    expect(tlb.lookup(high, 0)).toBe(sHigh);
    expect(tlb.vpn[sHigh]).toBe(high);
    const sLow = tlb.insert(low, 0, 6, RW);
    expect(sLow).not.toBe(sHigh);
    expect(tlb.pfn[tlb.lookup(low, 0)]).toBe(6);
    expect(tlb.pfn[tlb.lookup(high, 0)]).toBe(5);
    expect(tlb.invalidatePage(low, 0)).toBe(true);
    expect(tlb.lookup(high, 0)).toBe(sHigh);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: the Tlb behaves like a plain reference model (a list of entries per set, true LRU
// by a use counter, the same fill and invalidation rules), over random operation sequences.

interface ModelEntry {
  vpn: number;
  asid: number;
  pfn: number;
  flags: number;
  stamp: number;
}

class ModelTlb {
  readonly sets: ModelEntry[][];
  hits = 0;
  misses = 0;
  evictions = 0;
  private clock = 0;

  constructor(
    private readonly setCount: number,
    private readonly ways: number,
  ) {
    this.sets = Array.from({ length: setCount }, () => []);
  }

  private setOf(vpn: number): ModelEntry[] {
    // Exact integer remainder, computed differently from the Tlb's 32-bit mask on purpose.
    return this.sets[((vpn % this.setCount) + this.setCount) % this.setCount] as ModelEntry[];
  }

  private static matches(e: ModelEntry, vpn: number, asid: number): boolean {
    return e.vpn === vpn && (e.asid === asid || (e.flags & TLB_GLOBAL) !== 0);
  }

  find(vpn: number, asid: number): ModelEntry | undefined {
    return this.setOf(vpn).find((e) => ModelTlb.matches(e, vpn, asid));
  }

  lookup(vpn: number, asid: number): ModelEntry | undefined {
    const e = this.find(vpn, asid);
    if (e) {
      e.stamp = ++this.clock;
      this.hits++;
    } else {
      this.misses++;
    }
    return e;
  }

  insert(vpn: number, asid: number, pfn: number, flags: number): void {
    const f = (flags | TLB_VALID) & 0xff;
    const set = this.setOf(vpn);
    const global = (f & TLB_GLOBAL) !== 0;
    const same = set.filter((e) => e.vpn === vpn && (global || ModelTlb.matches(e, vpn, asid)));
    const kept = set.filter((e) => !same.includes(e));
    if (same.length === 0 && kept.length === this.ways) {
      let oldest = kept[0] as ModelEntry;
      for (const e of kept) if (e.stamp < oldest.stamp) oldest = e;
      kept.splice(kept.indexOf(oldest), 1);
      this.evictions++;
    }
    kept.push({ vpn, asid, pfn, flags: f, stamp: ++this.clock });
    set.splice(0, set.length, ...kept);
  }

  invalidatePage(vpn: number, asid: number): boolean {
    const set = this.setOf(vpn);
    const kept = set.filter((e) => !ModelTlb.matches(e, vpn, asid));
    const dropped = kept.length !== set.length;
    set.splice(0, set.length, ...kept);
    return dropped;
  }

  invalidateAsid(asid: number): void {
    for (const set of this.sets) {
      const kept = set.filter((e) => (e.flags & TLB_GLOBAL) !== 0 || e.asid !== asid);
      set.splice(0, set.length, ...kept);
    }
  }

  flushAll(includeGlobal: boolean): void {
    for (const set of this.sets) {
      const kept = includeGlobal ? [] : set.filter((e) => (e.flags & TLB_GLOBAL) !== 0);
      set.splice(0, set.length, ...kept);
    }
  }
}

type Op =
  | { kind: "lookup"; vpn: number; asid: number }
  | { kind: "insert"; vpn: number; asid: number; pfn: number; flags: number }
  | { kind: "invalidatePage"; vpn: number; asid: number }
  | { kind: "invalidateAsid"; asid: number }
  | { kind: "flushAll"; includeGlobal: boolean };

/**
 * Few distinct pages so sets overflow and pages repeat; the high part puts some page numbers
 * above 2^32 (and up to 2^45) that share low bits with small ones.
 */
const vpnArb = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 2 ** 32, 2 ** 40, 2 ** 44 + 2 ** 36))
  .map(([low, high]) => low + high);
const asidArb = fc.integer({ min: 0, max: 3 });
const flagsArb = fc.integer({ min: 0, max: 63 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("lookup"), vpn: vpnArb, asid: asidArb }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("insert"),
      vpn: vpnArb,
      asid: asidArb,
      pfn: fc.integer({ min: 0, max: 2 ** 40 }),
      flags: flagsArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("invalidatePage"), vpn: vpnArb, asid: asidArb }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("invalidateAsid"), asid: asidArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("flushAll"), includeGlobal: fc.boolean() }),
  },
);

const geometryArb: fc.Arbitrary<TlbGeometry> = fc.constantFrom(
  { entries: 1, ways: 1 },
  { entries: 4, ways: 1 },
  { entries: 4, ways: 4 },
  { entries: 8, ways: 2 },
  { entries: 16, ways: 4 },
  { entries: 12, ways: 3 },
);

/** The Tlb's valid entries of one set, ordered least to most recently used. */
function tlbSetContents(tlb: Tlb, set: number): Omit<ModelEntry, "stamp">[] {
  const slots: number[] = [];
  for (let s = set * tlb.ways; s < (set + 1) * tlb.ways; s++) {
    if (tlb.flags[s] !== 0) slots.push(s);
    else expect(tlb.vpn[s]).toBe(-1); // the empty-slot encoding lookup relies on
  }
  slots.sort((a, b) => (tlb.stamp[a] as number) - (tlb.stamp[b] as number));
  return slots.map((s) => ({
    vpn: tlb.vpn[s] as number,
    asid: tlb.asid[s] as number,
    pfn: tlb.pfn[s] as number,
    flags: tlb.flags[s] as number,
  }));
}

function modelSetContents(model: ModelTlb, set: number): Omit<ModelEntry, "stamp">[] {
  return [...(model.sets[set] as ModelEntry[])]
    .sort((a, b) => a.stamp - b.stamp)
    .map(({ vpn, asid, pfn, flags }) => ({ vpn, asid, pfn, flags }));
}

function expectSameState(tlb: Tlb, model: ModelTlb): void {
  let valid = 0;
  for (let set = 0; set < tlb.sets; set++) {
    const contents = tlbSetContents(tlb, set);
    expect(contents).toEqual(modelSetContents(model, set));
    for (const e of contents) expect(tlb.setIndex(e.vpn)).toBe(set);
    valid += contents.length;
  }
  expect(tlb.validCount()).toBe(valid);
  expect([tlb.hits, tlb.misses, tlb.evictions]).toEqual([
    model.hits,
    model.misses,
    model.evictions,
  ]);
}

describe("Tlb against a reference model", () => {
  it("agrees on every result, the contents and LRU order of every set, and the counters", () => {
    fc.assert(
      fc.property(geometryArb, fc.array(opArb, { maxLength: 120 }), (geometry, ops) => {
        const tlb = new Tlb("prop", geometry);
        const model = new ModelTlb(tlb.sets, tlb.ways);
        for (const op of ops) {
          switch (op.kind) {
            case "lookup": {
              const peeked = tlb.peek(op.vpn, op.asid);
              const slot = tlb.lookup(op.vpn, op.asid);
              expect(slot).toBe(peeked);
              const e = model.lookup(op.vpn, op.asid);
              if (e === undefined) {
                expect(slot).toBe(-1);
              } else {
                expect(slot).toBeGreaterThanOrEqual(0);
                expect(tlb.pfn[slot]).toBe(e.pfn);
                expect(tlb.flags[slot]).toBe(e.flags);
                expect(tlb.vpn[slot]).toBe(op.vpn);
              }
              break;
            }
            case "insert": {
              const slot = tlb.insert(op.vpn, op.asid, op.pfn, op.flags);
              model.insert(op.vpn, op.asid, op.pfn, op.flags);
              expect(Math.floor(slot / tlb.ways)).toBe(tlb.setIndex(op.vpn));
              expect(tlb.peek(op.vpn, op.asid)).toBe(slot);
              break;
            }
            case "invalidatePage":
              expect(tlb.invalidatePage(op.vpn, op.asid)).toBe(
                model.invalidatePage(op.vpn, op.asid),
              );
              break;
            case "invalidateAsid":
              tlb.invalidateAsid(op.asid);
              model.invalidateAsid(op.asid);
              break;
            case "flushAll":
              tlb.flushAll(op.includeGlobal);
              model.flushAll(op.includeGlobal);
              break;
          }
          expectSameState(tlb, model);
        }
      }),
      { numRuns: 300 },
    );
  });
});
