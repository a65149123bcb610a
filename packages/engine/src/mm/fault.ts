/**
 * The architecture's page-fault entry (arch/x86/mm/fault.c, do_user_addr_fault): find the VMA,
 * grow the stack, check the access against the VMA, then hand over to handle_mm_fault.
 * Faults that end in a signal count nothing (they never reach handle_mm_fault).
 */
import { type FaultHandler, PF_PROT, PF_WRITE } from "../arch/x86/page_fault.js";
import { PAGE_SIZE } from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import { OUTCOME_SIGSEGV, OUTCOME_STACK_GROWTH } from "../probe.js";
import type { Process } from "../process.js";
import { PROT_NONE, PROT_WRITE, VM_GROWSDOWN, type Vma } from "./vma.js";

/** The gap kept between a growing stack and the mapping below it (stack_guard_gap). */
export const STACK_GUARD_GAP = 256 * PAGE_SIZE;

export class PageFaultHandler implements FaultHandler {
  constructor(private readonly machine: Machine) {}

  pageFault(process: Process, address: number, errorCode: number): boolean {
    const mm = process.mm;
    let vma = mm.findVma(address);
    if (vma === null) return this.badArea(process, address, "SEGV_MAPERR");
    if (vma.start > address) {
      if (!(vma.flags & VM_GROWSDOWN) || !this.expandStack(process, vma, address)) {
        return this.badArea(process, address, "SEGV_MAPERR");
      }
      vma = mm.vmaAt(address) as Vma;
    }
    if (accessError(errorCode, vma)) return this.badArea(process, address, "SEGV_ACCERR");
    return this.machine.completeFault(process, vma, address, (errorCode & PF_WRITE) !== 0);
  }

  /**
   * expand_downwards: grow a VM_GROWSDOWN VMA to cover `address`, keeping the stack within its
   * limit and at least STACK_GUARD_GAP above the mapping below it.
   */
  private expandStack(process: Process, vma: Vma, address: number): boolean {
    const mm = process.mm;
    const newStart = address - ((address >>> 0) & (PAGE_SIZE - 1));
    if (vma.end - newStart > mm.stackLimit) return false;
    const below = mm.previous(vma);
    if (below !== null && !(below.flags & VM_GROWSDOWN) && below.prot !== PROT_NONE) {
      if (newStart - below.end < STACK_GUARD_GAP) return false;
    }
    vma.start = newStart;
    mm.invalidateLookupCache();
    this.machine.cpu.reportFault(OUTCOME_STACK_GROWTH, 0, -1, 0);
    return true;
  }

  /** bad_area: deliver SIGSEGV; the process dies (no handler is simulated). */
  private badArea(process: Process, address: number, code: string): boolean {
    this.machine.cpu.reportFault(OUTCOME_SIGSEGV, this.machine.cpu.timing.faultOverhead, -1, 0);
    this.machine.kill(process, { signal: "SIGSEGV", code, address });
    return false;
  }
}

/** access_error: whether the VMA forbids the access the error code describes. */
export function accessError(errorCode: number, vma: Vma): boolean {
  if (errorCode & PF_WRITE) return (vma.prot & PROT_WRITE) === 0;
  // A fetch or read of a present page that still faulted: the page's rights forbid it (NX).
  if (errorCode & PF_PROT) return true;
  // Read or fetch of a missing page: any right will do (vma_is_accessible). x86 cannot map
  // write-only or execute-only pages, so both imply read; an NX fetch faults again with PF_PROT
  // once the page is mapped.
  return vma.prot === PROT_NONE;
}
