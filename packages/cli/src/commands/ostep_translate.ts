/**
 * `vmscope ostep paging-linear-translate` and `vmscope ostep paging-multilevel-translate`: OSTEP's
 * address-translation homework generators, with their flags (parsed like optparse does) and
 * byte-identical output, plus `--explain`, a flag of vmscope's own.
 */
import {
  PAGING_LINEAR_TRANSLATE_DEFAULTS,
  PAGING_MULTILEVEL_TRANSLATE_DEFAULTS,
  type PagingLinearTranslateOptions,
  type PagingMultilevelTranslateOptions,
  runPagingLinearTranslate,
  runPagingMultilevelTranslate,
} from "@vmscope/engine";
import { EXIT_OK } from "../errors.js";
import { type OptionSpec, optparseOrFail } from "./optparse.js";

interface ScriptOutput {
  stdout: string;
  stderr: string;
  status: number;
}

function print(result: ScriptOutput): number {
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.status;
}

/** Copies optparse's values over the defaults (each spec's dest names a field of `T`). */
function withValues<T extends object>(
  defaults: Readonly<T>,
  values: ReadonlyMap<string, string | bigint | true>,
): T {
  const options = { ...defaults };
  for (const [dest, value] of values) {
    Object.assign(options, { [dest]: value });
  }
  return options;
}

const EXPLAIN_HELP = `  --explain             vmscope only: once the output is printed, walk
                        through each translation step by step
`;

// ---------------------------------------------------------------------------------------------

const LINEAR_SPECS: readonly OptionSpec<keyof PagingLinearTranslateOptions>[] = [
  { short: "-A", long: "--addresses", dest: "addresses", kind: "string" },
  { short: "-s", long: "--seed", dest: "seed", kind: "int" },
  { short: "-a", long: "--asize", dest: "asize", kind: "string" },
  { short: "-p", long: "--physmem", dest: "psize", kind: "string" },
  { short: "-P", long: "--pagesize", dest: "pagesize", kind: "string" },
  { short: "-n", long: "--numaddrs", dest: "num", kind: "int" },
  { short: "-u", long: "--used", dest: "used", kind: "int" },
  { short: "-v", dest: "verbose", kind: "flag" },
  { short: "-c", dest: "solve", kind: "flag" },
  { long: "--explain", dest: "explain", kind: "flag", exactOnly: true },
];

const LINEAR_USAGE = "Usage: vmscope ostep paging-linear-translate [options]\n";

const LINEAR_HELP = `${LINEAR_USAGE}
Options:
  -h, --help            show this help message and exit
  -A ADDRESSES, --addresses=ADDRESSES
                        the virtual addresses to translate, separated by
                        commas; -1 (the default) draws them at random
  -s SEED, --seed=SEED  the seed of the random numbers
  -a ASIZE, --asize=ASIZE
                        size of the address space: bytes, or a number with
                        a k, m or g suffix (default 16k)
  -p PSIZE, --physmem=PSIZE
                        size of physical memory, written the same way
                        (default 64k)
  -P PAGESIZE, --pagesize=PAGESIZE
                        size of a page, written the same way (default 4k)
  -n NUM, --numaddrs=NUM
                        how many addresses to draw when -A is -1
  -u USED, --used=USED  the percentage of virtual pages that are valid
  -v                    print each page-table entry's VPN next to it
  -c                    print the answers
${EXPLAIN_HELP}`;

/** `vmscope ostep paging-linear-translate ARGS...`: OSTEP's paging-linear-translate.py. */
export function pagingLinearTranslateCommand(argv: readonly string[]): number {
  const parsed = optparseOrFail(argv, LINEAR_SPECS, LINEAR_USAGE);
  if (parsed.kind === "help") {
    process.stdout.write(LINEAR_HELP);
    return EXIT_OK;
  }
  return print(
    runPagingLinearTranslate(withValues(PAGING_LINEAR_TRANSLATE_DEFAULTS, parsed.values)),
  );
}

// ---------------------------------------------------------------------------------------------

const MULTILEVEL_SPECS: readonly OptionSpec<keyof PagingMultilevelTranslateOptions>[] = [
  { short: "-s", long: "--seed", dest: "seed", kind: "int" },
  { short: "-a", long: "--allocated", dest: "allocated", kind: "int" },
  { short: "-n", long: "--addresses", dest: "num", kind: "int" },
  { short: "-c", long: "--solve", dest: "solve", kind: "flag" },
  { long: "--explain", dest: "explain", kind: "flag", exactOnly: true },
];

const MULTILEVEL_USAGE = "Usage: vmscope ostep paging-multilevel-translate [options]\n";

const MULTILEVEL_HELP = `${MULTILEVEL_USAGE}
Options:
  -h, --help            show this help message and exit
  -s SEED, --seed=SEED  the seed of the random numbers
  -a ALLOCATED, --allocated=ALLOCATED
                        how many virtual pages the process has
  -n NUM, --addresses=NUM
                        how many virtual addresses to translate
  -c, --solve           print the answers
${EXPLAIN_HELP}`;

/** `vmscope ostep paging-multilevel-translate ARGS...`: OSTEP's paging-multilevel-translate.py. */
export function pagingMultilevelTranslateCommand(argv: readonly string[]): number {
  const parsed = optparseOrFail(argv, MULTILEVEL_SPECS, MULTILEVEL_USAGE);
  if (parsed.kind === "help") {
    process.stdout.write(MULTILEVEL_HELP);
    return EXIT_OK;
  }
  return print(
    runPagingMultilevelTranslate(withValues(PAGING_MULTILEVEL_TRANSLATE_DEFAULTS, parsed.values)),
  );
}
