/**
 * What the browser tests share: the built page served by `vmscope serve` on a free port, Debian's
 * Chromium driven by playwright-core, small readers of what the page shows, engine runs to check
 * it against, and a frame-gap meter that runs inside the page.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type AccessProbe,
  cacheCounters,
  findBuiltin,
  parseScenario,
  processCounters,
  runScenario,
  tlbCounters,
  vmstatValues,
} from "@vmscope/engine";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** Where the browser tests write their screenshots. */
export const RESULTS = `${ROOT}test-results`;
const WEB_DIST = fileURLToPath(new URL("../dist/index.html", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface Harness {
  browser: Browser;
  baseUrl: string;
  close(): Promise<void>;
}

/** Build the page if needed, make the results directory, serve the page and start Chromium. */
export async function startHarness(): Promise<Harness> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install it with apt-get install -y chromium`);
  // `npm test` builds the page first; build it here when a test runs on its own.
  if (!existsSync(WEB_DIST))
    execFileSync("npm", ["run", "build", "--silent", "-w", "packages/web"], {
      cwd: ROOT,
      stdio: "ignore",
    });
  mkdirSync(RESULTS, { recursive: true });
  const { child, baseUrl } = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  return {
    browser,
    baseUrl,
    async close() {
      await browser.close();
      child.kill("SIGTERM");
    },
  };
}

/**
 * Start the harness before the tests of the enclosing describe (or file) and close it after them.
 * The returned function gives the running harness inside a test.
 */
export function harnessForSuite(): () => Harness {
  let harness: Harness | null = null;
  beforeAll(async () => {
    harness = await startHarness();
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  });
  return () => {
    if (harness === null) throw new Error("the browser harness is not running");
    return harness;
  };
}

/** Start `vmscope serve --port 0` and read the address it prints. */
function startServer(): Promise<{ child: ChildProcess; baseUrl: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [`${ROOT}packages/cli/bin/vmscope.js`, "serve", "--port", "0"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`server did not start: ${output}`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /vmscope: serving on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ child, baseUrl: match[1] });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${output}`));
    });
  });
}

export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? "").trim();
}

/** The current hop box, the explanation and the position line: what a step changes. */
export async function hopDisplay(page: Page): Promise<string> {
  const current = await text(page, '[data-testid="chain"] [aria-current="step"]');
  return `${await text(page, '[data-testid="position"]')} | ${current} | ${await text(page, '[data-testid="explain"]')}`;
}

/** The 0-based index of the access the page shows. */
export async function accessIndex(page: Page): Promise<number> {
  const match = /access (\d+) of/.exec(await text(page, '[data-testid="position"]'));
  if (match === null) throw new Error("no position shown");
  return Number(match[1]) - 1;
}

/** Every counter cell the page shows, as [data-counter, text] pairs. */
export function shownCounters(page: Page): Promise<[string, string][]> {
  return page
    .locator("[data-counter]")
    .evaluateAll((cells) =>
      cells.map((cell): [string, string] => [
        cell.getAttribute("data-counter") ?? "",
        cell.textContent ?? "",
      ]),
    );
}

/** The source of a built-in scenario. */
export function builtinSource(name: string): string {
  const builtin = findBuiltin(name);
  if (builtin === undefined) throw new Error(`no built-in ${name}`);
  return builtin.source;
}

/** The engine's own run of a scenario: its result and the number of accesses. */
export function engineRun(source: string, fileName: string) {
  let accesses = 0;
  const probe: AccessProbe = {
    accessStart() {
      accesses++;
    },
    hop() {},
    accessEnd() {},
  };
  const result = runScenario(parseScenario(source, fileName), { probe });
  return { result, accesses };
}

/**
 * The engine's run of `source`: every counter the page shows, keyed like data-counter, and every
 * hit rate, keyed like data-rate (`group.hits.misses`).
 */
export function engineCounters(source: string): {
  counters: Map<string, string>;
  rates: Map<string, { hits: number; misses: number }>;
  accesses: number;
} {
  const { result, accesses } = engineRun(source, "custom.vms");
  const counters = new Map<string, string>();
  const machine = result.machine;
  for (const [name, value] of Object.entries(vmstatValues(machine)))
    counters.set(`vmstat.${name}`, String(value));
  const tlb = tlbCounters(machine);
  for (const [name, value] of Object.entries(tlb)) counters.set(`tlb.${name}`, String(value));
  for (const process of machine.processes) {
    for (const [name, value] of Object.entries(processCounters(process)))
      counters.set(`${process.pid}.${name}`, String(value));
  }
  const groups: Record<string, Record<string, number>> = { tlb, caches: cacheCounters(machine) };
  const rates = new Map<string, { hits: number; misses: number }>();
  for (const [group, values] of Object.entries(groups)) {
    for (const hitsKey of Object.keys(values).filter((key) => key.endsWith("_hits"))) {
      const missesKey = hitsKey.replace(/_hits$/, "_misses");
      rates.set(`${group}.${hitsKey}.${missesKey}`, {
        hits: values[hitsKey] ?? 0,
        misses: values[missesKey] ?? 0,
      });
    }
  }
  return { counters, rates, accesses };
}

/**
 * Wait for `source`'s recording, run to the end and check every counter and hit rate shown
 * equals the engine's. Returns the engine's counters.
 */
export async function expectEngineCounters(
  page: Page,
  source: string,
): Promise<Map<string, string>> {
  const { counters, rates, accesses } = engineCounters(source);
  await expect.poll(() => text(page, '[data-testid="position"]')).toBe(`access 1 of ${accesses}`);
  await page.getByRole("button", { name: "Run to end" }).click();
  expect(await text(page, '[data-testid="counters-when"]')).toBe("at the end of the scenario");
  const shown = await shownCounters(page);
  expect(shown.length).toBeGreaterThan(8);
  for (const [key, value] of shown)
    expect({ key, value }).toEqual({ key, value: counters.get(key) });
  const shownRates = await page
    .locator("[data-rate]")
    .evaluateAll((cells) =>
      cells.map((cell): [string, string] => [
        cell.getAttribute("data-rate") ?? "",
        cell.textContent ?? "",
      ]),
    );
  expect(shownRates.length).toBeGreaterThan(3);
  for (const [key, value] of shownRates) {
    const rate = rates.get(key);
    const total = (rate?.hits ?? 0) + (rate?.misses ?? 0);
    const expected =
      rate === undefined ? "?" : total === 0 ? "–" : `${((100 * rate.hits) / total).toFixed(1)}%`;
    expect({ key, value }).toEqual({ key, value: expected });
  }
  return counters;
}

/** Frame gaps measured in the page, in milliseconds, and a summary of them. */
export interface FrameGaps {
  gaps: number[];
  count: number;
  max: number;
  p95: number;
  median: number;
}

/**
 * Start counting animation frames inside the page: every requestAnimationFrame callback records
 * the time since the previous one. A main thread busy for 300 ms shows as a 300 ms gap.
 */
export async function startFrameMeter(page: Page): Promise<void> {
  await page.evaluate(() => {
    const meter = { gaps: [] as number[], running: true };
    (window as unknown as { __frameMeter: typeof meter }).__frameMeter = meter;
    let last = -1;
    const tick = (now: number) => {
      if (last >= 0) meter.gaps.push(now - last);
      last = now;
      if (meter.running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Stop the meter and summarise what it saw. */
export async function stopFrameMeter(page: Page): Promise<FrameGaps> {
  const gaps = await page.evaluate(() => {
    const meter = (window as unknown as { __frameMeter: { gaps: number[]; running: boolean } })
      .__frameMeter;
    meter.running = false;
    return meter.gaps;
  });
  const sorted = [...gaps].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
  return {
    gaps,
    count: gaps.length,
    max: sorted.at(-1) ?? 0,
    p95: at(0.95),
    median: at(0.5),
  };
}

export function describeGaps(label: string, gaps: FrameGaps): string {
  return `${label}: ${gaps.count} frames, median ${gaps.median.toFixed(1)} ms, p95 ${gaps.p95.toFixed(1)} ms, max ${gaps.max.toFixed(1)} ms`;
}
