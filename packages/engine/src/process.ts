import type { OpenFile } from "./fs/open_file.js";
import type { GlibcMalloc } from "./mm/malloc.js";
import type { MmStruct } from "./mm/mm_struct.js";

export type ProcessState = "running" | "exited" | "killed";

/** A fatal signal the simulated kernel delivered, with its si_code and faulting address. */
export interface SignalRecord {
  signal: "SIGSEGV" | "SIGBUS" | "SIGKILL" | "SIGABRT";
  /** si_code name (SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR) or a reason (`oom-kill`, `double free`). */
  code: string;
  address: number;
}

/** A process (task_struct) with its address space and its getrusage counters. */
export class Process {
  /** Faults that completed without I/O, and with I/O (ru_minflt, ru_majflt). */
  minflt = 0;
  majflt = 0;
  /** Of those, copy-on-write faults (both copies and reuses). */
  cowFaults = 0;
  /** Memory accesses issued, and their simulated cost in cycles. */
  accesses = 0;
  cycles = 0;
  state: ProcessState = "running";
  signal: SignalRecord | null = null;
  /** oom_score_adj: -1000 (never kill) to 1000 (kill first). */
  oomScoreAdj = 0;
  /** /proc/PID/io: bytes passed to read and write, and bytes that went to or came from the disk. */
  rchar = 0;
  wchar = 0;
  readBytes = 0;
  writeBytes = 0;
  /** Open files by descriptor number (the fd table); null for a closed descriptor. */
  readonly files: (OpenFile | null)[] = [];
  /** The process's C library heap (glibc malloc), created at its first malloc. */
  allocator: GlibcMalloc | null = null;

  constructor(
    readonly pid: number,
    readonly name: string,
    readonly mm: MmStruct,
    readonly parentPid: number,
  ) {}

  get alive(): boolean {
    return this.state === "running";
  }
}
