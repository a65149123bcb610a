/**
 * The faults chart, the frame map coloured by owner and the projector mode, in a real browser
 * (Debian's Chromium via playwright-core, against the page `vmscope serve` serves). The numbers
 * the page draws are checked against a separate engine run.
 */
import {
  type AccessProbe,
  type Machine,
  parseScenario,
  processCounters,
  runScenario,
} from "@vmscope/engine";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { accessIndex, builtinSource, harnessForSuite, RESULTS, text } from "./browser_harness.js";

/** Frames per owner pid (0 for none) in a machine, as the engine's phys.ownerPid says. */
function ownerCounts(machine: Machine): Record<string, number> {
  const counts: Record<string, number> = {};
  const phys = machine.phys;
  for (let pfn = 0; pfn < phys.totalFrames; pfn++) {
    const pid = phys.ownerPid[pfn] as number;
    if (pid !== 0) counts[pid] = (counts[pid] ?? 0) + 1;
  }
  return counts;
}

/** The owner counts just before each access of a built-in, and at the end of the scenario. */
function engineOwners(name: string): {
  before: Record<string, number>[];
  end: Record<string, number>;
  processes: string[];
} {
  let machine: Machine | null = null;
  const before: Record<string, number>[] = [];
  const probe: AccessProbe = {
    accessStart() {
      before.push(ownerCounts(machine as Machine));
    },
    hop() {},
    accessEnd() {},
  };
  const result = runScenario(parseScenario(builtinSource(name), `${name}.vms`), {
    probe,
    onMachine: (built) => {
      machine = built;
    },
  });
  return {
    before,
    end: ownerCounts(result.machine),
    processes: result.machine.processes.map((process) => `${process.name} (${process.pid})`),
  };
}

/** The owner legend's frame counts by pid (processes with frames only). */
async function legendOwners(page: Page): Promise<Record<string, number>> {
  const cells = await page
    .locator("[data-owner-pid]")
    .evaluateAll((elements) =>
      elements.map((element) => [
        element.getAttribute("data-owner-pid") ?? "",
        Number(element.textContent),
      ]),
    );
  const counts: Record<string, number> = {};
  for (const [pid, frames] of cells as [string, number][])
    if (pid !== "0" && pid !== "free" && frames > 0) counts[pid] = frames;
  return counts;
}

async function markerX(page: Page): Promise<number> {
  return Number(await page.locator('[data-testid="faults-marker"]').getAttribute("x1"));
}

describe("charts, owner colours and projector mode", () => {
  const harness = harnessForSuite();

  it("draws each process's faults up to the engine's final counts, with a marker at the step", async () => {
    const result = runScenario(parseScenario(builtinSource("lazy-alloc"), "lazy-alloc.vms"));
    const accesses = runScenario(parseScenario(builtinSource("lazy-alloc"), "lazy-alloc.vms"))
      .machine.processes.map((process) => processCounters(process).accesses ?? 0)
      .reduce((sum, count) => sum + count, 0);
    const page = await harness().browser.newPage({ viewport: { width: 1366, height: 768 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${harness().baseUrl}?scenario=lazy-alloc`);
    await expect
      .poll(() => text(page, '[data-testid="position"]'), { timeout: 20_000 })
      .toContain("access 1 of");
    await page.getByRole("tab", { name: "Faults over time" }).click();
    const chart = page.locator('[data-testid="faults-chart"]');
    expect(await chart.count()).toBe(1);

    // The last point of each process's minflt (and majflt) line is the engine's final count.
    for (const process of result.machine.processes) {
      const counters = processCounters(process);
      for (const counter of ["minflt", "majflt"] as const) {
        const line = chart.locator(
          `polyline[data-pid="${process.pid}"][data-counter="${counter}"]`,
        );
        if (counter === "majflt" && counters.majflt === 0 && (await line.count()) === 0) continue;
        expect(Number(await line.getAttribute("data-last-y"))).toBe(counters[counter]);
        const total = Number(/of (\d+)/.exec(await text(page, '[data-testid="position"]'))?.[1]);
        expect(Number(await line.getAttribute("data-last-x"))).toBe(total);
      }
    }
    expect(accesses).toBeGreaterThan(0);

    // The marker starts before the first access and moves right as the accesses complete.
    const marker = page.locator('[data-testid="faults-marker"]');
    expect(await marker.getAttribute("data-access")).toBe("0");
    const startX = await markerX(page);
    for (let steps = 0; steps < 60 && (await accessIndex(page)) < 1; steps++)
      await page.keyboard.press("ArrowRight");
    expect(await accessIndex(page)).toBe(1);
    expect(await marker.getAttribute("data-access")).toBe("1");
    const secondX = await markerX(page);
    expect(secondX).toBeGreaterThan(startX);
    await page.keyboard.press("f");
    await page.keyboard.press("f");
    await page.screenshot({ path: `${RESULTS}/charts-lazy-alloc-faults.png`, fullPage: true });

    // At the end, the marker is at the last point and the values shown are the final counts.
    await page.keyboard.press("e");
    const total = Number(/of (\d+)/.exec(await text(page, '[data-testid="position"]'))?.[1]);
    expect(await marker.getAttribute("data-access")).toBe(String(total));
    expect(await markerX(page)).toBeGreaterThan(secondX);
    for (const process of result.machine.processes)
      expect(Number(await text(page, `[data-fault-value="${process.pid}.minflt"]`))).toBe(
        processCounters(process).minflt,
      );
    // Stepping back moves the marker back.
    await page.keyboard.press("ArrowLeft");
    expect(Number(await marker.getAttribute("data-access"))).toBe(total - 1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("colours the frame map by owner, with the engine's frame counts per process", async () => {
    const engine = engineOwners("fork-cow");
    const page = await harness().browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${harness().baseUrl}?scenario=fork-cow`);
    await expect
      .poll(() => text(page, '[data-testid="position"]'), { timeout: 20_000 })
      .toContain("access 1 of");
    await page.getByRole("tab", { name: "Physical frames" }).click();
    await page.getByRole("button", { name: "by owner process" }).click();
    const legend = page.locator('[data-testid="owner-legend"]');
    expect(await legend.count()).toBe(1);
    expect(await page.locator('[data-testid="frame-canvas"]').getAttribute("aria-label")).toContain(
      "coloured by owner process",
    );

    // A few faults in: the machine is the one before that access.
    for (let fault = 0; fault < 3; fault++) await page.keyboard.press("f");
    const index = await accessIndex(page);
    expect(await legendOwners(page)).toEqual(engine.before[index]);

    // Into the child's copy-on-write faults: both processes own frames, with the engine's counts.
    for (let fault = 0; fault < 300; fault++) await page.keyboard.press("f");
    const later = await accessIndex(page);
    const counts = await legendOwners(page);
    expect(counts).toEqual(engine.before[later]);
    expect(Object.keys(counts).length).toBe(2);
    await page.screenshot({ path: `${RESULTS}/charts-fork-cow-owners.png`, fullPage: true });

    // At the end: every process of the run is listed, with the engine's counts.
    await page.keyboard.press("e");
    await expect
      .poll(() => text(page, '[data-testid="machine-when"]'))
      .toBe("at the end of the scenario");
    const legendText = (await legend.textContent()) ?? "";
    for (const process of engine.processes) expect(legendText).toContain(process);
    expect(engine.processes.length).toBeGreaterThan(1);
    expect(await legendOwners(page)).toEqual(engine.end);

    // Back to colouring by kind: the kind legend returns.
    await page.getByRole("button", { name: "by kind" }).click();
    expect(await page.locator("[data-frame-kind]").count()).toBeGreaterThan(0);
    await page.close();
  });

  for (const [width, height] of [
    [1366, 768],
    [1920, 1080],
  ] as const) {
    it(`scales the page up in large-text mode at ${width}×${height}, and remembers it`, async () => {
      const context = await harness().browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      await page.goto(`${harness().baseUrl}?scenario=heap-write`);
      await expect
        .poll(() => text(page, '[data-testid="position"]'), { timeout: 20_000 })
        .toContain("access 1 of");
      await page.keyboard.press("f");
      const hopSize = () =>
        page
          .locator('[data-testid="chain"] .hop-name')
          .first()
          .evaluate((element) => Number.parseFloat(getComputedStyle(element).fontSize));
      const hopBox = async () =>
        (await page.locator('[data-testid="chain"] .hop').first().boundingBox())?.height ?? 0;
      const small = await hopSize();
      const smallBox = await hopBox();
      await page.getByTestId("large-text").click();
      expect(await hopSize()).toBeGreaterThan(small * 1.2);
      expect(await hopBox()).toBeGreaterThan(smallBox);

      // No sideways scrolling of the page at this size.
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({
        path: `${RESULTS}/charts-large-text-${width}x${height}.png`,
        fullPage: width === 1366,
      });

      // A reload keeps it; unticking goes back.
      await page.reload();
      await expect
        .poll(() => text(page, '[data-testid="position"]'), { timeout: 20_000 })
        .toContain("access 1 of");
      expect(await page.getByTestId("large-text").getAttribute("aria-pressed")).toBe("true");
      expect(await hopSize()).toBeGreaterThan(small * 1.2);
      await page.getByTestId("large-text").click();
      expect(await hopSize()).toBe(small);
      await context.close();
    });
  }
});
