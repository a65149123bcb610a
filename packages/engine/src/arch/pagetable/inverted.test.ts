import { describe, expect, it } from "vitest";
import { READ_ANCHOR, READ_CHAIN } from "./design.js";
import {
  bucketCount,
  InvertedDesign,
  invertedHash,
  invertedTableBytes,
  REFILL_CYCLES,
} from "./inverted.js";
import { parsePageTableSpec } from "./spec.js";
import { bareContext, bareMm } from "./test_kit.js";

const KiB = 1024;

function inverted(frames = 4096) {
  const context = bareContext(frames);
  const design = new InvertedDesign(parsePageTableSpec("inverted"), context);
  return { design, context, mm: () => bareMm(context) };
}

/** A page of `pid` that hashes to `bucket` (page numbers below 2^32 just XOR with the VSID). */
function pageInBucket(pid: number, bucket: number, mask: number): number {
  return (bucket ^ invertedHash(pid, 0, mask)) >>> 0;
}

describe("inverted table size", () => {
  it("one 16-byte entry per frame plus a 4-byte anchor per bucket, whatever the processes", () => {
    // 256 MiB: 65536 frames, 1 MiB of entries, 65536 buckets of 4 bytes = 256 KiB.
    expect(invertedTableBytes(65536)).toBe(1024 * KiB + 256 * KiB);
    // 8 MiB: 2048 frames, 32 KiB + 8 KiB.
    expect(invertedTableBytes(2048)).toBe(40 * KiB);
    expect(bucketCount(2048)).toBe(2048);
    expect(bucketCount(3000)).toBe(4096);
  });

  it("is allocated at boot, in page-table frames owned by nobody", () => {
    const { design, context } = inverted(4096);
    expect(design.sharedTableBytes()).toBe(invertedTableBytes(4096));
    expect(design.tableFrames()).toHaveLength(invertedTableBytes(4096) / 4096);
    expect(design.tableFrames().every(({ pid }) => pid === 0)).toBe(true);
    const first = design.tableFrames()[0]?.pfn as number;
    expect(context.phys.isTable(first)).toBe(true);
    expect(design.tableBytesOf()).toBe(0);
  });
});

describe("the hash and its chains", () => {
  it("a hand-made collision: three pages in one bucket make a chain of 3, walked in order", () => {
    const { design, mm } = inverted();
    const mask = design.buckets - 1;
    const [a, b] = [mm(), mm()];
    design.createMm(a, 1000);
    design.createMm(b, 1001);
    const bucket = 77;
    const first = pageInBucket(1000, bucket, mask);
    const second = pageInBucket(1001, bucket, mask);
    const third = pageInBucket(1000, bucket, mask) + design.buckets;
    expect(invertedHash(1000, first, mask)).toBe(bucket);
    expect(invertedHash(1001, second, mask)).toBe(bucket);
    expect(invertedHash(1000, third, mask)).toBe(bucket);
    design.afterFault(a, first * 4096, 300);
    design.afterFault(b, second * 4096, 301);
    design.afterFault(a, third * 4096, 302);
    expect(design.chainStats()).toEqual({ entries: 3, chains: 1, average: 3, longest: 3 });
    // Inserted at the head: the first page is last on the chain, found after the anchor + 3 entries.
    const reads = design.walk(a, first * 4096, 300);
    expect(reads.count).toBe(4);
    expect(Array.from(reads.kind.subarray(0, 4))).toEqual([
      READ_ANCHOR,
      READ_CHAIN,
      READ_CHAIN,
      READ_CHAIN,
    ]);
    expect(Array.from(reads.index.subarray(0, 4))).toEqual([bucket, 302, 301, 300]);
    expect(design.longestChainWalked).toBe(3);
    // Entry 300 sits in the first frame of the table, 16 bytes per entry; the anchor 4 bytes.
    expect(reads.offset[3]).toBe((300 & 255) * 16);
    expect(reads.offset[0]).toBe(bucket * 4);
    // The head is found at once.
    expect(design.walk(a, third * 4096, 302).count).toBe(2);
    expect(design.check()).toEqual([
      "inverted: entry for frame 302 says pid 1000 page 0x" +
        third.toString(16) +
        ", where the kernel's PTE maps nothing",
      "inverted: entry for frame 301 says pid 1001 page 0x" +
        second.toString(16) +
        ", where the kernel's PTE maps nothing",
      "inverted: entry for frame 300 says pid 1000 page 0x" +
        first.toString(16) +
        ", where the kernel's PTE maps nothing",
    ]);
    // Invalidating the middle entry relinks the chain.
    design.invalidateRange(b, second * 4096, second * 4096 + 4096);
    expect(design.chainStats().longest).toBe(2);
    expect(design.walk(a, first * 4096, 300).count).toBe(3);
    design.invalidateRange(a, 0, 2 ** 47);
    expect(design.chainStats()).toEqual({ entries: 0, chains: 0, average: 0, longest: 0 });
    expect(design.check()).toEqual([]);
  });

  it("a miss with the kernel's PTE present is a software refill: charged, then found at the head", () => {
    const { design, mm } = inverted();
    const a = mm();
    design.createMm(a, 1000);
    const reads = design.walk(a, 0x555555554000, 400);
    expect(design.counters.refills).toBe(1);
    expect(reads.extraCycles).toBe(REFILL_CYCLES);
    // The miss read the empty anchor; the retried walk read the anchor and the new entry.
    expect(reads.count).toBe(3);
    expect(design.walk(a, 0x555555554000, 400).count).toBe(2);
    expect(design.walk(a, 0x555555554000, 400).extraCycles).toBe(0);
  });

  it("a frame shared by two processes holds one (pid, page) at a time: the other misses and refills", () => {
    const { design, mm } = inverted();
    const [parent, child] = [mm(), mm()];
    design.createMm(parent, 1000);
    design.createMm(child, 1001);
    design.afterFault(parent, 0x7ffff7fef000, 500);
    design.walk(child, 0x7ffff7fef000, 500);
    expect(design.counters.aliasEvictions).toBe(1);
    design.walk(parent, 0x7ffff7fef000, 500);
    design.walk(child, 0x7ffff7fef000, 500);
    expect(design.counters.aliasEvictions).toBe(3);
    expect(design.counters.refills).toBe(3);
    expect(design.chainStats().entries).toBe(1);
  });

  it("an entry that no longer agrees with the kernel's PTE is dropped on the walk", () => {
    const { design, mm } = inverted();
    const a = mm();
    design.createMm(a, 1000);
    design.afterFault(a, 0x1000, 600);
    design.walk(a, 0x1000, -1);
    expect(design.counters.staleEntries).toBe(1);
    expect(design.chainStats().entries).toBe(0);
    design.afterFault(a, 0x1000, 601);
    design.walk(a, 0x1000, 602);
    expect(design.counters.staleEntries).toBe(2);
    expect(design.chainStats().entries).toBe(1);
  });

  it("exit drops every entry of the process", () => {
    const { design, mm } = inverted();
    const [a, b] = [mm(), mm()];
    design.createMm(a, 1000);
    design.createMm(b, 1001);
    for (let page = 0; page < 10; page++) design.afterFault(a, page * 4096, 700 + page);
    design.afterFault(b, 0, 800);
    design.exitMm(a);
    expect(design.chainStats().entries).toBe(1);
  });
});
