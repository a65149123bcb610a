/**
 * Shared scaffolding of the policies' tests: reference strings, random steps (fast-check) and a
 * driver that runs a policy definition in the checking container. Test-only: the engine's build
 * leaves this file out (packages/engine/tsconfig.json).
 */
import fc from "fast-check";
import { type CheckedStep, driveDefinition } from "./queues/conformance.js";
import type { PolicyDefinition } from "./registry.js";

/** A reference to `key` (a write if `write`), or with `drop` its invalidation. */
export type Step = CheckedStep;

/** A reference string as steps. */
export const refs = (pages: readonly number[]): Step[] => pages.map((key) => ({ key }));

/** Random references and invalidations over a few keys. */
export const stepsArbitrary: fc.Arbitrary<Step[]> = fc.array(
  fc.record({
    key: fc.integer({ min: 0, max: 8 }),
    write: fc.boolean(),
    drop: fc.integer({ min: 0, max: 9 }).map((roll) => roll === 0),
  }),
  { maxLength: 200 },
);

/**
 * Random steps over 15 keys: mostly references (bare keys), some drops, and a few keys above
 * 2^32 so both halves of a 64-bit key matter.
 */
export const mixedStepsArbitrary = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 14 }) },
    {
      weight: 1,
      arbitrary: fc.record({ key: fc.integer({ min: 0, max: 14 }), drop: fc.constant(true) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ key: fc.integer({ min: 1, max: 3 }).map((k) => k * 4294967296 + 5) }),
    },
  ),
  { maxLength: 300 },
) as fc.Arbitrary<(Step | number)[]>;

/** Run `definition` in a checking container (peekVictim must agree with evict). */
export function driverFor(definition: PolicyDefinition) {
  return (
    frames: number,
    steps: readonly Step[],
    overrides: Readonly<Record<string, number>> = {},
    seed = 0,
  ) => driveDefinition(definition, frames, steps, overrides, seed);
}
