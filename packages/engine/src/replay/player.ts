/**
 * The second pass of a replay (replay.ts): each trace record becomes accesses on the machine.
 */
import { PAGE_SIZE, TASK_SIZE } from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import type { Process } from "../process.js";
import type { TraceSink } from "../trace/core.js";
import {
  LACKEY_INSTRUCTION,
  LACKEY_LOAD,
  LACKEY_STORE,
  type LackeyAccessSink,
} from "../trace/lackey.js";
import { USER_PAGE_LIMIT } from "./touched_pages.js";

/** The kernel's background work (kswapd, the flusher) runs after every this many records. */
export const BACKGROUND_WORK_INTERVAL = 1024;

/**
 * The second pass: every record becomes accesses on the machine. Allocation-free: the address is
 * rebuilt from its halves as a number (exact below 2^53, and anything above is beyond user space).
 */
export class ReplayPlayer implements LackeyAccessSink, TraceSink {
  records = 0;
  beyondUserSpace = 0;
  afterDeath = 0;
  killedAtRecord = 0;
  private dead = false;
  /** Records left before the next round of background work. */
  private untilBackgroundWork = BACKGROUND_WORK_INTERVAL;

  constructor(
    private readonly machine: Machine,
    private readonly process: Process,
  ) {}

  access(kind: number, high: number, low: number, size: number): void {
    const record = ++this.records;
    if (this.dead) {
      this.afterDeath++;
      return;
    }
    const address = high * 4294967296 + low;
    if (address + (size > 0 ? size : 1) > TASK_SIZE) {
      this.beyondUserSpace++;
      return;
    }
    const cpu = this.machine.cpu;
    const process = this.process;
    let alive: boolean;
    if (kind === LACKEY_LOAD) alive = cpu.access(process, address, size, ACCESS_READ);
    else if (kind === LACKEY_STORE) alive = cpu.access(process, address, size, ACCESS_WRITE);
    else if (kind === LACKEY_INSTRUCTION) alive = cpu.access(process, address, size, ACCESS_EXEC);
    else {
      alive =
        cpu.access(process, address, size, ACCESS_READ) &&
        cpu.access(process, address, size, ACCESS_WRITE);
    }
    this.afterRecord(record, alive);
  }

  reference(keyHigh: number, keyLow: number, write: boolean): void {
    const record = ++this.records;
    if (this.dead) {
      this.afterDeath++;
      return;
    }
    const page = keyHigh * 4294967296 + keyLow;
    if (page >= USER_PAGE_LIMIT) {
      this.beyondUserSpace++;
      return;
    }
    const kind = write ? ACCESS_WRITE : ACCESS_READ;
    this.afterRecord(record, this.machine.cpu.access(this.process, page * PAGE_SIZE, 1, kind));
  }

  private afterRecord(record: number, alive: boolean): void {
    if (--this.untilBackgroundWork === 0) {
      this.untilBackgroundWork = BACKGROUND_WORK_INTERVAL;
      this.machine.runBackgroundWork();
    }
    if (alive && this.process.alive) return;
    this.dead = true;
    this.killedAtRecord = record;
  }
}
