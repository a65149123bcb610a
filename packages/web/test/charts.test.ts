/**
 * The faults chart, the frame map coloured by owner and the projector mode, in a real browser
 * (Debian's Chromium via playwright-core, against the page `vmscope serve` serves). The numbers
 * the page draws are checked against a separate engine run.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type AccessProbe,
  findBuiltin,
  type Machine,
  parseScenario,
  processCounters,
  runScenario,
} from "@vmscope/engine";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const WEB_DIST = fileURLToPath(new URL("../dist/index.html", import.meta.url));
const RESULTS = `${ROOT}test-results`;
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

let server: ChildProcess | null = null;
let browser: Browser | null = null;
let baseUrl = "";

function startServer(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [`${ROOT}packages/cli/bin/vmscope.js`, "serve", "--port", "0"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    server = child;
    let output = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /vmscope: serving on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
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

function builtinSource(name: string): string {
  const builtin = findBuiltin(name);
  if (builtin === undefined) throw new Error(`no built-in ${name}`);
  return builtin.source;
}

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

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? "").trim();
}

async function accessIndex(page: Page): Promise<number> {
  const match = /access (\d+) of/.exec(await text(page, '[data-testid="position"]'));
  if (match === null) throw new Error("no position shown");
  return Number(match[1]) - 1;
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
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install it with apt-get install -y chromium`);
    if (!existsSync(WEB_DIST))
      execFileSync("npm", ["run", "build", "--silent", "-w", "packages/web"], {
        cwd: ROOT,
        stdio: "ignore",
      });
    mkdirSync(RESULTS, { recursive: true });
    baseUrl = await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill("SIGTERM");
  });

  it("draws each process's faults up to the engine's final counts, with a marker at the step", async () => {
    const result = runScenario(parseScenario(builtinSource("lazy-alloc"), "lazy-alloc.vms"));
    const accesses = runScenario(parseScenario(builtinSource("lazy-alloc"), "lazy-alloc.vms"))
      .machine.processes.map((process) => processCounters(process).accesses ?? 0)
      .reduce((sum, count) => sum + count, 0);
    const page = await (browser as Browser).newPage({ viewport: { width: 1366, height: 768 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${baseUrl}?scenario=lazy-alloc`);
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
    const page = await (browser as Browser).newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${baseUrl}?scenario=fork-cow`);
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
      const context = await (browser as Browser).newContext({ viewport: { width, height } });
      const page = await context.newPage();
      await page.goto(`${baseUrl}?scenario=heap-write`);
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
