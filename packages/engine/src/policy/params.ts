/**
 * Policy specifications on the command line: `NAME` or `NAME:key=value,key=value`.
 * An unknown key is an error that lists the valid ones.
 */

/** One parameter a policy takes. */
export interface ParamSpec {
  description: string;
  /** The default, as it would be written on the command line. */
  default: string;
  /** Integer bounds (inclusive); every parameter is an integer for now. */
  min: number;
  max: number;
}

export class PolicySpecError extends Error {}

export interface ParsedSpec {
  name: string;
  /** Every parameter of the policy, defaults filled in. */
  params: Record<string, number>;
}

/** Parse `name:key=value,...` against the parameters `specs` allows. */
export function parseParams(
  name: string,
  text: string,
  specs: Readonly<Record<string, ParamSpec>>,
): Record<string, number> {
  const params: Record<string, number> = {};
  for (const [key, spec] of Object.entries(specs)) params[key] = Number(spec.default);
  if (text === "") return params;
  for (const pair of text.split(",")) {
    const equals = pair.indexOf("=");
    const key = equals < 0 ? pair : pair.slice(0, equals);
    const spec = specs[key];
    if (spec === undefined) {
      const valid = Object.keys(specs);
      throw new PolicySpecError(
        valid.length === 0
          ? `policy ${name} takes no parameters, got "${key}"`
          : `unknown parameter "${key}" of policy ${name}; valid: ${valid.join(", ")}`,
      );
    }
    const value = equals < 0 ? Number.NaN : Number(pair.slice(equals + 1));
    if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw new PolicySpecError(
        `parameter ${key} of policy ${name} must be an integer from ${spec.min} to ${spec.max}, not "${pair.slice(equals + 1)}"`,
      );
    }
    params[key] = value;
  }
  return params;
}

/** Split `name:params` into its two parts. */
export function splitSpec(spec: string): { name: string; paramText: string } {
  const colon = spec.indexOf(":");
  return colon < 0
    ? { name: spec.trim().toLowerCase(), paramText: "" }
    : { name: spec.slice(0, colon).trim().toLowerCase(), paramText: spec.slice(colon + 1).trim() };
}
