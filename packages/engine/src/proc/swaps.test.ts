import { describe, expect, test } from "vitest";
import { machineConfigFrom } from "../config.js";
import { Machine } from "../machine.js";
import { doMmap } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_WRITE } from "../probe.js";
import { renderSwaps } from "./swaps.js";

const HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

describe("renderSwaps", () => {
  test("only the header when there is no swap", () => {
    expect(renderSwaps(new Machine())).toBe(HEADER);
  });

  test("a 512 MiB swap file, as swap_show prints it", () => {
    const machine = new Machine(machineConfigFrom([{ key: "swap", value: "512M" }]));
    // 131072 pages less the header page; the path padded to 40 columns; priority -2.
    expect(renderSwaps(machine)).toBe(
      `${HEADER}/swapfile                               file\t\t524284\t\t0\t\t-2\n`,
    );
  });

  test("Used follows the slots in use", () => {
    const machine = new Machine(
      machineConfigFrom([
        { key: "ram", value: "16M" },
        { key: "swap", value: "8M" },
      ]),
    );
    const app = machine.spawn("app");
    const size = 20 * 1024 * 1024;
    const address = doMmap(machine, app, size, PROT_READ | PROT_WRITE, false, false);
    for (let page = 0; page < size / 4096; page++)
      machine.access(app, address + page * 4096, 8, ACCESS_WRITE);
    const used = app.mm.swapEntries * 4;
    expect(used).toBeGreaterThan(0);
    expect(renderSwaps(machine)).toBe(
      `${HEADER}/swapfile                               file\t\t8188\t\t${used}\t\t-2\n`,
    );
    machine.exit(app);
    expect(renderSwaps(machine)).toBe(
      `${HEADER}/swapfile                               file\t\t8188\t\t0\t\t-2\n`,
    );
  });

  test("sizes of 10000000 KiB and more lose their second tab", () => {
    const machine = new Machine();
    // A stand-in device: a real 10 GB swap file would allocate its slot arrays for nothing.
    machine.memory.swap = {
      name: "/swapfile",
      capacity: 2_500_000,
      used: 2_500_000,
    } as unknown as typeof machine.memory.swap;
    expect(renderSwaps(machine)).toBe(
      `${HEADER}/swapfile                               file\t\t10000000\t10000000\t-2\n`,
    );
  });
});
