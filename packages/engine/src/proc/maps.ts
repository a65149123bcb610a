/**
 * /proc/PID/maps (fs/proc/task_mmu.c: show_map_vma, show_vma_header_prefix, get_vma_name).
 *
 * One line per VMA:
 *
 *     555555554000-555555555000 r--p 00000000 08:01 1001                       /usr/bin/app
 *     7ffff7fef000-7ffff7fff000 rw-p 00000000 00:00 0
 *
 * The prefix is `start-end perms offset major:minor inode ` (note the space after the inode).
 * When the VMA has a name, the line is padded with spaces to 72 columns and one more space is
 * written (seq_setwidth(m, 25 + sizeof(void *) * 6 - 1) then seq_pad(m, ' ')), so names start in
 * column 74 (1-based) whenever the prefix is shorter than 73 characters, and one space after the
 * prefix otherwise. A VMA without a name keeps the prefix's trailing space, exactly as Linux does.
 */
import type { Machine } from "../machine.js";
import type { MmStruct } from "../mm/mm_struct.js";
import type { Vma } from "../mm/vma.js";
import type { Process } from "../process.js";
import { hex } from "./format.js";

/** The column the kernel pads the prefix to before writing the separator and the name. */
const NAME_PAD_WIDTH = 25 + 8 * 6 - 1;

/**
 * The start of the stack as Linux's vma_is_initial_stack compares it (mm->start_stack, the
 * initial stack pointer): vmscope does not simulate the argument and environment strings, so the
 * top byte of the stack stands for it.
 */
function startStack(mm: MmStruct): number {
  return mm.stackTop - 1;
}

/**
 * The name /proc/PID/maps shows for `vma`, or null (get_vma_name):
 * the backing object's path for file and shared anonymous mappings (`/dev/zero (deleted)`),
 * `[heap]` for the anonymous VMA overlapping [start_brk, brk) (vma_is_initial_heap: its start below
 * brk and its end above start_brk, so a process whose break never moved has no `[heap]`),
 * `[stack]` for the anonymous VMA holding the start of the stack (vma_is_initial_stack).
 */
export function vmaName(mm: MmStruct, vma: Vma): string | null {
  if (vma.backing !== null) return vma.backing.name;
  if (vma.start < mm.brk && vma.end > mm.startBrk) return "[heap]";
  const stack = startStack(mm);
  if (vma.start <= stack && vma.end >= stack) return "[stack]";
  return null;
}

/** `start-end perms offset dev inode ` (show_vma_header_prefix), with its trailing space. */
export function mapsPrefix(vma: Vma): string {
  const backing = vma.backing;
  const offset = backing === null ? 0 : vma.pgoff * 4096;
  const device = backing === null ? "00:00" : backing.device;
  const inode = backing === null ? 0 : backing.inode;
  return `${hex(vma.start, 8)}-${hex(vma.end, 8)} ${vma.permissionString()} ${hex(offset, 8)} ${device} ${inode} `;
}

/** One line of /proc/PID/maps for `vma`, without the newline. */
export function mapsLine(mm: MmStruct, vma: Vma): string {
  const prefix = mapsPrefix(vma);
  const name = vmaName(mm, vma);
  if (name === null) return prefix;
  return `${prefix.padEnd(NAME_PAD_WIDTH, " ")} ${name}`;
}

/**
 * The text of /proc/PID/maps: one line per VMA in address order, each ending in a newline.
 * A process that has exited has no address space and an empty maps file, as on Linux.
 *
 * Simplified: there is no `[vsyscall]`, `[vdso]` or `[vvar]` line, since vmscope maps neither.
 */
export function renderMaps(_machine: Machine, process: Process): string {
  const mm = process.mm;
  let text = "";
  for (const vma of mm.vmas) text += `${mapsLine(mm, vma)}\n`;
  return text;
}
