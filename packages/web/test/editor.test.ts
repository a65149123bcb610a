/**
 * The scenario editor, machine settings, share links and trace files in a real browser: Debian's
 * Chromium driven by playwright-core, against the built page served by `vmscope serve`.
 */
import { gzipSync } from "node:zlib";
import {
  MachineConfigError,
  machineConfigFrom,
  parseScenario,
  processCounters,
  runScenario,
  ScenarioError,
  tlbCounters,
  vmstatValues,
} from "@vmscope/engine";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { engineRun, harnessForSuite, RESULTS, shownCounters, text } from "./browser_harness.js";

/** Two processes taking turns over their buffers: context switches, so PCID matters. */
const BROKEN = `# two processes share the CPU
spawn a
spawn b
a: x = malloc 64K
b: y = malloc 64K
a: memset x 1 64K
b: scribble y
`;
const FIXED = BROKEN.replace("b: scribble y", "b: memset y 2 64K\na: memset x 3 64K");
const TEXTBOOK = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];

/** The engine's run of `source`: every counter the page shows, keyed like data-counter. */
function engineCounters(source: string): { counters: Map<string, string>; accesses: number } {
  const { result, accesses } = engineRun(source, "custom.vms");
  const counters = new Map<string, string>();
  const machine = result.machine;
  for (const [name, value] of Object.entries(vmstatValues(machine)))
    counters.set(`vmstat.${name}`, String(value));
  for (const [name, value] of Object.entries(tlbCounters(machine)))
    counters.set(`tlb.${name}`, String(value));
  for (const process of machine.processes) {
    for (const [name, value] of Object.entries(processCounters(process)))
      counters.set(`${process.pid}.${name}`, String(value));
  }
  return { counters, accesses };
}

/** Run to the end and check every counter shown equals the engine's for `source`. */
async function expectEngineCounters(page: Page, source: string): Promise<Map<string, string>> {
  const { counters, accesses } = engineCounters(source);
  await expect.poll(() => text(page, '[data-testid="position"]')).toBe(`access 1 of ${accesses}`);
  await page.getByRole("button", { name: "Run to end" }).click();
  expect(await text(page, '[data-testid="counters-when"]')).toBe("at the end of the scenario");
  const shown = await shownCounters(page);
  expect(shown.length).toBeGreaterThan(8);
  for (const [key, value] of shown)
    expect({ key, value }).toEqual({ key, value: counters.get(key) });
  return counters;
}

describe("scenario editor and traces in the page", () => {
  const harness = harnessForSuite();

  it("shows a syntax error at its line, runs the fixed scenario, applies machine settings and shares it", async () => {
    const context = await harness().browser.newContext({
      viewport: { width: 1366, height: 900 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(harness().baseUrl);

    // The built-in's source is in the editor (once the worker has recorded it).
    await expect.poll(() => page.locator('[data-testid="source"]').inputValue()).toContain("spawn");

    // A scenario with an error: the engine's line and column, and the line marked.
    let expected: ScenarioError | null = null;
    try {
      runScenario(parseScenario(BROKEN, "custom.vms"));
    } catch (error) {
      if (error instanceof ScenarioError) expected = error;
    }
    if (expected === null) throw new Error("the broken scenario ran");
    expect(expected.line).toBe(7);
    await page.locator('[data-testid="source"]').fill(BROKEN);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await expect
      .poll(() => text(page, '[data-testid="editor-error"]'))
      .toBe(`Line ${expected.line}, column ${expected.col}: ${expected.reason}`);
    expect(await page.locator('[data-testid="error-mark"]').getAttribute("data-line")).toBe("7");
    expect(await text(page, ".gutter-line.error-line")).toBe("7");
    await page.locator(".editor").screenshot({ path: `${RESULTS}/web-editor-error.png` });

    // Fixed and run: the journey restarts at access 1 and the counters are the engine's.
    await page.locator('[data-testid="source"]').fill(FIXED);
    await page.keyboard.press("Control+Enter");
    await expect.poll(() => page.locator('[data-testid="editor-error"]').count()).toBe(0);
    const pcidOn = await expectEngineCounters(page, FIXED);

    // Machine settings: a bad value shows the engine's own message next to its field.
    let engineMessage = "";
    try {
      machineConfigFrom([{ key: "dtlb", value: "63x4" }]);
    } catch (error) {
      if (error instanceof MachineConfigError) engineMessage = error.message;
    }
    await page.locator('[data-machine="dtlb"]').fill("63x4");
    await page.getByRole("button", { name: "Apply and run" }).click();
    expect(await text(page, '[data-testid="machine-error-dtlb"]')).toBe(engineMessage);
    // Valid values insert the machine line and run again: with PCID off every context switch
    // flushes the TLB, so the same accesses miss more.
    await page.locator('[data-machine="dtlb"]').fill("");
    await page.locator('[data-machine="ram"]').fill("64M");
    await page.selectOption('[data-machine="pcid"]', "off");
    await page.getByRole("button", { name: "Apply and run" }).click();
    const withMachine = "machine ram=64M pcid=off\n";
    await expect
      .poll(() => page.locator('[data-testid="source"]').inputValue())
      .toBe(FIXED.replace("spawn a", `${withMachine}spawn a`));
    const edited = await page.locator('[data-testid="source"]').inputValue();
    const pcidOff = await expectEngineCounters(page, edited);
    expect(Number(pcidOff.get("tlb.dtlb_misses"))).toBeGreaterThan(
      Number(pcidOn.get("tlb.dtlb_misses")),
    );
    await page.screenshot({ path: `${RESULTS}/web-editor-run.png`, fullPage: true });

    // Share: the link carries the source; opening it loads and runs the same scenario.
    await page.getByRole("button", { name: "Share as link" }).click();
    const link = await page.locator('[data-testid="share-link"]').inputValue();
    expect(link).toMatch(/#src=[A-Za-z0-9_-]+$/);
    const shared = await context.newPage();
    await shared.goto(link);
    await expect.poll(() => shared.locator('[data-testid="source"]').inputValue()).toBe(edited);
    expect(await shared.locator('[data-testid="scenario"]').inputValue()).toBe("custom");
    await expectEngineCounters(shared, edited);

    // Picking a built-in again replaces the source and drops the link.
    await shared.selectOption('[data-testid="scenario"]', "heap-write");
    await expect.poll(() => shared.locator('[data-testid="source"]').inputValue()).not.toBe(edited);
    expect(new URL(shared.url()).hash).toBe("");

    expect(errors).toEqual([]);
    await context.close();
  });

  it("loads a trace file in a worker and shows FIFO 15, LRU 12, OPT 9 misses at 3 frames", async () => {
    const context = await harness().browser.newContext({
      viewport: { width: 1366, height: 900 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(harness().baseUrl);

    for (const policy of ["clock", "arc"]) await page.getByLabel(policy.toUpperCase()).check();
    await page.getByLabel("Frames").fill("1,2,3,4,5,6");
    const body = `${TEXTBOOK.join("\n")}\n`;
    await page.locator('[data-testid="trace-file"]').setInputFiles({
      name: "textbook.txt",
      mimeType: "text/plain",
      buffer: Buffer.from(body),
    });
    const cell = (id: string) => text(page, `[data-result="${id}"] .misses`);
    await expect.poll(() => cell("fifo.3")).toBe("15");
    expect(await cell("lru.3")).toBe("12");
    expect(await cell("opt.3")).toBe("9");
    expect(await cell("lru.6")).toBe("6");
    expect(await text(page, '[data-testid="trace-status"]')).toContain(
      "pages format, 20 references to 6 pages",
    );
    expect(await page.locator('[data-testid="chart-policies"] polyline').count()).toBe(5);
    expect(await page.locator('[data-testid="chart-mrc"] polyline').count()).toBe(1);
    await page.locator(".traces").screenshot({ path: `${RESULTS}/web-trace-results.png` });

    // The same trace gzipped: decompressed in the browser, same numbers.
    await page.locator('[data-testid="trace-file"]').setInputFiles({
      name: "textbook.txt.gz",
      mimeType: "application/gzip",
      buffer: gzipSync(Buffer.from(body)),
    });
    await expect.poll(() => text(page, '[data-testid="trace-status"]')).toContain("(gzip)");
    expect(await cell("fifo.3")).toBe("15");
    expect(await cell("opt.3")).toBe("9");

    // A file in no known format: the error shows, nothing crashes.
    await page.locator('[data-testid="trace-file"]').setInputFiles({
      name: "notes.md",
      mimeType: "text/plain",
      buffer: Buffer.from("hello world\n"),
    });
    await expect.poll(() => text(page, '[data-testid="trace-status"]')).toContain("format");
    expect(await page.locator('[data-testid="trace-results"]').count()).toBe(0);

    expect(errors).toEqual([]);
    await context.close();
  });
});
