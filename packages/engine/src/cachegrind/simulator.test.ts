import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LACKEY_INSTRUCTION,
  LACKEY_LOAD,
  LACKEY_MODIFY,
  LACKEY_STORE,
  LackeyAccessParser,
} from "../trace/lackey.js";
import type { CachegrindCacheGeometry, CachegrindGeometry } from "./geometry.js";
import { type CachegrindCounts, CachegrindSimulator } from "./simulator.js";

/** Small caches: I1 and D1 with 2 sets of 2 ways of 64 bytes, LL with 4 sets of 2 ways. */
const SMALL: CachegrindGeometry = {
  I1: { size: 256, assoc: 2, lineSize: 64 },
  D1: { size: 256, assoc: 2, lineSize: 64 },
  LL: { size: 512, assoc: 2, lineSize: 64 },
};

const ZERO: CachegrindCounts = {
  Ir: 0,
  I1mr: 0,
  ILmr: 0,
  Dr: 0,
  D1mr: 0,
  DLmr: 0,
  Dw: 0,
  D1mw: 0,
  DLmw: 0,
};

describe("CachegrindSimulator", () => {
  it("sends an instruction fetch to I1, and to LL only when I1 misses", () => {
    const sim = new CachegrindSimulator(SMALL);
    sim.instruction(0, 0x1000, 4); // I1 miss, LL miss
    sim.instruction(0, 0x1004, 4); // I1 hit: LL not consulted
    expect(sim.counts()).toEqual({ ...ZERO, Ir: 2, I1mr: 1, ILmr: 1 });
  });

  it("keeps I1 and D1 apart but shares LL: data at a fetched address misses D1, hits LL", () => {
    const sim = new CachegrindSimulator(SMALL);
    sim.instruction(0, 0x1000, 4);
    sim.read(0, 0x1008, 8);
    expect(sim.counts()).toEqual({ ...ZERO, Ir: 1, I1mr: 1, ILmr: 1, Dr: 1, D1mr: 1, DLmr: 0 });
    // And the other way round: a line brought in by a store serves a later fetch from LL.
    sim.write(0, 0x2000, 8);
    sim.instruction(0, 0x2010, 2);
    expect(sim.counts()).toEqual({
      ...ZERO,
      Ir: 2,
      I1mr: 2,
      ILmr: 1,
      Dr: 1,
      D1mr: 1,
      Dw: 1,
      D1mw: 1,
      DLmw: 1,
    });
  });

  it("allocates on a write miss: a read of the stored line then hits", () => {
    const sim = new CachegrindSimulator(SMALL);
    sim.write(0, 0x3000, 8);
    sim.read(0, 0x3020, 8);
    expect(sim.counts()).toEqual({ ...ZERO, Dw: 1, D1mw: 1, DLmw: 1, Dr: 1 });
  });

  it("counts a lackey modify (M) as one data read and no write, as cachegrind's Dm", () => {
    const sim = new CachegrindSimulator(SMALL);
    sim.access(LACKEY_MODIFY, 0, 0x4000, 4);
    sim.access(LACKEY_MODIFY, 0, 0x4000, 4);
    expect(sim.counts()).toEqual({ ...ZERO, Dr: 2, D1mr: 1, DLmr: 1 });
    expect(sim.modifies).toBe(2);
  });

  it("routes lackey kinds: I fetch, L read, S write; ignores others", () => {
    const sim = new CachegrindSimulator(SMALL);
    sim.access(LACKEY_INSTRUCTION, 0, 0x1000, 3);
    sim.access(LACKEY_LOAD, 0, 0x5000, 8);
    sim.access(LACKEY_STORE, 0, 0x6000, 8);
    sim.access(88, 0, 0x7000, 8);
    expect(sim.counts()).toEqual({
      ...ZERO,
      Ir: 1,
      I1mr: 1,
      ILmr: 1,
      Dr: 1,
      D1mr: 1,
      DLmr: 1,
      Dw: 1,
      D1mw: 1,
      DLmw: 1,
    });
    expect(sim.ignored).toBe(1);
  });

  it("counts one miss per level for an access straddling two lines, and looks LL up whole", () => {
    const sim = new CachegrindSimulator(SMALL);
    sim.read(0, 0x103c, 8); // lines 0x40 and 0x41: one D1 miss, one LL miss
    expect(sim.counts()).toEqual({ ...ZERO, Dr: 1, D1mr: 1, DLmr: 1 });
    // Both lines are now in LL: a fetch of the same bytes misses I1 (once) and hits LL.
    sim.instruction(0, 0x103c, 8);
    expect(sim.I1mr).toBe(1);
    expect(sim.ILmr).toBe(0);
  });

  it("cuts an access longer than the smallest line to that line, as cachegrind does", () => {
    const sim = new CachegrindSimulator({
      I1: { size: 256, assoc: 2, lineSize: 64 },
      D1: { size: 256, assoc: 2, lineSize: 32 },
      LL: { size: 1024, assoc: 2, lineSize: 128 },
    });
    expect(sim.minLineSize).toBe(32);
    // 160 bytes from 0x1000 would span 5 lines of D1; cut to 32 it is one line.
    sim.write(0, 0x1000, 160);
    sim.read(0, 0x1020, 8); // the second line of the 160: never brought in
    expect(sim.counts()).toEqual({ ...ZERO, Dw: 1, D1mw: 1, DLmw: 1, Dr: 1, D1mr: 1 });
    expect(sim.clipped).toBe(1);
  });

  it("reads a lackey trace through LackeyAccessParser", () => {
    const sim = new CachegrindSimulator(SMALL);
    const parser = new LackeyAccessParser(sim);
    const trace = [
      "==1== Lackey, an example Valgrind tool",
      "I  00401000,3",
      " L 1ffefffd58,8",
      "I  00401003,4",
      " S 1ffefffd58,8",
      " M 00601040,4",
      "I  00401007,2",
      "",
    ].join("\n");
    parser.push(new TextEncoder().encode(trace));
    parser.end();
    expect(sim.counts()).toEqual({
      ...ZERO,
      Ir: 3,
      I1mr: 1,
      ILmr: 1,
      Dr: 2,
      D1mr: 2,
      DLmr: 2,
      Dw: 1,
    });
  });
});

/** A plain model of one cachegrind cache: lists of line numbers (BigInt), MRU first. */
class ReferenceCache {
  private readonly rows: bigint[][];
  private readonly lineBits: bigint;
  private readonly sets: bigint;

  constructor(geometry: CachegrindCacheGeometry) {
    const sets = geometry.size / geometry.lineSize / geometry.assoc;
    this.rows = Array.from({ length: sets }, () => new Array<bigint>(geometry.assoc).fill(0n));
    this.lineBits = BigInt(Math.log2(geometry.lineSize));
    this.sets = BigInt(sets);
  }

  private touch(line: bigint): boolean {
    const row = this.rows[Number(line % this.sets)] as bigint[];
    const way = row.indexOf(line);
    if (way >= 0) row.splice(way, 1);
    else row.pop();
    row.unshift(line);
    return way < 0;
  }

  lookup(address: bigint, size: number): boolean {
    const first = address >> this.lineBits;
    const last = BigInt.asUintN(64, address + BigInt(size) - 1n) >> this.lineBits;
    if (first === last) return this.touch(first);
    const firstMissed = this.touch(first);
    const lastMissed = this.touch(last);
    return firstMissed || lastMissed;
  }
}

interface Access {
  kind: number;
  address: bigint;
  size: number;
}

function referenceCounts(geometry: CachegrindGeometry, accesses: Access[]): CachegrindCounts {
  const I1 = new ReferenceCache(geometry.I1);
  const D1 = new ReferenceCache(geometry.D1);
  const LL = new ReferenceCache(geometry.LL);
  const minLine = Math.min(geometry.I1.lineSize, geometry.D1.lineSize, geometry.LL.lineSize);
  const counts = { ...ZERO };
  for (const { kind, address, size: asked } of accesses) {
    const size = Math.min(asked, minLine);
    const first = kind === LACKEY_INSTRUCTION ? I1 : D1;
    const l1Miss = first.lookup(address, size);
    const llMiss = l1Miss && LL.lookup(address, size);
    if (kind === LACKEY_INSTRUCTION) {
      counts.Ir++;
      counts.I1mr += Number(l1Miss);
      counts.ILmr += Number(llMiss);
    } else if (kind === LACKEY_STORE) {
      counts.Dw++;
      counts.D1mw += Number(l1Miss);
      counts.DLmw += Number(llMiss);
    } else {
      counts.Dr++;
      counts.D1mr += Number(l1Miss);
      counts.DLmr += Number(llMiss);
    }
  }
  return counts;
}

const cacheArb = fc
  .record({
    lineSize: fc.constantFrom(16, 32, 64, 128),
    sets: fc.constantFrom(1, 2, 4, 8),
    assoc: fc.integer({ min: 1, max: 5 }),
  })
  .map(({ lineSize, sets, assoc }) => ({ size: lineSize * sets * assoc, assoc, lineSize }))
  .filter((cache) => cache.size > cache.lineSize);

/** Addresses near a few bases: low memory, a user stack, the vsyscall page, the top of memory. */
const accessArb = fc.record({
  kind: fc.constantFrom(LACKEY_INSTRUCTION, LACKEY_LOAD, LACKEY_STORE, LACKEY_MODIFY),
  address: fc
    .tuple(
      fc.constantFrom(0n, 0x7ffd_f000_0000n, 0xffff_ffff_ff60_0000n, 0xffff_ffff_ffff_f000n),
      fc.integer({ min: 0, max: 4095 }),
    )
    .map(([base, offset]) => base + BigInt(offset)),
  size: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 200 })),
});

describe("CachegrindSimulator against a plain reference model", () => {
  it("gives the same nine counts on random geometries and access streams", () => {
    fc.assert(
      fc.property(
        fc.record({ I1: cacheArb, D1: cacheArb, LL: cacheArb }),
        fc.array(accessArb, { maxLength: 400, size: "max" }),
        (geometry, accesses) => {
          const sim = new CachegrindSimulator(geometry);
          for (const { kind, address, size } of accesses) {
            sim.access(kind, Number(address >> 32n), Number(address & 0xffffffffn), size);
          }
          expect(sim.counts()).toEqual(referenceCounts(geometry, accesses));
        },
      ),
      { numRuns: 300 },
    );
  });
});
