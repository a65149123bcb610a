import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CheckedStep, runChecked } from "../queues/conformance.js";
import { definition, type WsClockPolicy } from "./wsclock.js";

function create(capacity: number, tau: number): WsClockPolicy {
  return definition.create({ capacity, seed: 0, knowsFuture: false }, { tau }) as WsClockPolicy;
}

const steps = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 14 }) },
    {
      weight: 1,
      arbitrary: fc.record({ key: fc.integer({ min: 0, max: 14 }), drop: fc.constant(true) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ key: fc.integer({ min: 0, max: 14 }), write: fc.boolean() }),
    },
  ),
  { maxLength: 300 },
) as fc.Arbitrary<(CheckedStep | number)[]>;

describe("wsclock", () => {
  it("evicts the oldest page when every page is inside the window (c = 3, tau = 4)", () => {
    const policy = create(3, 4);
    // Times 0, 1, 2: load 1, 2, 3 into frames 0, 1, 2; time 3: hit 1 (R set).
    const box = runChecked(policy, 3, [1, 2, 3, 1]);
    // Time 4: the hand clears 1's R (last-use 4); 2 (age 3) and 3 (age 2) are within tau; after
    // the full circle the oldest last-use is 2's (time 1).
    expect(box.peek(4)).toBe(2);
    expect(box.reference(4).victim).toBe(2);
    expect(policy.hand).toBe(2);
    expect(policy.lastUse[box.slotOf(1) as number]).toBe(4);
    // Time 5: 3 (last-use 2) is the oldest now.
    expect(box.reference(5).victim).toBe(3);
    expect(policy.hand).toBe(0);
    // Time 6: 1 and 4 both last used at 4: the first in hand order (frame 0: 1) goes.
    expect(box.reference(6).victim).toBe(1);
    expect(policy.hand).toBe(1);
    // Times 7-10: hits; time 11: 4's R is cleared, 5 (frame 2, last-use 5, age 6 > 4) goes.
    box.reference(4);
    box.reference(6);
    box.reference(6);
    box.reference(6);
    expect(box.peek(7)).toBe(5);
    expect(box.reference(7).victim).toBe(5);
    expect(policy.hand).toBe(0);
  });

  it("skips an old dirty page (scheduling its write) when a clean old page follows", () => {
    const policy = create(3, 1);
    const box = runChecked(policy, 3, [{ key: 1, write: true }, 2, 3]);
    // Time 3: 1 (age 3, dirty) gets its write scheduled; 2 (age 2, clean) goes.
    expect(box.peek(4)).toBe(2);
    expect(box.reference(4).victim).toBe(2);
    expect(policy.writesScheduled).toBe(1);
    expect(policy.dirty[box.slotOf(1) as number]).toBe(0);
  });

  it("takes the first page it scheduled when a whole circle finds no clean old page", () => {
    const policy = create(2, 1);
    const box = runChecked(policy, 2, [{ key: 1, write: true }, 2]);
    // Time 2: 1 is old and dirty (write scheduled), 2 (age 1) is in the window; next lap, 1.
    expect(box.peek(3)).toBe(1);
    expect(box.reference(3).victim).toBe(1);
    expect(policy.writesScheduled).toBe(1);
  });

  it("with a small tau behaves like CLOCK (new pages unreferenced)", () => {
    const policy = create(3, 1);
    const box = runChecked(policy, 3, [1, 2, 3, 1, 2, 4, 5]);
    // Time 5: 1, 2 referenced (cleared), 3 old and unreferenced goes; time 6: 1 (cleared at 5, age 1
    // is not > 1), 2 likewise, 4 (age 1) likewise: the full circle falls back to the oldest, 1.
    expect(box.victims).toEqual([3, 1]);
  });

  it("keeps peekVictim = evict, resident frames = resident slots, determinism", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 20 }),
        steps,
        (capacity, tau, refs) => {
          const policy = create(capacity, tau);
          const box = runChecked(policy, capacity, refs, (box) => {
            const resident: number[] = [];
            policy.resident.forEach((flag, slot) => {
              if (flag === 1) resident.push(slot);
            });
            expect(resident).toEqual(box.residentSlots());
          });
          const again = runChecked(create(capacity, tau), capacity, refs);
          expect(again.victims).toEqual(box.victims);
        },
      ),
      { numRuns: 300 },
    );
  });
});
