import { describe, expect, it } from "vitest";
import { entryPfn, isSwapEntry } from "../arch/x86/pgtable.js";
import { machineConfigFrom } from "../config.js";
import { Machine } from "../machine.js";
import { doMmap, doMprotect } from "../mm/mmap.js";
import { PROT_NONE, PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import { type PagemapEntry, pagemapEntries, pagemapValue, renderPagemap } from "./pagemap.js";
import { walkLevels } from "./pagetable.js";

const RW = PROT_READ | PROT_WRITE;

describe("/proc/PID/pagemap", () => {
  it("decodes present, zero-page, shared and missing pages", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const region = doMmap(machine, app, 4 * 4096, RW, false, false);
    machine.access(app, region, 8, ACCESS_WRITE);
    machine.access(app, region + 4096, 8, ACCESS_READ);
    const child = machine.fork(app);
    if (child === null) throw new Error("fork failed");
    const [written, zero, missing] = pagemapEntries(machine, app, region, 3 * 4096);
    expect(written).toMatchObject({
      present: true,
      exclusive: false,
      fileOrShared: false,
      softDirty: true,
    });
    expect(zero).toMatchObject({ present: true, pfn: machine.phys.zeroPfn, exclusive: false });
    expect(missing).toMatchObject({ present: false, pfn: 0, softDirty: true });
    machine.exit(child);
    const [alone] = pagemapEntries(machine, app, region, 1);
    expect(alone?.exclusive).toBe(true);
    // present (63), exclusive (56), soft-dirty (55), then the PFN.
    const pfn = (alone?.pfn ?? 0).toString(16).padStart(8, "0");
    expect(pagemapValue(alone ?? ({} as never))).toBe(`81800000${pfn}`);
  });

  it("reports nothing outside VMAs, and a resident PROT_NONE page as present", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    expect(pagemapEntries(machine, app, 0x1000, 1)[0]).toMatchObject({
      present: false,
      softDirty: false,
    });
    const region = doMmap(machine, app, 4096, RW, false, false);
    machine.access(app, region, 8, ACCESS_WRITE);
    doMprotect(machine, app, region, 4096, PROT_NONE);
    expect(pagemapEntries(machine, app, region, 1)[0]?.present).toBe(true);
    expect(renderPagemap(machine, app, region, 4096)).toMatch(
      /present pfn=0x[0-9a-f]+, exclusive, soft-dirty\n$/,
    );
  });

  it("encodes a swapped page as type 0 in bits 0-4 and its slot in bits 5-54, with bit 62", () => {
    const machine = new Machine(
      machineConfigFrom([
        { key: "ram", value: "16M" },
        { key: "swap", value: "8M" },
      ]),
    );
    const app = machine.spawn("app");
    const size = 20 * 1024 * 1024;
    const region = doMmap(machine, app, size, RW, false, false);
    for (let page = 0; page < size / 4096; page++)
      machine.access(app, region + page * 4096, 8, ACCESS_WRITE);
    // The first pages written were the first reclaimed; the last are resident.
    const [first, second] = pagemapEntries(machine, app, region, 2 * 4096);
    const pte = walkLevels(machine, app, region)[3];
    expect(isSwapEntry(pte?.low ?? 0)).toBe(true);
    const slot = entryPfn(pte?.low ?? 0, pte?.high ?? 0);
    expect(slot).toBeGreaterThan(0); // slot 0 is the swap header
    expect(first).toMatchObject({
      present: false,
      swapped: true,
      swapType: 0,
      swapOffset: slot,
      pfn: 0,
      exclusive: false,
      fileOrShared: false,
      softDirty: true,
    });
    expect(second?.swapped).toBe(true);
    // Bit 62 swapped, bit 55 soft-dirty, then offset << 5 (MAX_SWAPFILES_SHIFT) | type 0.
    expect(pagemapValue(first as PagemapEntry)).toBe(
      `40800000${(slot * 32).toString(16).padStart(8, "0")}`,
    );
    expect(renderPagemap(machine, app, region, 4096)).toContain(
      `not present, swapped type=0 offset=0x${slot.toString(16)}, soft-dirty\n`,
    );
    const last = pagemapEntries(machine, app, region + size - 4096, 1)[0];
    expect(last).toMatchObject({ present: true, swapped: false, exclusive: true });
    // A large offset keeps its high bits: slot 2^28 sits at bit 33.
    expect(pagemapValue({ ...(first as PagemapEntry), swapOffset: 2 ** 28 })).toBe(
      "4080000200000000",
    );
  });
});
