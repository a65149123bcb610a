/** Invariants of processes and their VMAs. */
import { PAGE_SIZE, TASK_SIZE } from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import type { MmStruct } from "../mm/mm_struct.js";
import { PROT_EXEC, PROT_READ, PROT_WRITE, type Vma } from "../mm/vma.js";
import type { Process } from "../process.js";
import { hex } from "./census.js";

export function checkProcesses(machine: Machine, live: Process[], out: string[]): void {
  const running = machine.cpu.runningProcess;
  if (running !== null && !running.alive) {
    out.push(`cpu: the running process is pid ${running.pid}, which is ${running.state}`);
  }
  const mms = new Set<MmStruct>();
  for (const process of machine.processes) {
    const mm = process.mm;
    if (mms.has(mm)) out.push(`pid ${process.pid}: shares its mm_struct with another process`);
    mms.add(mm);
    if (process.alive) {
      if (mm.pgd < 0) out.push(`pid ${process.pid}: alive without a PGD`);
      if (mm.startBrk > mm.brk) {
        out.push(`pid ${process.pid}: brk ${hex(mm.brk)} lies below start_brk ${hex(mm.startBrk)}`);
      }
      continue;
    }
    // exit_mmap left nothing behind (check_mm's "Bad rss-counter state" and friends).
    const leftovers: string[] = [];
    if (mm.pgd !== -1) leftovers.push(`PGD at pfn ${mm.pgd}`);
    if (mm.vmas.length > 0) leftovers.push(`${mm.vmas.length} VMAs`);
    if (mm.rssAnon !== 0 || mm.rssFile !== 0 || mm.rssShmem !== 0) {
      leftovers.push(`RSS anon/file/shmem ${mm.rssAnon}/${mm.rssFile}/${mm.rssShmem}`);
    }
    if (mm.pgtablesBytes !== 0) leftovers.push(`pgtablesBytes ${mm.pgtablesBytes}`);
    if (machine.cpu.asidOf(mm) >= 0) leftovers.push(`PCID ${machine.cpu.asidOf(mm)}`);
    if (leftovers.length > 0) {
      out.push(`pid ${process.pid} (${process.state}) still holds ${leftovers.join(", ")}`);
    }
  }
  if (live.length > 0 && new Set(live.map((process) => process.pid)).size !== live.length) {
    out.push("two live processes share a PID");
  }
}

export function checkVmas(process: Process, out: string[]): void {
  const where = `pid ${process.pid}`;
  let previous: Vma | null = null;
  for (const vma of process.mm.vmas) {
    const range = `VMA [${hex(vma.start)}, ${hex(vma.end)})`;
    if (vma.start % PAGE_SIZE !== 0 || vma.end % PAGE_SIZE !== 0) {
      out.push(`${where}: ${range} is not page-aligned`);
    }
    if (!(vma.start < vma.end)) out.push(`${where}: ${range} is empty or inverted`);
    if (vma.start < 0 || vma.end > TASK_SIZE)
      out.push(`${where}: ${range} lies outside user space`);
    if ((vma.prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0) {
      out.push(`${where}: ${range} has unknown protection bits ${hex(vma.prot)}`);
    }
    if (vma.backing?.isShmem && vma.backingIndex(vma.end) > vma.backing.sizeInPages) {
      out.push(`${where}: ${range} maps past the end of its shmem object`);
    }
    if (previous !== null) {
      if (previous.start >= vma.start) {
        out.push(`${where}: VMAs out of order: ${hex(previous.start)} before ${hex(vma.start)}`);
      } else if (previous.end > vma.start) {
        out.push(`${where}: ${range} overlaps [${hex(previous.start)}, ${hex(previous.end)})`);
      }
    }
    previous = vma;
  }
}
