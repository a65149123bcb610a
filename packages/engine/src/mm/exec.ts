/**
 * The address space a freshly exec'd program has at main(), with address-space randomisation off
 * (what `setarch -R` or gdb give): a small position-independent executable at 0x555555554000, the
 * brk heap right after it, mmap placement top-down from 0x7ffff7fff000, and the stack at the top.
 *
 * A page-table design that translates fewer than 47 bits (`multilevel:10,10`: 32) gets a layout
 * that fits its address space: for 32 bits the one a 32-bit (compat) program has on this 64-bit
 * kernel, measured with `setarch -R` (tools/kernel-checks exp20): the executable at 0x56555000,
 * mmap top-down from 0xf7ffe000, the stack up to 0xffffe000 (TASK_SIZE of a compat task,
 * IA32_PAGE_OFFSET). Other sizes scale the 47-bit rules (processLayout).
 *
 * Simplified: the dynamic loader, libc and the vDSO are not mapped, and the program's own start-up
 * (which touches a few dozen pages before main) is not simulated, so a process starts with
 * nothing resident and every counter at zero.
 */
import { PAGE_SIZE, TASK_SIZE } from "../arch/x86/pgtable.js";
import type { AddressSpace } from "./address_space.js";
import type { MmStruct } from "./mm_struct.js";
import { PROT_EXEC, PROT_READ, PROT_WRITE, VM_GROWSDOWN, VM_NOMERGE, Vma } from "./vma.js";

/** Where a PIE is loaded with randomisation off (ELF_ET_DYN_BASE). */
export const EXECUTABLE_BASE = 0x555555554000;
/** Top of the stack (STACK_TOP = TASK_SIZE) and the initial stack VMA's size (132 KiB). */
export const STACK_TOP = TASK_SIZE;
export const INITIAL_STACK_SIZE = 33 * PAGE_SIZE;
/** The minimum gap mmap_base leaves above the stack (SIZE_128M in mm/util.c mmap_base). */
const MMAP_GAP = 128 * 1024 * 1024;
/** mmap_base with randomisation off: TASK_SIZE minus the 128 MiB minimum gap above the stack. */
export const MMAP_BASE = TASK_SIZE - MMAP_GAP;

/** The user address space x86-64 gives every process: 47 bits, TASK_SIZE just below 2^47. */
export const FULL_ADDRESS_BITS = 47;
/** A compat (32-bit) task's TASK_SIZE on a 64-bit kernel: IA32_PAGE_OFFSET. */
export const COMPAT_TASK_SIZE = 0xffffe000;
/** Where a 32-bit PIE is loaded on this kernel with randomisation off (measured, exp20). */
export const COMPAT_EXECUTABLE_BASE = 0x56555000;

/** Where a process's parts go: fixed at exec, the same for every process of a machine. */
export interface ProcessLayout {
  /** Bits of user address space (47 on x86-64; fewer when the page-table design covers fewer). */
  addressBits: number;
  /** The first address beyond user space: accesses there get SIGSEGV, mappings ENOMEM. */
  taskSize: number;
  executableBase: number;
  mmapBase: number;
  stackTop: number;
}

export const X86_64_LAYOUT: ProcessLayout = {
  addressBits: FULL_ADDRESS_BITS,
  taskSize: TASK_SIZE,
  executableBase: EXECUTABLE_BASE,
  mmapBase: MMAP_BASE,
  stackTop: STACK_TOP,
};

/**
 * The layout of a process in a `bits`-bit user address space. 47 bits or more: x86-64's (Linux
 * keeps user space at 47 bits even with 5-level tables). 32 bits: a compat task's on a 64-bit
 * kernel (TASK_SIZE 0xffffe000, the executable at 0x56555000, measured). Other sizes follow the
 * 47-bit rules scaled: TASK_SIZE = 2^bits minus a guard page, the executable at two thirds of it
 * (ELF_ET_DYN_BASE = TASK_SIZE / 3 * 2), mmap_base TASK_SIZE minus 128 MiB, or minus five sixths
 * of TASK_SIZE when that is less (mmap_base's gap_max), the stack at TASK_SIZE.
 * @example processLayout(32).mmapBase // 0xf7ffe000
 */
export function processLayout(bits: number): ProcessLayout {
  if (bits >= FULL_ADDRESS_BITS) return X86_64_LAYOUT;
  const taskSize = bits === 32 ? COMPAT_TASK_SIZE : 2 ** bits - PAGE_SIZE;
  const executableBase =
    bits === 32 ? COMPAT_EXECUTABLE_BASE : pageDown(Math.floor(taskSize / 3) * 2);
  const gap = Math.min(MMAP_GAP, pageDown(Math.floor(taskSize / 6) * 5));
  return {
    addressBits: bits,
    taskSize,
    executableBase,
    mmapBase: taskSize - gap,
    stackTop: taskSize,
  };
}

function pageDown(address: number): number {
  return address - (address % PAGE_SIZE);
}

/** The executable's segments: headers, text, read-only data, RELRO, data (file offset in pages). */
const IMAGE_SEGMENTS = [
  { prot: PROT_READ, filePage: 0 },
  { prot: PROT_READ | PROT_EXEC, filePage: 1 },
  { prot: PROT_READ, filePage: 2 },
  { prot: PROT_READ, filePage: 2 },
  { prot: PROT_READ | PROT_WRITE, filePage: 3 },
] as const;

/** Size of the executable file: four pages. */
export const IMAGE_FILE_SIZE = 4 * PAGE_SIZE;

/** Map the executable and the stack into `mm` and set its brk and mmap bases. */
export function setupExecLayout(
  mm: MmStruct,
  image: AddressSpace,
  layout: ProcessLayout = X86_64_LAYOUT,
): void {
  let address = layout.executableBase;
  for (const segment of IMAGE_SEGMENTS) {
    mm.insert(
      new Vma(address, address + PAGE_SIZE, segment.prot, VM_NOMERGE, image, segment.filePage),
    );
    image.mappings++;
    address += PAGE_SIZE;
  }
  mm.startBrk = address;
  mm.brk = address;
  mm.mmapBase = layout.mmapBase;
  mm.stackTop = layout.stackTop;
  const stack = new Vma(
    layout.stackTop - INITIAL_STACK_SIZE,
    layout.stackTop,
    PROT_READ | PROT_WRITE,
    VM_GROWSDOWN | VM_NOMERGE,
    null,
    0,
  );
  mm.insert(stack);
}
