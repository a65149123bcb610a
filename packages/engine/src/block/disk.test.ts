import { describe, expect, it } from "vitest";
import {
  BlockDevice,
  DEFAULT_DISK,
  DISK_PRESETS,
  type DiskModel,
  diskModelNamed,
  requestTimeNs,
} from "./disk.js";

const US = 1_000;
const MS = 1_000_000;

/** A disk with round numbers: 1000 ns per request, 4096 bytes per microsecond (one page per us). */
const ROUND: DiskModel = {
  name: "round",
  requestLatencyNs: 1_000,
  bytesPerSecond: 4_096_000_000,
  description: "test disk",
};

describe("disk presets", () => {
  it("defaults to nvme, with one 4 KiB read between 50 and 150 us", () => {
    expect(DEFAULT_DISK).toBe("nvme");
    const ns = requestTimeNs(diskModelNamed(DEFAULT_DISK), 1);
    // 80 us latency + 4096 B / 2.5 GB/s = 1638.4 ns of transfer.
    expect(ns).toBe(81_638);
    expect(ns).toBeGreaterThan(50 * US);
    expect(ns).toBeLessThan(150 * US);
  });

  it("puts a SATA SSD between NVMe and a hard disk", () => {
    const ns = requestTimeNs(diskModelNamed("sata-ssd"), 1);
    expect(ns).toBe(157_447);
    expect(ns).toBeGreaterThan(requestTimeNs(diskModelNamed("nvme"), 1));
  });

  it("gives a 7200 rpm hard disk several milliseconds per request", () => {
    const hdd = diskModelNamed("hdd");
    expect(requestTimeNs(hdd, 1)).toBe(8_027_307);
    expect(requestTimeNs(hdd, 1)).toBeGreaterThan(4 * MS);
    // A 128 KiB readahead window costs barely more than one page.
    expect(requestTimeNs(hdd, 32) / requestTimeNs(hdd, 1)).toBeLessThan(1.11);
  });

  it("names every preset by its key, and freezes them", () => {
    for (const [key, model] of Object.entries(DISK_PRESETS)) {
      expect(model.name).toBe(key);
      expect(Object.isFrozen(model)).toBe(true);
    }
    expect(Object.isFrozen(DISK_PRESETS)).toBe(true);
  });

  it("rejects an unknown name with a message listing the presets", () => {
    expect(() => diskModelNamed("floppy")).toThrow(
      'unknown disk "floppy": expected one of nvme, sata-ssd, hdd',
    );
    expect(() => diskModelNamed("toString")).toThrow(/unknown disk/);
  });
});

describe("requestTimeNs", () => {
  it("adds the transfer time of every page to one latency", () => {
    expect(requestTimeNs(ROUND, 1)).toBe(2_000);
    expect(requestTimeNs(ROUND, 32)).toBe(33_000);
  });

  it("rejects a request of no pages", () => {
    expect(() => requestTimeNs(ROUND, 0)).toThrow(RangeError);
    expect(() => requestTimeNs(ROUND, 1.5)).toThrow(RangeError);
  });
});

describe("BlockDevice", () => {
  it("counts reads and writes separately and sums busy time", () => {
    const disk = new BlockDevice(ROUND);
    expect(disk.read(4)).toBe(5_000);
    expect(disk.write(2)).toBe(3_000);
    expect(disk.read(1)).toBe(2_000);
    expect(disk).toMatchObject({
      readRequests: 2,
      writeRequests: 1,
      pagesRead: 5,
      pagesWritten: 2,
      busyNs: 10_000,
    });
  });

  it("issues one request per run of consecutive pages", () => {
    const disk = new BlockDevice(ROUND);
    // Runs [3, 4, 5], [9, 10], [20]: three requests of 3, 2 and 1 pages.
    expect(disk.readRuns([3, 4, 5, 9, 10, 20])).toBe(4_000 + 3_000 + 2_000);
    expect(disk).toMatchObject({ readRequests: 3, pagesRead: 6, busyNs: 9_000 });

    expect(disk.writeRuns([0, 1, 2, 3])).toBe(5_000);
    expect(disk).toMatchObject({ writeRequests: 1, pagesWritten: 4, busyNs: 14_000 });
  });

  it("does nothing for an empty set", () => {
    const disk = new BlockDevice(ROUND);
    expect(disk.readRuns([])).toBe(0);
    expect(disk.writeRuns([])).toBe(0);
    expect(disk).toMatchObject({ readRequests: 0, writeRequests: 0, busyNs: 0 });
  });

  it("rejects unsorted, repeated or negative indices without counting anything", () => {
    const disk = new BlockDevice(ROUND);
    expect(() => disk.readRuns([5, 4])).toThrow(RangeError);
    expect(() => disk.readRuns([1, 1])).toThrow(RangeError);
    expect(() => disk.writeRuns([-1, 0])).toThrow(RangeError);
    expect(disk).toMatchObject({ readRequests: 0, writeRequests: 0, busyNs: 0 });
  });

  it("makes readahead cheaper than page-at-a-time reads on every preset", () => {
    for (const model of Object.values(DISK_PRESETS)) {
      const window = new BlockDevice(model).readRuns(Array.from({ length: 32 }, (_, i) => i));
      const singles = new BlockDevice(model);
      for (let page = 0; page < 32; page++) singles.readRuns([page * 2]);
      expect(window).toBeLessThan(singles.busyNs / 4);
    }
  });
});
