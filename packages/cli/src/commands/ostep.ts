/**
 * `vmscope ostep ...`: clones of the OSTEP homework simulators that take the same flags and print
 * the same bytes as the Python scripts.
 *
 * The scripts parse their flags with Python's optparse, so the subcommands do too (rather than
 * with commander): short flags that cluster (`-cN`) or carry their value (`-s5`), long flags with
 * `=` or a separate value and unambiguous prefixes (`--cache 4`), a value that may start with a
 * dash (`-a -1`), `--` to end the flags, other arguments ignored, and optparse's errors (printed
 * after a usage line; exit status 2) and -h/--help layout.
 */
import { readFileSync } from "node:fs";
import {
  PAGING_POLICY_DEFAULTS,
  type PagingPolicyOptions,
  PythonError,
  pyInt,
  pyRepr,
  runPagingPolicy,
} from "@vmscope/engine";
import type { Command } from "commander";
import { EXIT_OK, InputError } from "../errors.js";

/** One optparse option: a string, an int, or a store_true flag. */
interface OptionSpec<Dest extends string> {
  short: string;
  long: string;
  dest: Dest;
  kind: "string" | "int" | "flag";
}

type Parsed<Dest extends string> =
  | { kind: "help" }
  | { kind: "values"; values: Map<Dest, string | bigint | true> };

class OptionError extends Error {}

/** optparse's `_parse_num` for type="int": 0x.. hex, 0b.. binary, 0.. octal, else decimal. */
function optparseInt(option: string, value: string): bigint {
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

/** optparse's `_match_abbrev`: an exact long flag, or the only one that starts with `flag`. */
function matchLong(flag: string, longs: readonly string[]): string {
  if (longs.includes(flag)) {
    return flag;
  }
  const candidates = longs.filter((long) => long.startsWith(flag)).sort();
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
function optparse<Dest extends string>(
  argv: readonly string[],
  specs: readonly OptionSpec<Dest>[],
): Parsed<Dest> {
  const values = new Map<Dest, string | bigint | true>();
  const help = { short: "-h", long: "--help" } as const;
  const longs = [help.long, ...specs.map((spec) => spec.long)];
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
      const flag = matchLong(explicit ? arg.slice(0, equals) : arg, longs);
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

type PagingDest = keyof PagingPolicyOptions;

const PAGING_POLICY_SPECS: readonly OptionSpec<PagingDest>[] = [
  { short: "-a", long: "--addresses", dest: "addresses", kind: "string" },
  { short: "-f", long: "--addressfile", dest: "addressfile", kind: "string" },
  { short: "-n", long: "--numaddrs", dest: "numaddrs", kind: "string" },
  { short: "-p", long: "--policy", dest: "policy", kind: "string" },
  { short: "-b", long: "--clockbits", dest: "clockbits", kind: "int" },
  { short: "-C", long: "--cachesize", dest: "cachesize", kind: "string" },
  { short: "-m", long: "--maxpage", dest: "maxpage", kind: "string" },
  { short: "-s", long: "--seed", dest: "seed", kind: "string" },
  { short: "-N", long: "--notrace", dest: "notrace", kind: "flag" },
  { short: "-c", long: "--compute", dest: "compute", kind: "flag" },
];

const PAGING_POLICY_USAGE = "Usage: vmscope ostep paging-policy [options]\n";

const PAGING_POLICY_HELP = `${PAGING_POLICY_USAGE}
Options:
  -h, --help            show this help message and exit
  -a ADDRESSES, --addresses=ADDRESSES
                        the pages to access, separated by commas; -1 (the
                        default) draws them at random
  -f ADDRESSFILE, --addressfile=ADDRESSFILE
                        read the pages to access from this file, one a line
  -n NUMADDRS, --numaddrs=NUMADDRS
                        how many pages to draw when -a is -1
  -p POLICY, --policy=POLICY
                        the replacement policy: FIFO, LRU, MRU, OPT, UNOPT,
                        RAND or CLOCK
  -b CLOCKBITS, --clockbits=CLOCKBITS
                        CLOCK only: the highest value of a page's counter
  -C CACHESIZE, --cachesize=CACHESIZE
                        how many pages memory holds
  -m MAXPAGE, --maxpage=MAXPAGE
                        pages drawn at random are below this number
  -s SEED, --seed=SEED  the seed of the random numbers
  -N, --notrace         leave out the access-by-access trace
  -c, --compute         print the answers
`;

const ERRNO: Record<string, [number, string, string]> = {
  ENOENT: [2, "FileNotFoundError", "No such file or directory"],
  EACCES: [13, "PermissionError", "Permission denied"],
  ENOTDIR: [20, "NotADirectoryError", "Not a directory"],
  EISDIR: [21, "IsADirectoryError", "Is a directory"],
};

/** `open(path)` and reading it in text mode (UTF-8, byte-order mark kept), as Python would. */
function readAddressFile(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const [errno, type, text] = ERRNO[code] ?? [0, "OSError", code];
    throw new PythonError(type, `[Errno ${errno}] ${text}: ${pyRepr(path)}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new PythonError("UnicodeDecodeError", "'utf-8' codec can't decode the file");
  }
}

/** `vmscope ostep paging-policy ARGS...`: OSTEP's paging-policy.py. */
export function pagingPolicyCommand(argv: readonly string[]): number {
  let parsed: Parsed<PagingDest>;
  try {
    parsed = optparse(argv, PAGING_POLICY_SPECS);
  } catch (error) {
    if (error instanceof OptionError) {
      process.stderr.write(`${PAGING_POLICY_USAGE}\n`);
      throw new InputError(error.message);
    }
    throw error;
  }
  if (parsed.kind === "help") {
    process.stdout.write(PAGING_POLICY_HELP);
    return EXIT_OK;
  }
  const options: PagingPolicyOptions = { ...PAGING_POLICY_DEFAULTS };
  for (const [dest, value] of parsed.values) {
    Object.assign(options, { [dest]: value });
  }
  const result = runPagingPolicy(options, { readFile: readAddressFile });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.status;
}

/**
 * The words after `ostep SUBCOMMAND`, exactly as typed: commander drops a `--` that comes before
 * any flag, which optparse must see.
 */
function argsAfter(command: Command): string[] {
  let root = command;
  while (root.parent !== null) {
    root = root.parent;
  }
  // Commander keeps the words it was given in rawArgs, which its typings leave out.
  const rawArgs: unknown = Reflect.get(root, "rawArgs");
  const raw = Array.isArray(rawArgs) ? rawArgs.map(String) : [];
  for (let i = 0; i + 1 < raw.length; i++) {
    if (raw[i] === command.parent?.name() && raw[i + 1] === command.name()) {
      return raw.slice(i + 2);
    }
  }
  return command.args;
}

/** Registers `vmscope ostep` and its subcommands; `setStatus` receives the exit status. */
export function registerOstep(program: Command, setStatus: (status: number) => void): void {
  const ostep = program
    .command("ostep")
    .description("clones of the OSTEP homework simulators: same flags, same output");
  ostep
    .command("paging-policy")
    .description(
      "OSTEP's paging-policy.py: page replacement with FIFO, LRU, MRU, OPT, UNOPT, RAND or CLOCK (-h for its flags)",
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument("[flags...]", "the flags of paging-policy.py")
    .action((_flags: string[], _options: object, command: Command) => {
      setStatus(pagingPolicyCommand(argsAfter(command)));
    });
}
