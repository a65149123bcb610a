/**
 * Runs a parsed scenario on a Machine: processes by name, the names their statements bind
 * (malloc, mmap, sbrk results), reports, expects and views.
 *
 * Input errors (an unknown process, name, counter or report label) throw ScenarioError with the
 * position. What a process does wrong (touching unmapped memory, a double free) is not an input
 * error: the process gets its signal, as on Linux, and the run goes on without it.
 */
import { PAGE_SIZE } from "../arch/x86/pgtable.js";
import { MachineConfigError, machineConfigFrom } from "../config.js";
import {
  closeFile,
  EBADF,
  ENOENT,
  openFile,
  readFile,
  syncFile,
  writeFile,
} from "../fs/read_write.js";
import { assertInvariants } from "../invariants/index.js";
import { Machine } from "../machine.js";
import { doBrk, doMadvise, doMmap, doMprotect, doMunmap, type FileMapping } from "../mm/mmap.js";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, type AccessProbe } from "../probe.js";
import { renderBuddyinfo } from "../proc/buddyinfo.js";
import { renderCaches } from "../proc/caches.js";
import { renderLru } from "../proc/lru.js";
import { renderMaps } from "../proc/maps.js";
import { renderMeminfo } from "../proc/meminfo.js";
import { renderPagemap } from "../proc/pagemap.js";
import { renderWalk } from "../proc/pagetable.js";
import { renderSmaps } from "../proc/smaps.js";
import { renderStatus } from "../proc/status.js";
import { renderSwaps } from "../proc/swaps.js";
import { renderTlb } from "../proc/tlb.js";
import { renderVmstat } from "../proc/vmstat.js";
import { renderWalkJourney } from "../proc/walk.js";
import type { Process } from "../process.js";
import type {
  AddressExpr,
  CompareOp,
  Operation,
  Position,
  Protection,
  Scenario,
  Statement,
} from "./ast.js";
import { ScenarioError } from "./errors.js";
import { type Report, snapshotReport } from "./report.js";

export interface RunOptions {
  /** Check the engine's invariants after every statement (tests turn this on). */
  checkInvariants?: boolean;
  /** Receives every access's journey. */
  probe?: AccessProbe;
  /** Called with the machine once it is built, before the first statement runs. */
  onMachine?: (machine: Machine) => void;
  /** Called after every spawn and process statement (and its background work), to sample the machine. */
  afterStatement?: (machine: Machine) => void;
}

export interface ExpectResult {
  line: number;
  /** The expectation as written, e.g. `app.minflt == 256 since "after malloc"`. */
  text: string;
  ok: boolean;
  actual: number;
  expected: number;
}

export interface SignalEvent {
  line: number;
  process: string;
  pid: number;
  signal: string;
  code: string;
  /** Faulting address in hex (`0x...`). */
  addr: string;
}

/** What a run prints, in order: reports, views, signals and notes (failed system calls). */
export type OutputItem =
  | { kind: "report"; report: Report }
  | { kind: "view"; line: number; title: string; text: string }
  | { kind: "signal"; signal: SignalEvent }
  | { kind: "expect"; expect: ExpectResult }
  | { kind: "note"; line: number; text: string };

export interface RunResult {
  machine: Machine;
  reports: Report[];
  expects: ExpectResult[];
  signals: SignalEvent[];
  output: OutputItem[];
}

/** A name a statement bound: its address and, for whole-mapping statements, its size. */
interface Binding {
  address: number;
  size: number;
}

interface ProcessEntry {
  process: Process;
  names: Map<string, Binding>;
  /** File descriptors by the name `open` bound them to. */
  descriptors: Map<string, number>;
}

const PROTECTIONS: Record<Protection, number> = {
  none: 0,
  r: PROT_READ,
  w: PROT_WRITE,
  x: PROT_EXEC,
  rw: PROT_READ | PROT_WRITE,
  rx: PROT_READ | PROT_EXEC,
  wx: PROT_WRITE | PROT_EXEC,
  rwx: PROT_READ | PROT_WRITE | PROT_EXEC,
};

const CACHE_LINE = 64;

/** Run `scenario` on a new machine (configured by its `machine` statement, if any). */
export function runScenario(scenario: Scenario, options: RunOptions = {}): RunResult {
  return new ScenarioRun(scenario, options).run();
}

class ScenarioRun {
  private machine: Machine | null = null;
  private readonly processes = new Map<string, ProcessEntry>();
  private readonly reports: Report[] = [];
  private readonly expects: ExpectResult[] = [];
  private readonly signals: SignalEvent[] = [];
  private readonly output: OutputItem[] = [];
  /** PIDs whose fatal signal is already in the output. */
  private readonly reportedDeaths = new Set<number>();
  /** OOM kills already in the output. */
  private reportedOomKills = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly options: RunOptions,
  ) {}

  run(): RunResult {
    const statements = this.scenario.statements;
    const first = statements[0];
    this.machine = this.createMachine(first?.kind === "machine" ? first : null);
    for (const statement of statements) {
      if (statement === first && statement.kind === "machine") continue;
      this.execute(statement);
    }
    return {
      machine: this.machine,
      reports: this.reports,
      expects: this.expects,
      signals: this.signals,
      output: this.output,
    };
  }

  private get sim(): Machine {
    return this.machine as Machine;
  }

  private fail(pos: Position, message: string): never {
    throw new ScenarioError(this.scenario.file, pos, message);
  }

  private createMachine(statement: Extract<Statement, { kind: "machine" }> | null): Machine {
    if (statement === null) return this.withProbe(new Machine());
    try {
      return this.withProbe(new Machine(machineConfigFrom(statement.options)));
    } catch (error) {
      if (!(error instanceof MachineConfigError)) throw error;
      const option = statement.options.find((candidate) => candidate.key === error.key);
      return this.fail(option?.pos ?? statement.pos, error.message);
    }
  }

  private withProbe(machine: Machine): Machine {
    if (this.options.probe !== undefined) machine.cpu.probe = this.options.probe;
    this.options.onMachine?.(machine);
    return machine;
  }

  private execute(statement: Statement): void {
    switch (statement.kind) {
      case "machine":
        this.fail(statement.pos, "machine must be the first statement of the scenario");
        return;
      case "spawn":
        this.spawn(statement.name, statement.pos);
        return;
      case "process":
        this.operate(statement.process, statement.operation, statement.pos);
        return;
      case "repeat":
        for (let round = 0; round < statement.count; round++) {
          for (const inner of statement.body) this.execute(inner);
        }
        return;
      case "report":
        this.report(statement.label, statement.pos);
        return;
      case "expect":
        this.expect(statement);
        return;
      case "show":
        this.show(statement);
        return;
      case "file":
        if (this.sim.files.has(statement.name)) {
          this.fail(statement.pos, `a file named "${statement.name}" already exists`);
        }
        this.sim.createFile(statement.name, statement.size, statement.cached);
        return;
    }
  }

  private spawn(name: string, pos: Position): void {
    if (this.processes.has(name)) this.fail(pos, `a process named "${name}" already exists`);
    if (name === "vmstat" || name === "tlb" || name === "cache") {
      this.fail(pos, `"${name}" is reserved for counters`);
    }
    const process = this.sim.spawn(name);
    this.processes.set(name, { process, names: new Map(), descriptors: new Map() });
    this.afterOperation(pos);
  }

  private entry(name: string, pos: Position): ProcessEntry {
    const entry = this.processes.get(name);
    if (entry === undefined) {
      const known = [...this.processes.keys()];
      const hint = known.length > 0 ? `; known processes: ${known.join(", ")}` : "; spawn it first";
      return this.fail(pos, `unknown process "${name}"${hint}`);
    }
    return entry;
  }

  private operate(name: string, operation: Operation, pos: Position): void {
    const entry = this.entry(name, pos);
    const process = entry.process;
    // A dead process runs no more statements; the others go on.
    if (!process.alive) return;
    this.perform(name, entry, operation, pos);
    this.afterOperation(pos);
  }

  /**
   * After each operation: the kernel's background work (kswapd, the flusher), then every death
   * it caused (the process's own signal, OOM kills of others) goes into the output.
   */
  private afterOperation(pos: Position): void {
    const machine = this.sim;
    machine.runBackgroundWork();
    const kills = machine.reclaim.oomKills;
    for (; this.reportedOomKills < kills.length; this.reportedOomKills++) {
      const kill = kills[this.reportedOomKills];
      if (kill === undefined) continue;
      this.note(
        pos,
        `Out of memory: Killed process ${kill.pid} (${kill.name}) total-vm:${kill.totalVmKb}kB, ` +
          `anon-rss:${kill.anonRssKb}kB, file-rss:${kill.fileRssKb}kB, shmem-rss:${kill.shmemRssKb}kB, ` +
          `UID:0 pgtables:${kill.pgtablesKb}kB oom_score_adj:${kill.oomScoreAdj}`,
      );
    }
    for (const [name, entry] of this.processes) {
      const process = entry.process;
      if (process.alive || process.signal === null || this.reportedDeaths.has(process.pid))
        continue;
      this.reportedDeaths.add(process.pid);
      this.recordSignal(name, process, pos);
    }
    if (this.options.checkInvariants === true) {
      assertInvariants(machine, `${this.scenario.file}:${pos.line}`);
    }
    this.options.afterStatement?.(machine);
  }

  private perform(name: string, entry: ProcessEntry, operation: Operation, pos: Position): void {
    const machine = this.sim;
    const process = entry.process;
    switch (operation.op) {
      case "malloc":
      case "calloc": {
        const size = operation.size;
        const pointer =
          operation.op === "malloc" ? machine.malloc(process, size) : machine.calloc(process, size);
        if (pointer === 0) this.note(pos, `${name}: ${operation.op} ${size} returned NULL`);
        entry.names.set(operation.target, { address: pointer, size });
        return;
      }
      case "free":
        machine.free(process, this.address(entry, operation.pointer));
        return;
      case "mmap": {
        const prot = PROTECTIONS[operation.prot];
        const address = doMmap(
          machine,
          process,
          operation.size,
          prot,
          operation.shared,
          operation.populate,
          this.fileMapping(operation.file, operation.offset, pos),
        );
        if (address < 0) {
          this.note(pos, `${name}: mmap ${operation.size} failed (${errnoName(address)})`);
          return;
        }
        entry.names.set(operation.target, { address, size: operation.size });
        return;
      }
      case "munmap": {
        const start = this.address(entry, operation.address);
        const size = operation.size ?? this.boundSize(entry, operation.address);
        this.syscall(pos, `${name}: munmap`, doMunmap(machine, process, start, size));
        return;
      }
      case "mprotect": {
        const start = this.address(entry, operation.address);
        const result = doMprotect(
          machine,
          process,
          start,
          operation.size,
          PROTECTIONS[operation.prot],
        );
        this.syscall(pos, `${name}: mprotect`, result);
        return;
      }
      case "madvise": {
        const start = this.address(entry, operation.address);
        const result = doMadvise(machine, process, start, operation.size, operation.advice);
        this.syscall(pos, `${name}: madvise`, result);
        return;
      }
      case "sbrk": {
        const old = process.mm.brk;
        const result = doBrk(machine, process, old + operation.increment);
        if (result !== old + operation.increment) {
          this.note(pos, `${name}: sbrk ${operation.increment} failed (ENOMEM)`);
          return;
        }
        if (operation.target !== null) {
          entry.names.set(operation.target, {
            address: old,
            size: Math.max(0, operation.increment),
          });
        }
        return;
      }
      case "read":
      case "write":
      case "exec": {
        const kind =
          operation.op === "read"
            ? ACCESS_READ
            : operation.op === "write"
              ? ACCESS_WRITE
              : ACCESS_EXEC;
        machine.access(process, this.address(entry, operation.address), operation.size, kind);
        return;
      }
      case "memset":
        this.memset(process, this.address(entry, operation.address), operation.size);
        return;
      case "touch":
        this.touch(
          process,
          this.address(entry, operation.address),
          operation.size,
          operation.mode === "read" ? ACCESS_READ : ACCESS_WRITE,
        );
        return;
      case "fork":
        this.fork(entry, operation.target, pos);
        return;
      case "exit":
        machine.exit(process);
        return;
      case "open": {
        const fd = openFile(machine, process, this.fileNamed(operation.file, pos));
        if (fd < 0) this.note(pos, `${name}: open ${operation.file} failed (${errnoName(fd)})`);
        else entry.descriptors.set(operation.target, fd);
        return;
      }
      case "fread":
      case "pread": {
        const fd = this.descriptor(entry, operation.fd, pos);
        const offset = operation.op === "pread" ? operation.offset : null;
        const buffer = operation.buffer === null ? null : this.address(entry, operation.buffer);
        const result = readFile(machine, process, fd, offset, operation.size, buffer);
        this.syscall(pos, `${name}: ${operation.op}`, result);
        return;
      }
      case "fwrite": {
        const fd = this.descriptor(entry, operation.fd, pos);
        const buffer = operation.buffer === null ? null : this.address(entry, operation.buffer);
        const result = writeFile(machine, process, fd, operation.size, buffer);
        this.syscall(pos, `${name}: fwrite`, result);
        return;
      }
      case "fsync":
        this.syscall(
          pos,
          `${name}: fsync`,
          syncFile(machine, process, this.descriptor(entry, operation.fd, pos)),
        );
        return;
      case "close": {
        const fd = this.descriptor(entry, operation.fd, pos);
        this.syscall(pos, `${name}: close`, closeFile(process, fd));
        entry.descriptors.delete(operation.fd);
        return;
      }
      case "oom_score_adj":
        process.oomScoreAdj = operation.value;
        return;
    }
  }

  /** The declared file `name`; an undeclared one is an input error. */
  private fileNamed(name: string, pos: Position): string {
    if (this.sim.files.has(name)) return name;
    const known = [...this.sim.files.keys()];
    const hint = known.length > 0 ? `; declared files: ${known.join(", ")}` : "";
    return this.fail(
      pos,
      `no file named "${name}": declare it with "file ${name} size=SIZE"${hint}`,
    );
  }

  private fileMapping(name: string | null, offset: number, pos: Position): FileMapping | null {
    if (name === null) return null;
    const file = this.sim.files.get(this.fileNamed(name, pos));
    return file === undefined ? null : { file, offset };
  }

  private descriptor(entry: ProcessEntry, name: string, pos: Position): number {
    const fd = entry.descriptors.get(name);
    if (fd !== undefined) return fd;
    const known = [...entry.descriptors.keys()];
    const hint = known.length > 0 ? `; open files: ${known.join(", ")}` : "";
    return this.fail(pos, `"${name}" is not an open file of process ${entry.process.name}${hint}`);
  }

  /** One store per 64-byte cache line, in address order (what an optimised memset does). */
  private memset(process: Process, start: number, size: number): void {
    const end = start + size;
    let cursor = start;
    while (cursor < end && process.alive) {
      const lineEnd = Math.floor(cursor / CACHE_LINE) * CACHE_LINE + CACHE_LINE;
      const chunk = Math.min(end, lineEnd) - cursor;
      this.sim.access(process, cursor, chunk, ACCESS_WRITE);
      cursor += chunk;
    }
  }

  /** One one-byte access in each page the range overlaps. */
  private touch(process: Process, start: number, size: number, kind: number): void {
    const end = start + size;
    let cursor = start;
    while (cursor < end && process.alive) {
      this.sim.access(process, cursor, 1, kind);
      cursor = Math.floor(cursor / PAGE_SIZE) * PAGE_SIZE + PAGE_SIZE;
    }
  }

  private fork(parent: ProcessEntry, target: string, pos: Position): void {
    if (this.processes.has(target)) this.fail(pos, `a process named "${target}" already exists`);
    const child = this.sim.fork(parent.process);
    if (child === null) {
      this.note(pos, `fork failed (ENOMEM)`);
      return;
    }
    // The child inherits its parent's names (they hold the same addresses) and descriptors.
    this.processes.set(target, {
      process: child,
      names: new Map(parent.names),
      descriptors: new Map(parent.descriptors),
    });
  }

  private address(entry: ProcessEntry, expression: AddressExpr): number {
    if (expression.kind === "absolute") return expression.value;
    return this.binding(entry, expression).address + expression.offset;
  }

  private binding(
    entry: ProcessEntry,
    expression: Extract<AddressExpr, { kind: "name" }>,
  ): Binding {
    const binding = entry.names.get(expression.name);
    if (binding === undefined) {
      const known = [...entry.names.keys()];
      const hint = known.length > 0 ? `; known names: ${known.join(", ")}` : "";
      return this.fail(
        expression.pos,
        `"${expression.name}" is not a name of process ${entry.process.name}${hint}`,
      );
    }
    return binding;
  }

  private boundSize(entry: ProcessEntry, expression: AddressExpr): number {
    if (expression.kind === "absolute") {
      return this.fail(expression.pos, "munmap of an address needs a size");
    }
    return this.binding(entry, expression).size;
  }

  private syscall(pos: Position, what: string, result: number): void {
    if (result < 0) this.note(pos, `${what} failed (${errnoName(result)})`);
  }

  private note(pos: Position, text: string): void {
    this.output.push({ kind: "note", line: pos.line, text });
  }

  private recordSignal(name: string, process: Process, pos: Position): void {
    const signal = process.signal;
    if (signal === null) return;
    const event: SignalEvent = {
      line: pos.line,
      process: name,
      pid: process.pid,
      signal: signal.signal,
      code: signal.code,
      addr: `0x${signal.address.toString(16)}`,
    };
    this.signals.push(event);
    this.output.push({ kind: "signal", signal: event });
  }

  // ---- reports, expects, views -------------------------------------------------------------

  private snapshot(label: string, line: number): Report {
    const processes = [...this.processes].map(([name, entry]) => [name, entry.process] as const);
    return snapshotReport(this.sim, processes, label, line);
  }

  private report(label: string, pos: Position): void {
    const report = this.snapshot(label, pos.line);
    this.reports.push(report);
    this.output.push({ kind: "report", report });
  }

  private expect(statement: Extract<Statement, { kind: "expect" }>): void {
    const { counter, compare, value, since } = statement;
    const now = this.counterValue(
      this.snapshot("", statement.pos.line),
      counter.scope,
      counter.counter,
      counter.pos,
    );
    let actual = now;
    if (since !== null) {
      const earlier = findLast(this.reports, (report) => report.label === since);
      if (earlier === undefined) this.fail(statement.pos, `no report "${since}" before this line`);
      actual = now - this.counterValue(earlier, counter.scope, counter.counter, counter.pos);
    }
    const sinceText = since === null ? "" : ` since "${since}"`;
    const result: ExpectResult = {
      line: statement.pos.line,
      text: `${counter.scope}.${counter.counter} ${compare} ${value}${sinceText}`,
      ok: holds(actual, compare, value),
      actual,
      expected: value,
    };
    this.expects.push(result);
    this.output.push({ kind: "expect", expect: result });
  }

  private counterValue(report: Report, scope: string, counter: string, pos: Position): number {
    let values: Record<string, number> | undefined;
    if (scope === "vmstat") values = report.vmstat;
    else if (scope === "tlb") values = report.tlb;
    else if (scope === "cache") values = report.caches;
    else {
      this.entry(scope, pos);
      // A process spawned after the report counts as all zeroes then.
      values = report.processes[scope] ?? zeroed(this.snapshot("", 0).processes[scope] ?? {});
    }
    const found = values[counter];
    if (found === undefined) {
      return this.fail(
        pos,
        `unknown counter "${counter}" of ${scope}; valid: ${Object.keys(values).join(", ")}`,
      );
    }
    return found;
  }

  private show(statement: Extract<Statement, { kind: "show" }>): void {
    const machine = this.sim;
    const { what, pos } = statement;
    let title: string = what;
    let text: string;
    if (what === "tlb") text = renderTlb(machine);
    else if (what === "caches") text = renderCaches(machine);
    else if (what === "lru") text = renderLru(machine);
    else if (what === "swaps") {
      text = renderSwaps(machine);
      title = "/proc/swaps";
    } else if (what === "buddyinfo") {
      text = renderBuddyinfo(machine);
      title = "/proc/buddyinfo";
    } else if (what === "vmstat") {
      text = renderVmstat(machine);
      title = "/proc/vmstat";
    } else if (what === "meminfo") {
      text = renderMeminfo(machine);
      title = "/proc/meminfo";
    } else {
      if (statement.process === null) this.fail(pos, `show ${what} needs a process name`);
      const entry = this.entry(statement.process, pos);
      const process = entry.process;
      if (what === "pagetable" || what === "pagemap" || what === "walk") {
        if (statement.address === null) this.fail(pos, `show ${what} needs an address`);
        const address = this.address(entry, statement.address);
        if (what === "walk") {
          text = renderWalkJourney(machine, process, address);
          title = `walk of ${statement.process} 0x${address.toString(16)} through the caches`;
        } else if (what === "pagetable") {
          text = renderWalk(machine, process, address);
          title = `page walk of ${statement.process} 0x${address.toString(16)}`;
        } else {
          text = renderPagemap(machine, process, address, statement.size ?? PAGE_SIZE);
          title = `/proc/${process.pid}/pagemap (${statement.process}) from 0x${address.toString(16)}`;
        }
      } else {
        const render = what === "maps" ? renderMaps : what === "smaps" ? renderSmaps : renderStatus;
        text = render(machine, process);
        title = `/proc/${process.pid}/${what} (${statement.process})`;
      }
    }
    this.output.push({ kind: "view", line: pos.line, title, text });
  }
}

function holds(actual: number, compare: CompareOp, expected: number): boolean {
  switch (compare) {
    case "==":
      return actual === expected;
    case "!=":
      return actual !== expected;
    case "<":
      return actual < expected;
    case "<=":
      return actual <= expected;
    case ">":
      return actual > expected;
    case ">=":
      return actual >= expected;
  }
}

function zeroed(values: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const key of Object.keys(values)) result[key] = 0;
  return result;
}

function findLast<T>(items: readonly T[], predicate: (item: T) => boolean): T | undefined {
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index] as T;
    if (predicate(item)) return item;
  }
  return undefined;
}

function errnoName(result: number): string {
  if (result === -12) return "ENOMEM";
  if (result === -22) return "EINVAL";
  if (result === -ENOENT) return "ENOENT";
  if (result === -EBADF) return "EBADF";
  return `errno ${-result}`;
}
