import { describe, expect, test } from "vitest";
import { machineConfigFrom } from "../config.js";
import { openFile, readFile, writeFile } from "../fs/read_write.js";
import { Machine } from "../machine.js";
import { doMmap } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_WRITE } from "../probe.js";
import type { Process } from "../process.js";
import { processCounters, renderStatus } from "./status.js";

const RW = PROT_READ | PROT_WRITE;

describe("renderStatus", () => {
  test("a fresh process, with task_mem's tab and %8lu kB layout", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    expect(renderStatus(machine, app)).toBe(
      [
        "Name:\tapp",
        "Umask:\t0022",
        "State:\tR (running)",
        "Tgid:\t1000",
        "Ngid:\t0",
        "Pid:\t1000",
        "PPid:\t1",
        "TracerPid:\t0",
        "VmPeak:\t     152 kB",
        "VmSize:\t     152 kB",
        "VmLck:\t       0 kB",
        "VmPin:\t       0 kB",
        "VmHWM:\t       0 kB",
        "VmRSS:\t       0 kB",
        "RssAnon:\t       0 kB",
        "RssFile:\t       0 kB",
        "RssShmem:\t       0 kB",
        "VmData:\t       4 kB",
        "VmStk:\t     132 kB",
        "VmExe:\t       4 kB",
        "VmLib:\t       0 kB",
        "VmPTE:\t       0 kB",
        "VmSwap:\t       0 kB",
        "",
      ].join("\n"),
    );
  });

  test("VmRSS and RssAnon count the pages written; VmPTE the tables below the PGD", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 1024 * 1024, RW, false, false);
    for (let page = 0; page < 100; page++)
      machine.access(app, address + page * 4096, 8, ACCESS_WRITE);
    const text = renderStatus(machine, app);
    expect(text).toContain("VmSize:\t    1176 kB\n");
    expect(text).toContain("VmRSS:\t     400 kB\n");
    expect(text).toContain("RssAnon:\t     400 kB\n");
    expect(text).toContain("VmHWM:\t     400 kB\n");
    expect(text).toContain("VmData:\t    1028 kB\n");
    expect(text).toContain("VmPTE:\t      12 kB\n");
  });

  test("a process that exited is a zombie without Vm lines", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const child = machine.fork(app) as Process;
    machine.exit(child);
    expect(renderStatus(machine, child)).toBe(
      "Name:\tapp\nUmask:\t0022\nState:\tZ (zombie)\nTgid:\t1001\nNgid:\t0\nPid:\t1001\nPPid:\t1000\nTracerPid:\t0\n",
    );
  });

  test("VmSwap counts the swap entries in the page tables (MM_SWAPENTS)", () => {
    const machine = new Machine(
      machineConfigFrom([
        { key: "ram", value: "16M" },
        { key: "swap", value: "8M" },
      ]),
    );
    const app = machine.spawn("app");
    const size = 20 * 1024 * 1024;
    const address = doMmap(machine, app, size, RW, false, false);
    for (let page = 0; page < size / 4096; page++)
      machine.access(app, address + page * 4096, 8, ACCESS_WRITE);
    const swapped = app.mm.swapEntries;
    expect(swapped).toBeGreaterThan(0);
    const text = renderStatus(machine, app);
    expect(text).toContain(`VmSwap:\t${String(swapped * 4).padStart(8)} kB\n`);
    expect(text).toContain(`RssAnon:\t${String((5120 - swapped) * 4).padStart(8)} kB\n`);
    // Swapping the first page back in drops its swap entry.
    machine.access(app, address, 8, ACCESS_WRITE);
    expect(processCounters(app).swap_kb).toBe((swapped - 1) * 4);
    expect(processCounters(app).majflt).toBe(1);
  });

  test("the name is cut to 15 characters, like the kernel's comm", () => {
    const machine = new Machine();
    const app = machine.spawn("a-very-long-program-name");
    expect(renderStatus(machine, app).split("\n")[0]).toBe("Name:\ta-very-long-pro");
  });
});

describe("processCounters", () => {
  test("keys and values", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 64 * 1024, RW, false, false);
    for (let page = 0; page < 3; page++)
      machine.access(app, address + page * 4096, 8, ACCESS_WRITE);
    const counters = processCounters(app);
    expect(Object.keys(counters)).toEqual([
      "pid",
      "minflt",
      "majflt",
      "rss_kb",
      "rss_anon_kb",
      "rss_file_kb",
      "rss_shmem_kb",
      "hwm_kb",
      "vm_kb",
      "pte_kb",
      "cow_faults",
      "accesses",
      "cycles",
      "time_ns",
      "amat_cycles",
      "swap_kb",
      "rchar",
      "wchar",
      "read_bytes",
      "write_bytes",
      "oom_score_adj",
    ]);
    expect(counters).toMatchObject({
      pid: 1000,
      minflt: 3,
      majflt: 0,
      rss_kb: 12,
      rss_anon_kb: 12,
      rss_file_kb: 0,
      rss_shmem_kb: 0,
      hwm_kb: 12,
      vm_kb: 152 + 64,
      pte_kb: 12,
      cow_faults: 0,
      accesses: 3,
      swap_kb: 0,
      rchar: 0,
      wchar: 0,
      read_bytes: 0,
      write_bytes: 0,
      oom_score_adj: 0,
    });
    expect(counters.cycles).toBe(app.cycles);
  });

  test("the I/O counters of /proc/PID/io and oom_score_adj", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    machine.createFile("data", 64 * 1024, false);
    const fd = openFile(machine, app, "data");
    // 100 bytes asked for: the whole first readahead window comes from the disk.
    expect(readFile(machine, app, fd, null, 100, null)).toBe(100);
    expect(writeFile(machine, app, fd, 50, null)).toBe(50);
    app.oomScoreAdj = 500;
    const counters = processCounters(app);
    expect(counters).toMatchObject({ rchar: 100, wchar: 50, write_bytes: 0, oom_score_adj: 500 });
    expect(counters.read_bytes).toBe(machine.disk.pagesRead * 4096);
    expect(counters.read_bytes).toBeGreaterThan(0);
  });

  test("a dead process keeps its faults and peak; its sizes read 0", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 64 * 1024, RW, false, false);
    for (let page = 0; page < 3; page++)
      machine.access(app, address + page * 4096, 8, ACCESS_WRITE);
    machine.exit(app);
    expect(processCounters(app)).toMatchObject({
      minflt: 3,
      rss_kb: 0,
      hwm_kb: 12,
      vm_kb: 0,
      pte_kb: 0,
    });
  });
});
