import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CheckedContainer,
  hotLoopWithScan,
  lruMisses,
  runChecked,
} from "../queues/conformance.js";
import { simulateWith } from "../run.js";
import { mixedStepsArbitrary } from "../test_kit.js";
import { ACTIVE, definition, INACTIVE, kernelInactiveRatio, type LinuxPolicy } from "./linux.js";

function create(capacity: number, mapped = 1, ratio = 0): LinuxPolicy {
  return definition.create(
    { capacity, seed: 0, knowsFuture: false },
    { mapped, inactive_ratio: ratio },
  ) as LinuxPolicy;
}

function keysOf(box: CheckedContainer, policy: LinuxPolicy, list: number): (number | undefined)[] {
  return policy.lists.toArray(list).map((slot) => box.keyOf(slot));
}

const steps = mixedStepsArbitrary;

describe("linux", () => {
  it("computes the kernel's inactive_ratio", () => {
    expect(kernelInactiveRatio(76_341)).toBe(1);
    expect(kernelInactiveRatio(262_144)).toBe(3); // 1 GiB: int_sqrt(10)
    expect(kernelInactiveRatio(262_144 * 10)).toBe(10); // 10 GiB: int_sqrt(100)
  });

  it("mapped: young pages rotate once, are activated when seen young twice (c = 4)", () => {
    const policy = create(4);
    const box = runChecked(policy, 4, [1, 2, 3, 4]);
    // Every page starts young (the faulting access): the scan clears the accessed bits, sets
    // PG_referenced and rotates all four, then reclaims 1 on the second lap.
    expect(box.peek(5)).toBe(1);
    expect(box.reference(5).victim).toBe(1);
    expect(keysOf(box, policy, INACTIVE)).toEqual([5, 4, 3, 2]);
    box.reference(2); // young again, PG_referenced already set
    // 2 is at the tail, young and referenced: activated; 3 (not young) is reclaimed.
    expect(box.reference(6).victim).toBe(3);
    expect(keysOf(box, policy, ACTIVE)).toEqual([2]);
    expect(box.reference(7).victim).toBe(4); // PG_referenced alone does not save a page
    // 5 was faulted young: rotated (referenced), then 6 and 7 too; 5 comes back not young.
    expect(box.peek(8)).toBe(5);
    expect(box.reference(8).victim).toBe(5);
    box.reference(6);
    box.reference(7);
    // 6 and 7 are young and referenced: both activated; inactive (1) < active (3), so the active
    // tail (2) is deactivated to the inactive head; 8 rotates; 2 is reclaimed.
    expect(box.peek(9)).toBe(2);
    expect(box.reference(9).victim).toBe(2);
    expect(keysOf(box, policy, ACTIVE)).toEqual([7, 6]);
    expect(keysOf(box, policy, INACTIVE)).toEqual([9, 8]);
  });

  it("syscall (mapped=0): the second reference activates; the inactive tail is reclaimed", () => {
    const policy = create(3, 0);
    const box = runChecked(policy, 3, [1, 2, 3, 1]);
    // The read that faulted 1 marked it accessed; the second reference activated it.
    expect(keysOf(box, policy, ACTIVE)).toEqual([1]);
    expect(box.reference(4).victim).toBe(2); // PG_referenced is set, but 2 is not mapped: gone
    box.reference(1); // active: sets PG_referenced
    box.reference(3); // inactive, referenced: activated at once
    expect(keysOf(box, policy, ACTIVE)).toEqual([3, 1]);
    // inactive (1) < active (2): 1 is deactivated (keeping PG_referenced); 4 is reclaimed.
    expect(box.reference(5).victim).toBe(4);
    box.reference(1); // inactive with PG_referenced: straight back to active
    expect(keysOf(box, policy, ACTIVE)).toEqual([1, 3]);
    // inactive (1) < active (2): 3 is deactivated; 5, at the tail, is reclaimed.
    expect(box.reference(6).victim).toBe(5);
    expect(keysOf(box, policy, INACTIVE)).toEqual([6, 3]);
  });

  it("keeps peekVictim = evict, lists = resident slots, determinism (both modes, ratios)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 4 }),
        steps,
        (capacity, mapped, ratio, refs) => {
          const policy = create(capacity, mapped, ratio);
          const box = runChecked(policy, capacity, refs, (box) => {
            const listed = [...policy.lists.toArray(INACTIVE), ...policy.lists.toArray(ACTIVE)];
            expect(listed.sort((a, b) => a - b)).toEqual(box.residentSlots());
          });
          const again = runChecked(create(capacity, mapped, ratio), capacity, refs);
          expect(again.victims).toEqual(box.victims);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("ages the active list so that active <= ratio × inactive at each reclaim (mapped)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), steps, (ratio, refs) => {
        const policy = create(8, 1, ratio);
        // No drops: the container's invalidations may empty the inactive list at any time.
        const references = refs.filter((step) => typeof step === "number" || step.drop !== true);
        runChecked(policy, 8, references, (box) => {
          // Between reclaims mapped hits move nothing; the reclaim removed one inactive page.
          if (box.victims.length > 0) {
            expect(policy.lists.size(ACTIVE)).toBeLessThanOrEqual(
              ratio * (policy.lists.size(INACTIVE) + 1),
            );
          }
        });
      }),
    );
  });

  it("keeps more of a hot loop through a one-time scan than LRU", () => {
    const keys = hotLoopWithScan(40, 4, 2000);
    const linux = simulateWith(definition, { mapped: 1, inactive_ratio: 0 }, 64, keys).misses;
    expect(linux).toBeLessThan(lruMisses(64, keys) * 0.9);
  });
});
