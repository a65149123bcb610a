/**
 * `vmscope run --events FILE`: every access's journey as one JSON object per line (JSON Lines),
 * written by a probe attached to the CPU.
 */

import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { ACCESS_KIND_NAMES, type AccessProbe, HOP_NAMES, OUTCOME_NAMES } from "@vmscope/engine";

interface Hop {
  hop: string;
  outcome: string;
  cycles: number;
}

/** Collects hops of the access in progress and writes the access when it ends. */
export class EventsProbe implements AccessProbe {
  private pid = 0;
  private address = 0;
  private size = 0;
  private kind = 0;
  private hops: Hop[] = [];
  private readonly out: WriteStream | NodeJS.WriteStream;

  constructor(target: string) {
    this.out = target === "-" ? process.stdout : createWriteStream(target);
  }

  accessStart(pid: number, address: number, size: number, kind: number): void {
    this.pid = pid;
    this.address = address;
    this.size = size;
    this.kind = kind;
    this.hops = [];
  }

  hop(hop: number, outcome: number, cycles: number): void {
    this.hops.push({
      hop: HOP_NAMES[hop] ?? String(hop),
      outcome: OUTCOME_NAMES[outcome] ?? String(outcome),
      cycles,
    });
  }

  accessEnd(physicalAddress: number, totalCycles: number): void {
    const event = {
      pid: this.pid,
      addr: `0x${this.address.toString(16)}`,
      size: this.size,
      kind: ACCESS_KIND_NAMES[this.kind] ?? String(this.kind),
      hops: this.hops,
      cycles: totalCycles,
      phys: physicalAddress < 0 ? null : `0x${physicalAddress.toString(16)}`,
    };
    this.out.write(`${JSON.stringify(event)}\n`);
  }

  /** Flush and close the file (stdout stays open). */
  async close(): Promise<void> {
    if (this.out === process.stdout) return;
    const file = this.out as WriteStream;
    file.end();
    await once(file, "finish");
  }
}
