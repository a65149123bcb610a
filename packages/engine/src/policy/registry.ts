/**
 * Every replacement policy vmscope knows, by name. Adding a policy is one folder under policy/
 * (its definition and its test) plus one line here.
 */
import { type ParamSpec, PolicySpecError, parseParams, splitSpec } from "./params.js";
import type { PolicyContext, ReplacementPolicy } from "./policy.js";

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

export const POLICIES: readonly PolicyDefinition[] = [];

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
