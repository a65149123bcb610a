/**
 * /proc/PID/status (fs/proc/array.c: proc_pid_status, task_state; fs/proc/task_mmu.c: task_mem)
 * and the per-process counters that reports, `expect` and `--json` read.
 *
 * Printed: Name, Umask, State, Tgid, Ngid, Pid, PPid, TracerPid, then the Vm lines, in Linux's
 * order and format (`Label:\t` then the value; the Vm lines as `%8lu kB`). The fields vmscope does
 * not model (Uid, Gid, FDSize, Groups, the namespace ids, signal masks, capabilities, ...) are left
 * out rather than invented.
 *
 * State: a live process is shown `R (running)` (vmscope has one CPU and no scheduler, so no process
 * is ever waiting); a process that exited or was killed is `Z (zombie)`: it is never reaped, so it
 * stays, like a child whose parent has not called wait(). A zombie has no mm, so Linux prints no
 * Vm lines for it, and neither does this.
 */
import { DEFAULT_TIMING } from "../arch/x86/timing.js";
import type { Machine } from "../machine.js";
import type { Process } from "../process.js";
import { bytesToKb, decimal, pagesToKb } from "./format.js";
import { isDataMapping, isExecMapping, isStackMapping, linuxVmFlags } from "./vm_flags.js";

/** Linux keeps a task's comm in 16 bytes with the terminating NUL (TASK_COMM_LEN). */
const TASK_COMM_LEN = 16;

/** `Label:\t` and the value in kB right-aligned in 8 columns, as task_mem prints it. */
function vmLine(label: string, kb: number): string {
  return `${label}:\t${decimal(kb, 8)} kB`;
}

/** Byte totals of the VMAs by kind (mm->total_vm, data_vm, stack_vm, exec_vm, and the text). */
function vmTotals(process: Process): {
  total: number;
  data: number;
  stack: number;
  exec: number;
  text: number;
} {
  const mm = process.mm;
  const image = `/usr/bin/${process.name}`;
  let total = 0;
  let data = 0;
  let stack = 0;
  let exec = 0;
  let text = 0;
  for (const vma of mm.vmas) {
    const size = vma.end - vma.start;
    const flags = linuxVmFlags(mm, vma);
    total += size;
    if (isDataMapping(flags)) data += size;
    if (isStackMapping(flags)) stack += size;
    if (isExecMapping(flags)) {
      exec += size;
      // mm->start_code..end_code: the executable's own text segment.
      if (vma.backing !== null && vma.backing.name === image) text += size;
    }
  }
  return { total, data, stack, exec, text: Math.min(text, exec) };
}

/**
 * The text of /proc/PID/status.
 *
 * Simplification: vmscope does not keep mm->hiwater_vm, so VmPeak shows the current VmSize;
 * VmLck and VmPin are 0 (no mlock or pinning). VmSwap is MM_SWAPENTS: the swap entries in the
 * process's page tables, whether or not the swap cache still holds a copy of their page.
 */
export function renderStatus(_machine: Machine, process: Process): string {
  const mm = process.mm;
  const lines = [
    `Name:\t${process.name.slice(0, TASK_COMM_LEN - 1)}`,
    "Umask:\t0022",
    `State:\t${process.alive ? "R (running)" : "Z (zombie)"}`,
    `Tgid:\t${process.pid}`,
    "Ngid:\t0",
    `Pid:\t${process.pid}`,
    `PPid:\t${process.parentPid}`,
    "TracerPid:\t0",
  ];
  if (process.alive) {
    const vm = vmTotals(process);
    const rss = mm.rssPages;
    lines.push(
      vmLine("VmPeak", bytesToKb(vm.total)),
      vmLine("VmSize", bytesToKb(vm.total)),
      vmLine("VmLck", 0),
      vmLine("VmPin", 0),
      vmLine("VmHWM", pagesToKb(Math.max(mm.rssPeak, rss))),
      vmLine("VmRSS", pagesToKb(rss)),
      vmLine("RssAnon", pagesToKb(mm.rssAnon)),
      vmLine("RssFile", pagesToKb(mm.rssFile)),
      vmLine("RssShmem", pagesToKb(mm.rssShmem)),
      vmLine("VmData", bytesToKb(vm.data)),
      vmLine("VmStk", bytesToKb(vm.stack)),
      vmLine("VmExe", bytesToKb(vm.text)),
      vmLine("VmLib", bytesToKb(vm.exec - vm.text)),
      vmLine("VmPTE", bytesToKb(mm.pgtablesBytes)),
      vmLine("VmSwap", pagesToKb(mm.swapEntries)),
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The counters of one process under the names reports, `expect app.NAME` and `--json` use:
 * pid, minflt, majflt (getrusage), rss_kb, rss_anon_kb, rss_file_kb, rss_shmem_kb, hwm_kb
 * (VmRSS, RssAnon, RssFile, RssShmem, VmHWM), vm_kb (VmSize), pte_kb (VmPTE), cow_faults,
 * accesses, cycles, time_ns (cycles at the machine's clock, `cyclesPerNs`, rounded),
 * amat_cycles (average cycles per access, 2 decimals; 0 before the first), then swap_kb
 * (VmSwap), rchar, wchar, read_bytes, write_bytes (the lines of /proc/PID/io) and
 * oom_score_adj. A dead process keeps its fault, I/O counts and peak; its sizes read 0.
 */
export function processCounters(
  process: Process,
  cyclesPerNs = DEFAULT_TIMING.cyclesPerNs,
): Record<string, number> {
  const mm = process.mm;
  const rss = mm.rssPages;
  return {
    pid: process.pid,
    minflt: process.minflt,
    majflt: process.majflt,
    rss_kb: pagesToKb(rss),
    rss_anon_kb: pagesToKb(mm.rssAnon),
    rss_file_kb: pagesToKb(mm.rssFile),
    rss_shmem_kb: pagesToKb(mm.rssShmem),
    hwm_kb: pagesToKb(Math.max(mm.rssPeak, rss)),
    vm_kb: bytesToKb(mm.totalVm()),
    pte_kb: bytesToKb(mm.pgtablesBytes),
    cow_faults: process.cowFaults,
    accesses: process.accesses,
    cycles: process.cycles,
    time_ns: Math.round(process.cycles / cyclesPerNs),
    amat_cycles:
      process.accesses === 0 ? 0 : Math.round((process.cycles / process.accesses) * 100) / 100,
    swap_kb: pagesToKb(mm.swapEntries),
    rchar: process.rchar,
    wchar: process.wchar,
    read_bytes: process.readBytes,
    write_bytes: process.writeBytes,
    oom_score_adj: process.oomScoreAdj,
  };
}
