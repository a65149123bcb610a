/** Bookkeeping shared by the invariant checks: what the page-table walks found, and formatting. */
import { FRAME_KIND_NAMES, type PhysicalMemory } from "../mm/frames.js";
import type { MmStruct } from "../mm/mm_struct.js";
import type { Vma } from "../mm/vma.js";
import type { Process } from "../process.js";

/** What the page-table walks found, per frame, across all live processes. */
export class Census {
  /** PTEs mapping each frame (the zero page is not counted, as the engine does not count it). */
  readonly ptes: Int32Array;
  /** PID whose page tables reach each table frame, PGDs included (0: none). */
  readonly tableOwner: Int32Array;
  /** Table frames reached from some live PGD, PGDs included. */
  reachableTables = 0;
  /** Swap entries referring to each swap slot. */
  readonly swapRefs: Int32Array;
  /** Huge PMDs mapping the huge zero page, across all live processes. */
  hugeZeroPmds = 0;

  constructor(totalFrames: number, swapSlots: number) {
    this.ptes = new Int32Array(totalFrames);
    this.tableOwner = new Int32Array(totalFrames);
    this.swapRefs = new Int32Array(swapSlots);
  }
}

export function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

export function kindName(kind: number): string {
  return FRAME_KIND_NAMES[kind] ?? `kind ${kind}`;
}

/** The VMA of `mm` containing `address`, or null; unlike mm.vmaAt it leaves the lookup cache alone. */
export function vmaContaining(mm: MmStruct, address: number): Vma | null {
  const vma = mm.vmas[mm.indexAbove(address)];
  return vma !== undefined && vma.start <= address ? vma : null;
}

/** One process's walk: where it is and what it has counted so far. */
export interface Walk {
  readonly phys: PhysicalMemory;
  readonly process: Process;
  readonly census: Census;
  readonly out: string[];
  /** The swap device's per-slot counts, when there is swap. */
  readonly swapCount: Int32Array | null;
  tablesBelowPgd: number;
  anon: number;
  file: number;
  shmem: number;
  swap: number;
  /** The machine's deposited tables, by huge PMD offset. */
  readonly deposited: ReadonlyMap<number, number>;
  /** Huge PMDs met in this process, and PMDs mapping each huge page's head (all processes). */
  hugePmds: number;
  /** First frame of the huge zero page, -1 when it was never allocated. */
  readonly hugeZeroPfn: number;
}
