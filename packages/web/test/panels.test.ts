/**
 * The machine-state panels in a real browser (Debian's Chromium via playwright-core, against the
 * page `vmscope serve` serves): at a fault the page table shows the walked path, after the access
 * the TLBs show the entry it filled, and the frame map's counts are the engine's own.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type AccessProbe,
  findBuiltin,
  type Machine,
  parseScenario,
  runScenario,
  type WalkLevel,
  walkLevels,
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
}

/** One uninterrupted engine run of a built-in, watched at every access. */
function engineAccesses(name: string): EngineAccess[] {
  const builtin = findBuiltin(name);
  if (builtin === undefined) throw new Error(`no built-in ${name}`);
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
    },
  };
  runScenario(parseScenario(builtin.source, `${name}.vms`), {
    probe,
    onMachine: (built) => {
      machine = built;
    },
  });
  return accesses;
}

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? "").trim();
}

/** The 0-based index of the access the page shows. */
async function accessIndex(page: Page): Promise<number> {
  const match = /access (\d+) of/.exec(await text(page, '[data-testid="position"]'));
  if (match === null) throw new Error("no position shown");
  return Number(match[1]) - 1;
}

/** The frame map legend's counts, in FRAME_KIND_NAMES order. */
async function legendCounts(page: Page): Promise<number[]> {
  await page.getByRole("tab", { name: "Physical frames" }).click();
  return page
    .locator("[data-frame-kind]")
    .evaluateAll((cells) => cells.map((cell) => Number(cell.textContent)));
}

describe("machine-state panels", () => {
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

  it("shows the walk at a fault, the filled TLB entry after it, and the engine's frame counts", async () => {
    const engine = engineAccesses("heap-write");
    const context = await (browser as Browser).newContext({
      viewport: { width: 1366, height: 768 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${baseUrl}?scenario=heap-write`);
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
    const page = await (browser as Browser).newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${baseUrl}?scenario=lazy-alloc`);
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

  it("animates nothing under prefers-reduced-motion", async () => {
    const context = await (browser as Browser).newContext({ reducedMotion: "reduce" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}?scenario=heap-write`);
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
