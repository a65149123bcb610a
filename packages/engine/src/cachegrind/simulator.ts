/**
 * Cachegrind's cache simulation driven by a memory trace: I1 and D1 in front of one shared LL
 * (valgrind's `cachegrind/cg_sim.c` and the helpers of `cg_main.c`).
 *
 * - An instruction fetch looks up I1; on an I1 miss the same bytes look up LL
 *   (cachesim_I1_doref_*). A load or store does the same through D1 (cachesim_D1_doref). LL
 *   is only consulted on a first-level miss, so "LL refs" = I1 misses + D1 misses.
 * - A modify (lackey's `M`: a load and a store of the same bytes by one instruction, which
 *   cachegrind's instrumenter merges into one `Dm` event) is one data *read*: cg_main.c's
 *   flushEvents sends `Ev_Dm` to the same helper as `Ev_Dr` (log_0Ir_1Dr_cache_access /
 *   log_1IrNoX_1Dr_cache_access), so it adds 1 to Dr and nothing to Dw.
 * - An access longer than the smallest line of the three caches is cut to that length, as
 *   cg_main.c does for the large accesses of dirty helpers (`dataSize = min_line_size`), so no
 *   access spans more than two lines. On a real run of cachegrind only those (fxsave, xsave...)
 *   are that long; lackey reports them whole, so they are cut here. `clipped` counts them.
 */
import { LACKEY_INSTRUCTION, LACKEY_LOAD, LACKEY_MODIFY, LACKEY_STORE } from "../trace/lackey.js";
import { CachegrindCache } from "./cache.js";
import type { CachegrindGeometry } from "./geometry.js";

/** Cachegrind's totals, named as in its output file's `events:` line. */
export interface CachegrindCounts {
  /** Instruction fetches, and their I1 and LL misses. */
  Ir: number;
  I1mr: number;
  ILmr: number;
  /** Data reads (loads and modifies), and their D1 and LL misses. */
  Dr: number;
  D1mr: number;
  DLmr: number;
  /** Data writes (stores), and their D1 and LL misses. */
  Dw: number;
  D1mw: number;
  DLmw: number;
}

export class CachegrindSimulator {
  readonly I1: CachegrindCache;
  readonly D1: CachegrindCache;
  readonly LL: CachegrindCache;
  /** cg_main.c's min_line_size: the smallest line of the three; longer accesses are cut to it. */
  readonly minLineSize: number;

  Ir = 0;
  I1mr = 0;
  ILmr = 0;
  Dr = 0;
  D1mr = 0;
  DLmr = 0;
  Dw = 0;
  D1mw = 0;
  DLmw = 0;
  /** Modifies (lackey `M`), already counted in Dr. */
  modifies = 0;
  /** Accesses longer than minLineSize, cut to it. */
  clipped = 0;
  /** Trace records of a kind this model does not know (not I, L, S or M): ignored. */
  ignored = 0;

  constructor(geometry: CachegrindGeometry) {
    this.I1 = new CachegrindCache(geometry.I1);
    this.D1 = new CachegrindCache(geometry.D1);
    this.LL = new CachegrindCache(geometry.LL);
    this.minLineSize = Math.min(this.I1.lineSize, this.D1.lineSize, this.LL.lineSize);
  }

  /** An instruction fetch of `size` bytes at high:low (cachesim_I1_doref_Gen). */
  instruction(high: number, low: number, size: number): void {
    if (size > this.minLineSize) size = this.clip();
    this.Ir++;
    if (this.I1.refIsMiss(high, low, size)) {
      this.I1mr++;
      if (this.LL.refIsMiss(high, low, size)) this.ILmr++;
    }
  }

  /** A data read (a load, or a modify) of `size` bytes at high:low. */
  read(high: number, low: number, size: number): void {
    if (size > this.minLineSize) size = this.clip();
    this.Dr++;
    if (this.D1.refIsMiss(high, low, size)) {
      this.D1mr++;
      if (this.LL.refIsMiss(high, low, size)) this.DLmr++;
    }
  }

  /** A data write (a store) of `size` bytes at high:low. */
  write(high: number, low: number, size: number): void {
    if (size > this.minLineSize) size = this.clip();
    this.Dw++;
    if (this.D1.refIsMiss(high, low, size)) {
      this.D1mw++;
      if (this.LL.refIsMiss(high, low, size)) this.DLmw++;
    }
  }

  /** One lackey record (LackeyAccessSink): `I` fetch, `L` read, `S` write, `M` one read. */
  access(kind: number, high: number, low: number, size: number): void {
    if (kind === LACKEY_INSTRUCTION) this.instruction(high, low, size);
    else if (kind === LACKEY_LOAD) this.read(high, low, size);
    else if (kind === LACKEY_STORE) this.write(high, low, size);
    else if (kind === LACKEY_MODIFY) {
      this.modifies++;
      this.read(high, low, size);
    } else this.ignored++;
  }

  counts(): CachegrindCounts {
    return {
      Ir: this.Ir,
      I1mr: this.I1mr,
      ILmr: this.ILmr,
      Dr: this.Dr,
      D1mr: this.D1mr,
      DLmr: this.DLmr,
      Dw: this.Dw,
      D1mw: this.D1mw,
      DLmw: this.DLmw,
    };
  }

  /** Count one access cut to the smallest line; returns the length to use. */
  private clip(): number {
    this.clipped++;
    return this.minLineSize;
  }
}
