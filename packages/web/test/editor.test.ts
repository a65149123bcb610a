/**
 * The scenario editor, machine settings, share links and trace files in a real browser: Debian's
 * Chromium driven by playwright-core, against the built page served by `vmscope serve`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  MachineConfigError,
  machineConfigFrom,
  parseScenario,
  runScenario,
  ScenarioError,
} from "@vmscope/engine";
import { describe, expect, it } from "vitest";
import { expectEngineCounters, harnessForSuite, RESULTS, ROOT, text } from "./browser_harness.js";

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

/** A CSV trace of keys in column 2 (semicolons, a header, reads and writes), and its spec. */
function csvTrace(): { text: string; spec: string } {
  const lines = ["time;key;op"];
  let state = 7;
  for (let index = 0; index < 400; index++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const key = index % 4 === 0 ? 100 + (state % 9) : state % 6;
    lines.push(`${index};${key};${state % 5 === 0 ? "set" : "get"}`);
  }
  return { text: `${lines.join("\n")}\n`, spec: "obj-id-col=2,op-col=3,header=true,delimiter=;" };
}

/** What the built CLI prints as JSON for `args` and a trace file holding `text`. */
function traceWithCli(text: string, args: string[]): unknown {
  const directory = mkdtempSync(join(tmpdir(), "vmscope-csv-"));
  try {
    const path = join(directory, "keys.csv");
    writeFileSync(path, text);
    const output = execFileSync(
      process.execPath,
      [`${ROOT}packages/cli/bin/vmscope.js`, ...args, path],
      { encoding: "utf8" },
    );
    return JSON.parse(output);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
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
    await page.getByLabel("Frames", { exact: true }).fill("1,2,3,4,5,6");
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

    // A CSV trace: the format and its columns chosen in the page, as `vmscope sim --format` takes
    // them; the misses are the CLI's. Before the columns are right, the engine's complaint shows.
    const csv = csvTrace();
    await page.selectOption('[data-testid="trace-format"]', "csv");
    await page.locator('[data-testid="csv-spec"]').fill("op-col=3");
    const csvFile = { name: "keys.csv", mimeType: "text/csv", buffer: Buffer.from(csv.text) };
    await page.locator('[data-testid="trace-file"]').setInputFiles(csvFile);
    expect(await text(page, '[data-testid="format-error"]')).toContain("obj-id-col");
    await page.locator('[data-testid="csv-spec"]').fill(csv.spec);
    await page.locator('[data-testid="trace-file"]').setInputFiles(csvFile);
    await expect.poll(() => text(page, '[data-testid="trace-status"]')).toContain("csv format");
    const cli = traceWithCli(csv.text, [
      "compare",
      "--format",
      `csv:${csv.spec}`,
      "--policies",
      "fifo,lru,clock,opt,arc",
      "--frames",
      "2,3,4",
      "--json",
    ]) as { policy: string; frames: number; misses: number }[];
    expect(cli.length).toBe(15);
    for (const { policy, frames, misses } of cli) {
      expect({ policy, frames, misses: await cell(`${policy}.${frames}`) }).toEqual({
        policy,
        frames,
        misses: String(misses),
      });
    }
    const sim = traceWithCli(csv.text, [
      "sim",
      "--format",
      `csv:${csv.spec}`,
      "--policy",
      "lru",
      "--frames",
      "3",
      "--json",
    ]) as { misses: number };
    expect(await cell("lru.3")).toBe(String(sim.misses));
    await page.selectOption('[data-testid="trace-format"]', "auto");

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
