import { describe, expect, it } from "vitest";
import { READ_LEAF, READ_TABLE } from "./design.js";
import { LINEAR_TABLE_BYTES, linearTableBytes } from "./linear.js";
import { RadixDesign, RadixGeometry, radixTableBytes } from "./radix.js";
import { parsePageTableSpec } from "./spec.js";
import { bareContext, bareMm } from "./test_kit.js";

const KiB = 1024;
const GiB = 1024 ** 3;
/** The sparse process of the textbooks: one page at the bottom, one at the top of user space. */
const BOTTOM = 0x0;
const TOP = 0x7fffffffe000;

function design(name: string, frames = 4096) {
  const context = bareContext(frames);
  return {
    design: new RadixDesign(parsePageTableSpec(name), context),
    context,
    mm: () => bareMm(context),
  };
}

describe("radix geometry", () => {
  it("splits a page number into each level's index, high bits first", () => {
    const twoLevel = new RadixGeometry([10, 10]);
    expect(twoLevel.index(0x08048, 0, 0)).toBe(0x20);
    expect(twoLevel.index(0x08048, 0, 1)).toBe(0x048);
    expect(twoLevel.bitRange(0)).toBe("31-22");
    const x86 = new RadixGeometry([9, 9, 9, 9]);
    // 0x7ffff7fef000: page number 0x7ffff7fef, PGD 255, PUD 511, PMD 447, PTE 495 (as x86-64).
    const vpn = 0x7ffff7fef;
    const [low, high] = [vpn >>> 0, Math.floor(vpn / 2 ** 32)];
    expect([0, 1, 2, 3].map((level) => x86.index(low, high, level))).toEqual([255, 511, 447, 495]);
    // multilevel:12,12,11: a 12-bit index straddling bit 32 of the page number (bits 46-35).
    const wide = new RadixGeometry([12, 12, 11]);
    expect([0, 1, 2].map((level) => wide.index(low, high, level))).toEqual([4095, 4079, 2031]);
    expect(wide.limit).toBe(2 ** 47);
  });
});

describe("table memory, worked examples", () => {
  it("a linear table is 512 GiB for a 48-bit space and 256 GiB for the 47-bit user space", () => {
    expect(linearTableBytes(48)).toBe(512 * GiB);
    expect(linearTableBytes(47)).toBe(256 * GiB);
    expect(LINEAR_TABLE_BYTES).toBe(256 * GiB);
    // A 32-bit space with 4 KiB pages and 8-byte entries: 2^20 entries, 8 MiB.
    expect(linearTableBytes(32)).toBe(8 * 1024 * KiB);
  });

  it("a sparse process needs 7 pages of x86-64-shaped tables, far less than a linear table", () => {
    expect(radixTableBytes([9, 9, 9, 9], [BOTTOM, TOP])).toBe(7 * 4 * KiB);
    const { design: tree, mm: newMm } = design("multilevel:9,9,9,9");
    const mm = newMm();
    tree.createMm(mm, 1000);
    expect(tree.tableBytesOf(mm)).toBe(4 * KiB);
    tree.afterFault(mm, BOTTOM, 300);
    expect(tree.tableBytesOf(mm)).toBe(4 * 4 * KiB);
    tree.afterFault(mm, TOP, 301);
    expect(tree.tableBytesOf(mm)).toBe(7 * 4 * KiB);
    expect(LINEAR_TABLE_BYTES / tree.tableBytesOf(mm)).toBe(2 ** 38 / (7 * 4096));
  });

  it("multilevel:10,10 for 1024 pages from 0x08048000: an 8 KiB top table and two 8 KiB leaves", () => {
    const start = 0x08048000;
    const pages = Array.from({ length: 1024 }, (_, page) => start + page * 4096);
    // The pages span two 4 MiB regions (top indices 32 and 33); entries are 8 bytes.
    expect(radixTableBytes([10, 10], pages)).toBe(24 * KiB);
    const { design: tree, mm: newMm } = design("multilevel:10,10");
    const mm = newMm();
    tree.createMm(mm, 1000);
    pages.forEach((address, page) => {
      tree.afterFault(mm, address, 400 + page);
    });
    expect(tree.tableBytesOf(mm)).toBe(24 * KiB);
    expect(tree.counters.fills).toBe(1024);
    // A 32-bit space of one process touching few pages: still far below a 4 MiB linear table.
    expect(radixTableBytes([10, 10], [start])).toBe(16 * KiB);
  });

  it("multilevel:12,12,11: wider tables, so fewer levels but more memory for a sparse process", () => {
    // 32 KiB top + 32 KiB middle + 16 KiB leaf for each of the two pages' paths.
    expect(radixTableBytes([12, 12, 11], [BOTTOM, TOP])).toBe((32 + 2 * 48) * KiB);
  });
});

describe("walks", () => {
  it("reads one entry per level, at the table's frame plus index * 8", () => {
    const { design: tree, mm: newMm } = design("multilevel:10,10");
    const mm = newMm();
    tree.createMm(mm, 1000);
    tree.afterFault(mm, 0x08048000, 500);
    const reads = tree.walk(mm, 0x08048123, 500, true);
    expect(reads.count).toBe(2);
    const root = tree.tableFrames()[0]?.pfn as number;
    // Top index 0x20: entry 32 in the first of the top table's two frames.
    expect([reads.pfn[0], reads.offset[0], reads.index[0], reads.kind[0]]).toEqual([
      root,
      32 * 8,
      32,
      READ_TABLE,
    ]);
    expect([reads.offset[1], reads.index[1], reads.kind[1]]).toEqual([0x48 * 8, 0x48, READ_LEAF]);
    expect(reads.extraCycles).toBe(0);
  });

  it("x86-64's shape reads 4 entries, multilevel:12,12,11 reads 3", () => {
    for (const [name, expected] of [
      ["multilevel:9,9,9,9", 4],
      ["multilevel:12,12,11", 3],
      ["multilevel:9,9,9,8", 4],
    ] as const) {
      const { design: tree, mm: newMm } = design(name);
      const mm = newMm();
      tree.createMm(mm, 1);
      tree.afterFault(mm, 0x7ffff7fef000, 300);
      expect(tree.walk(mm, 0x7ffff7fef000, 300, true).count).toBe(expected);
    }
  });

  it("a walk that reaches a missing table stops there (a fault)", () => {
    const { design: tree, mm: newMm } = design("multilevel:9,9,9,9");
    const mm = newMm();
    tree.createMm(mm, 1);
    expect(tree.walk(mm, 0x1000, -1, true).count).toBe(1);
    expect(tree.tableBytesOf(mm)).toBe(4096);
  });

  it("a walk finding the kernel's PTE but no entry fills it (tables allocated, charged)", () => {
    const { design: tree, mm: newMm } = design("multilevel:9,9,9,9");
    const mm = newMm();
    tree.createMm(mm, 1);
    const reads = tree.walk(mm, 0x1000, 777, true);
    expect(reads.count).toBe(4);
    expect(reads.extraCycles).toBe(3 * 1000);
    expect(tree.counters.refills).toBe(1);
    expect(tree.walk(mm, 0x1000, 777, true).extraCycles).toBe(0);
    expect(tree.counters.refills).toBe(1);
  });

  it("drops an entry that disagrees with the kernel's PTE", () => {
    const { design: tree, mm: newMm } = design("multilevel:9,9,9,9");
    const mm = newMm();
    tree.createMm(mm, 1);
    tree.afterFault(mm, 0x1000, 777);
    tree.walk(mm, 0x1000, 778, true);
    expect(tree.counters.staleEntries).toBe(1);
    tree.walk(mm, 0x1000, -1, true);
    expect(tree.counters.staleEntries).toBe(2);
    // The entry gone, its now-empty tables went with it.
    expect(tree.tableBytesOf(mm)).toBe(4096);
  });
});

describe("invalidation and exit", () => {
  it("an invalidated range frees the tables left empty, and exit frees everything", () => {
    const { design: tree, context, mm: newMm } = design("multilevel:9,9,9,9");
    const mm = newMm();
    tree.createMm(mm, 1);
    const free = context.phys.freeFrames;
    tree.afterFault(mm, BOTTOM, 300);
    tree.afterFault(mm, TOP, 301);
    expect(context.phys.freeFrames).toBe(free - 6);
    tree.invalidateRange(mm, 0, 0x2000);
    expect(tree.tableBytesOf(mm)).toBe(4 * 4096);
    expect(tree.counters.invalidations).toBe(1);
    expect(context.phys.freeFrames).toBe(free - 3);
    tree.exitMm(mm);
    expect(tree.tableBytesOf(mm)).toBe(0);
    expect(context.phys.freeFrames).toBe(free + 1);
    expect(tree.counters.tableBytes).toBe(0);
    expect(tree.counters.peakTableBytes).toBe(7 * 4096);
  });

  it("tables bigger than a page take several frames, smaller ones a whole frame", () => {
    const { design: big, mm: newMm } = design("multilevel:12,12,11");
    const mm = newMm();
    big.createMm(mm, 1);
    expect(big.tableFrames()).toHaveLength(8);
    const { design: small, mm: otherMm } = design("multilevel:8,9,9,9");
    const other = otherMm();
    small.createMm(other, 1);
    expect(small.tableBytesOf(other)).toBe(4096);
  });

  it("check() reports entries the kernel does not map, and nothing once they are gone", () => {
    const { design: tree, mm: newMm } = design("multilevel:9,9,9,9");
    const mm = newMm();
    tree.createMm(mm, 1);
    // The stand-in mm's kernel table maps nothing: every entry disagrees with the kernel.
    tree.afterFault(mm, 0x1000, 5);
    expect(tree.check().join("\n")).toMatch(
      /entry for 0x1000 maps frame 5, the kernel's PTE maps nothing/,
    );
    tree.invalidateRange(mm, 0x1000, 0x2000);
    expect(tree.check()).toEqual([]);
  });
});
