/**
 * Every replacement policy vmscope knows, by name. Adding a policy is one folder under policy/
 * (its definition and its test) plus one line here.
 */
import { definition as twoQ } from "./2q/2q.js";
import { definition as aging } from "./aging/aging.js";
import { definition as arc } from "./arc/arc.js";
import { definition as clock } from "./clock/clock.js";
import { definition as fifo } from "./fifo/fifo.js";
import { definition as lfu } from "./lfu/lfu.js";
import { definition as linux } from "./linux/linux.js";
import { definition as lru } from "./lru/lru.js";
import { definition as mru } from "./mru/mru.js";
import { definition as nru } from "./nru/nru.js";
import { definition as opt } from "./opt/opt.js";
import { type ParamSpec, PolicySpecError, parseParams, splitSpec } from "./params.js";
import type { PolicyContext, ReplacementPolicy } from "./policy.js";
import { definition as random } from "./random/random.js";
import { definition as s3fifo } from "./s3fifo/s3fifo.js";
import { definition as secondChance } from "./second-chance/second-chance.js";
import { definition as sieve } from "./sieve/sieve.js";
import { definition as wsclock } from "./wsclock/wsclock.js";

export interface PolicyDefinition {
  /** Registry name, lower case: `fifo`, `lru`, `clock`, ... */
  name: string;
  /** One line for `vmscope policies`. */
  title: string;
  /** What it does, including how it breaks ties. */
  description: string;
  params: Readonly<Record<string, ParamSpec>>;
  /** Needs Access.nextUse (OPT): the container must read the trace's future. */
  needsFuture: boolean;
  create(context: PolicyContext, params: Readonly<Record<string, number>>): ReplacementPolicy;
}

export const POLICIES: readonly PolicyDefinition[] = [
  fifo,
  lru,
  mru,
  clock,
  secondChance,
  nru,
  lfu,
  random,
  opt,
  aging,
  wsclock,
  linux,
  arc,
  twoQ,
  s3fifo,
  sieve,
];

export function findPolicy(name: string): PolicyDefinition | undefined {
  return POLICIES.find((definition) => definition.name === name);
}

/** Parse `name[:key=value,...]`, check it against the registry. Throws PolicySpecError. */
export function resolvePolicy(spec: string): {
  definition: PolicyDefinition;
  params: Record<string, number>;
} {
  const { name, paramText } = splitSpec(spec);
  const definition = findPolicy(name);
  if (definition === undefined) {
    throw new PolicySpecError(
      `unknown policy "${name}"; known: ${POLICIES.map((known) => known.name).join(", ")}`,
    );
  }
  return { definition, params: parseParams(name, paramText, definition.params) };
}
