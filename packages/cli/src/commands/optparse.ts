/**
 * A clone of the parts of Python's optparse that the OSTEP homework scripts use, shared by the
 * `vmscope ostep ...` subcommands (which take the scripts' flags rather than commander's).
 *
 * Short flags cluster (`-cN`) or carry their value (`-s5`); long flags take `=` or a separate
 * value and may be shortened to an unambiguous prefix (`--cache 4`); a value may start with a dash
 * (`-a -1`); `--` ends the flags; other arguments are ignored; `-h`/`--help` asks for the help
 * text; errors carry optparse's messages (the caller prints them after a usage line, status 2).
 */
import { PythonError, pyInt, pyRepr } from "@vmscope/engine";
import { InputError } from "../errors.js";

/** One optparse option: a string, an int, or a store_true flag. */
export interface OptionSpec<Dest extends string> {
  /** `-x`, or none. */
  short?: string;
  /** `--name`, or none. */
  long?: string;
  dest: Dest;
  kind: "string" | "int" | "flag";
  /**
   * A flag of vmscope's own that the script lacks: recognised only when typed in full, so that
   * every abbreviation keeps the meaning (or the error) it has with the script.
   */
  exactOnly?: boolean;
}

export type Parsed<Dest extends string> =
  | { kind: "help" }
  | { kind: "values"; values: Map<Dest, string | bigint | true> };

export class OptionError extends Error {}

/** optparse's `_parse_num` for type="int": 0x.. hex, 0b.. binary, 0.. octal, else decimal. */
export function optparseInt(option: string, value: string): bigint {
  let text = value;
  let radix = 10;
  const head = value.slice(0, 2).toLowerCase();
  if (head === "0x") {
    radix = 16;
  } else if (head === "0b") {
    radix = 2;
    text = value.slice(2) || "0";
  } else if (value.startsWith("0")) {
    radix = 8;
  }
  try {
    return pyInt(text, radix);
  } catch (error) {
    if (error instanceof PythonError) {
      throw new OptionError(`option ${option}: invalid integer value: ${pyRepr(value)}`);
    }
    throw error;
  }
}

/**
 * optparse's `_match_abbrev`: an exact long flag, or the only one that starts with `flag`
 * (flags in `exactOnly` count only when matched exactly).
 */
export function matchLong(
  flag: string,
  longs: readonly string[],
  exactOnly: readonly string[] = [],
): string {
  if (longs.includes(flag)) {
    return flag;
  }
  const candidates = longs
    .filter((long) => long.startsWith(flag) && !exactOnly.includes(long))
    .sort();
  const [only] = candidates;
  if (only === undefined) {
    throw new OptionError(`no such option: ${flag}`);
  }
  if (candidates.length > 1) {
    throw new OptionError(`ambiguous option: ${flag} (${candidates.join(", ")}?)`);
  }
  return only;
}

/** optparse's `parse_args` over `specs` plus -h/--help; later values override earlier ones. */
export function optparse<Dest extends string>(
  argv: readonly string[],
  specs: readonly OptionSpec<Dest>[],
): Parsed<Dest> {
  const values = new Map<Dest, string | bigint | true>();
  const help = { short: "-h", long: "--help" } as const;
  const longs: string[] = [help.long];
  const exactOnly: string[] = [];
  for (const spec of specs) {
    if (spec.long !== undefined) {
      longs.push(spec.long);
      if (spec.exactOnly === true) {
        exactOnly.push(spec.long);
      }
    }
  }
  const rest = [...argv];
  // Returns true for help (optparse prints it and exits at once).
  const store = (flag: string, spec: OptionSpec<Dest> | undefined, value?: string) => {
    if (spec === undefined) {
      return true;
    }
    if (spec.kind === "flag") {
      values.set(spec.dest, true);
    } else if (spec.kind === "int") {
      values.set(spec.dest, optparseInt(flag, value ?? ""));
    } else {
      values.set(spec.dest, value ?? "");
    }
    return false;
  };
  while (rest.length > 0) {
    const arg = rest.shift() ?? "";
    if (arg === "--") {
      break;
    }
    if (arg.startsWith("--")) {
      const equals = arg.indexOf("=");
      const explicit = equals >= 0;
      if (explicit) {
        rest.unshift(arg.slice(equals + 1));
      }
      const flag = matchLong(explicit ? arg.slice(0, equals) : arg, longs, exactOnly);
      const spec = specs.find((candidate) => candidate.long === flag);
      let value: string | undefined;
      if (spec !== undefined && spec.kind !== "flag") {
        value = rest.shift();
        if (value === undefined) {
          throw new OptionError(`${flag} option requires 1 argument`);
        }
      } else if (explicit) {
        throw new OptionError(`${flag} option does not take a value`);
      }
      if (store(flag, spec, value)) {
        return { kind: "help" };
      }
    } else if (arg.startsWith("-") && arg.length > 1) {
      const chars = [...arg.slice(1)];
      for (let i = 0; i < chars.length; i++) {
        const flag = `-${chars[i]}`;
        const spec = specs.find((candidate) => candidate.short === flag);
        if (spec === undefined && flag !== help.short) {
          throw new OptionError(`no such option: ${flag}`);
        }
        let value: string | undefined;
        let stop = false;
        if (spec !== undefined && spec.kind !== "flag") {
          if (i + 1 < chars.length) {
            rest.unshift(chars.slice(i + 1).join(""));
            stop = true;
          }
          value = rest.shift();
          if (value === undefined) {
            throw new OptionError(`${flag} option requires 1 argument`);
          }
        }
        if (store(flag, spec, value)) {
          return { kind: "help" };
        }
        if (stop) {
          break;
        }
      }
    }
    // Anything else is a positional argument, which the scripts ignore.
  }
  return { kind: "values", values };
}

/**
 * Parses like `optparse`, but on a bad flag prints `usage` (and a blank line) on stderr and
 * throws an InputError with optparse's message, which `vmscope` prints with status 2.
 */
export function optparseOrFail<Dest extends string>(
  argv: readonly string[],
  specs: readonly OptionSpec<Dest>[],
  usage: string,
): Parsed<Dest> {
  try {
    return optparse(argv, specs);
  } catch (error) {
    if (error instanceof OptionError) {
      process.stderr.write(`${usage}\n`);
      throw new InputError(error.message);
    }
    throw error;
  }
}
