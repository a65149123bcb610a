import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LACKEY_INSTRUCTION, LACKEY_LOAD, LACKEY_MODIFY, LACKEY_STORE } from "../trace/lackey.js";
import {
  TOUCHED_EXEC,
  TOUCHED_READ,
  TOUCHED_WRITE,
  TouchedPages,
  touchedBitsIn,
  USER_PAGE_LIMIT,
} from "./touched_pages.js";

/** A record at a plain-number address (below 2^53). */
function record(pages: TouchedPages, kind: number, address: number, size: number): void {
  pages.access(kind, Math.floor(address / 2 ** 32), address >>> 0, size);
}

describe("TouchedPages", () => {
  it("keeps each page once, in address order, with how and how often it was touched", () => {
    const pages = new TouchedPages();
    record(pages, LACKEY_LOAD, 0x5000, 8);
    record(pages, LACKEY_INSTRUCTION, 0x1000, 4);
    record(pages, LACKEY_STORE, 0x5008, 8);
    record(pages, LACKEY_MODIFY, 0x9000, 4);
    const list = pages.sorted();
    expect([...list.pages]).toEqual([1, 5, 9]);
    expect([...list.flags]).toEqual([
      TOUCHED_EXEC,
      TOUCHED_READ | TOUCHED_WRITE,
      TOUCHED_READ | TOUCHED_WRITE,
    ]);
    expect([...list.counts]).toEqual([1, 2, 1]);
    expect(pages.records).toBe(4);
  });

  it("counts an access that crosses a page boundary on both pages", () => {
    const pages = new TouchedPages();
    record(pages, LACKEY_LOAD, 0x1ffc, 8);
    expect([...pages.sorted().pages]).toEqual([1, 2]);
  });

  it("leaves out and counts records beyond user space (the vsyscall page)", () => {
    const pages = new TouchedPages();
    pages.access(LACKEY_INSTRUCTION, 0xffffffff, 0xff600000, 4);
    record(pages, LACKEY_LOAD, 0x7ffffffff000 - 4, 8);
    record(pages, LACKEY_LOAD, 0x7ffffffff000 - 8, 8);
    expect(pages.beyondUserSpace).toBe(2);
    expect([...pages.sorted().pages]).toEqual([0x7fffffffe]);
  });

  it("takes page references of the other address formats", () => {
    const pages = new TouchedPages();
    pages.reference(0, 7, false);
    pages.reference(0, 7, true);
    pages.reference(1, 0, false);
    const list = pages.sorted();
    expect([...list.pages]).toEqual([7, 2 ** 32]);
    expect([...list.flags]).toEqual([TOUCHED_READ | TOUCHED_WRITE, TOUCHED_READ]);
  });

  it("touchedBitsIn ORs the bits of a page range", () => {
    const pages = new TouchedPages();
    record(pages, LACKEY_LOAD, 0x3000, 1);
    record(pages, LACKEY_STORE, 0x4000, 1);
    record(pages, LACKEY_INSTRUCTION, 0x8000, 1);
    const list = pages.sorted();
    expect(touchedBitsIn(list, 3, 5)).toBe(TOUCHED_READ | TOUCHED_WRITE);
    expect(touchedBitsIn(list, 5, 8)).toBe(0);
    expect(touchedBitsIn(list, 0, 100)).toBe(TOUCHED_READ | TOUCHED_WRITE | TOUCHED_EXEC);
  });

  it("agrees with a Set over many pages (the table grows)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: USER_PAGE_LIMIT - 1 }), fc.boolean()), {
          maxLength: 3000,
        }),
        (references) => {
          const pages = new TouchedPages();
          const expected = new Map<number, number>();
          for (const [page, write] of references) {
            pages.reference(Math.floor(page / 2 ** 32), page >>> 0, write);
            const bits = write ? TOUCHED_WRITE : TOUCHED_READ;
            expected.set(page, (expected.get(page) ?? 0) | bits);
          }
          const list = pages.sorted();
          const keys = [...expected.keys()].sort((a, b) => a - b);
          expect([...list.pages]).toEqual(keys);
          expect([...list.flags]).toEqual(keys.map((key) => expected.get(key)));
          expect(pages.size).toBe(keys.length);
        },
      ),
      { numRuns: 40 },
    );
  });
});
