import { describe, expect, test } from "vitest";
import { DEFAULT_MACHINE_CONFIG } from "../config.js";
import { Machine } from "../machine.js";
import { doMmap } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_WRITE } from "../probe.js";
import { renderMeminfo } from "./meminfo.js";

describe("renderMeminfo", () => {
  test("a fresh 16 MiB machine, in show_val_kb's %-16s%8lu kB layout", () => {
    const machine = new Machine({ ...DEFAULT_MACHINE_CONFIG, ramBytes: 16 * 1024 * 1024 });
    // 4096 frames, 256 reserved, one zero page.
    expect(renderMeminfo(machine)).toBe(
      [
        "MemTotal:          15360 kB",
        "MemFree:           15356 kB",
        "MemAvailable:      15356 kB",
        "Buffers:               0 kB",
        "Cached:                0 kB",
        "SwapCached:            0 kB",
        "SwapTotal:             0 kB",
        "SwapFree:              0 kB",
        "AnonPages:             0 kB",
        "Mapped:                0 kB",
        "Shmem:                 0 kB",
        "PageTables:            0 kB",
        "",
      ].join("\n"),
    );
  });

  test("anonymous, cached, shared and page-table memory", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const anon = doMmap(machine, app, 8 * 4096, PROT_READ | PROT_WRITE, false, false);
    for (let page = 0; page < 8; page++) machine.access(app, anon + page * 4096, 8, ACCESS_WRITE);
    const shared = doMmap(machine, app, 4096, PROT_READ | PROT_WRITE, true, false);
    machine.access(app, shared, 8, ACCESS_WRITE);
    const text = renderMeminfo(machine);
    expect(text).toContain("MemTotal:         261120 kB\n");
    expect(text).toContain("AnonPages:            32 kB\n");
    // Four executable pages and one shmem page; only the file pages count as available.
    expect(text).toContain("Cached:               20 kB\n");
    expect(text).toContain("Shmem:                 4 kB\n");
    expect(text).toContain("Mapped:                4 kB\n");
    expect(text).toContain("PageTables:           16 kB\n");
    const free = machine.phys.freeFrames * 4;
    expect(text).toContain(`MemAvailable:   ${String(free + 16).padStart(8)} kB\n`);
  });
});
