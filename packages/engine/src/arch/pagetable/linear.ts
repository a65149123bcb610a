/**
 * `linear`: one table per process, indexed by the virtual page number: a walk is one read, at
 * table base + page number * 8. Covering the 47-bit user space takes 2^35 entries of 8 bytes,
 * 256 GiB per process (512 GiB for a 48-bit space), the textbook reason nobody builds one for a
 * 64-bit machine.
 *
 * Such a table cannot be allocated in simulated frames (a machine has at most 1 TiB of RAM), so
 * it is counted but not allocated: each process's table is given a notional physical address
 * beyond RAM, and the walk's read goes through the CPU caches at that address (the caches see
 * only line numbers). Its entries are not kept: they would be the kernel's PTEs, and the kernel's
 * walk gives the result.
 */
import type { MmStruct } from "../../mm/mm_struct.js";
import { hex } from "../../proc/format.js";
import {
  type DesignCounters,
  type DesignTableFrame,
  newDesignCounters,
  type PageTableDesign,
  READ_LEAF,
  WalkReads,
} from "./design.js";
import { MmStates } from "./mm_states.js";
import { formatBytes, PAGE_OFFSET_BITS, type PageTableSpec, USER_ADDRESS_BITS } from "./spec.js";
import { FRAME_BYTES } from "./table_frames.js";

export const LINEAR_ENTRY_BYTES = 8;
/** Bytes of one process's linear table: 2^35 entries of 8 bytes. */
export const LINEAR_TABLE_BYTES = 2 ** (USER_ADDRESS_BITS - PAGE_OFFSET_BITS) * LINEAR_ENTRY_BYTES;
/** Notional tables start at 2 TiB, above the largest RAM, each in its own 256 GiB window. */
const NOTIONAL_BASE_PFN = 2 ** 41 / FRAME_BYTES;
const TABLE_FRAMES = LINEAR_TABLE_BYTES / FRAME_BYTES;
/** Windows before the notional addresses wrap (keeps them below 2^53). */
const WINDOWS = 16384;

/**
 * Bytes of a linear table of 8-byte entries for an `bits`-bit address space with 4 KiB pages.
 * @example linearTableBytes(48) // 549755813888 (512 GiB)
 */
export function linearTableBytes(bits: number): number {
  return 2 ** (bits - PAGE_OFFSET_BITS) * LINEAR_ENTRY_BYTES;
}

interface LinearState {
  pid: number;
  /** Notional first frame of the table. */
  basePfn: number;
}

export class LinearDesign implements PageTableDesign {
  readonly replacesWalk = true;
  readonly notional = true;
  readonly counters: DesignCounters = newDesignCounters();
  readonly reads = new WalkReads();
  private readonly states = new MmStates<LinearState>();

  constructor(readonly spec: PageTableSpec) {}

  createMm(mm: MmStruct, pid: number): boolean {
    const basePfn = NOTIONAL_BASE_PFN + (mm.contextId % WINDOWS) * TABLE_FRAMES;
    this.states.set(mm, { pid, basePfn });
    this.account(LINEAR_TABLE_BYTES);
    return true;
  }

  exitMm(mm: MmStruct): void {
    if (this.states.get(mm) === undefined) return;
    this.states.delete(mm);
    this.account(-LINEAR_TABLE_BYTES);
  }

  walk(mm: MmStruct, address: number): WalkReads {
    const reads = this.reads;
    reads.reset();
    const state = this.states.get(mm);
    if (state === undefined) return reads;
    const vpn = Math.floor(address / FRAME_BYTES);
    // 512 entries per 4 KiB of table: the entry's frame and offset.
    reads.push(
      state.basePfn + Math.floor(vpn / 512),
      (vpn & 511) * LINEAR_ENTRY_BYTES,
      vpn,
      READ_LEAF,
    );
    return reads;
  }

  peekWalk(mm: MmStruct, address: number): WalkReads {
    return this.walk(mm, address);
  }

  afterFault(mm: MmStruct, address: number): WalkReads {
    return this.walk(mm, address);
  }

  invalidateRange(): void {}

  invalidateMm(): void {}

  tableBytesOf(mm: MmStruct): number {
    return this.states.get(mm) === undefined ? 0 : LINEAR_TABLE_BYTES;
  }

  sharedTableBytes(): number {
    return 0;
  }

  tableFrames(): DesignTableFrame[] {
    return [];
  }

  check(): string[] {
    return [];
  }

  describeWalk(mm: MmStruct, address: number, kernelPfn: number): string[] {
    const state = this.states.get(mm);
    if (state === undefined) return ["linear: no table: the process has exited"];
    const vpn = Math.floor(address / FRAME_BYTES);
    const at = state.basePfn * FRAME_BYTES + vpn * LINEAR_ENTRY_BYTES;
    return [
      `linear: one table of 2^${USER_ADDRESS_BITS - PAGE_OFFSET_BITS} entries of ${LINEAR_ENTRY_BYTES} bytes per process, ${formatBytes(LINEAR_TABLE_BYTES)} (counted, not allocatable: placed at notional physical 0x${hex(state.basePfn * FRAME_BYTES)})`,
      `  index = page number 0x${hex(vpn)} (bits 46-12), offset 0x${hex((address >>> 0) & 0xfff, 3)} (11-0)`,
      `entry[0x${hex(vpn)}] at 0x${hex(at)}: ${kernelPfn >= 0 ? `maps frame 0x${hex(kernelPfn)}` : "not present: an access page-faults"} (the kernel's PTE)`,
    ];
  }

  private account(bytes: number): void {
    const counters = this.counters;
    counters.tableBytes += bytes;
    if (counters.tableBytes > counters.peakTableBytes)
      counters.peakTableBytes = counters.tableBytes;
  }
}
