/**
 * A re-implementation of OSTEP's `paging-multilevel-translate.py` homework generator (chapter
 * "Paging: Smaller Tables") that prints byte for byte what the Python 3 script prints, plus an
 * `explain` mode of vmscope's own that walks each translation step by step.
 *
 * The machine: 32-byte pages, a 32 KiB virtual address space (1024 pages: a 15-bit VA made of a
 * 5-bit page-directory index, a 5-bit page-table index and a 5-bit offset) and 128 physical
 * pages (4 KiB). Page-directory and page-table entries are one byte: a valid bit (0x80) and a
 * 7-bit PFN; a fresh page of either is filled with 0x7f (not valid). Memory starts zeroed.
 *
 * The script, step for step with the same random draws (CPython's `random()`):
 * - a free physical page is found by drawing `int(random() * 128)` until one is free, and asserts
 *   that one is left (so asking for too many pages ends in an AssertionError);
 * - the page directory takes the first free page; then for each of the `allocated` virtual
 *   pages: a virtual page not drawn before (`int(random() * 1024)`), a physical page, a page of
 *   the page table if its directory entry is not valid yet (found after the physical page), and
 *   32 random bytes `int(random() * 31)` in the physical page;
 * - the memory dump, 128 lines of 32 bytes in hex, and the PDBR;
 * - each address: `random() * 100 > 50`, or no allocated page left at that index, gives a random
 *   VA `int(random() * 32768)`; otherwise the i-th allocated page with a random offset.
 */
import { CPythonRandom } from "./cpython_random.js";
import { PythonError } from "./paging_policy.js";
import {
  pyFormatInt,
  pyStr,
  runScript,
  type ScriptOutput,
  type ScriptPrinter,
} from "./python_script.js";

/** The script's options, as optparse hands them over (ints for `-s`, `-a` and `-n`). */
export interface PagingMultilevelTranslateOptions {
  seed: bigint;
  /** `-a`: how many virtual pages the process has. */
  allocated: bigint;
  /** `-n`: how many virtual addresses to translate. */
  num: bigint;
  /** `-c`: print the answers (the script calls this option "solve"). */
  solve: boolean;
  /** vmscope's own: after the script's output, each translation step by step. */
  explain: boolean;
}

export const PAGING_MULTILEVEL_TRANSLATE_DEFAULTS: Readonly<PagingMultilevelTranslateOptions> = {
  seed: 0n,
  allocated: 64n,
  num: 10n,
  solve: false,
  explain: false,
};

const PAGE_SIZE = 32;
const PAGE_BITS = 5;
const PHYS_PAGES = 128;
const VA_PAGES = 1024;
/** Bits 14-10 of a VA index the page directory, bits 9-5 a page of the page table. */
const PDE_MASK = 0x7c00;
const PDE_SHIFT = 10;
const PTE_MASK = 0x03e0;
const PTE_SHIFT = 5;
const OFFSET_MASK = 0x1f;
const VALID = 0x80;
const PFN_MASK = 0x7f;

/** Physical memory and the allocator of its pages, as the script's `OS` class keeps them. */
class SmallMachine {
  readonly memory = new Uint8Array(PAGE_SIZE * PHYS_PAGES);
  private readonly pageUsed = new Uint8Array(PHYS_PAGES);
  private usedCount = 0;
  pdbr = 0;

  constructor(private readonly rng: CPythonRandom) {}

  byte(address: number): number {
    return this.memory[address] ?? 0;
  }

  findFree(): number {
    if (this.usedCount >= PHYS_PAGES) {
      throw new PythonError("AssertionError", "");
    }
    let look = Math.trunc(this.rng.random() * PHYS_PAGES);
    while (this.pageUsed[look] === 1) {
      look = Math.trunc(this.rng.random() * PHYS_PAGES);
    }
    this.usedCount++;
    this.pageUsed[look] = 1;
    return look;
  }

  /** Fills a page of the page directory or of the page table with not-valid entries. */
  initTablePage(page: number): void {
    this.memory.fill(PFN_MASK, page << PAGE_BITS, (page + 1) << PAGE_BITS);
  }

  pdeAddress(vaddr: number): number {
    return (this.pdbr << PAGE_BITS) | ((vaddr & PDE_MASK) >> PDE_SHIFT);
  }

  pteAddress(vaddr: number, tablePage: number): number {
    return (tablePage << PAGE_BITS) | ((vaddr & PTE_MASK) >> PTE_SHIFT);
  }

  mapPage(vpage: number, frame: number): void {
    const vaddr = vpage << PAGE_BITS;
    const pdeAddr = this.pdeAddress(vaddr);
    const pde = this.byte(pdeAddr);
    let tablePage: number;
    if ((pde & VALID) === 0) {
      assert((pde & PFN_MASK) === 127);
      tablePage = this.findFree();
      this.memory[pdeAddr] = VALID | tablePage;
      this.initTablePage(tablePage);
    } else {
      tablePage = pde & PFN_MASK;
    }
    const pteAddr = this.pteAddress(vaddr, tablePage);
    const pte = this.byte(pteAddr);
    assert((pte & VALID) === 0);
    assert((pte & PFN_MASK) === 127);
    this.memory[pteAddr] = VALID | frame;
  }

  /** The script's procAlloc: the page directory, then `count` mapped and filled pages. */
  allocate(count: bigint): number[] {
    this.pdbr = this.findFree();
    this.initTablePage(this.pdbr);
    const taken = new Uint8Array(VA_PAGES);
    const vpages: number[] = [];
    for (let i = 0n; i < count; i++) {
      let vpage = Math.trunc(this.rng.random() * VA_PAGES);
      while (taken[vpage] === 1) {
        vpage = Math.trunc(this.rng.random() * VA_PAGES);
      }
      taken[vpage] = 1;
      vpages.push(vpage);
      const frame = this.findFree();
      this.mapPage(vpage, frame);
      for (let j = 0; j < PAGE_SIZE; j++) {
        this.memory[(frame << PAGE_BITS) + j] = Math.trunc(this.rng.random() * 31);
      }
    }
    return vpages;
  }
}

function assert(condition: boolean): void {
  if (!condition) {
    throw new PythonError("AssertionError", "");
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/** Runs the script with these options; never throws for bad input (Python would not either). */
export function runPagingMultilevelTranslate(
  options: PagingMultilevelTranslateOptions,
): ScriptOutput {
  let machine: SmallMachine | undefined;
  const addresses: number[] = [];
  const result = runScript((out) => {
    machine = simulate(options, out, addresses);
  });
  if (options.explain && machine !== undefined) {
    result.stdout += explainMultilevel(machine, addresses);
  }
  return result;
}

function simulate(
  options: PagingMultilevelTranslateOptions,
  out: ScriptPrinter,
  addresses: number[],
): SmallMachine {
  out.write("ARG seed ");
  out.line(pyStr(options.seed));
  out.write("ARG allocated ");
  out.line(pyStr(options.allocated));
  out.write("ARG num ");
  out.line(pyStr(options.num));
  out.line();

  const rng = new CPythonRandom(options.seed);
  const machine = new SmallMachine(rng);
  const used = machine.allocate(options.allocated);

  for (let page = 0; page < PHYS_PAGES; page++) {
    out.write(`page ${pyFormatInt(page, "d", 3)}:`);
    const start = page << PAGE_BITS;
    out.line(Array.from(machine.memory.subarray(start, start + PAGE_SIZE), hex2).join(""));
  }
  out.line();
  out.line(`PDBR: ${machine.pdbr}  (decimal) [This means the page directory is held in this page]`);
  out.line();

  for (let i = 0n; i < options.num; i++) {
    const index = Number(i);
    const allocatedPage = used[index];
    let vaddr: number;
    if (rng.random() * 100 > 50.0 || allocatedPage === undefined) {
      vaddr = Math.trunc(rng.random() * 1024 * 32);
    } else {
      vaddr = (allocatedPage << PAGE_BITS) | Math.trunc(rng.random() * 32);
    }
    addresses.push(vaddr);
    if (!options.solve) {
      out.line(
        `Virtual Address ${pyFormatInt(vaddr, "x", 4, true)}: Translates To What Physical Address (And Fetches what Value)? Or Fault?`,
      );
      continue;
    }
    out.line(`Virtual Address 0x${pyFormatInt(vaddr, "x", 4, true)}:`);
    const pdeIndex = (vaddr & PDE_MASK) >> PDE_SHIFT;
    const pde = machine.byte(machine.pdeAddress(vaddr));
    out.line(
      `  --> pde index:0x${pdeIndex.toString(16)} [decimal ${pdeIndex}] pde contents:0x${pde.toString(16)} (valid ${pde >> 7}, pfn 0x${hex2(pde & PFN_MASK)} [decimal ${pde & PFN_MASK}])`,
    );
    if ((pde & VALID) === 0) {
      out.line("      --> Fault (page directory entry not valid)");
      continue;
    }
    const pteIndex = (vaddr & PTE_MASK) >> PTE_SHIFT;
    const pte = machine.byte(machine.pteAddress(vaddr, pde & PFN_MASK));
    out.line(
      `    --> pte index:0x${pteIndex.toString(16)} [decimal ${pteIndex}] pte contents:0x${pte.toString(16)} (valid ${pte >> 7}, pfn 0x${hex2(pte & PFN_MASK)} [decimal ${pte & PFN_MASK}])`,
    );
    if ((pte & VALID) === 0) {
      out.line("      --> Fault (page table entry not valid)");
      continue;
    }
    const paddr = ((pte & PFN_MASK) << PAGE_BITS) | (vaddr & OFFSET_MASK);
    out.line(
      `      --> Translates to Physical Address 0x${pyFormatInt(paddr, "x", 3, true)} --> Value: 0x${hex2(machine.byte(paddr))}`,
    );
  }
  out.line();
  return machine;
}

// ---------------------------------------------------------------------------------------------
// --explain: vmscope's own walk through each translation (the script has no such output).

function bits(value: number, width: number): string {
  return value.toString(2).padStart(width, "0");
}

/** One entry byte: its bits with the valid bit apart, and what they say. */
function entry(value: number): string {
  const valid = value >> 7;
  const pfn = value & PFN_MASK;
  return `0x${hex2(value)} = 0b${valid}_${bits(pfn, 7)}: valid bit ${valid}, PFN 0x${hex2(pfn)} (${pfn})`;
}

function explainMultilevel(machine: SmallMachine, addresses: readonly number[]): string {
  const lines: string[] = [
    "",
    "Step by step (vmscope --explain; the original script has no such output):",
    "  a virtual address (VA) has 15 bits: 5 of page-directory index (PDI), 5 of page-table index (PTI), 5 of offset",
    "  an entry is one byte: bit 7 is the valid bit, bits 6-0 the PFN (0x7f fills unused entries)",
    `  the page directory is physical page ${machine.pdbr} (the PDBR); an entry's address is page * 32 + index`,
  ];
  for (const vaddr of addresses) {
    const pdi = vaddr >> 10;
    const pti = (vaddr >> 5) & 31;
    const offset = vaddr & 31;
    lines.push(
      "",
      `VA 0x${hex2(vaddr).padStart(4, "0")} (decimal ${vaddr})`,
      `  bits    ${bits(pdi, 5)} ${bits(pti, 5)} ${bits(offset, 5)}   (PDI | PTI | offset)`,
      `  PDI ${pdi}, PTI ${pti}, offset ${offset} (0x${offset.toString(16)})`,
    );
    const pdeAddr = machine.pdbr * PAGE_SIZE + pdi;
    const pde = machine.byte(pdeAddr);
    lines.push(
      `  PDE     page ${machine.pdbr} byte ${pdi} (address 0x${pdeAddr.toString(16)}) = ${entry(pde)}`,
    );
    if (pde >> 7 === 0) {
      lines.push("  fault   the page-directory entry is not valid: no page of the page table");
      continue;
    }
    const table = pde & PFN_MASK;
    const pteAddr = table * PAGE_SIZE + pti;
    const pte = machine.byte(pteAddr);
    lines.push(
      `  PTE     page ${table} byte ${pti} (address 0x${pteAddr.toString(16)}) = ${entry(pte)}`,
    );
    if (pte >> 7 === 0) {
      lines.push("  fault   the page-table entry is not valid: the virtual page is not mapped");
      continue;
    }
    const frame = pte & PFN_MASK;
    const paddr = frame * PAGE_SIZE + offset;
    lines.push(
      `  PA      page ${frame} byte ${offset} = ${frame} * 32 + ${offset} = 0x${paddr.toString(16)} (decimal ${paddr})`,
      `  value   0x${hex2(machine.byte(paddr))}`,
    );
  }
  lines.push("");
  return `${lines.join("\n")}\n`;
}
