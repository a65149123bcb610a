/**
 * Runs a scenario once and records everything the page shows: every access's journey (its hops,
 * outcomes and cycles) and the machine's counters right after each access.
 *
 * The engine is deterministic, so one run holds the whole history; stepping back is a lookup.
 * Nothing here touches the DOM: the test runs it in Node and compares it with the engine.
 */
import {
  type AccessProbe,
  HOP_FAULT,
  type Machine,
  OUTCOME_OOM,
  OUTCOME_SIGSEGV,
  parseScenario,
  processCounters,
  renderMaps,
  runScenario,
  ScenarioError,
  tlbCounters,
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
}

export interface ProcessSnapshot {
  pid: number;
  name: string;
  state: string;
  counters: Record<string, number>;
  maps: string;
}

/** The machine's state at one moment. */
export interface MachineSnapshot {
  processes: ProcessSnapshot[];
  vmstat: Record<string, number>;
  tlb: Record<string, number>;
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
        counters: processCounters(process),
        maps: before !== undefined && before.maps === maps ? before.maps : maps,
      };
    }),
    vmstat: vmstatOf(machine, previous),
    tlb: tlbCounters(machine),
  };
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

const EMPTY_SNAPSHOT: MachineSnapshot = { processes: [], vmstat: {}, tlb: {} };

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
  private total = 0;

  /** `onAccess`, when given, hears the number of accesses recorded so far after each one. */
  constructor(private readonly onAccess?: (recorded: number) => void) {}

  accessStart(pid: number, address: number, size: number, kind: number): void {
    if (this.accesses.length >= MAX_RECORDED_ACCESSES) {
      this.truncated = true;
      this.current = null;
      return;
    }
    if (this.initial === null) this.initial = this.snapshot();
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
    };
  }

  hop(hop: number, outcome: number, cycles: number, a: number, b: number): void {
    const current = this.current;
    if (current === null) return;
    current.hops.push({ hop, outcome, cycles, a, b });
    if (hop === HOP_FAULT) current.faulted = true;
  }

  accessEnd(physicalAddress: number, totalCycles: number): void {
    const current = this.current;
    if (current === null) return;
    current.physicalAddress = physicalAddress;
    current.totalCycles = totalCycles;
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
        probe.machine = machine;
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
    };
  } catch (error) {
    if (error instanceof ScenarioError)
      throw new RecordingError(error.message, error.line, error.col, error.reason);
    throw error;
  }
}

/** Whether an access ended with the process killed (SIGSEGV, out of memory). */
export function accessKilled(access: AccessRecord): boolean {
  return access.hops.some(
    (hop) =>
      hop.hop === HOP_FAULT && (hop.outcome === OUTCOME_SIGSEGV || hop.outcome === OUTCOME_OOM),
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
