import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyIndex } from "./key_index.js";

describe("KeyIndex", () => {
  it("keeps 64-bit keys apart that share a half", () => {
    const index = new KeyIndex(4);
    index.insert(0, 7, 1);
    index.insert(1, 7, 2);
    index.insert(0xffffffff, 0xffffffff, 3);
    expect(index.get(0, 7)).toBe(1);
    expect(index.get(1, 7)).toBe(2);
    expect(index.get(0xffffffff, 0xffffffff)).toBe(3);
    expect(index.get(2, 7)).toBe(-1);
  });

  it("grows past its starting size", () => {
    const index = new KeyIndex(1);
    for (let key = 0; key < 10_000; key++) index.insert(0, key * 7919, key);
    for (let key = 0; key < 10_000; key++) expect(index.get(0, key * 7919)).toBe(key);
    expect(index.size).toBe(10_000);
  });

  it("behaves like a Map under random inserts and deletes", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 })),
          {
            maxLength: 400,
          },
        ),
        (operations) => {
          const index = new KeyIndex(2);
          const reference = new Map<string, number>();
          operations.forEach(([insert, high, low], step) => {
            const name = `${high}:${low}`;
            if (insert && !reference.has(name)) {
              index.insert(high, low, step);
              reference.set(name, step);
            } else if (!insert) {
              expect(index.delete(high, low)).toBe(reference.delete(name));
            }
            for (const [key, value] of reference) {
              const [h, l] = key.split(":").map(Number);
              expect(index.get(h as number, l as number)).toBe(value);
            }
          });
          expect(index.size).toBe(reference.size);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("with trackSlots, deleteSlot removes a slot's key without a probe, across growth and shifts", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 300 }), (keys) => {
        const index = new KeyIndex(1, true);
        const slotOfKey = new Map<number, number>();
        const freeSlots: number[] = [];
        let nextSlot = 0;
        for (const key of keys) {
          const slot = slotOfKey.get(key);
          if (slot !== undefined) {
            index.deleteSlot(slot);
            slotOfKey.delete(key);
            freeSlots.push(slot);
          } else {
            const fresh = freeSlots.pop() ?? nextSlot++;
            index.insert(key % 3, key, fresh);
            slotOfKey.set(key, fresh);
          }
          for (const [live, liveSlot] of slotOfKey)
            expect(index.get(live % 3, live)).toBe(liveSlot);
        }
        expect(index.size).toBe(slotOfKey.size);
      }),
      { numRuns: 200 },
    );
  });
});
