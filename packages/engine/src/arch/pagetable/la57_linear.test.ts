import { describe, expect, it } from "vitest";
import { entryPfn } from "../x86/pgtable.js";
import { READ_LEAF, READ_TABLE } from "./design.js";
import { La57Design } from "./la57.js";
import { LINEAR_TABLE_BYTES, LinearDesign } from "./linear.js";
import { parsePageTableSpec } from "./spec.js";
import { bareContext, bareMm } from "./test_kit.js";

describe("la57", () => {
  it("one PML5 page per process, its entry 0 pointing to the PGD, read before the PGD", () => {
    const context = bareContext();
    const design = new La57Design(parsePageTableSpec("la57"), context);
    const mm = bareMm(context);
    expect(design.createMm(mm, 1000)).toBe(true);
    expect(design.tableBytesOf(mm)).toBe(4096);
    const [{ pfn: pml5 } = { pfn: -1 }] = design.tableFrames();
    const offset = context.phys.entryOffset(pml5, 0);
    expect(
      entryPfn(context.phys.tableLow[offset] as number, context.phys.tableHigh[offset] as number),
    ).toBe(mm.pgd);
    const reads = design.walk(mm, 0x7ffff7fef000, -1, true);
    expect([reads.count, reads.pfn[0], reads.offset[0], reads.kind[0]]).toEqual([
      1,
      pml5,
      0,
      READ_TABLE,
    ]);
    // A paging-structure-cache hit starts the walk below the PML4: no PML5 read.
    expect(design.walk(mm, 0x7ffff7fef000, -1, false).count).toBe(0);
    expect(design.check()).toEqual([]);
    design.exitMm(mm);
    expect(design.tableBytesOf(mm)).toBe(0);
    expect(context.phys.isTable(pml5)).toBe(false);
  });
});

describe("linear", () => {
  it("one read at the table base + page number * 8, in a notional table beyond RAM", () => {
    const context = bareContext();
    const design = new LinearDesign(parsePageTableSpec("linear"));
    const mm = bareMm(context);
    const free = context.phys.freeFrames;
    design.createMm(mm, 1000);
    expect(context.phys.freeFrames).toBe(free);
    expect(design.tableBytesOf(mm)).toBe(LINEAR_TABLE_BYTES);
    expect(design.notional).toBe(true);
    const first = design.walk(mm, 0);
    const base = first.pfn[0] as number;
    expect(base * 4096).toBeGreaterThanOrEqual(2 ** 40);
    const reads = design.walk(mm, 0x7ffff7fef123);
    expect(reads.count).toBe(1);
    expect(reads.kind[0]).toBe(READ_LEAF);
    // Entry 0x7ffff7fef of 8 bytes: byte 0x3ffffbf78 of the table.
    expect((reads.pfn[0] as number) * 4096 + (reads.offset[0] as number) - base * 4096).toBe(
      0x7ffff7fef * 8,
    );
    const other = bareMm(context);
    design.createMm(other, 1001);
    expect(design.walk(other, 0).pfn[0]).toBe(base + LINEAR_TABLE_BYTES / 4096);
    expect(design.counters.tableBytes).toBe(2 * LINEAR_TABLE_BYTES);
    design.exitMm(mm);
    expect(design.counters.tableBytes).toBe(LINEAR_TABLE_BYTES);
    expect(design.counters.peakTableBytes).toBe(2 * LINEAR_TABLE_BYTES);
  });
});
