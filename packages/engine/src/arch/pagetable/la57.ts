/**
 * `la57`: five-level paging (CR4.LA57). A PML5 table sits above the PGD (PML4): one more table
 * page per process and one more read per walk. Its entry 0 points to the kernel's PML4 table,
 * which with the tables below it is used as it is, as Linux does on a 5-level machine (there the
 * PML5 is the pgd and the PML4 the p4d).
 *
 * Linux keeps user space at 47 bits on a 5-level machine unless a program asks for more (an mmap
 * hint above 2^47), so entry 0, covering the low 2^48 bytes, is the only one user space uses:
 * every process here has the 47-bit layout.
 *
 * The paging-structure caches work as on x86-64 (a hit lets the walk start below the PML4, and
 * then below the PML5 too); the PML5 entry is read only by walks that start at the top.
 */

import type { MmStruct } from "../../mm/mm_struct.js";
import { hex } from "../../proc/format.js";
import {
  entryHigh,
  entryLow,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_RW,
  PTE_USER,
} from "../x86/pgtable.js";
import {
  type DesignCounters,
  type DesignTableFrame,
  newDesignCounters,
  type PageTableDesign,
  READ_TABLE,
  WalkReads,
} from "./design.js";
import { MmStates } from "./mm_states.js";
import type { PageTableSpec } from "./spec.js";
import { type DesignContext, FRAME_BYTES, TableFrames } from "./table_frames.js";

/** The flags of an upper-level entry (_PAGE_TABLE), as the kernel's own upper entries have. */
const TABLE_ENTRY_FLAGS = PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY;

interface La57State {
  mm: MmStruct;
  pid: number;
  pml5: number;
}

export class La57Design implements PageTableDesign {
  readonly replacesWalk = false;
  readonly notional = false;
  readonly counters: DesignCounters = newDesignCounters();
  readonly reads = new WalkReads();
  private readonly states = new MmStates<La57State>();
  private readonly frames: TableFrames;

  constructor(
    readonly spec: PageTableSpec,
    private readonly context: DesignContext,
  ) {
    this.frames = new TableFrames(context, this.counters);
  }

  createMm(mm: MmStruct, pid: number): boolean {
    const frames = this.frames.allocate(1, pid, false);
    if (frames === null) return false;
    const pml5 = frames[0] as number;
    const phys = this.context.phys;
    const offset = phys.entryOffset(pml5, 0);
    phys.tableLow[offset] = entryLow(mm.pgd, TABLE_ENTRY_FLAGS);
    phys.tableHigh[offset] = entryHigh(mm.pgd, false);
    this.states.set(mm, { mm, pid, pml5 });
    return true;
  }

  exitMm(mm: MmStruct): void {
    const state = this.states.get(mm);
    if (state === undefined) return;
    this.frames.release([state.pml5]);
    this.states.delete(mm);
  }

  peekWalk(mm: MmStruct, address: number): WalkReads {
    return this.walk(mm, address, -1, true);
  }

  walk(mm: MmStruct, _address: number, _kernelPfn: number, fromTop: boolean): WalkReads {
    const reads = this.reads;
    reads.reset();
    const state = this.states.get(mm);
    // User addresses are below 2^48: PML5 index (bits 56-48) 0.
    if (state !== undefined && fromTop) reads.push(state.pml5, 0, 0, READ_TABLE);
    return reads;
  }

  afterFault(mm: MmStruct, address: number, kernelPfn: number): WalkReads {
    return this.walk(mm, address, kernelPfn, true);
  }

  invalidateRange(): void {}

  invalidateMm(): void {}

  tableBytesOf(mm: MmStruct): number {
    return this.states.get(mm) === undefined ? 0 : FRAME_BYTES;
  }

  sharedTableBytes(): number {
    return 0;
  }

  tableFrames(): DesignTableFrame[] {
    return [...this.states.values()].map((state) => ({ pfn: state.pml5, pid: state.pid }));
  }

  check(): string[] {
    const out: string[] = [];
    const phys = this.context.phys;
    for (const state of this.states.values()) {
      const offset = phys.entryOffset(state.pml5, 0);
      const expected = entryLow(state.mm.pgd, TABLE_ENTRY_FLAGS);
      if (state.mm.pgd < 0) out.push(`la57, pid ${state.pid}: PML5 kept for an exited process`);
      else if (phys.tableLow[offset] !== expected) {
        out.push(
          `la57, pid ${state.pid}: PML5[0] does not point to the PGD in frame ${state.mm.pgd}`,
        );
      }
    }
    return out;
  }

  describeWalk(mm: MmStruct): string[] {
    const state = this.states.get(mm);
    if (state === undefined) return ["la57: no PML5 table: the process has exited"];
    return [
      "la57: five levels; user space stays below 2^47, so the PML5 index (bits 56-48) is 0",
      `CR3 -> PML5 table in frame 0x${hex(state.pml5)} (physical 0x${hex(state.pml5 * FRAME_BYTES)})`,
      `PML5[0] at 0x${hex(state.pml5 * FRAME_BYTES)} -> PGD (PML4) table in frame 0x${hex(mm.pgd)}, read first on a walk from the top`,
    ];
  }
}
