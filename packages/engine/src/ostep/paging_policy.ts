/**
 * A re-implementation of OSTEP's `paging-policy.py` homework simulator (chapter "Beyond Physical
 * Memory: Policies") that prints byte for byte what the Python 3 script prints.
 *
 * The behaviours that matter for identical output, all reproduced on purpose:
 * - memory is an ordered list; a page brought in is appended on the right; LRU and MRU move a hit
 *   page to the right end; FIFO and LRU evict the left-most page, MRU the right-most;
 * - OPT evicts the page whose next use is furthest away, the right-most of ties (pages never used
 *   again tie at "the end of the trace"); UNOPT evicts the one used soonest, the left-most of ties;
 * - RAND evicts `memory[int(random() * count)]`; CLOCK probes `memory[int(random() * count)]`
 *   until it finds a page whose counter is 0, decrementing every counter it passes over; a page's
 *   counter is set to 1 when it comes in and raised by 1 (capped at the clock bits) on each hit;
 * - random numbers come from CPython's Mersenne Twister (see cpython_random.ts), seeded with the
 *   integer value of `--seed`, and random addresses are `int(maxpage * random())`;
 * - a victim whose page number is -1 is shown as "-", like "no victim";
 * - numbers are parsed with the rules of Python's int(), and errors Python would raise (a bad
 *   number, an empty cache, an empty trace) end the run with what was printed so far, the
 *   exception's last traceback line on stderr and exit status 1.
 */
import { CPythonRandom } from "./cpython_random.js";

/** The script's options, as optparse hands them over (everything but clockbits is a string). */
export interface PagingPolicyOptions {
  /** Comma-separated page numbers; "-1" generates `numaddrs` random ones. */
  addresses: string;
  /** A file with one page number per line; "" for none. Read through `PagingPolicyIo`. */
  addressfile: string;
  numaddrs: string;
  policy: string;
  /** Already an int (optparse converts `-b` itself). */
  clockbits: bigint;
  cachesize: string;
  maxpage: string;
  seed: string;
  notrace: boolean;
  /** `-c`: print the answers (the script names this option "solve"). */
  compute: boolean;
}

export const PAGING_POLICY_DEFAULTS: Readonly<PagingPolicyOptions> = {
  addresses: "-1",
  addressfile: "",
  numaddrs: "10",
  policy: "FIFO",
  clockbits: 2n,
  cachesize: "3",
  maxpage: "10",
  seed: "0",
  notrace: false,
  compute: false,
};

/** The policies the script simulates (others only work without `-c`). */
export const PAGING_POLICIES = ["FIFO", "LRU", "MRU", "OPT", "UNOPT", "RAND", "CLOCK"] as const;

/** Reads the address file; throws a PythonError (e.g. FileNotFoundError) when Python would. */
export interface PagingPolicyIo {
  readFile(path: string): string;
}

export interface PagingPolicyResult {
  stdout: string;
  /** Empty, or the last line of the traceback Python would print. */
  stderr: string;
  /** 0, or 1 after `exit(1)` or an uncaught exception. */
  status: number;
}

/** A Python exception: its class name and message, as the traceback's last line shows them. */
export class PythonError extends Error {
  constructor(
    readonly pythonType: string,
    message: string,
  ) {
    super(message);
    this.name = "PythonError";
  }
}

/** `exit(status)` in the script. */
class PythonExit extends Error {
  constructor(readonly status: number) {
    super(`exit(${status})`);
  }
}

const NO_FILES: PagingPolicyIo = {
  readFile(path: string): string {
    throw new PythonError(
      "FileNotFoundError",
      `[Errno 2] No such file or directory: ${pyRepr(path)}`,
    );
  },
};

// ---------------------------------------------------------------------------------------------
// Python's int(), repr() and "%.Nf", as far as the script needs them.

/** Non-ASCII characters that Python's int() treats as white space. */
const NON_ASCII_SPACE = /^[\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;
/** Python 3.11's default sys.get_int_max_str_digits(). */
const INT_MAX_STR_DIGITS = 4300;

function isDecimalDigit(codePoint: number): boolean {
  return codePoint >= 0 && DECIMAL_DIGIT.test(String.fromCodePoint(codePoint));
}

/** The value of a Unicode decimal digit: they come in runs of ten, from 0 to 9. */
function decimalValue(codePoint: number): number {
  let zero = codePoint;
  while (isDecimalDigit(zero - 1)) {
    zero--;
  }
  return (codePoint - zero) % 10;
}

/** Like CPython: non-ASCII spaces become " ", non-ASCII decimal digits their ASCII digit. */
function asciiForInt(text: string): string {
  let ascii = "";
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint < 0x80) {
      ascii += char;
    } else if (NON_ASCII_SPACE.test(char)) {
      ascii += " ";
    } else if (isDecimalDigit(codePoint)) {
      ascii += String(decimalValue(codePoint));
    } else {
      ascii += "?";
    }
  }
  return ascii;
}

const ASCII_SPACE = new Set([" ", "\t", "\n", "\v", "\f", "\r"]);

function digitValue(char: string | undefined): number {
  if (char === undefined) {
    return 99;
  }
  const code = char.charCodeAt(0);
  if (code >= 48 && code <= 57) {
    return code - 48;
  }
  if (code >= 97 && code <= 122) {
    return code - 87;
  }
  if (code >= 65 && code <= 90) {
    return code - 55;
  }
  return 99;
}

const PREFIX_FOR_BASE: Partial<Record<number, string>> = { 2: "b", 8: "o", 16: "x" };

/**
 * Python's `int(text, base)` for a str and base 2, 8, 10 or 16: surrounding white space, a sign,
 * single underscores between digits, the 0x/0o/0b prefix of its base, Unicode digits, and the
 * 4300-digit limit on decimal strings. Throws a PythonError("ValueError") like Python.
 */
export function pyInt(text: string, base = 10): bigint {
  const invalid = () =>
    new PythonError(
      "ValueError",
      `invalid literal for int() with base ${base}: ${[...pyRepr(text)].slice(0, 200).join("")}`,
    );
  const s = asciiForInt(text);
  let i = 0;
  while (ASCII_SPACE.has(s[i] ?? "")) {
    i++;
  }
  let negative = false;
  if (s[i] === "+" || s[i] === "-") {
    negative = s[i] === "-";
    i++;
  }
  const prefix = PREFIX_FOR_BASE[base];
  if (prefix !== undefined && s[i] === "0" && s[i + 1]?.toLowerCase() === prefix) {
    i += 2;
    if (s[i] === "_") {
      i++;
    }
  }
  if (s[i] === "_") {
    throw invalid();
  }
  let digits = "";
  let previous = "";
  while (i < s.length) {
    const char = s[i] ?? "";
    if (char === "_") {
      if (previous === "_") {
        throw invalid();
      }
    } else if (digitValue(char) < base) {
      digits += char;
    } else {
      break;
    }
    previous = char;
    i++;
  }
  if (previous === "_" || digits === "") {
    throw invalid();
  }
  if (base === 10 && digits.length > INT_MAX_STR_DIGITS) {
    throw new PythonError(
      "ValueError",
      `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits.length} digits; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
  while (ASCII_SPACE.has(s[i] ?? "")) {
    i++;
  }
  if (i !== s.length) {
    throw invalid();
  }
  let value = 0n;
  const big = BigInt(base);
  for (const char of digits) {
    value = value * big + BigInt(digitValue(char));
  }
  return negative ? -value : value;
}

const NOT_PRINTABLE = /^[\p{C}\p{Z}]$/u;

/** Python's repr() of a str. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = "";
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (char === quote || char === "\\") {
      body += `\\${char}`;
    } else if (char === "\t") {
      body += "\\t";
    } else if (char === "\n") {
      body += "\\n";
    } else if (char === "\r") {
      body += "\\r";
    } else if (codePoint < 0x20 || codePoint === 0x7f) {
      body += `\\x${codePoint.toString(16).padStart(2, "0")}`;
    } else if (codePoint < 0x7f || char === " " || !NOT_PRINTABLE.test(char)) {
      body += char;
    } else if (codePoint < 0x100) {
      body += `\\x${codePoint.toString(16).padStart(2, "0")}`;
    } else if (codePoint < 0x10000) {
      body += `\\u${codePoint.toString(16).padStart(4, "0")}`;
    } else {
      body += `\\U${codePoint.toString(16).padStart(8, "0")}`;
    }
  }
  return `${quote}${body}${quote}`;
}

/**
 * Python's `"%.{digits}f" % x` for a finite double: the exact binary value rounded half to even
 * (JavaScript's toFixed rounds exact ties up instead).
 */
export function pyFormatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) {
    return x > 0 ? "inf" : x < 0 ? "-inf" : "nan";
  }
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const negative = high >>> 31 === 1;
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  if (biased !== 0) {
    mantissa |= 1n << 52n;
  }
  const exponent = BigInt((biased === 0 ? 1 : biased) - 1075);
  // |x| = mantissa * 2**exponent; scaled = |x| * 10**digits rounded half to even.
  let numerator = mantissa * 10n ** BigInt(digits);
  let scaled: bigint;
  if (exponent >= 0n) {
    scaled = numerator << exponent;
  } else {
    const denominator = 1n << -exponent;
    scaled = numerator / denominator;
    numerator -= scaled * denominator;
    const twice = numerator * 2n;
    if (twice > denominator || (twice === denominator && scaled % 2n === 1n)) {
      scaled += 1n;
    }
  }
  let text = scaled.toString().padStart(digits + 1, "0");
  if (digits > 0) {
    text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  }
  return negative ? `-${text}` : text;
}

/** Lines of a file read in Python's text mode: universal newlines, each keeping its "\n". */
export function pyTextLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, "\n").split(/(?<=\n)/);
  return lines.filter((line) => line !== "");
}

// ---------------------------------------------------------------------------------------------
// The simulation.

function pop(list: bigint[], index: number): bigint {
  if (list.length === 0) {
    throw new PythonError("IndexError", "pop from empty list");
  }
  const at = index < 0 ? index + list.length : index;
  if (at < 0 || at >= list.length) {
    throw new PythonError("IndexError", "pop index out of range");
  }
  const [value] = list.splice(at, 1);
  return value ?? 0n;
}

function listRepr(list: readonly bigint[]): string {
  return `[${list.join(", ")}]`;
}

function pageAt(list: readonly bigint[], index: number): bigint {
  const page = list[index];
  if (page === undefined) {
    throw new PythonError("IndexError", "list index out of range");
  }
  return page;
}

const SIDES: Record<string, readonly [string, string]> = {
  FIFO: ["FirstIn", "Lastin "],
  LRU: ["LRU", "MRU"],
  MRU: ["LRU", "MRU"],
  OPT: ["Left ", "Right"],
  RAND: ["Left ", "Right"],
  UNOPT: ["Left ", "Right"],
  CLOCK: ["Left ", "Right"],
};

/** Runs the script with these options; never throws for bad input (Python would not either). */
export function runPagingPolicy(
  options: PagingPolicyOptions,
  io: PagingPolicyIo = NO_FILES,
): PagingPolicyResult {
  const out: string[] = [];
  const print = (line = "") => {
    out.push(line, "\n");
  };
  try {
    simulate(options, io, print);
    return { stdout: out.join(""), stderr: "", status: 0 };
  } catch (error) {
    if (error instanceof PythonExit) {
      return { stdout: out.join(""), stderr: "", status: error.status };
    }
    if (error instanceof PythonError) {
      return {
        stdout: out.join(""),
        stderr: `${error.pythonType}: ${error.message}\n`,
        status: 1,
      };
    }
    throw error;
  }
}

function simulate(
  options: PagingPolicyOptions,
  io: PagingPolicyIo,
  print: (line?: string) => void,
): void {
  print(`ARG addresses ${options.addresses}`);
  print(`ARG addressfile ${options.addressfile}`);
  print(`ARG numaddrs ${options.numaddrs}`);
  print(`ARG policy ${options.policy}`);
  print(`ARG clockbits ${options.clockbits}`);
  print(`ARG cachesize ${options.cachesize}`);
  print(`ARG maxpage ${options.maxpage}`);
  print(`ARG seed ${options.seed}`);
  print(`ARG notrace ${options.notrace ? "True" : "False"}`);
  print();

  const numaddrs = pyInt(options.numaddrs);
  const cachesize = pyInt(options.cachesize);
  const seed = pyInt(options.seed);
  const maxpage = pyInt(options.maxpage);
  const { policy, notrace, clockbits } = options;
  const rng = new CPythonRandom(seed);

  // Entries are ints, or the raw strings of -a, which Python converts each time it looks at them.
  let addrList: (bigint | string)[] = [];
  if (options.addressfile !== "") {
    for (const line of pyTextLines(io.readFile(options.addressfile))) {
      addrList.push(pyInt(line));
    }
  } else if (options.addresses === "-1") {
    for (let i = 0n; i < numaddrs; i++) {
      const scale = Number(maxpage);
      if (!Number.isFinite(scale)) {
        throw new PythonError("OverflowError", "int too large to convert to float");
      }
      addrList.push(BigInt(Math.trunc(scale * rng.random())));
    }
  } else {
    addrList = options.addresses.split(",");
  }
  const parsed = new Map<string, bigint>();
  const toInt = (entry: bigint | string): bigint => {
    if (typeof entry === "bigint") {
      return entry;
    }
    let value = parsed.get(entry);
    if (value === undefined) {
      value = pyInt(entry);
      parsed.set(entry, value);
    }
    return value;
  };

  if (!options.compute) {
    print(`Assuming a replacement policy of ${policy}, and a cache of size ${cachesize} pages,`);
    print("figure out whether each of the following page references hit or miss");
    print("in the page cache.\n");
    for (const entry of addrList) {
      print(`Access: ${toInt(entry)}  Hit/Miss?  State of Memory?`);
    }
    print();
    return;
  }

  if (!notrace) {
    print("Solving...\n");
  }
  const sides = Object.hasOwn(SIDES, policy) ? SIDES[policy] : undefined;
  if (sides === undefined) {
    print(`Policy ${policy} is not yet implemented`);
    throw new PythonExit(1);
  }
  const [leftStr, riteStr] = sides;

  let count = 0;
  const memory: bigint[] = [];
  let hits = 0;
  let miss = 0;
  const ref = new Map<bigint, bigint>();

  /** When page is next used after addrIndex, or len(addrList) if never. */
  const nextUse = (page: bigint, addrIndex: number): number => {
    for (let future = addrIndex + 1; future < addrList.length; future++) {
      if (toInt(addrList[future] ?? "") === page) {
        return future;
      }
    }
    return addrList.length;
  };

  for (let addrIndex = 0; addrIndex < addrList.length; addrIndex++) {
    const n = toInt(addrList[addrIndex] ?? "");
    const idx = memory.indexOf(n);
    if (idx !== -1) {
      hits++;
      if (policy === "LRU" || policy === "MRU") {
        memory.splice(idx, 1);
        memory.push(n);
      }
    } else {
      miss++;
    }

    let victim = -1n;
    if (idx === -1) {
      if (BigInt(count) === cachesize) {
        if (policy === "FIFO" || policy === "LRU") {
          victim = pop(memory, 0);
        } else if (policy === "MRU") {
          victim = pop(memory, count - 1);
        } else if (policy === "RAND") {
          victim = pop(memory, Math.floor(rng.random() * count));
        } else if (policy === "CLOCK") {
          for (;;) {
            const page = pageAt(memory, Math.floor(rng.random() * count));
            const bits = ref.get(page) ?? 0n;
            if (bits >= 1n) {
              ref.set(page, bits - 1n);
            } else {
              victim = page;
              memory.splice(memory.indexOf(page), 1);
              break;
            }
          }
          ref.delete(victim);
        } else if (policy === "OPT") {
          let maxReplace = -1;
          let replaceIdx = -1;
          for (let pageIndex = 0; pageIndex < count; pageIndex++) {
            const whenReferenced = nextUse(pageAt(memory, pageIndex), addrIndex);
            if (whenReferenced >= maxReplace) {
              replaceIdx = pageIndex;
              maxReplace = whenReferenced;
            }
          }
          victim = pop(memory, replaceIdx);
        } else {
          // UNOPT
          let minReplace = addrList.length + 1;
          let replaceIdx = -1;
          for (let pageIndex = 0; pageIndex < count; pageIndex++) {
            const whenReferenced = nextUse(pageAt(memory, pageIndex), addrIndex);
            if (whenReferenced < minReplace) {
              replaceIdx = pageIndex;
              minReplace = whenReferenced;
            }
          }
          victim = pop(memory, replaceIdx);
        }
      } else {
        count++;
      }
      memory.push(n);
    }

    const bits = ref.get(n);
    if (bits === undefined) {
      ref.set(n, 1n);
    } else {
      ref.set(n, bits + 1n > clockbits ? clockbits : bits + 1n);
    }

    if (!notrace) {
      const hit = idx === -1 ? "MISS" : "HIT ";
      const replaced = victim === -1n ? "-" : String(victim);
      print(
        `Access: ${n}  ${hit} ${leftStr} -> ${listRepr(memory).padStart(12)} <- ${riteStr} Replaced:${replaced} [Hits:${hits} Misses:${miss}]`,
      );
    }
  }

  print();
  if (hits + miss === 0) {
    throw new PythonError("ZeroDivisionError", "float division by zero");
  }
  const hitrate = (100.0 * hits) / (hits + miss);
  print(`FINALSTATS hits ${hits}   misses ${miss}   hitrate ${pyFormatFixed(hitrate, 2)}`);
  print();
}
