/**
 * What the machine-state panels show of a machine, as plain data: processes, frames, the present
 * entries of every page table, the TLBs, the LRU lists and swap, and the walk of the access
 * shown. Plain data crosses to and from a Web Worker (machine_view_worker.ts), so a machine far
 * into a long run can be rebuilt there without freezing the page; a short run builds its view on
 * this thread from the same function.
 *
 * Nothing here touches the DOM: the unit test compares views built both ways.
 */
import {
  ENTRIES_PER_TABLE,
  entryPfn,
  LEVEL_PGD,
  LEVEL_PTE,
  type Machine,
  meminfoValues,
  PTE_PRESENT,
  PTE_PSE,
  renderLru,
  renderSwaps,
  Tlb,
  vmstatValues,
  type WalkLevel,
  walkLevels,
} from "@vmscope/engine";

/** The TLB structures a view carries. */
export const TLB_NAMES = ["dtlb", "itlb", "stlb", "dtlb2m", "itlb2m"] as const;
export type TlbName = (typeof TLB_NAMES)[number];

/** One present entry of a page table. */
export interface TableEntry {
  index: number;
  low: number;
  high: number;
}

export interface ProcessView {
  pid: number;
  name: string;
  state: string;
  alive: boolean;
  /** The PGD's frame, or -1 when the page tables are freed. */
  pgd: number;
  /** The PCID the CPU gave its address space, or -1 (see Cpu.asidOf). */
  asid: number;
}

export interface SwapFigures {
  /** Usable slots (the header is not one). */
  slots: number;
  used: number;
  free: number;
  /** Slots whose page is only on the device (referenced by swap entries, not cached). */
  swappedOnly: number;
  /** Pages in the swap cache: in memory and in a slot (meminfo's SwapCached, in pages). */
  swapCached: number;
  pswpin: number;
  pswpout: number;
}

type Phys = Machine["phys"];

export interface MachineView {
  processes: ProcessView[];
  pcid: boolean;
  /** `machine policy=`, or null for Linux's lists. */
  policy: string | null;
  frames: {
    total: number;
    zeroPfn: number;
    kind: Phys["kind"];
    ownerPid: Phys["ownerPid"];
    mapcount: Phys["mapcount"];
    framesOfKind: Phys["framesOfKind"];
  };
  /** The present entries of every table reachable from a process's PGD, by the table's frame. */
  tables: Map<number, TableEntry[]>;
  /**
   * The TLBs. The STLB holds 4 KiB and 2 MiB entries (a 2 MiB entry's key is hugeTlbKey's
   * negative number); the L1 TLBs keep their 2 MiB entries in the separate `dtlb2m`/`itlb2m`.
   */
  tlbs: Record<TlbName, Tlb>;
  /** Whether the machine can map 2 MiB pages (`thp=` not `never`), so the 2 MiB arrays matter. */
  hugePages: boolean;
  /** The walk of the access shown, in its process (what walkLevels gives), or []. */
  walk: WalkLevel[];
  lru: { sizes: number[]; text: string };
  swap: { figures: SwapFigures; count: Int32Array; cachePfn: Int32Array } | null;
  swapsText: string;
}

function collectTables(machine: Machine, tables: Map<number, TableEntry[]>, pgd: number): void {
  const phys = machine.phys;
  const visit = (table: number, level: number) => {
    if (tables.has(table)) return;
    const entries: TableEntry[] = [];
    tables.set(table, entries);
    for (let index = 0; index < ENTRIES_PER_TABLE; index++) {
      const offset = phys.entryOffset(table, index);
      const low = phys.tableLow[offset] as number;
      if (!(low & PTE_PRESENT)) continue;
      const high = phys.tableHigh[offset] as number;
      entries.push({ index, low, high });
      // A huge-page entry maps memory, not a table below.
      if (level > LEVEL_PTE && !(low & PTE_PSE)) visit(entryPfn(low, high), level - 1);
    }
  };
  if (pgd >= 0) visit(pgd, LEVEL_PGD);
}

function swapFiguresOf(machine: Machine): MachineView["swap"] {
  const swap = machine.memory.swap;
  if (swap === null) return null;
  let swappedOnly = 0;
  for (let slot = 1; slot < swap.slots; slot++) {
    if ((swap.count[slot] as number) > 0 && (swap.cachePfn[slot] as number) < 0) swappedOnly++;
  }
  const vmstat = vmstatValues(machine);
  return {
    figures: {
      slots: swap.capacity,
      used: swap.used,
      free: swap.free,
      swappedOnly,
      swapCached: (meminfoValues(machine).SwapCached ?? 0) / 4,
      pswpin: vmstat.pswpin ?? 0,
      pswpout: vmstat.pswpout ?? 0,
    },
    count: swap.count,
    cachePfn: swap.cachePfn,
  };
}

/**
 * The view of `machine`, with the walk of `access` (its pid and virtual address) when given.
 * The arrays are the machine's own: a machine given here must not run on afterwards.
 */
export function viewOfMachine(
  machine: Machine,
  access: { pid: number; address: number } | null,
): MachineView {
  const phys = machine.phys;
  const tables = new Map<number, TableEntry[]>();
  for (const process of machine.processes) collectTables(machine, tables, process.mm.pgd);
  const walked =
    access === null ? undefined : machine.processes.find((process) => process.pid === access.pid);
  return {
    processes: machine.processes.map((process) => ({
      pid: process.pid,
      name: process.name,
      state: process.state,
      alive: process.alive,
      pgd: process.mm.pgd,
      asid: machine.cpu.asidOf(process.mm),
    })),
    pcid: machine.cpu.pcid,
    policy: machine.config.policy,
    frames: {
      total: phys.totalFrames,
      zeroPfn: phys.zeroPfn,
      kind: phys.kind,
      ownerPid: phys.ownerPid,
      mapcount: phys.mapcount,
      framesOfKind: phys.framesOfKind,
    },
    tables,
    tlbs: {
      dtlb: machine.cpu.dtlb,
      itlb: machine.cpu.itlb,
      stlb: machine.cpu.stlb,
      dtlb2m: machine.cpu.dtlb2m,
      itlb2m: machine.cpu.itlb2m,
    },
    hugePages: machine.memory.huge.mode !== "never",
    walk:
      access === null || walked === undefined ? [] : walkLevels(machine, walked, access.address),
    lru: {
      sizes: Array.from({ length: 4 }, (_, list) => machine.lru.sizes[list] as number),
      text: renderLru(machine),
    },
    swap: swapFiguresOf(machine),
    swapsText: renderSwaps(machine),
  };
}

/**
 * A view that crossed from a worker: structured clone keeps the data but not the classes, so
 * the TLBs get their methods (peek, setIndex, validCount) back.
 */
export function reviveView(view: MachineView): MachineView {
  const tlbs = {} as Record<TlbName, Tlb>;
  for (const name of TLB_NAMES) tlbs[name] = Object.setPrototypeOf(view.tlbs[name], Tlb.prototype);
  return { ...view, tlbs };
}
