/**
 * A re-implementation of OSTEP's `paging-linear-translate.py` homework generator (chapter
 * "Paging: Introduction") that prints byte for byte what the Python 3 script prints, plus an
 * `explain` mode of vmscope's own that walks each translation step by step.
 *
 * What the script does, and this clone with it:
 * - sizes are Python int()s, optionally followed by k, m or g (any case) for KiB, MiB, GiB; an
 *   empty size, a bad number or a page size of zero end the run with Python's exception;
 * - the checks, in this order, each printing one line and exiting with status 1: physical memory
 *   of at most 1 byte, an empty address space, physical memory not larger than the address space,
 *   either size 1 GiB or more, a size that the page size does not divide, an address space or a
 *   page size that is not a power of two (a negative page size is a math domain error instead);
 * - the page table has one entry per virtual page, drawn in order: an entry is valid when
 *   `random() * 100 > 100 - used`, and then maps a physical frame `int(pages * random())`, drawn
 *   again until it is a free one; a valid entry prints as 0x80000000 | PFN, an invalid one as 0;
 * - random addresses are `int(asize * random())`; listed ones (`-A`) are converted with int() one
 *   at a time as the trace is printed;
 * - with `-c` an address keeps its low 32 bits above the offset as the VPN (so an address past
 *   the address space indexes past the table: Python's IndexError), and a negative one is taken
 *   in two's complement, as Python's `&` does.
 *
 * The script computes `int(log(size) / log(2))` and checks `2 ** bits == size`; for the sizes it
 * accepts (below 1 GiB) that is exactly "size is a power of two", which is what is checked here.
 */
import { CPythonRandom } from "./cpython_random.js";
import { PythonError, pyInt } from "./paging_policy.js";
import {
  pyFormatInt,
  pyStr,
  runScript,
  ScriptExit,
  type ScriptOutput,
  type ScriptPrinter,
} from "./python_script.js";

/** The script's options, as optparse hands them over. */
export interface PagingLinearTranslateOptions {
  /** `-A`: comma-separated virtual addresses; "-1" draws `num` of them at random. */
  addresses: string;
  /** `-s` (an int for optparse). */
  seed: bigint;
  /** `-a`: address space size, e.g. "16k". */
  asize: string;
  /** `-p`: physical memory size. */
  psize: string;
  /** `-P`: page size. */
  pagesize: string;
  /** `-n`: how many addresses to draw. */
  num: bigint;
  /** `-u`: percent of the virtual pages that are valid. */
  used: bigint;
  /** `-v`: print the VPN next to each page-table entry. */
  verbose: boolean;
  /** `-c`: print the answers (the script calls this option "solve"). */
  solve: boolean;
  /** vmscope's own: after the script's output, each translation step by step. */
  explain: boolean;
}

export const PAGING_LINEAR_TRANSLATE_DEFAULTS: Readonly<PagingLinearTranslateOptions> = {
  addresses: "-1",
  seed: 0n,
  asize: "16k",
  psize: "64k",
  pagesize: "4k",
  num: 5n,
  used: 50n,
  verbose: false,
  solve: false,
  explain: false,
};

const UNITS: Readonly<Record<string, bigint>> = {
  k: 1024n,
  K: 1024n,
  m: 1024n * 1024n,
  M: 1024n * 1024n,
  g: 1024n * 1024n * 1024n,
  G: 1024n * 1024n * 1024n,
};

/** The script's `convert`: a Python int(), times 2**10, 2**20 or 2**30 after k, m or g. */
export function parseOstepSize(size: string): bigint {
  const chars = [...size];
  const last = chars.at(-1);
  if (last === undefined) {
    throw new PythonError("IndexError", "string index out of range");
  }
  const unit = Object.hasOwn(UNITS, last) ? UNITS[last] : undefined;
  if (unit === undefined) {
    return pyInt(size);
  }
  return pyInt(chars.slice(0, -1).join("")) * unit;
}

const ONE_GIB = 1024n * 1024n * 1024n;
const LOW_32_BITS = 0xffffffffn;

function isPowerOfTwo(n: bigint): boolean {
  return n > 0n && (n & (n - 1n)) === 0n;
}

function log2(powerOfTwo: bigint): number {
  return powerOfTwo.toString(2).length - 1;
}

/** `float(n)` for a Python int: the nearest double, or Python's OverflowError. */
function toFloat(n: bigint): number {
  const x = Number(n);
  if (!Number.isFinite(x)) {
    throw new PythonError("OverflowError", "int too large to convert to float");
  }
  return x;
}

/** What the explanation needs of a run that got as far as its trace. */
interface LinearTable {
  asize: bigint;
  pagesize: bigint;
  pagebits: number;
  /** One entry per virtual page: the PFN, or -1 when not valid. */
  pt: readonly number[];
  /** The trace's addresses that int() accepted, in order. */
  addresses: bigint[];
}

/** Runs the script with these options; never throws for bad input (Python would not either). */
export function runPagingLinearTranslate(options: PagingLinearTranslateOptions): ScriptOutput {
  let table: LinearTable | undefined;
  const result = runScript((out) => {
    simulate(options, out, (reached) => {
      table = reached;
    });
  });
  if (options.explain && table !== undefined) {
    result.stdout += explainLinear(table);
  }
  return result;
}

function simulate(
  options: PagingLinearTranslateOptions,
  out: ScriptPrinter,
  reachTrace: (table: LinearTable) => void,
): void {
  out.write("ARG seed ");
  out.line(pyStr(options.seed));
  out.line(`ARG address space size ${options.asize}`);
  out.line(`ARG phys mem size ${options.psize}`);
  out.line(`ARG page size ${options.pagesize}`);
  out.line(`ARG verbose ${options.verbose ? "True" : "False"}`);
  out.line(`ARG addresses ${options.addresses}`);
  out.line();

  const rng = new CPythonRandom(options.seed);
  const asize = parseOstepSize(options.asize);
  const psize = parseOstepSize(options.psize);
  const pagesize = parseOstepSize(options.pagesize);

  const fail = (message: string): never => {
    out.line(message);
    throw new ScriptExit(1);
  };
  if (psize <= 1n) {
    fail("Error: must specify a non-zero physical memory size.");
  }
  if (asize < 1n) {
    fail("Error: must specify a non-zero address-space size.");
  }
  if (psize <= asize) {
    fail(
      "Error: physical memory size must be GREATER than address space size (for this simulation)",
    );
  }
  if (psize >= ONE_GIB || asize >= ONE_GIB) {
    fail("Error: must use smaller sizes (less than 1 GB) for this simulation.");
  }
  // The script compares int(float(a) / float(b)) with a / b (a float): for 1 <= a < 2**30 they
  // are equal exactly when b divides a, once float(b) has neither overflowed nor been zero.
  const mustBeMultipleOf = (bignum: bigint, message: string) => {
    if (toFloat(pagesize) === 0) {
      throw new PythonError("ZeroDivisionError", "float division by zero");
    }
    if (bignum % pagesize !== 0n) {
      fail(`Error in argument: ${message}`);
    }
  };
  mustBeMultipleOf(asize, "address space must be a multiple of the pagesize");
  mustBeMultipleOf(psize, "physical memory must be a multiple of the pagesize");

  // Both are exact (the page size divides both sizes) and may be negative.
  const pages = Number(psize / pagesize);
  const vpages = Number(asize / pagesize);
  if (!isPowerOfTwo(asize)) {
    fail("Error in argument: address space must be a power of 2");
  }
  if (pagesize <= 0n) {
    throw new PythonError("ValueError", "math domain error");
  }
  if (!isPowerOfTwo(pagesize)) {
    fail("Error in argument: page size must be a power of 2");
  }
  const pagebits = log2(pagesize);
  const pagemask = (1n << BigInt(pagebits)) - 1n;
  const vpnmask = LOW_32_BITS & ~pagemask;

  out.line();
  out.line("The format of the page table is simple:");
  out.line("The high-order (left-most) bit is the VALID bit.");
  out.line("  If the bit is 1, the rest of the entry is the PFN.");
  out.line("  If the bit is 0, the page is not valid.");
  out.line("Use verbose mode (-v) if you want to print the VPN # by");
  out.line("each entry of the page table.");
  out.line();

  out.line("Page Table (from entry 0 down to the max size)");
  const framesTaken = new Set<number>();
  const pt: number[] = [];
  const prefix = (v: number) => (options.verbose ? `  [${pyFormatInt(v, "d", 8)}]  ` : "  ");
  for (let v = 0; v < vpages; v++) {
    for (;;) {
      const draw = rng.random() * 100.0;
      if (draw > 100.0 - toFloat(options.used)) {
        const u = Math.trunc(pages * rng.random());
        if (!framesTaken.has(u)) {
          framesTaken.add(u);
          out.write(prefix(v));
          out.line(`0x${pyFormatInt(0x80000000 + u, "x", 8, true)}`);
          pt.push(u);
          break;
        }
      } else {
        out.write(prefix(v));
        out.line("0x00000000");
        pt.push(-1);
        break;
      }
    }
  }
  out.line();

  const addrList: (bigint | string)[] = [];
  if (options.addresses === "-1") {
    const scale = Number(asize);
    for (let i = 0n; i < options.num; i++) {
      addrList.push(BigInt(Math.trunc(scale * rng.random())));
    }
  } else {
    for (const text of options.addresses.split(",")) {
      addrList.push(text);
    }
  }

  const table: LinearTable = { asize, pagesize, pagebits, pt, addresses: [] };
  reachTrace(table);
  out.line("Virtual Address Trace");
  for (const entry of addrList) {
    const vaddr = typeof entry === "bigint" ? entry : pyInt(entry);
    table.addresses.push(vaddr);
    const va = `  VA 0x${pyFormatInt(vaddr, "x", 8, true)} (decimal: ${pyFormatInt(vaddr, "d", 8)}) --> `;
    if (!options.solve) {
      out.line(`${va}PA or invalid address?`);
      continue;
    }
    const vpn = (vaddr & vpnmask) >> BigInt(pagebits);
    const pfn = vpn < BigInt(pt.length) ? pt[Number(vpn)] : undefined;
    if (pfn === undefined) {
      throw new PythonError("IndexError", "array index out of range");
    }
    if (pfn < 0) {
      out.line(`${va} Invalid (VPN ${vpn} not valid)`);
    } else {
      const paddr = (BigInt(pfn) << BigInt(pagebits)) | (vaddr & pagemask);
      out.line(
        `${va}${pyFormatInt(paddr, "x", 8, true)} (decimal ${pyFormatInt(paddr, "d", 8)}) [VPN ${vpn}]`,
      );
    }
  }
  out.line();

  if (!options.solve) {
    out.line("For each virtual address, write down the physical address it translates to");
    out.line("OR write down that it is an out-of-bounds address (e.g., segfault).");
    out.line();
  }
}

// ---------------------------------------------------------------------------------------------
// --explain: vmscope's own walk through each translation (the script has no such output).

function binary(value: bigint, bits: number): string {
  return bits === 0 ? "" : value.toString(2).padStart(bits, "0");
}

function hex(value: bigint | number): string {
  const n = BigInt(value);
  return n < 0n ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

function explainLinear(table: LinearTable): string {
  const { asize, pagesize, pagebits, pt, addresses } = table;
  const vabits = log2(asize);
  const lines: string[] = [
    "",
    "Step by step (vmscope --explain; the original script has no such output):",
    `  address space ${asize} bytes = 2^${vabits}: a virtual address (VA) has ${vabits} bits`,
    `  page size ${pagesize} bytes = 2^${pagebits}: the low ${pagebits} bits of a VA are the offset, the ${vabits - pagebits} above them the VPN`,
    `  page table: ${pt.length} entries of 32 bits, indexed by VPN; bit 31 is the valid bit, the bits below it the PFN`,
    `  physical address (PA) = PFN << ${pagebits} | offset`,
  ];
  for (const vaddr of addresses) {
    lines.push("", `VA ${hex(vaddr)} (decimal ${vaddr})`);
    // The script keeps the low 32 bits of the VA (two's complement for a negative one).
    const low = vaddr & LOW_32_BITS;
    if (low !== vaddr) {
      lines.push(`  only its low 32 bits count: ${hex(low)}`);
    }
    const vpn = low >> BigInt(pagebits);
    const offset = low & ((1n << BigInt(pagebits)) - 1n);
    const width = Math.max(vabits, low.toString(2).length);
    if (width > vabits) {
      lines.push(`  that takes ${width} bits, more than the ${vabits} of the address space`);
    }
    const vpnBits = binary(vpn, width - pagebits);
    const offsetBits = binary(offset, pagebits);
    lines.push(
      `  bits    ${[vpnBits, offsetBits].filter((bits) => bits !== "").join(" ")}   (VPN: ${vpnBits.length} bits | offset: ${offsetBits.length} bits)`,
      `  VPN     ${vpnBits ? `0b${vpnBits} = ` : ""}${vpn}`,
      `  offset  ${offsetBits ? `0b${offsetBits} = ${hex(offset)} = ` : ""}${offset}`,
    );
    const pfn = vpn < BigInt(pt.length) ? pt[Number(vpn)] : undefined;
    if (pfn === undefined) {
      lines.push(
        `  fault   VPN ${vpn} is past the end of the ${pt.length}-entry page table: the VA is outside the address space`,
        "          (with -c the script stops here with an IndexError)",
      );
    } else if (pfn < 0) {
      lines.push(
        `  PTE     entry ${vpn} = 0x00000000: valid bit 0`,
        `  fault   virtual page ${vpn} is not mapped: no physical address`,
      );
    } else {
      const paddr = (BigInt(pfn) << BigInt(pagebits)) | offset;
      lines.push(
        `  PTE     entry ${vpn} = 0x${(0x80000000 + pfn).toString(16)}: valid bit 1, PFN ${hex(pfn)} (${pfn})`,
        `  PA      ${hex(pfn)} << ${pagebits} | ${hex(offset)} = ${hex(paddr)} (decimal ${paddr})`,
      );
    }
  }
  lines.push("");
  return `${lines.join("\n")}\n`;
}
