import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NONE, SlotLists } from "./slot_lists.js";

describe("SlotLists", () => {
  it("keeps head-to-tail order per list", () => {
    const lists = new SlotLists(5, 2);
    lists.pushHead(0, 2);
    lists.pushHead(0, 3);
    lists.pushHead(1, 4);
    expect(lists.toArray(0)).toEqual([3, 2]);
    expect(lists.tail(0)).toBe(2);
    lists.moveToHead(1, 2);
    expect(lists.toArray(0)).toEqual([3]);
    expect(lists.toArray(1)).toEqual([2, 4]);
    expect(lists.listOf(2)).toBe(1);
    lists.unlink(4);
    expect(lists.tail(1)).toBe(2);
    expect(lists.listOf(4)).toBe(NONE);
    lists.unlink(4); // not on a list: no effect
    expect(lists.size(1)).toBe(1);
  });

  it("behaves like arrays under random operations", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.nat(9)),
          {
            maxLength: 200,
          },
        ),
        (operations) => {
          const lists = new SlotLists(10, 3);
          const model: number[][] = [[], [], []];
          for (const [operation, list, slot] of operations) {
            const owner = model.findIndex((entries) => entries.includes(slot));
            if (operation === 0 && owner < 0) {
              lists.pushHead(list, slot);
              model[list]?.unshift(slot);
            } else if (operation === 1) {
              lists.unlink(slot);
              if (owner >= 0) model[owner] = (model[owner] ?? []).filter((entry) => entry !== slot);
            } else if (operation === 2) {
              lists.moveToHead(list, slot);
              if (owner >= 0) model[owner] = (model[owner] ?? []).filter((entry) => entry !== slot);
              model[list]?.unshift(slot);
            }
            for (let index = 0; index < 3; index++) {
              const entries = model[index] ?? [];
              expect(lists.toArray(index)).toEqual(entries);
              expect(lists.size(index)).toBe(entries.length);
              expect(lists.tail(index)).toBe(
                entries.length === 0 ? NONE : entries[entries.length - 1],
              );
            }
          }
        },
      ),
    );
  });
});
