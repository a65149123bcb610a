/**
 * `inverted`: one entry per physical frame, for the whole machine, found through a hash of
 * (PID, virtual page number), in the manner of PowerPC's hashed page table and the IBM RT/PA-RISC
 * inverted tables.
 *
 * Two tables, allocated at boot and sized by RAM (like PowerPC's hash table, taken before the
 * watermarks are computed, so they are not part of managed memory; unlike it, they count in
 * MemTotal and PageTables, where Linux reserves its hash table from memblock):
 * - the hash anchor table: one 4-byte entry per bucket (a power of two, at least one per frame)
 *   holding the first entry of the bucket's chain;
 * - the inverted table: entry P describes frame P: a 16-byte entry (the owner's PID and the
 *   virtual page number as the tag, the next entry of the chain, flags). The frame number is the
 *   entry's index, so no entry stores it.
 *
 * A walk reads the bucket's anchor, then the chain's entries until one's tag matches: 1 + the
 * position in the chain. It checks the entry against the kernel's PTE (the kernel's table decides)
 * and drops it when they disagree. No matching entry while the kernel's PTE is present: a software
 * refill, as PowerPC's hash_page does on a hash miss: the entry of the PTE's frame is taken (an
 * entry for another (PID, page) holding it is evicted: a frame mapped by several processes, or at
 * several addresses, can be found through one of them at a time, the classic aliasing problem),
 * put at the head of the bucket's chain, and the walk is retried (2 more reads). After a fault the
 * kernel inserts the entry itself (hash_preload), so the retried access finds it.
 *
 * Simplified: real hash tables group entries in buckets of 8 (PTEGs) with a secondary hash, and
 * evicting an entry also invalidates its TLB entry (tlbie); here chains are linked lists and the
 * TLB keeps the evicted translation until it ages out.
 */
import type { MmStruct } from "../../mm/mm_struct.js";
import { hex } from "../../proc/format.js";
import {
  type DesignCounters,
  type DesignTableFrame,
  newDesignCounters,
  type PageTableDesign,
  READ_ANCHOR,
  READ_CHAIN,
  READ_REFILL_ANCHOR,
  READ_REFILL_CHAIN,
  WalkReads,
} from "./design.js";
import { kernelFrame } from "./kernel_walk.js";
import { MmStates } from "./mm_states.js";
import { formatBytes, type PageTableSpec } from "./spec.js";
import { type DesignContext, FRAME_BYTES, framesFor, TableFrames } from "./table_frames.js";

export const INVERTED_ENTRY_BYTES = 16;
export const ANCHOR_ENTRY_BYTES = 4;
// A frame holds 256 entries (frame = index >>> 8) or 1024 anchors (frame = bucket >>> 10).
/** Cycles of a software refill: the exception, the hash search and the insertion (hash_page). */
export const REFILL_CYCLES = 300;
/** PowerPC scrambles context numbers into VSIDs with this multiplier (VSID_MULTIPLIER_256M). */
const VSID_MULTIPLIER = 12538073;
/** A range invalidation of more pages than this scans the whole table instead of hashing each. */
const SCAN_THRESHOLD = 4096;

/** Bucket count for `frames` frames: the smallest power of two at least as large. */
export function bucketCount(frames: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(2, frames)));
}

/**
 * Bytes of the inverted table and its hash anchors for a machine with `frames` frames, each
 * rounded up to whole frames.
 * @example invertedTableBytes(65536) // 1310720: 1 MiB of entries + 256 KiB of anchors (256 MiB of RAM)
 */
export function invertedTableBytes(frames: number): number {
  return (
    (framesFor(frames * INVERTED_ENTRY_BYTES) +
      framesFor(bucketCount(frames) * ANCHOR_ENTRY_BYTES)) *
    FRAME_BYTES
  );
}

/**
 * The bucket of (pid, virtual page number): the page number XOR a VSID scrambled from the PID,
 * as PowerPC hashes (VSID XOR page index), folding the page number's high bits in.
 * @example invertedHash(1000, 0x555555554, 65535) // 0xfa89
 */
export function invertedHash(pid: number, vpn: number, mask: number): number {
  const vsid = Math.imul(pid, VSID_MULTIPLIER);
  const high = Math.floor(vpn / 4294967296);
  return ((vpn >>> 0) ^ vsid ^ Math.imul(high, 0x9e3779b1)) & mask;
}

interface InvertedState {
  mm: MmStruct;
  pid: number;
}

export class InvertedDesign implements PageTableDesign {
  readonly replacesWalk = true;
  readonly notional = false;
  readonly counters: DesignCounters = newDesignCounters();
  readonly reads = new WalkReads();
  readonly buckets: number;
  private readonly mask: number;
  /** Tag of each frame's entry: the owner's PID (0: empty) and the virtual page number. */
  private readonly tagPid: Int32Array;
  private readonly tagVpn: Float64Array;
  /** The next entry of the chain, -1 at its end. */
  private readonly next: Int32Array;
  /** The first entry of each bucket's chain, -1 when empty. */
  private readonly anchor: Int32Array;
  private readonly entryFrames: number[];
  private readonly anchorFrames: number[];
  private readonly states = new MmStates<InvertedState>();
  /** The longest chain any walk went through (entries read). */
  longestChainWalked = 0;

  constructor(
    readonly spec: PageTableSpec,
    private readonly context: DesignContext,
  ) {
    const frames = context.phys.totalFrames;
    this.buckets = bucketCount(frames);
    this.mask = this.buckets - 1;
    this.tagPid = new Int32Array(frames);
    this.tagVpn = new Float64Array(frames);
    this.next = new Int32Array(frames).fill(-1);
    this.anchor = new Int32Array(this.buckets).fill(-1);
    const allocator = new TableFrames(context, this.counters);
    const entries = allocator.allocate(framesFor(frames * INVERTED_ENTRY_BYTES), 0, false);
    const anchors = allocator.allocate(framesFor(this.buckets * ANCHOR_ENTRY_BYTES), 0, false);
    if (entries === null || anchors === null) {
      throw new Error(`RAM too small for an inverted page table of ${frames} entries`);
    }
    this.entryFrames = entries;
    this.anchorFrames = anchors;
  }

  createMm(mm: MmStruct, pid: number): boolean {
    this.states.set(mm, { mm, pid });
    return true;
  }

  exitMm(mm: MmStruct): void {
    const state = this.states.get(mm);
    if (state === undefined) return;
    this.dropWhere(state.pid, 0, Number.POSITIVE_INFINITY, null);
    this.states.delete(mm);
  }

  walk(mm: MmStruct, address: number, kernelPfn: number): WalkReads {
    const reads = this.reads;
    reads.reset();
    const state = this.states.get(mm);
    if (state === undefined) return reads;
    const pid = state.pid;
    const vpn = Math.floor(address / FRAME_BYTES);
    const found = this.search(pid, vpn);
    if (found >= 0 && found === kernelPfn) return reads;
    if (found >= 0) {
      this.counters.staleEntries++;
      this.unlink(found);
    }
    if (kernelPfn < 0) return reads;
    // hash_page: insert the entry, then the access is retried and finds it at the chain's head.
    this.insert(kernelPfn, pid, vpn);
    this.counters.refills++;
    reads.extraCycles += REFILL_CYCLES;
    this.pushAnchor(invertedHash(pid, vpn, this.mask), READ_REFILL_ANCHOR);
    this.pushEntry(kernelPfn, READ_REFILL_CHAIN, 1);
    return reads;
  }

  /**
   * Read the anchor and the chain for (pid, vpn) into `reads`; returns the matching entry (its
   * frame) or -1.
   */
  /** Read the bucket's anchor and its chain up to the entry tagged (pid, vpn); `count`: note the chain's length. */
  private search(pid: number, vpn: number, count = true): number {
    const bucket = invertedHash(pid, vpn, this.mask);
    this.pushAnchor(bucket, READ_ANCHOR);
    let entry = this.anchor[bucket] as number;
    let length = 0;
    while (entry >= 0) {
      length++;
      this.pushEntry(entry, READ_CHAIN, length);
      if (this.tagPid[entry] === pid && this.tagVpn[entry] === vpn) break;
      entry = this.next[entry] as number;
    }
    if (count && length > this.longestChainWalked) this.longestChainWalked = length;
    return entry;
  }

  private pushAnchor(bucket: number, kind: number): void {
    this.reads.push(
      this.anchorFrames[bucket >>> 10] as number,
      (bucket & 1023) * ANCHOR_ENTRY_BYTES,
      bucket,
      kind,
    );
  }

  private pushEntry(entry: number, kind: number, position: number): void {
    this.reads.push(
      this.entryFrames[entry >>> 8] as number,
      (entry & 255) * INVERTED_ENTRY_BYTES,
      entry,
      kind,
      position,
    );
  }

  peekWalk(mm: MmStruct, address: number): WalkReads {
    const reads = this.reads;
    reads.reset();
    const state = this.states.get(mm);
    if (state !== undefined) this.search(state.pid, Math.floor(address / FRAME_BYTES), false);
    return reads;
  }

  afterFault(mm: MmStruct, address: number, kernelPfn: number): WalkReads {
    const reads = this.reads;
    reads.reset();
    const state = this.states.get(mm);
    if (state === undefined || kernelPfn < 0) return reads;
    const vpn = Math.floor(address / FRAME_BYTES);
    if (this.tagPid[kernelPfn] === state.pid && this.tagVpn[kernelPfn] === vpn) return reads;
    const found = this.search(state.pid, vpn);
    if (found >= 0) {
      this.counters.staleEntries++;
      this.unlink(found);
    }
    // hash_preload: the kernel inserts the entry; its anchor and the entry are now in the cache.
    reads.reset();
    this.insert(kernelPfn, state.pid, vpn);
    this.counters.fills++;
    this.pushAnchor(invertedHash(state.pid, vpn, this.mask), READ_ANCHOR);
    this.pushEntry(kernelPfn, READ_CHAIN, 1);
    return reads;
  }

  /** Make frame `pfn`'s entry (pid, vpn), at the head of its bucket's chain. */
  private insert(pfn: number, pid: number, vpn: number): void {
    if (this.tagPid[pfn] !== 0) {
      this.counters.aliasEvictions++;
      this.unlink(pfn);
    }
    const bucket = invertedHash(pid, vpn, this.mask);
    this.tagPid[pfn] = pid;
    this.tagVpn[pfn] = vpn;
    this.next[pfn] = this.anchor[bucket] as number;
    this.anchor[bucket] = pfn;
  }

  /** Take frame `pfn`'s entry off its chain and empty it. */
  private unlink(pfn: number): void {
    const bucket = invertedHash(this.tagPid[pfn] as number, this.tagVpn[pfn] as number, this.mask);
    let entry = this.anchor[bucket] as number;
    if (entry === pfn) {
      this.anchor[bucket] = this.next[pfn] as number;
    } else {
      while (entry >= 0 && this.next[entry] !== pfn) entry = this.next[entry] as number;
      if (entry >= 0) this.next[entry] = this.next[pfn] as number;
    }
    this.tagPid[pfn] = 0;
    this.tagVpn[pfn] = 0;
    this.next[pfn] = -1;
  }

  invalidateRange(mm: MmStruct, start: number, end: number): void {
    const state = this.states.get(mm);
    if (state === undefined || start >= end) return;
    const first = Math.floor(start / FRAME_BYTES);
    const last = Math.ceil(end / FRAME_BYTES);
    if (last - first > SCAN_THRESHOLD) {
      this.dropWhere(state.pid, first, last, null);
      return;
    }
    const pid = state.pid;
    for (let vpn = first; vpn < last; vpn++) {
      let entry = this.anchor[invertedHash(pid, vpn, this.mask)] as number;
      while (entry >= 0 && !(this.tagPid[entry] === pid && this.tagVpn[entry] === vpn)) {
        entry = this.next[entry] as number;
      }
      if (entry >= 0) {
        this.unlink(entry);
        this.counters.invalidations++;
      }
    }
  }

  invalidateMm(mm: MmStruct): void {
    const state = this.states.get(mm);
    if (state === undefined) return;
    const phys = this.context.phys;
    this.dropWhere(state.pid, 0, Number.POSITIVE_INFINITY, (vpn, pfn) => {
      return kernelFrame(phys, mm, vpn * FRAME_BYTES) !== pfn;
    });
  }

  /** Drop `pid`'s entries for pages in [first, last) that `drop` accepts (all when null). */
  private dropWhere(
    pid: number,
    first: number,
    last: number,
    drop: ((vpn: number, pfn: number) => boolean) | null,
  ): void {
    const tagPid = this.tagPid;
    for (let pfn = 0; pfn < tagPid.length; pfn++) {
      if (tagPid[pfn] !== pid) continue;
      const vpn = this.tagVpn[pfn] as number;
      if (vpn < first || vpn >= last || (drop !== null && !drop(vpn, pfn))) continue;
      this.unlink(pfn);
      this.counters.invalidations++;
    }
  }

  tableBytesOf(): number {
    return 0;
  }

  sharedTableBytes(): number {
    return (this.entryFrames.length + this.anchorFrames.length) * FRAME_BYTES;
  }

  tableFrames(): DesignTableFrame[] {
    return [...this.entryFrames, ...this.anchorFrames].map((pfn) => ({ pfn, pid: 0 }));
  }

  /** Chain lengths over the buckets in use: how many, their average and the longest. */
  chainStats(): { entries: number; chains: number; average: number; longest: number } {
    let entries = 0;
    let chains = 0;
    let longest = 0;
    for (let bucket = 0; bucket < this.buckets; bucket++) {
      let length = 0;
      for (
        let entry = this.anchor[bucket] as number;
        entry >= 0;
        entry = this.next[entry] as number
      ) {
        length++;
      }
      if (length === 0) continue;
      chains++;
      entries += length;
      if (length > longest) longest = length;
    }
    return { entries, chains, average: chains === 0 ? 0 : entries / chains, longest };
  }

  check(): string[] {
    const out: string[] = [];
    const seen = new Uint8Array(this.tagPid.length);
    const phys = this.context.phys;
    const mmOf = new Map<number, MmStruct>();
    for (const state of this.states.values()) mmOf.set(state.pid, state.mm);
    for (let bucket = 0; bucket < this.buckets; bucket++) {
      let steps = 0;
      for (
        let entry = this.anchor[bucket] as number;
        entry >= 0;
        entry = this.next[entry] as number
      ) {
        if (seen[entry] !== 0 || ++steps > this.tagPid.length) {
          out.push(
            `inverted: entry ${entry} is on two chains, or a chain loops (bucket ${bucket})`,
          );
          break;
        }
        seen[entry] = 1;
        const pid = this.tagPid[entry] as number;
        const vpn = this.tagVpn[entry] as number;
        if (invertedHash(pid, vpn, this.mask) !== bucket) {
          out.push(
            `inverted: entry ${entry} (pid ${pid}, page 0x${hex(vpn)}) is on bucket ${bucket}'s chain`,
          );
        }
        const mm = mmOf.get(pid);
        const kernel = mm === undefined ? -1 : kernelFrame(phys, mm, vpn * FRAME_BYTES);
        if (kernel !== entry) {
          out.push(
            `inverted: entry for frame ${entry} says pid ${pid} page 0x${hex(vpn)}, where the kernel's PTE ${kernel < 0 ? "maps nothing" : `maps frame ${kernel}`}`,
          );
        }
      }
    }
    for (let entry = 0; entry < this.tagPid.length; entry++) {
      if (this.tagPid[entry] !== 0 && seen[entry] === 0) {
        out.push(`inverted: entry ${entry} is valid but on no chain`);
      }
    }
    return out;
  }

  describeWalk(mm: MmStruct, address: number, kernelPfn: number): string[] {
    const state = this.states.get(mm);
    const lines = [
      `inverted: one ${INVERTED_ENTRY_BYTES}-byte entry per frame (${this.tagPid.length} frames) + ${this.buckets} hash anchors of ${ANCHOR_ENTRY_BYTES} bytes: ${formatBytes(this.sharedTableBytes())} for the machine`,
    ];
    if (state === undefined) return [...lines, "no entries: the process has exited"];
    const vpn = Math.floor(address / FRAME_BYTES);
    const bucket = invertedHash(state.pid, vpn, this.mask);
    const anchorAt =
      (this.anchorFrames[bucket >>> 10] as number) * FRAME_BYTES + (bucket & 1023) * 4;
    lines.push(
      `  hash(pid ${state.pid}, page 0x${hex(vpn)}) = bucket ${bucket} of ${this.buckets}, offset 0x${hex((address >>> 0) & 0xfff, 3)} (11-0)`,
    );
    let entry = this.anchor[bucket] as number;
    lines.push(
      `anchor[${bucket}] at 0x${hex(anchorAt)} = ${entry < 0 ? "empty: no chain" : `entry ${entry}`}`,
    );
    let position = 0;
    let found = -1;
    while (entry >= 0) {
      position++;
      const at =
        (this.entryFrames[entry >>> 8] as number) * FRAME_BYTES +
        (entry & 255) * INVERTED_ENTRY_BYTES;
      const pid = this.tagPid[entry] as number;
      const page = this.tagVpn[entry] as number;
      const match = pid === state.pid && page === vpn;
      lines.push(
        `  chain ${position}: entry ${entry} (frame 0x${hex(entry)}) at 0x${hex(at)}: pid ${pid}, page 0x${hex(page)}${match ? "  <- match" : ""}`,
      );
      if (match) {
        found = entry;
        break;
      }
      entry = this.next[entry] as number;
    }
    const reads = `${position + 1} read${position === 0 ? "" : "s"}`;
    if (found >= 0) {
      lines.push(
        `found after ${reads}: frame 0x${hex(found)}${found === kernelPfn ? "" : " (stale: the kernel's PTE disagrees; the next walk drops it)"}`,
      );
    } else if (kernelPfn >= 0) {
      const holder = this.tagPid[kernelPfn] as number;
      lines.push(
        `not found after ${reads}; the kernel's PTE maps frame 0x${hex(kernelPfn)}: the next walk takes a software refill into that frame's entry` +
          (holder !== 0
            ? ` (it now holds pid ${holder} page 0x${hex(this.tagVpn[kernelPfn] as number)}: aliasing, that one is evicted)`
            : ""),
      );
    } else {
      lines.push(`not found after ${reads}, nor in the kernel's table: an access page-faults`);
    }
    return lines;
  }
}
