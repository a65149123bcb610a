/**
 * The web page in a real browser: Debian's Chromium driven by playwright-core, against the built
 * page served by `vmscope serve`. The counters it shows must be the engine's own.
 */
import { processCounters, tlbCounters, vmstatValues } from "@vmscope/engine";
import { describe, expect, it } from "vitest";
import {
  builtinSource,
  engineRun,
  harnessForSuite,
  hopDisplay,
  RESULTS,
  shownCounters,
  text,
} from "./browser_harness.js";

describe("web page", () => {
  const harness = harnessForSuite();

  it("runs heap-write to the end with the engine's counters, and steps back and forward", async () => {
    const { result, accesses } = engineRun(builtinSource("heap-write"), "heap-write.vms");
    expect(accesses).toBeGreaterThan(0);
    const context = await harness().browser.newContext({
      viewport: { width: 1366, height: 768 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(harness().baseUrl);

    await page.selectOption('[data-testid="scenario"]', "heap-write");
    await expect.poll(() => text(page, '[data-testid="position"]')).toBe(`access 1 of ${accesses}`);
    // The first frame: the CPU issues the access.
    expect(await text(page, '[data-testid="chain"] [aria-current="step"]')).toContain("CPU");

    // The first fault, mid-journey: the page shows it and the screenshot catches it.
    await page.keyboard.press("f");
    expect(await text(page, '[data-testid="chain"] [aria-current="step"]')).toContain("page fault");
    await page.screenshot({ path: `${RESULTS}/web-heap-write-fault.png`, fullPage: true });

    await page.getByRole("button", { name: "Run to end" }).click();
    expect(await text(page, '[data-testid="position"]')).toBe(`access ${accesses} of ${accesses}`);
    expect(await text(page, '[data-testid="counters-when"]')).toBe("at the end of the scenario");

    // Every counter shown equals the engine's.
    const shown = await shownCounters(page);
    const machine = result.machine;
    const vmstat = vmstatValues(machine);
    const tlb = tlbCounters(machine);
    expect(shown.length).toBeGreaterThan(8);
    for (const [key, value] of shown) {
      const [owner, name] = key.split(".") as [string, string];
      let expected: number | undefined;
      if (owner === "vmstat") expected = vmstat[name];
      else if (owner === "tlb") expected = tlb[name];
      else {
        const process = machine.processes.find((candidate) => candidate.pid === Number(owner));
        expected = process === undefined ? undefined : processCounters(process)[name];
      }
      expect({ key, value }).toEqual({ key, value: String(expected) });
    }
    const app = machine.processes[0];
    if (app === undefined) throw new Error("heap-write spawned no process");
    // The numbers `vmscope run heap-write` checks: one minor fault, 4 KiB resident.
    expect(await text(page, `[data-counter="${app.pid}.minflt"]`)).toBe(String(app.minflt));
    expect(await text(page, `[data-counter="${app.pid}.rss_kb"]`)).toBe("4");
    expect(await text(page, '[data-testid="maps"]')).toContain("[heap]");
    await page.screenshot({ path: `${RESULTS}/web-heap-write-end.png`, fullPage: true });

    // Step back and forward by key and by button: the hop display follows.
    const atEnd = await hopDisplay(page);
    await page.keyboard.press("ArrowLeft");
    const oneBack = await hopDisplay(page);
    expect(oneBack).not.toBe(atEnd);
    await page.getByRole("button", { name: "◀ Step back" }).click();
    const twoBack = await hopDisplay(page);
    expect(twoBack).not.toBe(oneBack);
    await page.keyboard.press("ArrowRight");
    expect(await hopDisplay(page)).toBe(oneBack);
    await page.getByRole("button", { name: "Step forward ▶" }).click();
    expect(await hopDisplay(page)).toBe(atEnd);

    // Play (from the end it starts over) moves on by itself at 16×; pause stops it.
    await page.selectOption('[aria-label="Speed"]', "16");
    await page.keyboard.press(" ");
    await expect.poll(() => text(page, '[data-testid="position"]')).toBe(`access 1 of ${accesses}`);
    const playing = await hopDisplay(page);
    await expect.poll(() => hopDisplay(page)).not.toBe(playing);
    await page.keyboard.press(" ");
    expect(await page.getByRole("button", { name: "▶ Play" }).count()).toBe(1);
    const paused = await hopDisplay(page);
    await page.waitForTimeout(200);
    expect(await hopDisplay(page)).toBe(paused);

    expect(errors).toEqual([]);
    await context.close();
  });

  it("honours prefers-reduced-motion", async () => {
    const context = await harness().browser.newContext({ reducedMotion: "reduce" });
    const page = await context.newPage();
    await page.goto(harness().baseUrl);
    const duration = await page
      .locator('[data-testid="chain"] .hop')
      .first()
      .evaluate((element) => getComputedStyle(element).transitionDuration);
    expect(duration.split(",").every((part) => Number.parseFloat(part) === 0)).toBe(true);
    await context.close();
  });
});
