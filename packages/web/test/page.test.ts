/**
 * The web page in a real browser: Debian's Chromium driven by playwright-core, against the built
 * page served by `vmscope serve`. The counters it shows must be the engine's own.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type AccessProbe,
  findBuiltin,
  parseScenario,
  processCounters,
  runScenario,
  tlbCounters,
  vmstatValues,
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

/** Start `vmscope serve --port 0` and read the address it prints. */
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

/** The engine's own run of a built-in scenario: final counters and the number of accesses. */
function engineRun(name: string) {
  const builtin = findBuiltin(name);
  if (builtin === undefined) throw new Error(`no built-in ${name}`);
  let accesses = 0;
  const probe: AccessProbe = {
    accessStart() {
      accesses++;
    },
    hop() {},
    accessEnd() {},
  };
  const result = runScenario(parseScenario(builtin.source, `${name}.vms`), { probe });
  return { result, accesses };
}

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? "").trim();
}

/** The current hop box, the explanation and the position line: what a step changes. */
async function hopDisplay(page: Page): Promise<string> {
  const current = await text(page, '[data-testid="chain"] [aria-current="step"]');
  return `${await text(page, '[data-testid="position"]')} | ${current} | ${await text(page, '[data-testid="explain"]')}`;
}

describe("web page", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install it with apt-get install -y chromium`);
    // `npm test` builds the page first; build it here when the test runs on its own.
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

  it("runs heap-write to the end with the engine's counters, and steps back and forward", async () => {
    const { result, accesses } = engineRun("heap-write");
    expect(accesses).toBeGreaterThan(0);
    const context = await (browser as Browser).newContext({
      viewport: { width: 1366, height: 768 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(baseUrl);

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
    const shown = await page
      .locator("[data-counter]")
      .evaluateAll((cells) =>
        cells.map((cell): [string, string] => [
          cell.getAttribute("data-counter") ?? "",
          cell.textContent ?? "",
        ]),
      );
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
    const context = await (browser as Browser).newContext({ reducedMotion: "reduce" });
    const page = await context.newPage();
    await page.goto(baseUrl);
    const duration = await page
      .locator('[data-testid="chain"] .hop')
      .first()
      .evaluate((element) => getComputedStyle(element).transitionDuration);
    expect(duration.split(",").every((part) => Number.parseFloat(part) === 0)).toBe(true);
    await context.close();
  });
});
