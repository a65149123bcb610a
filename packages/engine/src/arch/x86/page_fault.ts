/**
 * The page-fault exception as the MMU raises it: the error code it pushes and the kernel entry
 * that receives it (arch/x86/mm/fault.c; the kernel side is mm/fault.ts).
 */
import type { Process } from "../../process.js";

/** x86 page-fault error code bits (X86_PF_*). */
export const PF_PROT = 1;
export const PF_WRITE = 2;
export const PF_USER = 4;
export const PF_RSVD = 8;
export const PF_INSTR = 16;

/** The kernel's page-fault entry (do_user_addr_fault). */
export interface FaultHandler {
  /** Resolve a fault; true when the access may be retried, false when the process was killed. */
  pageFault(process: Process, address: number, errorCode: number): boolean;
}
