import { describe, expect, it } from "vitest";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { groupTouchedPages, MAX_GAP_PAGES } from "./layout.js";
import {
  TOUCHED_EXEC,
  TOUCHED_READ,
  TOUCHED_WRITE,
  type TouchedPageList,
} from "./touched_pages.js";

const PAGE = 4096;

/** A sorted page list from [page, flags] pairs. */
function listOf(entries: [number, number][]): TouchedPageList {
  return {
    pages: Float64Array.from(entries.map(([page]) => page)),
    flags: Uint8Array.from(entries.map(([, flags]) => flags)),
    counts: Float64Array.from(entries.map(() => 1)),
  };
}

describe("groupTouchedPages", () => {
  it(`joins pages up to ${MAX_GAP_PAGES} untouched pages apart, and no further`, () => {
    const regions = groupTouchedPages(
      listOf([
        [100, TOUCHED_READ],
        [100 + MAX_GAP_PAGES + 1, TOUCHED_READ],
        [100 + 2 * MAX_GAP_PAGES + 3, TOUCHED_READ],
      ]),
    );
    expect(regions).toEqual([
      { start: 100 * PAGE, end: (100 + MAX_GAP_PAGES + 2) * PAGE, prot: PROT_READ },
      {
        start: (100 + 2 * MAX_GAP_PAGES + 3) * PAGE,
        end: (100 + 2 * MAX_GAP_PAGES + 4) * PAGE,
        prot: PROT_READ,
      },
    ]);
  });

  it("separates code from data, and gives each the rights its pages needed", () => {
    const regions = groupTouchedPages(
      listOf([
        [0x108, TOUCHED_READ],
        [0x109, TOUCHED_EXEC],
        [0x10a, TOUCHED_EXEC | TOUCHED_READ],
        [0x10b, TOUCHED_READ],
        [0x10c, TOUCHED_WRITE],
      ]),
    );
    expect(regions).toEqual([
      { start: 0x108000, end: 0x109000, prot: PROT_READ },
      { start: 0x109000, end: 0x10b000, prot: PROT_READ | PROT_EXEC },
      { start: 0x10b000, end: 0x10d000, prot: PROT_READ | PROT_WRITE },
    ]);
  });

  it("groups only the chosen pages, and never across a separation", () => {
    const list = listOf([
      [10, TOUCHED_READ],
      [11, TOUCHED_READ],
      [12, TOUCHED_READ],
      [14, TOUCHED_READ],
    ]);
    const regions = groupTouchedPages(list, {
      indices: [0, 1, 3],
      separated: (low, high) => low < 13 && high > 13,
    });
    expect(regions).toEqual([
      { start: 10 * PAGE, end: 12 * PAGE, prot: PROT_READ },
      { start: 14 * PAGE, end: 15 * PAGE, prot: PROT_READ },
    ]);
  });

  it("makes nothing of nothing", () => {
    expect(groupTouchedPages(listOf([]))).toEqual([]);
  });
});
