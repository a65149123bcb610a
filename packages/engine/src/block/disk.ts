/**
 * A block device latency model: how long the simulated disk takes to serve page reads and writes.
 *
 * One request costs a fixed latency before data moves (command overhead, plus seek and rotation
 * on a spinning disk) and then its bytes at the sustained transfer rate. That is the shape that
 * makes readahead pay off: a 32-page window costs barely more than one page on an SSD, and the
 * same as one page to within a few percent on a hard disk.
 *
 * Simplifications, chosen because the simulator's reads are small and its timings are for
 * comparing policies rather than for predicting a particular drive:
 * - No queueing: requests are served one after another, and busyNs is the sum of their times.
 * - No positions: every request pays the full latency, even one that continues where the last one
 *   ended. A real hard disk skips the seek for such a request, so long sequential runs on "hdd"
 *   come out slower than on the real thing.
 * - No splitting: the block layer would cut a request bigger than the queue's max_sectors_kb into
 *   several; readahead windows (128 KiB by default) are well below that limit.
 */

import { PAGE_SIZE } from "../arch/x86/pgtable.js";

export interface DiskModel {
  name: string;
  /** latency of one request before data moves, ns */
  requestLatencyNs: number;
  /** sustained transfer rate, bytes per second */
  bytesPerSecond: number;
  description: string;
}

const NS_PER_SECOND = 1e9;

function preset(model: DiskModel): Readonly<DiskModel> {
  return Object.freeze(model);
}

/**
 * Round figures of the order published for each class of drive at queue depth 1. A 4 KiB read
 * takes about 82 us on "nvme", 157 us on "sata-ssd" and 8.0 ms on "hdd".
 */
export const DISK_PRESETS: Readonly<Record<string, DiskModel>> = Object.freeze({
  nvme: preset({
    name: "nvme",
    requestLatencyNs: 80_000,
    bytesPerSecond: 2_500_000_000,
    description:
      "PCIe NVMe SSD: about 80 us per random 4 KiB read at queue depth 1, 2.5 GB/s sequential",
  }),
  "sata-ssd": preset({
    name: "sata-ssd",
    requestLatencyNs: 150_000,
    bytesPerSecond: 550_000_000,
    description: "SATA SSD: about 150 us per random read, 550 MB/s (the 6 Gb/s link's ceiling)",
  }),
  hdd: preset({
    name: "hdd",
    requestLatencyNs: 8_000_000,
    bytesPerSecond: 150_000_000,
    description:
      "7200 rpm hard disk: about 8 ms per random request (4.2 ms average rotation, half a turn, " +
      "plus about 4 ms average seek), 150 MB/s sustained",
  }),
});

export const DEFAULT_DISK = "nvme";

function requirePageCount(pages: number): void {
  if (!Number.isSafeInteger(pages) || pages < 1) {
    throw new RangeError(`a request moves an integer number of pages >= 1, got ${pages}`);
  }
}

/** Time in ns for one request moving `pages` contiguous 4 KiB pages. */
export function requestTimeNs(model: DiskModel, pages: number): number {
  requirePageCount(pages);
  const transferNs = (pages * PAGE_SIZE * NS_PER_SECOND) / model.bytesPerSecond;
  return Math.round(model.requestLatencyNs + transferNs);
}

/**
 * Lengths of the runs of consecutive indices in a strictly increasing list: [3, 4, 5, 9, 10]
 * gives [3, 2]. Anything unsorted or repeated is a caller bug, so it throws.
 */
function runLengths(sortedIndices: readonly number[]): number[] {
  const runs: number[] = [];
  let previous = Number.NaN;
  for (const index of sortedIndices) {
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new RangeError(`page indices must be integers >= 0, got ${index}`);
    }
    if (index <= previous) {
      throw new RangeError(
        `page indices must be strictly increasing, got ${index} after ${previous}`,
      );
    }
    if (index === previous + 1) runs[runs.length - 1] = (runs.at(-1) ?? 0) + 1;
    else runs.push(1);
    previous = index;
  }
  return runs;
}

/** A simulated block device: counts requests, pages and busy time. */
export class BlockDevice {
  readRequests = 0;
  writeRequests = 0;
  pagesRead = 0;
  pagesWritten = 0;
  busyNs = 0;

  constructor(readonly model: DiskModel) {}

  /** Read `pages` contiguous pages in one request; returns its time in ns. */
  read(pages: number): number {
    const ns = requestTimeNs(this.model, pages);
    this.readRequests++;
    this.pagesRead += pages;
    this.busyNs += ns;
    return ns;
  }

  /** Write `pages` contiguous pages in one request; returns its time in ns. */
  write(pages: number): number {
    const ns = requestTimeNs(this.model, pages);
    this.writeRequests++;
    this.pagesWritten += pages;
    this.busyNs += ns;
    return ns;
  }

  /** Time to read a set of page indices: one request per run of consecutive indices (sorted input). Returns total ns. */
  readRuns(sortedIndices: readonly number[]): number {
    let totalNs = 0;
    for (const pages of runLengths(sortedIndices)) totalNs += this.read(pages);
    return totalNs;
  }

  /** Time to write a set of page indices: one request per run of consecutive indices (sorted input). Returns total ns. */
  writeRuns(sortedIndices: readonly number[]): number {
    let totalNs = 0;
    for (const pages of runLengths(sortedIndices)) totalNs += this.write(pages);
    return totalNs;
  }
}

/** Parse a disk option value: a preset name; throws Error with a message listing presets otherwise. */
export function diskModelNamed(name: string): DiskModel {
  const model = Object.hasOwn(DISK_PRESETS, name) ? DISK_PRESETS[name] : undefined;
  if (model === undefined) {
    const known = Object.keys(DISK_PRESETS).join(", ");
    throw new Error(`unknown disk "${name}": expected one of ${known}`);
  }
  return model;
}
