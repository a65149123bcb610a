/**
 * `vmscope ostep ...`: clones of the OSTEP homework simulators that take the same flags and print
 * the same bytes as the Python scripts.
 *
 * The scripts parse their flags with Python's optparse, so the subcommands do too (rather than
 * with commander), through the clone in optparse.ts: clustered short flags, abbreviated long
 * ones, optparse's errors (printed after a usage line; exit status 2) and -h/--help layout.
 */
import { readFileSync } from "node:fs";
import {
  PAGING_POLICY_DEFAULTS,
  type PagingPolicyOptions,
  PythonError,
  pyRepr,
  runPagingPolicy,
} from "@vmscope/engine";
import type { Command } from "commander";
import { EXIT_OK } from "../errors.js";
import { type OptionSpec, optparseOrFail } from "./optparse.js";
import {
  pagingLinearTranslateCommand,
  pagingMultilevelTranslateCommand,
} from "./ostep_translate.js";

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
  const parsed = optparseOrFail(argv, PAGING_POLICY_SPECS, PAGING_POLICY_USAGE);
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
  const subcommands: [string, string, (argv: readonly string[]) => number][] = [
    [
      "paging-policy",
      "OSTEP's paging-policy.py: page replacement with FIFO, LRU, MRU, OPT, UNOPT, RAND or CLOCK",
      pagingPolicyCommand,
    ],
    [
      "paging-linear-translate",
      "OSTEP's paging-linear-translate.py: translations through a linear page table",
      pagingLinearTranslateCommand,
    ],
    [
      "paging-multilevel-translate",
      "OSTEP's paging-multilevel-translate.py: translations through a two-level page table",
      pagingMultilevelTranslateCommand,
    ],
  ];
  for (const [name, description, run] of subcommands) {
    ostep
      .command(name)
      .description(`${description} (-h for its flags)`)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument("[flags...]", `the flags of ${name}.py`)
      .action((_flags: string[], _options: object, command: Command) => {
        setStatus(run(argsAfter(command)));
      });
  }
}
