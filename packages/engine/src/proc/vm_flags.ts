/**
 * The vm_flags Linux would hold for a vmscope VMA (include/linux/mm.h VM_*), for the smaps
 * `VmFlags:` line and the VmData/VmStk/VmExe/VmLib sums of /proc/PID/status.
 *
 * vmscope's Vma keeps only its protection and VM_SHARED/VM_GROWSDOWN; the rest is derived the way
 * mmap, brk and exec set it:
 * - VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC on every mapping (anonymous memory, MAP_PRIVATE files);
 * - VM_SHARED and VM_MAYSHARE for MAP_SHARED;
 * - VM_ACCOUNT (`ac`) on the stack and the brk heap (always charged) and on private writable
 *   mappings (accountable_mapping: VM_WRITE without VM_SHARED or VM_NORESERVE).
 *
 * Simplification: Linux keeps VM_ACCOUNT once set, so a private mapping that was writable and
 * then made read-only by mprotect (a RELRO segment, for one) still shows `ac`; vmscope does not
 * remember the history and shows `ac` only while the mapping is writable.
 */
import type { MmStruct } from "../mm/mm_struct.js";
import {
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  VM_GROWSDOWN,
  VM_HUGEPAGE,
  VM_NOHUGEPAGE,
  type Vma,
} from "../mm/vma.js";

export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
export const VM_MAYEXEC = 0x40;
export const VM_MAYSHARE = 0x80;
/** VM_GROWSDOWN; on x86 it is also VM_STACK. */
export const VM_STACK = 0x100;
export const VM_ACCOUNT = 0x100000;
/** madvise(MADV_HUGEPAGE) and madvise(MADV_NOHUGEPAGE). */
export const VM_HUGEPAGE_BIT = 0x20000000;
export const VM_NOHUGEPAGE_BIT = 0x40000000;

/** Two-letter mnemonics of show_smap_vma_flags, in bit order, for the flags vmscope can set. */
const MNEMONICS: readonly (readonly [number, string])[] = [
  [VM_READ, "rd"],
  [VM_WRITE, "wr"],
  [VM_EXEC, "ex"],
  [VM_SHARED, "sh"],
  [VM_MAYREAD, "mr"],
  [VM_MAYWRITE, "mw"],
  [VM_MAYEXEC, "me"],
  [VM_MAYSHARE, "ms"],
  [VM_STACK, "gd"],
  [VM_ACCOUNT, "ac"],
  [VM_HUGEPAGE_BIT, "hg"],
  [VM_NOHUGEPAGE_BIT, "nh"],
];

/** Whether `vma` is the brk heap (the anonymous VMA overlapping [start_brk, brk)). */
function isHeap(mm: MmStruct, vma: Vma): boolean {
  return vma.backing === null && vma.start < mm.brk && vma.end > mm.startBrk;
}

/** Linux's vm_flags for `vma` of `mm`. */
export function linuxVmFlags(mm: MmStruct, vma: Vma): number {
  let flags = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if (vma.prot & PROT_READ) flags |= VM_READ;
  if (vma.prot & PROT_WRITE) flags |= VM_WRITE;
  if (vma.prot & PROT_EXEC) flags |= VM_EXEC;
  if (vma.isShared) flags |= VM_SHARED | VM_MAYSHARE;
  if (vma.flags & VM_GROWSDOWN) flags |= VM_STACK | VM_ACCOUNT;
  if (!vma.isShared && vma.prot & PROT_WRITE) flags |= VM_ACCOUNT;
  if (isHeap(mm, vma)) flags |= VM_ACCOUNT;
  if (vma.flags & VM_HUGEPAGE) flags |= VM_HUGEPAGE_BIT;
  if (vma.flags & VM_NOHUGEPAGE) flags |= VM_NOHUGEPAGE_BIT;
  return flags;
}

/**
 * The `VmFlags:` line of smaps (show_smap_vma_flags): each set flag's mnemonic followed by a
 * space, so the line ends in a space, as on Linux.
 * @example vmFlagsLine(VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT)
 * // "VmFlags: rd wr mr mw me ac "
 */
export function vmFlagsLine(flags: number): string {
  let line = "VmFlags: ";
  for (const [bit, mnemonic] of MNEMONICS) if (flags & bit) line += `${mnemonic} `;
  return line;
}

/** is_data_mapping: private, writable, not a stack (counted in VmData). */
export function isDataMapping(flags: number): boolean {
  return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) === VM_WRITE;
}

/** is_stack_mapping (counted in VmStk). */
export function isStackMapping(flags: number): boolean {
  return (flags & VM_STACK) === VM_STACK;
}

/** is_exec_mapping: executable, not writable, not a stack (counted in VmExe + VmLib). */
export function isExecMapping(flags: number): boolean {
  return (flags & (VM_EXEC | VM_WRITE | VM_STACK)) === VM_EXEC;
}
