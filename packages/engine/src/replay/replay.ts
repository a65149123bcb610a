/**
 * Replaying a memory trace of a real program on the full machine: one process, its mappings laid
 * out from the trace (or from a saved /proc/PID/maps), then every access through the TLBs, the
 * page walk, the faults and whatever else the machine models.
 *
 * A replay reads the trace twice:
 * 1. `collector` sees every record and learns which pages are touched and how;
 * 2. `layOutFromTrace()` or `layOutFromMaps(entries)` creates the VMAs;
 * 3. `player` runs every record on the machine (`I` a fetch, `L` a load, `S` a store, `M` a load
 *    then a store of the same bytes; a page reference of the other formats a one-byte access).
 *
 * Records that reach beyond user space (at or above TASK_SIZE, e.g. the vsyscall page) are
 * skipped and counted. With a maps file, pages the trace touches outside every mapping get
 * anonymous mappings made by the trace rule (layout.ts), and mappings whose protection forbids
 * what the trace did there are widened: a maps file is a snapshot taken later than some accesses
 * (RELRO is written by the loader, then made read-only), and an access the program really made
 * must not kill it here.
 */
import { PAGE_SIZE, TASK_SIZE } from "../arch/x86/pgtable.js";
import type { MachineConfig } from "../config.js";
import { Machine } from "../machine.js";
import { AddressSpace } from "../mm/address_space.js";
import { doMunmap } from "../mm/mmap.js";
import { PROT_READ, VM_GROWSDOWN, VM_SHARED, Vma } from "../mm/vma.js";
import type { Process, SignalRecord } from "../process.js";
import { groupTouchedPages, type RegionSpec } from "./layout.js";
import { beyondUserSpace, type MapsEntry } from "./maps_file.js";
import { ReplayPlayer } from "./player.js";
import { type TouchedPageList, TouchedPages, touchedBitsIn } from "./touched_pages.js";

/** A maps entry whose protection was widened to allow what the trace did in it. */
export interface WidenedMapping {
  start: number;
  end: number;
  /** PROT_* bits before and after. */
  from: number;
  to: number;
  /** Its line in the maps file. */
  line: number;
}

/** How the process's mappings were made. */
export interface ReplayLayout {
  source: "trace" | "maps";
  /** VMAs created in all. */
  vmas: number;
  /** Of those, from maps entries. */
  fromMaps: number;
  /** Maps entries beyond user space, not mapped ([vsyscall]). */
  mapsBeyondUserSpace: number;
  /** Anonymous VMAs made from the trace: all of them without maps, else for pages outside. */
  fromTrace: number;
  /** Touched pages outside every maps entry, and the records that touched them. */
  outsidePages: number;
  outsideRecords: number;
  widened: WidenedMapping[];
  /** Files created for file-backed maps entries, and how many start in the page cache. */
  files: number;
  cachedFiles: number;
}

/** What the replay did, besides the machine's own counters. */
export interface ReplayOutcome {
  /** Records read by the second pass. */
  records: number;
  /** Records run on the machine. */
  replayed: number;
  /** Records skipped because they reach beyond user space. */
  beyondUserSpace: number;
  /** Records not run because the process had died. */
  afterDeath: number;
  /** The fatal signal, if the process died, and the 1-based record that killed it (0: none). */
  signal: SignalRecord | null;
  killedAtRecord: number;
  /** The machine clock at the end (simulated ns). */
  simulatedNs: number;
}

/**
 * One replay: a machine with one process named `name` whose address space starts empty (no
 * executable image, no stack), to be laid out and then driven by the trace.
 */
export class TraceReplay {
  readonly machine: Machine;
  readonly process: Process;
  /** First pass: the sink that learns the touched pages. */
  readonly collector = new TouchedPages();
  /** Third step: the sink that runs every record. */
  readonly player: ReplayPlayer;
  private layoutDone: ReplayLayout | null = null;

  constructor(name: string, config: MachineConfig) {
    this.machine = new Machine(config);
    this.process = this.machine.spawn(name);
    this.emptyAddressSpace();
    this.player = new ReplayPlayer(this.machine, this.process);
  }

  /**
   * Machine.spawn maps an executable image and a stack; a replay's mappings come from the trace,
   * so unmap them and drop the placeholder image's pages from the page cache.
   */
  private emptyAddressSpace(): void {
    const machine = this.machine;
    const mm = this.process.mm;
    const images = new Set(mm.vmas.flatMap((vma) => (vma.backing === null ? [] : [vma.backing])));
    doMunmap(machine, this.process, 0, TASK_SIZE);
    for (const image of images) if (image.mappings === 0) machine.dropCache(image);
    mm.startBrk = 0;
    mm.brk = 0;
    mm.stackTop = 0;
  }

  get layout(): ReplayLayout | null {
    return this.layoutDone;
  }

  /** Make the mappings from the touched pages alone (layout.ts). */
  layOutFromTrace(): ReplayLayout {
    const regions = groupTouchedPages(this.collector.sorted());
    for (const region of regions) this.insert(region.start, region.end, region.prot, 0, null, 0);
    return this.finishLayout({ ...emptyLayout("trace"), fromTrace: regions.length });
  }

  /**
   * Make the mappings of a maps file: file-backed entries map simulated files (in the page cache
   * while they fit in half the RAM, as after an earlier run of the program), anonymous ones
   * anonymous memory; `[heap]` sets the brk range, `[stack]` grows down; other pseudo-mappings
   * (`[vdso]`, `[vvar]`) are anonymous. Entries beyond user space are left out.
   */
  layOutFromMaps(entries: readonly MapsEntry[]): ReplayLayout {
    const touched = this.collector.sorted();
    const layout = emptyLayout("maps");
    const files = this.createFiles(entries, layout);
    const mm = this.process.mm;
    for (const entry of entries) {
      if (beyondUserSpace(entry)) {
        layout.mapsBeyondUserSpace++;
        continue;
      }
      const needed = touchedBitsIn(touched, entry.start / PAGE_SIZE, entry.end / PAGE_SIZE);
      let prot = entry.prot;
      if ((needed & ~prot) !== 0) {
        prot |= needed | PROT_READ;
        layout.widened.push({
          start: entry.start,
          end: entry.end,
          from: entry.prot,
          to: prot,
          line: entry.line,
        });
      }
      let flags = entry.shared ? VM_SHARED : 0;
      let backing = files.get(entry.path) ?? null;
      if (entry.path === "[heap]") {
        mm.startBrk = entry.start;
        mm.brk = entry.end;
      } else if (entry.path === "[stack]") {
        flags |= VM_GROWSDOWN;
        mm.stackTop = entry.end;
      }
      if (backing === null && entry.shared) {
        // Shared anonymous memory lives in a shmem object, as mmap(MAP_SHARED|MAP_ANONYMOUS) makes.
        const size = entry.end - entry.start;
        backing = new AddressSpace(
          "/dev/zero (deleted)",
          size,
          true,
          "00:01",
          this.machine.nextInode(),
        );
      }
      const pgoff = backing === null || backing.isShmem ? 0 : entry.offset / PAGE_SIZE;
      this.insert(entry.start, entry.end, prot, flags, backing, pgoff);
      layout.fromMaps++;
    }
    this.mapOutsidePages(touched, layout);
    return this.finishLayout(layout);
  }

  /** One simulated file per path, as large as its furthest mapping reaches. */
  private createFiles(
    entries: readonly MapsEntry[],
    layout: ReplayLayout,
  ): Map<string, AddressSpace> {
    const sizes = new Map<string, number>();
    for (const entry of entries) {
      if (beyondUserSpace(entry) || entry.path === "" || entry.path.startsWith("[")) continue;
      const reach = entry.offset + (entry.end - entry.start);
      sizes.set(entry.path, Math.max(sizes.get(entry.path) ?? 0, reach));
    }
    let budget = this.machine.config.ramBytes / 2;
    const files = new Map<string, AddressSpace>();
    for (const [path, size] of sizes) {
      const cached = size <= budget;
      if (cached) {
        budget -= size;
        layout.cachedFiles++;
      }
      const existing = this.machine.files.get(path);
      files.set(path, existing ?? this.machine.createFile(path, size, cached));
      layout.files++;
    }
    return files;
  }

  /**
   * Pages the trace touches that no maps entry covers get anonymous mappings by the trace rule,
   * never spanning an existing mapping. Pages just below `[stack]`, within the stack limit, are
   * left to stack growth, as the kernel would handle them.
   */
  private mapOutsidePages(touched: TouchedPageList, layout: ReplayLayout): void {
    const mm = this.process.mm;
    const stack = mm.vmas.find((vma) => (vma.flags & VM_GROWSDOWN) !== 0) ?? null;
    const growthFloor = stack === null ? 0 : (stack.end - mm.stackLimit) / PAGE_SIZE;
    const outside: number[] = [];
    for (let index = 0; index < touched.pages.length; index++) {
      const page = touched.pages[index] as number;
      if (mm.vmaAt(page * PAGE_SIZE) !== null) continue;
      if (stack !== null && page >= growthFloor && page < stack.start / PAGE_SIZE) continue;
      outside.push(index);
      layout.outsidePages++;
      layout.outsideRecords += touched.counts[index] as number;
    }
    const regions: RegionSpec[] = groupTouchedPages(touched, {
      indices: outside,
      separated: (lowPage, highPage) => {
        const between = mm.findVma((lowPage + 1) * PAGE_SIZE);
        return between !== null && between.start < highPage * PAGE_SIZE;
      },
    });
    for (const region of regions) this.insert(region.start, region.end, region.prot, 0, null, 0);
    layout.fromTrace = regions.length;
  }

  private insert(
    start: number,
    end: number,
    prot: number,
    flags: number,
    backing: AddressSpace | null,
    pgoff: number,
  ): void {
    const mm = this.process.mm;
    mm.insert(new Vma(start, end, prot, flags, backing, pgoff));
    if (backing !== null) backing.mappings++;
    mm.invalidateLookupCache();
  }

  private finishLayout(layout: ReplayLayout): ReplayLayout {
    layout.vmas = this.process.mm.vmas.length;
    this.layoutDone = layout;
    return layout;
  }

  /** The outcome so far (call after the second pass). */
  outcome(): ReplayOutcome {
    const player = this.player;
    return {
      records: player.records,
      replayed: player.records - player.beyondUserSpace - player.afterDeath,
      beyondUserSpace: player.beyondUserSpace,
      afterDeath: player.afterDeath,
      signal: this.process.signal,
      killedAtRecord: player.killedAtRecord,
      simulatedNs: this.machine.nowNs(),
    };
  }
}

function emptyLayout(source: "trace" | "maps"): ReplayLayout {
  return {
    source,
    vmas: 0,
    fromMaps: 0,
    mapsBeyondUserSpace: 0,
    fromTrace: 0,
    outsidePages: 0,
    outsideRecords: 0,
    widened: [],
    files: 0,
    cachedFiles: 0,
  };
}
