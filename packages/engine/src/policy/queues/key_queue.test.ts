import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyQueue } from "./key_queue.js";

describe("KeyQueue", () => {
  it("forgets the oldest key when full", () => {
    const ghost = new KeyQueue(2);
    ghost.pushHead(0, 7);
    ghost.pushHead(0, 8);
    ghost.pushHead(0, 9);
    expect(ghost.toArray()).toEqual([9, 8]);
    expect(ghost.has(0, 7)).toBe(false);
    expect(ghost.remove(0, 8)).toBe(true);
    expect(ghost.remove(0, 8)).toBe(false);
    expect(ghost.size).toBe(1);
  });

  it("keeps 64-bit keys apart and remembers nothing at capacity 0", () => {
    const ghost = new KeyQueue(3);
    ghost.pushHead(1, 5);
    ghost.pushHead(0, 5);
    expect(ghost.toArray()).toEqual([5, 4294967296 + 5]);
    const none = new KeyQueue(0);
    none.pushHead(0, 1);
    expect(none.has(0, 1)).toBe(false);
    expect(none.dropTail()).toBe(false);
  });

  it("behaves like a bounded array under random operations", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat(12)), { maxLength: 200 }),
        (capacity, operations) => {
          const ghost = new KeyQueue(capacity);
          let model: number[] = [];
          for (const [operation, key] of operations) {
            if (operation === 0 && !model.includes(key)) {
              ghost.pushHead(0, key);
              if (capacity > 0) {
                if (model.length >= capacity) model.pop();
                model.unshift(key);
              }
            } else if (operation === 1) {
              expect(ghost.remove(0, key)).toBe(model.includes(key));
              model = model.filter((entry) => entry !== key);
            } else if (operation === 2) {
              expect(ghost.dropTail()).toBe(model.length > 0);
              model.pop();
            }
            expect(ghost.toArray()).toEqual(model);
            expect(ghost.size).toBe(model.length);
            for (let probe = 0; probe <= 12; probe++) {
              expect(ghost.has(0, probe)).toBe(model.includes(probe));
            }
          }
        },
      ),
    );
  });
});
