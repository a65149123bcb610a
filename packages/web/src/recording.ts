/**
 * Runs a scenario once and records everything the page shows: every access's journey (its hops,
 * outcomes and cycles) and the machine's counters right after each access.
 *
 * The engine is deterministic, so one run holds the whole history; stepping back is a lookup.
 * Nothing here touches the DOM: the test runs it in Node and compares it with the engine.
 */
import {
  type AccessProbe,
  cacheCounters,
  type DesignRead,
  FRAME_KIND_NAMES,
  HOP_FAULT,
  HOP_L1_TLB,
  HOP_STLB,
  hugeTlbKey,
  type Machine,
  OUTCOME_HIT,
  OUTCOME_OOM,
  OUTCOME_SIGBUS,
  OUTCOME_SIGSEGV,
  parseScenario,
  processCounters,
  renderMaps,
  runScenario,
  ScenarioError,
  tlbCounters,
  VMSTAT_NAMES,
  vmstatValues,
} from "@vmscope/engine";

/** One hop of an access: where it was, what happened, and its cost. */
export interface HopRecord {
  hop: number;
  outcome: number;
  cycles: number;
  /** Hop-specific numbers (see the engine's probe.ts): a table or frame number, an index. */
  a: number;
  b: number;
  /**
   * On a page-table design other than x86-64, what this walk hop read, as the probe's
   * designRead reported it just before the hop (the engine's explain words it).
   */
  read?: DesignRead;
  /** A TLB hit served by a 2 MiB entry (the L1 TLB's 2 MiB array, or the STLB's 2 MiB entry). */
  huge?: true;
}

export interface AccessRecord {
  index: number;
  pid: number;
  address: number;
  size: number;
  kind: number;
  hops: HopRecord[];
  /** Physical address the access reached, or -1 when the process was killed. */
  physicalAddress: number;
  totalCycles: number;
  /** Cycles of every earlier access: the running total before this one. */
  cyclesBefore: number;
  /** Whether the access took a page fault (including one that killed the process). */
  faulted: boolean;
  /**
   * Events counted while the access ran: a fault's direct reclaim, swap-ins, disk reads. Only
   * the events that changed; null when none did.
   */
  during: EventCounts | null;
  /**
   * Events counted since the previous access ended (for the first, since the machine was
   * built), by the statements between (read(2) waits for the disk, for one) and the kernel's
   * background work after them (kswapd, the flusher); null when none changed.
   */
  before: EventCounts | null;
}

/**
 * The events an access's journey tells about: the /proc/vmstat counters of faults, swap and
 * reclaim, and the disk's pages moved.
 */
export const WATCHED_EVENTS = [
  "pgmajfault",
  "pswpin",
  "pswpout",
  "pgscan_kswapd",
  "pgscan_direct",
  "pgsteal_kswapd",
  "pgsteal_direct",
  "allocstall_normal",
  "pageoutrun",
  "oom_kill",
  "disk_pages_read",
  "disk_pages_written",
] as const;
export type WatchedEvent = (typeof WATCHED_EVENTS)[number];
export type EventCounts = Partial<Record<WatchedEvent, number>>;

/** Index of each watched event in the machine's vmstat array, or -1 for the disk's two. */
const WATCHED_INDEX = WATCHED_EVENTS.map((name) =>
  (VMSTAT_NAMES as readonly string[]).indexOf(name),
);

export interface ProcessSnapshot {
  pid: number;
  name: string;
  state: string;
  counters: Record<string, number>;
  maps: string;
  /** The frame of the process's PGD table (what CR3 holds while it runs), or -1. */
  pgd: number;
}

/** The machine's state at one moment. */
export interface MachineSnapshot {
  processes: ProcessSnapshot[];
  vmstat: Record<string, number>;
  tlb: Record<string, number>;
  /** The CPU caches' counters (hits, misses, writebacks per level; DRAM; paging-structure caches). */
  caches: Record<string, number>;
  /** Frames of each kind, in FRAME_KIND_NAMES order. */
  frames: readonly number[];
  /** Swap slots in use, or -1 when the machine has no swap. */
  swapUsed: number;
}

/** One cache level's geometry and its load-to-use latency in cycles. */
export interface CacheLevelInfo {
  name: string;
  sizeBytes: number;
  ways: number;
  latency: number;
}

export interface TlbGeometryInfo {
  entries: number;
  ways: number;
}

/** What the machine is built of, for the diagram's labels: sizes and latencies. */
export interface HardwareInfo {
  /** The CPU preset (`machine cpu=`), when the engine has presets. */
  model: string | null;
  /** The cycle costs of the CPU's timing, by name (l1TlbHit, stlbHit, faultOverhead, ...). */
  timing: Record<string, number>;
  /** The CPU caches and DRAM's latency, or null when the engine does not simulate caches. */
  caches: { lineBytes: number; levels: CacheLevelInfo[]; dramLatency: number } | null;
  /** Whether paging-structure caches are on (null: the engine has none). */
  pagingStructureCaches: boolean | null;
  disk: { name: string; requestLatencyNs: number; bytesPerSecond: number; description: string };
  /**
   * The TLB arrays: the 4 KiB ones always; the L1 TLBs' 2 MiB arrays (`dTLB 2M`, `iTLB 2M`)
   * only when the machine can map 2 MiB pages (`thp=` not `never`).
   */
  tlbs: Record<"dtlb" | "itlb" | "stlb", TlbGeometryInfo> &
    Partial<Record<"dtlb2m" | "itlb2m", TlbGeometryInfo>>;
  /** The page-table design the MMU walks (`machine pagetable=`), in canonical form: `x86-64`, `la57`, ... */
  pagetable: string;
  pcid: boolean;
  ramFrames: number;
  /** Usable swap slots (0: no swap). */
  swapSlots: number;
  /** The registry policy that picks reclaim's victims (`machine policy=`), or null for Linux's lists. */
  policy: string | null;
}

export interface Recording {
  accesses: AccessRecord[];
  /** The state before the first access. */
  initial: MachineSnapshot;
  /** after[i]: the state right after access i completed. */
  after: MachineSnapshot[];
  /** The state when the whole scenario had run (later statements may free or unmap). */
  final: MachineSnapshot;
  /** Signals the run delivered, as text lines. */
  signals: string[];
  /** Failed expectations, as text lines. */
  failedExpects: string[];
  /** Set when the accesses stopped being recorded (a very long run). */
  truncated: boolean;
  hardware: HardwareInfo;
}

/** Past this many accesses the page stops recording (the rest still runs). */
export const MAX_RECORDED_ACCESSES = 200_000;

/** The state of `machine` now, with every process it has seen (dead ones keep their counts). */
export function snapshotMachine(
  machine: Machine,
  previous: MachineSnapshot | null = null,
): MachineSnapshot {
  return {
    processes: machine.processes.map((process) => {
      const maps = process.alive ? renderMaps(machine, process) : "";
      // Share the text with the previous snapshot when it did not change (long runs keep many).
      const before = previous?.processes.find((candidate) => candidate.pid === process.pid);
      return {
        pid: process.pid,
        name: process.name,
        state: process.state,
        counters: processCounters(process, machine.cpu.timing.cyclesPerNs),
        maps: before !== undefined && before.maps === maps ? before.maps : maps,
        pgd: process.mm.pgd,
      };
    }),
    vmstat: vmstatOf(machine, previous),
    tlb: tlbCounters(machine),
    caches: cacheCounters(machine),
    frames: framesOf(machine, previous),
    swapUsed: machine.memory.swap?.used ?? -1,
  };
}

/** The frame counts by kind, sharing the previous snapshot's array when they did not change. */
function framesOf(machine: Machine, previous: MachineSnapshot | null): readonly number[] {
  const counts = machine.phys.framesOfKind;
  const last = previous?.frames;
  if (last !== undefined && last.length === counts.length && last.every((n, i) => n === counts[i]))
    return last;
  return Array.from(counts);
}

/** A CPU configuration as engines with caches have it; every field optional, read with care. */
interface CpuConfigWithCaches {
  model?: string;
  pscEnabled?: boolean;
  caches?: {
    lineBytes: number;
    dramLatency: number;
    l1d: { sizeBytes: number; ways: number; latency: number };
    l1i: { sizeBytes: number; ways: number; latency: number };
    l2: { sizeBytes: number; ways: number; latency: number };
    l3: { sizeBytes: number; ways: number; latency: number };
  };
}

/**
 * The machine's sizes and latencies. The CPU's caches and presets are read structurally, so the
 * page works with an engine that has them and with one that does not yet.
 */
export function hardwareOf(machine: Machine): HardwareInfo {
  const { cpu, config, disk } = machine;
  const geometry = (tlb: { entries: number; ways: number }) => ({
    entries: tlb.entries,
    ways: tlb.ways,
  });
  const timing: Record<string, number> = {};
  for (const [name, value] of Object.entries(cpu.timing))
    if (typeof value === "number") timing[name] = value;
  const extra = config.cpu as unknown as CpuConfigWithCaches;
  const caches = extra.caches;
  const level = (name: string, from: { sizeBytes: number; ways: number; latency: number }) => ({
    name,
    sizeBytes: from.sizeBytes,
    ways: from.ways,
    latency: from.latency,
  });
  return {
    model: extra.model ?? null,
    timing,
    caches:
      caches === undefined
        ? null
        : {
            lineBytes: caches.lineBytes,
            levels: [
              level("L1d", caches.l1d),
              level("L1i", caches.l1i),
              level("L2", caches.l2),
              level("L3", caches.l3),
            ],
            dramLatency: caches.dramLatency,
          },
    pagingStructureCaches: extra.pscEnabled ?? null,
    disk: {
      name: disk.model.name,
      requestLatencyNs: disk.model.requestLatencyNs,
      bytesPerSecond: disk.model.bytesPerSecond,
      description: disk.model.description,
    },
    tlbs:
      config.thp === "never"
        ? {
            dtlb: geometry(config.cpu.dtlb),
            itlb: geometry(config.cpu.itlb),
            stlb: geometry(config.cpu.stlb),
          }
        : {
            dtlb: geometry(config.cpu.dtlb),
            itlb: geometry(config.cpu.itlb),
            stlb: geometry(config.cpu.stlb),
            dtlb2m: geometry(config.cpu.dtlb2m),
            itlb2m: geometry(config.cpu.itlb2m),
          },
    pagetable: config.pagetable,
    pcid: cpu.pcid,
    ramFrames: machine.phys.totalFrames,
    swapSlots: machine.memory.swap?.capacity ?? 0,
    policy: config.policy,
  };
}

/** The frame kinds the diagram counts, by name (FRAME_KIND_NAMES order). */
export function framesByKind(snapshot: MachineSnapshot): Record<string, number> {
  const counts: Record<string, number> = {};
  FRAME_KIND_NAMES.forEach((name, kind) => {
    counts[name] = snapshot.frames[kind] ?? 0;
  });
  return counts;
}

/**
 * vmstatValues counts frames by kind, a scan of all of memory: too slow to repeat after each of
 * thousands of accesses. Frames change kind only when some are allocated or freed, or a fault
 * maps one, so while the free count, the event counters, the disk's counters, the LRU sizes and
 * the dirty file pages stay the same the last values hold.
 */
function vmstatOf(machine: Machine, previous: MachineSnapshot | null): Record<string, number> {
  // The disk's counters and the LRU sizes cover what changes without an allocation or an event:
  // pages dirtied by write(2), written back, or moved between lists.
  const disk = machine.disk;
  const key = `${machine.phys.freeFrames},${machine.vmstat.join(",")},${disk.pagesRead},${disk.pagesWritten},${machine.lru.sizes.join(",")},${dirtyFilePages(machine)}`;
  if (previous !== null && vmstatKeys.get(previous.vmstat) === key) return previous.vmstat;
  const values = vmstatValues(machine);
  vmstatKeys.set(values, key);
  return values;
}

function dirtyFilePages(machine: Machine): number {
  let dirty = 0;
  for (const file of machine.files.values()) dirty += file.dirtyPages;
  return dirty;
}

const vmstatKeys = new WeakMap<Record<string, number>, string>();

const EMPTY_SNAPSHOT: MachineSnapshot = {
  processes: [],
  vmstat: {},
  tlb: {},
  caches: {},
  frames: [],
  swapUsed: -1,
};

/** The watched events' current values (vmstat's, then the disk's), into `into`. */
function readEvents(machine: Machine, into: Float64Array): void {
  WATCHED_INDEX.forEach((index, at) => {
    into[at] = index >= 0 ? (machine.vmstat[index] as number) : 0;
  });
  into[WATCHED_EVENTS.indexOf("disk_pages_read")] = machine.disk.pagesRead;
  into[WATCHED_EVENTS.indexOf("disk_pages_written")] = machine.disk.pagesWritten;
}

/** The events that changed from `from` to `to`, or null when none did. */
function eventChanges(from: Float64Array, to: Float64Array): EventCounts | null {
  let changes: EventCounts | null = null;
  WATCHED_EVENTS.forEach((name, at) => {
    const delta = (to[at] as number) - (from[at] as number);
    if (delta === 0) return;
    changes ??= {};
    changes[name] = delta;
  });
  return changes;
}

/**
 * The probe that stores each journey. It needs the machine to take snapshots: the runner hands
 * it over (onMachine) before the first statement.
 */
class RecordingProbe implements AccessProbe {
  machine: Machine | null = null;
  readonly accesses: AccessRecord[] = [];
  readonly after: MachineSnapshot[] = [];
  initial: MachineSnapshot | null = null;
  truncated = false;
  private current: AccessRecord | null = null;
  /** The current access's page number and the PCID its translations are cached under. */
  private vpn = 0;
  private asid = -1;
  /** A design's read, reported just before its walk hop (designRead). */
  private pendingRead: DesignRead | null = null;
  private hugeL1HitsSeen = 0;
  private total = 0;
  /** The watched events when the last access ended, when this one started, and now. */
  private eventsAtLastEnd = new Float64Array(WATCHED_EVENTS.length);
  private eventsAtStart = new Float64Array(WATCHED_EVENTS.length);
  private eventsNow = new Float64Array(WATCHED_EVENTS.length);

  /** `onAccess`, when given, hears the number of accesses recorded so far after each one. */
  constructor(private readonly onAccess?: (recorded: number) => void) {}

  /** The runner built the machine: what it has counted so far is the baseline for `before`. */
  attach(machine: Machine): void {
    this.machine = machine;
    readEvents(machine, this.eventsAtLastEnd);
  }

  accessStart(pid: number, address: number, size: number, kind: number): void {
    if (this.accesses.length >= MAX_RECORDED_ACCESSES) {
      this.truncated = true;
      this.current = null;
      return;
    }
    if (this.initial === null) this.initial = this.snapshot();
    let before: EventCounts | null = null;
    if (this.machine !== null) {
      readEvents(this.machine, this.eventsAtStart);
      before = eventChanges(this.eventsAtLastEnd, this.eventsAtStart);
    }
    this.pendingRead = null;
    this.vpn = Math.floor(address / 4096);
    this.asid = this.asidOf(pid);
    this.hugeL1HitsSeen = this.hugeL1Hits();
    this.current = {
      index: this.accesses.length,
      pid,
      address,
      size,
      kind,
      hops: [],
      physicalAddress: -1,
      totalCycles: 0,
      cyclesBefore: this.total,
      faulted: false,
      during: null,
      before,
    };
  }

  designRead(kind: number, level: number, last: boolean): void {
    if (this.current !== null) this.pendingRead = { kind, level, last };
  }

  hop(hop: number, outcome: number, cycles: number, a: number, b: number): void {
    const current = this.current;
    if (current === null) return;
    const record: HopRecord = { hop, outcome, cycles, a, b };
    const read = this.pendingRead;
    if (read !== null) {
      record.read = read;
      this.pendingRead = null;
    }
    if ((hop === HOP_L1_TLB || hop === HOP_STLB) && this.hugeHit(hop, outcome)) record.huge = true;
    current.hops.push(record);
    if (hop === HOP_FAULT) current.faulted = true;
  }

  /** The PCID the CPU caches `pid`'s translations under, or -1. */
  private asidOf(pid: number): number {
    const process = this.machine?.processes.find((candidate) => candidate.pid === pid);
    return process === undefined || this.machine === null
      ? -1
      : this.machine.cpu.asidOf(process.mm);
  }

  /** Hits the L1 TLBs' 2 MiB arrays had counted when the last L1 TLB hop (or the access) began. */
  private hugeL1Hits(): number {
    const cpu = this.machine?.cpu;
    return cpu === undefined ? 0 : cpu.dtlb2m.hits + cpu.itlb2m.hits;
  }

  /**
   * Whether the TLB hit just reported came from a 2 MiB entry; the probe's hop does not say
   * which size served it. The L1's 2 MiB arrays are looked up (and count a hit) just before the
   * L1 hop they serve, so a hit hop that follows a new 2 MiB hit is theirs. The STLB holds both
   * sizes and tries the 4 KiB key first: its hit is a 2 MiB one when it holds no 4 KiB entry for
   * the page but a 2 MiB one (peeked: no replacement state or counter changes).
   */
  private hugeHit(hop: number, outcome: number): boolean {
    const machine = this.machine;
    if (machine === null) return false;
    if (hop === HOP_L1_TLB) {
      const now = this.hugeL1Hits();
      const served = outcome === OUTCOME_HIT && now > this.hugeL1HitsSeen;
      this.hugeL1HitsSeen = now;
      return served;
    }
    const stlb = machine.cpu.stlb;
    return (
      outcome === OUTCOME_HIT &&
      this.asid >= 0 &&
      stlb.peek(this.vpn, this.asid) < 0 &&
      stlb.peek(hugeTlbKey(this.vpn), this.asid) >= 0
    );
  }

  accessEnd(physicalAddress: number, totalCycles: number): void {
    const current = this.current;
    if (current === null) return;
    current.physicalAddress = physicalAddress;
    current.totalCycles = totalCycles;
    if (this.machine !== null) {
      readEvents(this.machine, this.eventsNow);
      current.during = eventChanges(this.eventsAtStart, this.eventsNow);
      [this.eventsAtLastEnd, this.eventsNow] = [this.eventsNow, this.eventsAtLastEnd];
    }
    this.total += totalCycles;
    this.accesses.push(current);
    this.after.push(this.snapshot());
    this.current = null;
    this.onAccess?.(this.accesses.length);
  }

  private snapshot(): MachineSnapshot {
    if (this.machine === null) return EMPTY_SNAPSHOT;
    return snapshotMachine(this.machine, this.after.at(-1) ?? this.initial);
  }
}

/** Thrown for a scenario that does not parse or names something that does not exist. */
export class RecordingError extends Error {
  constructor(
    message: string,
    /** Where the scenario is at fault (1-based), as the engine's ScenarioError says. */
    readonly line = 0,
    readonly col = 0,
    /** The message without its `FILE:LINE:COL: ` prefix. */
    readonly reason = message,
  ) {
    super(message);
  }
}

/**
 * Parse and run `source`, recording every access. `onAccess` hears the count of accesses
 * recorded so far after each one (the recording worker reports progress from it).
 */
export function recordScenario(
  source: string,
  file: string,
  onAccess?: (recorded: number) => void,
): Recording {
  const probe = new RecordingProbe(onAccess);
  try {
    const result = runScenario(parseScenario(source, file), {
      probe,
      onMachine: (machine) => {
        probe.attach(machine);
      },
    });
    const final = snapshotMachine(result.machine);
    return {
      accesses: probe.accesses,
      initial: probe.initial ?? final,
      after: probe.after,
      final,
      signals: result.signals.map(
        (signal) =>
          `${signal.process} (pid ${signal.pid}): ${signal.signal} ${signal.code} at ${signal.addr}`,
      ),
      failedExpects: result.expects
        .filter((expect) => !expect.ok)
        .map((expect) => `line ${expect.line}: ${expect.text} (got ${expect.actual})`),
      truncated: probe.truncated,
      hardware: hardwareOf(result.machine),
    };
  } catch (error) {
    if (error instanceof ScenarioError)
      throw new RecordingError(error.message, error.line, error.col, error.reason);
    throw error;
  }
}

/** Whether an access ended with the process killed (SIGSEGV, SIGBUS, out of memory). */
export function accessKilled(access: AccessRecord): boolean {
  return access.hops.some(
    (hop) =>
      hop.hop === HOP_FAULT &&
      (hop.outcome === OUTCOME_SIGSEGV ||
        hop.outcome === OUTCOME_OOM ||
        hop.outcome === OUTCOME_SIGBUS),
  );
}

/** The parts of a 48-bit virtual address: the four table indices and the page offset. */
export interface AddressParts {
  pgd: number;
  pud: number;
  pmd: number;
  pte: number;
  offset: number;
}

export function splitAddress(address: number): AddressParts {
  const page = Math.floor(address / 4096);
  return {
    pgd: Math.floor(address / 2 ** 39) % 512,
    pud: Math.floor(address / 2 ** 30) % 512,
    pmd: Math.floor(address / 2 ** 21) % 512,
    pte: page % 512,
    offset: address - page * 4096,
  };
}

export function hex(value: number, digits = 1): string {
  return `0x${value.toString(16).padStart(digits, "0")}`;
}
