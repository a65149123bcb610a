/**
 * The machine-state panels in a real browser (Debian's Chromium via playwright-core, against the
 * page `vmscope serve` serves): at a fault the page table shows the walked path, after the access
 * the TLBs show the entry it filled, and the frame map's counts are the engine's own.
 */
import {
  type AccessProbe,
  hugeTlbKey,
  type Machine,
  parseScenario,
  runScenario,
  type WalkLevel,
  walkLevels,
} from "@vmscope/engine";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { accessIndex, builtinSource, harnessForSuite, RESULTS, text } from "./browser_harness.js";

/** What the engine's machine holds just before and just after each access. */
interface EngineAccess {
  pid: number;
  address: number;
  kind: number;
  walkBefore: WalkLevel[];
  framesBefore: number[];
  framesAfter: number[];
  /** The vpn (hex) of the dTLB/iTLB and STLB entries for the page after the access, or null. */
  l1After: string | null;
  stlbAfter: string | null;
  /** The 2 MiB page number (hex) of the L1 2 MiB array's and the STLB's 2 MiB entries, or null. */
  l1HugeAfter: string | null;
  stlbHugeAfter: string | null;
}

/** One uninterrupted engine run of a built-in, watched at every access. */
function engineAccesses(name: string): EngineAccess[] {
  let machine: Machine | null = null;
  const accesses: EngineAccess[] = [];
  const processOf = (pid: number) => {
    const found = (machine as Machine).processes.find((process) => process.pid === pid);
    if (found === undefined) throw new Error(`no pid ${pid}`);
    return found;
  };
  const probe: AccessProbe = {
    accessStart(pid, address, _size, kind) {
      const m = machine as Machine;
      accesses.push({
        pid,
        address,
        kind,
        walkBefore: walkLevels(m, processOf(pid), address),
        framesBefore: Array.from(m.phys.framesOfKind),
        framesAfter: [],
        l1After: null,
        stlbAfter: null,
        l1HugeAfter: null,
        stlbHugeAfter: null,
      });
    },
    hop() {},
    accessEnd() {
      const m = machine as Machine;
      const access = accesses[accesses.length - 1] as EngineAccess;
      access.framesAfter = Array.from(m.phys.framesOfKind);
      const asid = m.cpu.asidOf(processOf(access.pid).mm);
      const vpn = Math.floor(access.address / 4096);
      const l1 = access.kind === 2 ? m.cpu.itlb : m.cpu.dtlb;
      const l1Slot = asid < 0 ? -1 : l1.peek(vpn, asid);
      const stlbSlot = asid < 0 ? -1 : m.cpu.stlb.peek(vpn, asid);
      access.l1After = l1Slot < 0 ? null : (l1.vpn[l1Slot] as number).toString(16);
      access.stlbAfter = stlbSlot < 0 ? null : (m.cpu.stlb.vpn[stlbSlot] as number).toString(16);
      const key = hugeTlbKey(vpn);
      const hugePage = (-2 - key).toString(16);
      const l1Huge = access.kind === 2 ? m.cpu.itlb2m : m.cpu.dtlb2m;
      access.l1HugeAfter = asid >= 0 && l1Huge.peek(key, asid) >= 0 ? hugePage : null;
      access.stlbHugeAfter = asid >= 0 && m.cpu.stlb.peek(key, asid) >= 0 ? hugePage : null;
    },
  };
  runScenario(parseScenario(builtinSource(name), `${name}.vms`), {
    probe,
    onMachine: (built) => {
      machine = built;
    },
  });
  return accesses;
}

/** The frame map legend's counts, in FRAME_KIND_NAMES order. */
async function legendCounts(page: Page): Promise<number[]> {
  await page.getByRole("tab", { name: "Physical frames" }).click();
  return page
    .locator("[data-frame-kind]")
    .evaluateAll((cells) => cells.map((cell) => Number(cell.textContent)));
}

describe("machine-state panels", () => {
  const harness = harnessForSuite();

  it("shows the walk at a fault, the filled TLB entry after it, and the engine's frame counts", async () => {
    const engine = engineAccesses("heap-write");
    const context = await harness().browser.newContext({
      viewport: { width: 1366, height: 768 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${harness().baseUrl}?scenario=heap-write`);
    // The page records the scenario in a worker: the first frame comes when it is done.
    await expect
      .poll(() => text(page, '[data-testid="position"]'), { timeout: 30_000 })
      .toBe(`access 1 of ${engine.length}`);

    // The first page fault: the machine is as it was before this access.
    await page.keyboard.press("f");
    expect(await text(page, '[data-testid="chain"] [aria-current="step"]')).toContain("page fault");
    const index = await accessIndex(page);
    const access = engine[index] as EngineAccess;
    expect(await text(page, '[data-testid="machine-when"]')).toBe(
      `before access ${index + 1} (its hops are playing)`,
    );

    // Page table: the walked entries, level by level, lit; the last one is the missing entry.
    await page.getByRole("tab", { name: "Page table" }).click();
    const walked = await page
      .locator('[data-testid="pagetable"] [data-walked="true"]')
      .evaluateAll((rows) =>
        rows.map((row) => `${row.getAttribute("data-level")}[${row.getAttribute("data-index")}]`),
      );
    expect(walked).toEqual(access.walkBefore.map((step) => `${step.level}[${step.index}]`));
    const last = access.walkBefore[access.walkBefore.length - 1] as WalkLevel;
    expect(last.present).toBe(false);
    expect(await text(page, '[data-testid="pt-walk"]')).toContain(
      `${last.level}[${last.index}] not present: page fault`,
    );
    const missingRow = page.locator('[data-walked="true"].missing');
    expect(await missingRow.count()).toBe(1);
    await page.screenshot({ path: `${RESULTS}/panels-heap-write-pagetable.png`, fullPage: true });

    // Frame map: a canvas, and the legend counts the engine's frames before the access.
    expect(await legendCounts(page)).toEqual(access.framesBefore);
    const canvas = page.locator('[data-testid="frame-canvas"]');
    expect(await canvas.count()).toBe(1);
    expect(await canvas.evaluate((element) => (element as HTMLCanvasElement).width)).toBe(512);

    // Step to the access's last hop: the machine is the one right after it.
    for (let steps = 0; steps < 40; steps++) {
      if ((await text(page, '[data-testid="machine-when"]')) === `right after access ${index + 1}`)
        break;
      await page.keyboard.press("ArrowRight");
    }
    expect(await text(page, '[data-testid="machine-when"]')).toBe(
      `right after access ${index + 1}`,
    );
    expect(await legendCounts(page)).toEqual(access.framesAfter);
    await page.screenshot({ path: `${RESULTS}/panels-heap-write-frames.png`, fullPage: true });

    // TLBs: the entry the walk filled, in the L1 data TLB and the STLB, is the one outlined.
    await page.getByRole("tab", { name: "TLBs" }).click();
    expect(access.l1After).not.toBeNull();
    const l1 = page.locator('[data-testid="tlb-current-dTLB"]');
    expect(await l1.count()).toBe(1);
    expect(await l1.getAttribute("data-vpn")).toBe(access.l1After);
    expect(await page.locator('[data-testid="tlb-current-STLB"]').getAttribute("data-vpn")).toBe(
      access.stlbAfter,
    );
    expect(await text(page, '[data-testid="tlb-state-dTLB"]')).toContain("filled by this access");
    await page.screenshot({ path: `${RESULTS}/panels-heap-write-tlb.png`, fullPage: true });

    // Back to the fault: the entry is gone again (the machine is the one before the access).
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("ArrowLeft");
    expect(await page.locator('[data-testid="tlb-current-dTLB"]').count()).toBe(0);

    expect(errors).toEqual([]);
    await context.close();
  });

  it("lights a walk that reaches the PTE table at a later fault", async () => {
    const engine = engineAccesses("lazy-alloc");
    const page = await harness().browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${harness().baseUrl}?scenario=lazy-alloc`);
    await expect
      .poll(() => text(page, '[data-testid="position"]'), { timeout: 30_000 })
      .toContain("access 1 of");
    for (let fault = 0; fault < 3; fault++) await page.keyboard.press("f");
    const access = engine[await accessIndex(page)] as EngineAccess;
    const walked = await page
      .locator('[data-testid="pagetable"] [data-walked="true"]')
      .evaluateAll((rows) =>
        rows.map((row) => `${row.getAttribute("data-level")}[${row.getAttribute("data-index")}]`),
      );
    expect(walked).toEqual(access.walkBefore.map((step) => `${step.level}[${step.index}]`));
    expect(walked.length).toBe(4);
    expect(await legendCounts(page)).toEqual(access.framesBefore);
    await page.getByRole("tab", { name: "Page table" }).click();
    await page.screenshot({ path: `${RESULTS}/panels-lazy-alloc-pagetable.png`, fullPage: true });
    await page.close();
  });

  it("shows a 2 MiB page's entries by its 2 MiB page number, marked 2M (huge-pages)", async () => {
    const engine = engineAccesses("huge-pages");
    const page = await harness().browser.newPage({ viewport: { width: 1366, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${harness().baseUrl}?scenario=huge-pages`);
    await expect
      .poll(() => text(page, '[data-testid="position"]'), { timeout: 60_000 })
      .toBe(`access 1 of ${engine.length}`);
    // The first fault maps 2 MiB with one PMD; step to right after it.
    await page.keyboard.press("f");
    const index = await accessIndex(page);
    const access = engine[index] as EngineAccess;
    for (let steps = 0; steps < 40; steps++) {
      if ((await text(page, '[data-testid="machine-when"]')) === `right after access ${index + 1}`)
        break;
      await page.keyboard.press("ArrowRight");
    }
    expect(await text(page, '[data-testid="machine-when"]')).toBe(
      `right after access ${index + 1}`,
    );
    await page.getByRole("tab", { name: "TLBs" }).click();
    expect(access.l1After).toBeNull();
    expect(access.l1HugeAfter).not.toBeNull();
    expect(await page.locator('[data-testid="tlb-current-dTLB"]').count()).toBe(0);
    const l1 = page.locator('[data-testid="tlb-current-dTLB 2M"]');
    expect(await l1.getAttribute("data-vpn")).toBe(access.l1HugeAfter);
    expect(await l1.getAttribute("data-size")).toBe("2M");
    expect(await l1.textContent()).toContain(`${access.l1HugeAfter} 2M`);
    expect(await l1.textContent()).toContain(
      `at 0x${(Number.parseInt(access.l1HugeAfter as string, 16) * 2 * 1024 * 1024).toString(16)}`,
    );
    const stlb = page.locator('[data-testid="tlb-current-STLB"]');
    expect(await stlb.getAttribute("data-vpn")).toBe(access.stlbHugeAfter);
    expect(await stlb.getAttribute("data-size")).toBe("2M");
    expect(await text(page, '[data-testid="tlb-state-dTLB 2M"]')).toContain(
      "filled by this access",
    );
    // No entry anywhere shows the raw negative key.
    const shown = await page
      .locator("[data-tlb] td[data-vpn]")
      .evaluateAll((cells) => cells.map((cell) => cell.getAttribute("data-vpn") ?? ""));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.filter((vpn) => vpn.startsWith("-"))).toEqual([]);
    await page.screenshot({ path: `${RESULTS}/panels-huge-pages-tlb.png`, fullPage: true });
    // The next access, 4 KiB further into the same 2 MiB page, hits that entry.
    const next = engine[index + 1] as EngineAccess;
    expect(next.l1HugeAfter).toBe(access.l1HugeAfter);
    for (let steps = 0; steps < 40; steps++) {
      if ((await text(page, '[data-testid="machine-when"]')) === `right after access ${index + 2}`)
        break;
      await page.keyboard.press("ArrowRight");
    }
    expect(await text(page, '[data-testid="tlb-state-dTLB 2M"]')).toContain("hit");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("animates nothing under prefers-reduced-motion", async () => {
    const context = await harness().browser.newContext({ reducedMotion: "reduce" });
    const page = await context.newPage();
    await page.goto(`${harness().baseUrl}?scenario=heap-write`);
    await page.keyboard.press("e");
    await page.screenshot({
      path: `${RESULTS}/panels-heap-write-pagetable-end.png`,
      fullPage: true,
    });
    const duration = await page
      .locator('[data-testid="pagetable"] .pt-entry')
      .first()
      .evaluate((element) => getComputedStyle(element).transitionDuration);
    expect(duration.split(",").every((part) => Number.parseFloat(part) === 0)).toBe(true);
    await context.close();
  });
});
