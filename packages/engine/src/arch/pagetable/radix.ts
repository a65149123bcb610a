/**
 * `multilevel:B1,B2,...`: a radix tree with B1 index bits at the top level, then B2, ..., the
 * last level's entries mapping 4 KiB pages. Entries are 8 bytes at every level (a 4-byte entry
 * would hold a 20-bit frame number, 4 GiB of RAM; vmscope machines go up to 1 TiB), so a table
 * of B bits is 2^B * 8 bytes: `multilevel:9,9,9,9` has x86-64's shape, 4 KiB tables and four
 * reads a walk.
 *
 * The top table is allocated with the address space (pgd_alloc). Lower tables appear when an
 * entry below them is first filled: after a fault (the kernel writes the design's entry as it
 * sets its PTE) or on a walk that finds the kernel's PTE present and the design's entry missing
 * (a page the kernel mapped without a fault: fault-around, fork, MAP_POPULATE, or after an
 * invalidation). Such a fill is the kernel's write, deferred until first use: it costs no
 * exception, only the table allocations it needs. A table is freed as soon as no entry below it
 * is valid, which Linux does only at munmap and exit (free_pgtables): after reclaim the design's
 * tables can be smaller than the kernel's.
 */
import type { MmStruct } from "../../mm/mm_struct.js";
import { hex } from "../../proc/format.js";
import {
  type DesignCounters,
  type DesignTableFrame,
  newDesignCounters,
  type PageTableDesign,
  READ_LEAF,
  READ_TABLE,
  WalkReads,
} from "./design.js";
import { kernelFrame } from "./kernel_walk.js";
import { MmStates } from "./mm_states.js";
import { addressBits, PAGE_OFFSET_BITS, type PageTableSpec } from "./spec.js";
import { type DesignContext, FRAME_BYTES, framesFor, TableFrames } from "./table_frames.js";

export const RADIX_ENTRY_BYTES = 8;
const ENTRIES_PER_FRAME = FRAME_BYTES / RADIX_ENTRY_BYTES;
/** 2^44: a virtual address divided by it gives the page number's bits above 32. */
const TWO_POW_44 = 17592186044416;

/** One table: inner tables point to the tables below; leaf tables hold the frames they map. */
class RadixTable {
  /** Valid entries: children present (inner) or frames mapped (leaf). */
  used = 0;
  readonly children: (RadixTable | null)[] | null;
  /** Leaf tables: the frame each entry maps, -1 for none. */
  readonly mapped: Int32Array | null;

  constructor(
    readonly level: number,
    /** First virtual address the table covers. */
    readonly base: number,
    readonly frames: readonly number[],
    entries: number,
    leaf: boolean,
  ) {
    this.children = leaf ? null : new Array<RadixTable | null>(entries).fill(null);
    this.mapped = leaf ? new Int32Array(entries).fill(-1) : null;
  }
}

interface RadixState {
  mm: MmStruct;
  pid: number;
  root: RadixTable;
  /** Bytes of this address space's tables. */
  bytes: number;
}

/** The tree's shape: index bits, shifts and spans per level. */
export class RadixGeometry {
  readonly levels: number;
  /** Index bits per level, top first. */
  readonly bits: readonly number[];
  /** Page-number bits below each level's index. */
  readonly shifts: Int32Array;
  /** Bytes of virtual address one entry covers at each level. */
  readonly spans: Float64Array;
  /** Entries per table at each level. */
  readonly entries: Int32Array;
  /** The first address beyond what the tree translates. */
  readonly limit: number;

  constructor(bits: readonly number[]) {
    this.levels = bits.length;
    this.bits = bits;
    this.shifts = new Int32Array(bits.length);
    this.spans = new Float64Array(bits.length);
    this.entries = new Int32Array(bits.length);
    let below = 0;
    for (let level = bits.length - 1; level >= 0; level--) {
      this.shifts[level] = below;
      this.spans[level] = 2 ** (below + PAGE_OFFSET_BITS);
      this.entries[level] = 2 ** (bits[level] as number);
      below += bits[level] as number;
    }
    this.limit = 2 ** (below + PAGE_OFFSET_BITS);
  }

  /**
   * The index at `level` of the page number given as its low 32 bits and the bits above.
   * @example new RadixGeometry([10, 10]).index(0x12345, 0, 0) // 0x48 (bits 31-22 of 0x12345000)
   */
  index(vpnLow: number, vpnHigh: number, level: number): number {
    const shift = this.shifts[level] as number;
    const mask = (this.entries[level] as number) - 1;
    if (shift >= 32) return (vpnHigh >>> (shift - 32)) & mask;
    if (shift + (this.bits[level] as number) <= 32) return (vpnLow >>> shift) & mask;
    return ((vpnLow >>> shift) | (vpnHigh << (32 - shift))) & mask;
  }

  /** Bytes of one table at `level`. */
  tableBytes(level: number): number {
    return (this.entries[level] as number) * RADIX_ENTRY_BYTES;
  }

  /** Address bits `level`'s index takes, high-low, e.g. "31-22". */
  bitRange(level: number): string {
    const low = (this.shifts[level] as number) + PAGE_OFFSET_BITS;
    return `${low + (this.bits[level] as number) - 1}-${low}`;
  }
}

export class RadixDesign implements PageTableDesign {
  readonly replacesWalk = true;
  readonly notional = false;
  readonly counters: DesignCounters = newDesignCounters();
  readonly reads = new WalkReads();
  readonly geometry: RadixGeometry;
  private readonly states = new MmStates<RadixState>();
  private readonly frames: TableFrames;

  constructor(
    readonly spec: PageTableSpec,
    private readonly context: DesignContext,
  ) {
    this.geometry = new RadixGeometry(spec.bits);
    this.frames = new TableFrames(context, this.counters);
  }

  createMm(mm: MmStruct, pid: number): boolean {
    const root = this.newTable(pid, 0, 0, false);
    if (root === null) return false;
    this.states.set(mm, { mm, pid, root, bytes: root.frames.length * FRAME_BYTES });
    return true;
  }

  exitMm(mm: MmStruct): void {
    const state = this.states.get(mm);
    if (state === undefined) return;
    this.freeSubtree(state.root);
    this.states.delete(mm);
  }

  walk(mm: MmStruct, address: number, kernelPfn: number, _fromTop: boolean): WalkReads {
    const reads = this.reads;
    reads.reset();
    const state = this.states.get(mm);
    if (state === undefined || address >= this.geometry.limit) return reads;
    const leaf = this.descend(state, address, kernelPfn >= 0, true);
    if (leaf === null) return reads;
    const index = this.reads.index[reads.count - 1] as number;
    const mapped = leaf.mapped as Int32Array;
    const current = mapped[index] as number;
    if (current === kernelPfn) return reads;
    if (current >= 0) {
      this.counters.staleEntries++;
      if (kernelPfn < 0) {
        this.clearLeaf(state, leaf, index);
        return reads;
      }
    } else {
      leaf.used++;
      this.counters.refills++;
    }
    mapped[index] = kernelPfn;
    return reads;
  }

  peekWalk(mm: MmStruct, address: number): WalkReads {
    const reads = this.reads;
    reads.reset();
    const state = this.states.get(mm);
    if (state !== undefined && address < this.geometry.limit)
      this.descend(state, address, false, true);
    return reads;
  }

  afterFault(mm: MmStruct, address: number, kernelPfn: number): WalkReads {
    const reads = this.reads;
    reads.reset();
    const state = this.states.get(mm);
    if (state === undefined || kernelPfn < 0 || address >= this.geometry.limit) return reads;
    const leaf = this.descend(state, address, true, true);
    if (leaf === null) return reads;
    const index = reads.index[reads.count - 1] as number;
    const mapped = leaf.mapped as Int32Array;
    if ((mapped[index] as number) < 0) leaf.used++;
    if (mapped[index] !== kernelPfn) this.counters.fills++;
    mapped[index] = kernelPfn;
    return reads;
  }

  /**
   * Read the entries on the way to `address`'s leaf, into `reads`; with `fill`, allocate the
   * tables missing on the way (atomically: this runs on a TLB miss or just after a fault).
   * Returns the leaf table, or null when the walk stopped at a missing entry.
   */
  private descend(
    state: RadixState,
    address: number,
    fill: boolean,
    atomic: boolean,
  ): RadixTable | null {
    const geometry = this.geometry;
    const reads = this.reads;
    const vpnLow = (address / FRAME_BYTES) >>> 0;
    const vpnHigh = Math.floor(address / TWO_POW_44);
    const last = geometry.levels - 1;
    let table = state.root;
    for (let level = 0; ; level++) {
      const index = geometry.index(vpnLow, vpnHigh, level);
      // 512 entries of 8 bytes per frame; index < 2^20, so integer shifts are exact.
      const frame = table.frames[index >>> 9] as number;
      reads.push(frame, (index & 511) << 3, index, level === last ? READ_LEAF : READ_TABLE, level);
      if (level === last) return table;
      const children = table.children as (RadixTable | null)[];
      let child = children[index] as RadixTable | null;
      if (child === null) {
        if (!fill) return null;
        const base = table.base + index * (geometry.spans[level] as number);
        child = this.newTable(state.pid, level + 1, base, atomic);
        if (child === null) return null;
        reads.extraCycles += child.frames.length * this.context.tableAllocationCycles;
        state.bytes += child.frames.length * FRAME_BYTES;
        children[index] = child;
        table.used++;
      }
      table = child;
    }
  }

  invalidateRange(mm: MmStruct, start: number, end: number): void {
    const state = this.states.get(mm);
    if (state === undefined || start >= end) return;
    this.clearRange(state, state.root, start, Math.min(end, this.geometry.limit), null);
  }

  invalidateMm(mm: MmStruct): void {
    const state = this.states.get(mm);
    if (state === undefined) return;
    const phys = this.context.phys;
    this.clearRange(state, state.root, 0, this.geometry.limit, (address, pfn) => {
      return kernelFrame(phys, mm, address) !== pfn;
    });
  }

  /**
   * Clear the leaf entries of [start, end) below `table` (only those `drop` accepts, when given),
   * freeing every table left with no valid entry. Returns whether `table` is now empty.
   */
  private clearRange(
    state: RadixState,
    table: RadixTable,
    start: number,
    end: number,
    drop: ((address: number, pfn: number) => boolean) | null,
  ): void {
    const geometry = this.geometry;
    const span = geometry.spans[table.level] as number;
    const entries = geometry.entries[table.level] as number;
    const first = Math.max(0, Math.floor((start - table.base) / span));
    const last = Math.min(entries - 1, Math.floor((end - 1 - table.base) / span));
    if (table.mapped !== null) {
      for (let index = first; index <= last; index++) {
        const pfn = table.mapped[index] as number;
        if (pfn < 0) continue;
        if (drop !== null && !drop(table.base + index * span, pfn)) continue;
        table.mapped[index] = -1;
        table.used--;
        this.counters.invalidations++;
      }
      return;
    }
    const children = table.children as (RadixTable | null)[];
    for (let index = first; index <= last; index++) {
      const child = children[index] as RadixTable | null;
      if (child === null) continue;
      this.clearRange(state, child, start, end, drop);
      if (child.used === 0) {
        children[index] = null;
        table.used--;
        state.bytes -= child.frames.length * FRAME_BYTES;
        this.frames.release(child.frames);
      }
    }
  }

  /** Drop one leaf entry, and the tables it leaves empty (not the top one). */
  private clearLeaf(state: RadixState, leaf: RadixTable, index: number): void {
    const mapped = leaf.mapped as Int32Array;
    mapped[index] = -1;
    leaf.used--;
    if (leaf.used === 0) {
      const address = leaf.base + index * (this.geometry.spans[leaf.level] as number);
      this.clearRange(state, state.root, address, address + 1, null);
    }
  }

  private newTable(pid: number, level: number, base: number, atomic: boolean): RadixTable | null {
    const geometry = this.geometry;
    const frames = this.frames.allocate(framesFor(geometry.tableBytes(level)), pid, atomic);
    if (frames === null) return null;
    return new RadixTable(
      level,
      base,
      frames,
      geometry.entries[level] as number,
      level === geometry.levels - 1,
    );
  }

  private freeSubtree(table: RadixTable): void {
    if (table.children !== null) {
      for (const child of table.children) if (child !== null) this.freeSubtree(child);
    }
    this.frames.release(table.frames);
  }

  tableBytesOf(mm: MmStruct): number {
    return this.states.get(mm)?.bytes ?? 0;
  }

  sharedTableBytes(): number {
    return 0;
  }

  tableFrames(): DesignTableFrame[] {
    const frames: DesignTableFrame[] = [];
    for (const state of this.states.values()) {
      this.forEachTable(state.root, (table) => {
        for (const pfn of table.frames) frames.push({ pfn, pid: state.pid });
      });
    }
    return frames;
  }

  private forEachTable(table: RadixTable, visit: (table: RadixTable) => void): void {
    visit(table);
    if (table.children === null) return;
    for (const child of table.children) if (child !== null) this.forEachTable(child, visit);
  }

  check(): string[] {
    const out: string[] = [];
    const phys = this.context.phys;
    for (const state of this.states.values()) {
      const where = `${this.spec.name}, pid ${state.pid}`;
      if (state.mm.pgd < 0) out.push(`${where}: tables kept for an address space that exited`);
      let bytes = 0;
      this.forEachTable(state.root, (table) => {
        bytes += table.frames.length * FRAME_BYTES;
        let used = 0;
        if (table.mapped !== null) {
          const span = this.geometry.spans[table.level] as number;
          table.mapped.forEach((pfn, index) => {
            if (pfn < 0) return;
            used++;
            const address = table.base + index * span;
            const kernel = kernelFrame(phys, state.mm, address);
            if (kernel !== pfn) {
              out.push(
                `${where}: entry for 0x${hex(address)} maps frame ${pfn}, the kernel's PTE ${kernel < 0 ? "maps nothing" : `frame ${kernel}`}`,
              );
            }
          });
        } else {
          for (const child of table.children as (RadixTable | null)[]) if (child !== null) used++;
          if (used === 0 && table !== state.root) {
            out.push(
              `${where}: an empty level-${table.level} table at 0x${hex(table.base)} was kept`,
            );
          }
        }
        if (used !== table.used) {
          out.push(
            `${where}: level-${table.level} table at 0x${hex(table.base)} counts ${table.used} entries, holds ${used}`,
          );
        }
      });
      if (bytes !== state.bytes)
        out.push(`${where}: counts ${state.bytes} table bytes, has ${bytes}`);
    }
    return out;
  }

  describeWalk(mm: MmStruct, address: number, kernelPfn: number): string[] {
    const state = this.states.get(mm);
    const geometry = this.geometry;
    const lines: string[] = [];
    const split = geometry.bits.map(
      (_bits, level) =>
        `L${level} index ${this.indexOf(address, level)} (${geometry.bitRange(level)})`,
    );
    lines.push(
      `${this.spec.name}: ${geometry.levels} levels of ${geometry.bits.map((bits) => `2^${bits}`).join(", ")} ` +
        `entries, ${RADIX_ENTRY_BYTES}-byte entries, ${addressBits(this.spec)}-bit addresses`,
    );
    lines.push(`  ${split.join(", ")}, offset 0x${hex((address >>> 0) & 0xfff, 3)} (11-0)`);
    if (state === undefined) return [...lines, "no tables: the process has exited"];
    let table: RadixTable = state.root;
    for (let level = 0; level < geometry.levels; level++) {
      const index = this.indexOf(address, level);
      const frame = table.frames[Math.floor(index / ENTRIES_PER_FRAME)] as number;
      const at = frame * FRAME_BYTES + (index % ENTRIES_PER_FRAME) * RADIX_ENTRY_BYTES;
      const head = `L${level}[${index}] at 0x${hex(at)} (table of ${table.frames.length} frame${table.frames.length === 1 ? "" : "s"} from 0x${hex(table.frames[0] as number)})`;
      if (table.mapped !== null) {
        const pfn = table.mapped[index] as number;
        if (pfn >= 0) lines.push(`${head}: maps frame 0x${hex(pfn)}`);
        else if (kernelPfn >= 0) {
          lines.push(
            `${head}: empty; the kernel's PTE maps frame 0x${hex(kernelPfn)}, so the next walk fills it`,
          );
        } else lines.push(`${head}: empty; an access page-faults`);
        break;
      }
      const child = (table.children as (RadixTable | null)[])[index] as RadixTable | null;
      if (child === null) {
        lines.push(
          kernelPfn >= 0
            ? `${head}: no table below yet; the next walk allocates it and fills the entry`
            : `${head}: no table below; an access page-faults`,
        );
        break;
      }
      lines.push(`${head} -> L${level + 1} table in frame 0x${hex(child.frames[0] as number)}`);
      table = child;
    }
    lines.push(`tables of PID ${state.pid}: ${state.bytes / 1024} KiB`);
    return lines;
  }

  private indexOf(address: number, level: number): number {
    return this.geometry.index(
      (address / FRAME_BYTES) >>> 0,
      Math.floor(address / TWO_POW_44),
      level,
    );
  }
}

/** Bytes a sparse set of pages needs, computed without a machine: for worked examples and docs. */
export function radixTableBytes(bits: readonly number[], addresses: readonly number[]): number {
  const geometry = new RadixGeometry(bits);
  let bytes = framesFor(geometry.tableBytes(0)) * FRAME_BYTES;
  for (let level = 1; level < geometry.levels; level++) {
    const span = geometry.spans[level - 1] as number;
    const prefixes = new Set(addresses.map((address) => Math.floor(address / span)));
    bytes += prefixes.size * framesFor(geometry.tableBytes(level)) * FRAME_BYTES;
  }
  return bytes;
}
