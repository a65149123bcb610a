import { describe, expect, it } from "vitest";
import { Machine } from "../machine.js";
import { doMmap, doMprotect } from "../mm/mmap.js";
import { PROT_NONE, PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import { pagemapEntries, pagemapValue, renderPagemap } from "./pagemap.js";

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
});
