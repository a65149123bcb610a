/**
 * The syntax tree of a `.vms` scenario. The parser produces it, the runner executes it.
 * Every node carries the 1-based line and column where it starts, for error messages.
 */

export interface Position {
  line: number;
  col: number;
}

/** An address operand: a name bound by an earlier statement, plus an offset; or an absolute address. */
export type AddressExpr =
  | { kind: "name"; name: string; offset: number; pos: Position }
  | { kind: "absolute"; value: number; pos: Position };

export type Protection = "none" | "r" | "rw" | "rx" | "rwx" | "w" | "wx" | "x";

export type MadviseAdvice =
  | "dontneed"
  | "random"
  | "sequential"
  | "willneed"
  | "hugepage"
  | "nohugepage";

/** An operation a process performs (`app: OPERATION`). */
export type Operation =
  | { op: "malloc"; target: string; size: number }
  | { op: "calloc"; target: string; size: number }
  | { op: "free"; pointer: AddressExpr }
  | {
      op: "mmap";
      target: string;
      size: number;
      /** The declared file mapped (`file=NAME`), or null for an anonymous mapping. */
      file: string | null;
      /** Byte offset into the file, a multiple of the page size; 0 for anonymous mappings. */
      offset: number;
      shared: boolean;
      prot: Protection;
      populate: boolean;
    }
  | { op: "munmap"; address: AddressExpr; size: number | null }
  | { op: "mprotect"; address: AddressExpr; size: number; prot: Protection }
  | { op: "madvise"; address: AddressExpr; size: number; advice: MadviseAdvice }
  | { op: "sbrk"; target: string | null; increment: number }
  | { op: "read" | "write" | "exec"; address: AddressExpr; size: number }
  | { op: "memset"; address: AddressExpr; value: number; size: number }
  | { op: "touch"; address: AddressExpr; size: number; mode: "read" | "write" }
  /** `f = open NAME`: `target` names the file descriptor. */
  | { op: "open"; target: string; file: string }
  /** read(2) at the file offset, which it advances; `buffer` is the user buffer, if given. */
  | { op: "fread"; fd: string; size: number; buffer: AddressExpr | null }
  /** pread(2): at `offset`, leaving the file offset where it is. */
  | { op: "pread"; fd: string; offset: number; size: number; buffer: AddressExpr | null }
  /** write(2) at the file offset, which it advances. */
  | { op: "fwrite"; fd: string; size: number; buffer: AddressExpr | null }
  | { op: "fsync"; fd: string }
  | { op: "close"; fd: string }
  | { op: "fork"; target: string }
  /** Writes /proc/PID/oom_score_adj, from -1000 to 1000. */
  | { op: "oom_score_adj"; value: number }
  | { op: "exit" };

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** `P.minflt`, `vmstat.pgfault`, `tlb.dtlb_misses`: a scope (process name, `vmstat`, ...) and a counter. */
export interface CounterRef {
  scope: string;
  counter: string;
  pos: Position;
}

export type ShowWhat =
  | "maps"
  | "smaps"
  | "status"
  | "pagetable"
  | "pagemap"
  | "tlb"
  | "vmstat"
  | "meminfo"
  | "lru"
  | "swaps"
  | "buddyinfo"
  | "caches"
  | "walk";

export type Statement =
  | { kind: "machine"; options: { key: string; value: string; pos: Position }[]; pos: Position }
  | { kind: "spawn"; name: string; pos: Position }
  /** `file NAME size=SIZE [cached]`: a file on disk; with `cached` its pages start in the page cache. */
  | { kind: "file"; name: string; size: number; cached: boolean; pos: Position }
  | { kind: "process"; process: string; operation: Operation; pos: Position }
  | { kind: "repeat"; count: number; body: Statement[]; pos: Position }
  | { kind: "report"; label: string; pos: Position }
  | {
      kind: "expect";
      counter: CounterRef;
      compare: CompareOp;
      value: number;
      since: string | null;
      pos: Position;
    }
  | {
      kind: "show";
      what: ShowWhat;
      process: string | null;
      address: AddressExpr | null;
      /** Bytes to show from `address` (`show pagemap P ADDR SIZE`); null for other views. */
      size: number | null;
      pos: Position;
    };

export interface Scenario {
  /** File name used in messages (`heap-write.vms`, or the path given on the command line). */
  file: string;
  statements: Statement[];
}
