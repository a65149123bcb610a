/**
 * The address space a freshly exec'd program has at main(), with address-space randomisation off
 * (what `setarch -R` or gdb give): a small position-independent executable at 0x555555554000, the
 * brk heap right after it, mmap placement top-down from 0x7ffff7fff000, and the stack at the top.
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
/** mmap_base with randomisation off: TASK_SIZE minus the 128 MiB minimum gap above the stack. */
export const MMAP_BASE = TASK_SIZE - 128 * 1024 * 1024;

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
export function setupExecLayout(mm: MmStruct, image: AddressSpace): void {
  let address = EXECUTABLE_BASE;
  for (const segment of IMAGE_SEGMENTS) {
    mm.insert(
      new Vma(address, address + PAGE_SIZE, segment.prot, VM_NOMERGE, image, segment.filePage),
    );
    image.mappings++;
    address += PAGE_SIZE;
  }
  mm.startBrk = address;
  mm.brk = address;
  mm.mmapBase = MMAP_BASE;
  mm.stackTop = STACK_TOP;
  const stack = new Vma(
    STACK_TOP - INITIAL_STACK_SIZE,
    STACK_TOP,
    PROT_READ | PROT_WRITE,
    VM_GROWSDOWN | VM_NOMERGE,
    null,
    0,
  );
  mm.insert(stack);
}
