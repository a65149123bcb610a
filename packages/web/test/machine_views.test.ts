/**
 * The machine diagram, the LRU and swap panels and the machine settings in a real browser
 * (Debian's Chromium via playwright-core, against the page `vmscope serve` serves), each checked
 * against a run of the engine itself.
 */
import {
  type AccessProbe,
  HOP_NAMES,
  type Machine,
  meminfoValues,
  OUTCOME_NAMES,
  parseScenario,
  renderLru,
  renderSwaps,
  runScenario,
  VMSTAT_NAMES,
} from "@vmscope/engine";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  builtinSource,
  expectEngineCounters,
  harnessForSuite,
  RESULTS,
  text,
} from "./browser_harness.js";

interface EngineHop {
  name: string;
  outcome: string;
  cycles: number;
}

interface EngineAccess {
  kind: number;
  hops: EngineHop[];
  /** Whether the access's fault read from the disk (pgmajfault counted during it). */
  major: boolean;
}

const PGMAJFAULT = VMSTAT_NAMES.indexOf("pgmajfault");

/**
 * The engine's own run of a built-in, watched by a probe: each access's hops by name, and at
 * the end of access `captureAt` (0-based) `capture` sees the machine.
 */
function engineJourneys(
  name: string,
  captureAt = -1,
  capture: (machine: Machine) => void = () => {},
): EngineAccess[] {
  let machine: Machine | null = null;
  const accesses: EngineAccess[] = [];
  let majorBefore = 0;
  const probe: AccessProbe = {
    accessStart(_pid, _address, _size, kind) {
      majorBefore = (machine as Machine).vmstat[PGMAJFAULT] as number;
      accesses.push({ kind, hops: [], major: false });
    },
    hop(hop, outcome, cycles) {
      accesses.at(-1)?.hops.push({
        name: HOP_NAMES[hop] ?? `hop ${hop}`,
        outcome: OUTCOME_NAMES[outcome] ?? `outcome ${outcome}`,
        cycles,
      });
    },
    accessEnd() {
      const last = accesses.at(-1) as EngineAccess;
      last.major = ((machine as Machine).vmstat[PGMAJFAULT] as number) > majorBefore;
      if (accesses.length - 1 === captureAt) capture(machine as Machine);
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

const CACHES = (HOP_NAMES as readonly string[]).includes("L1d");

/**
 * The parts of the machine a hop is at, written out here from the hop's name (not from the
 * page's own mapping): the TLB, the walk level, the cache level, the fault handler and what the
 * fault brings in.
 */
function expectedParts(hop: EngineHop, access: EngineAccess): string[] {
  const exec = access.kind === 2;
  switch (hop.name) {
    case "L1 TLB":
      return [exec ? "itlb" : "dtlb"];
    case "STLB":
      return ["stlb"];
    case "paging-structure cache":
      return ["psc"];
    case "walk PGD":
      return ["mmu", "walk-pgd"];
    case "walk PUD":
      return ["walk-pud"];
    case "walk PMD":
      return ["walk-pmd"];
    case "walk PTE":
      return ["walk-pte"];
    case "memory":
      return [CACHES ? (exec ? "l1i" : "l1d") : "dram"];
    case "L1d":
      return ["l1d"];
    case "L1i":
      return ["l1i"];
    case "L2":
      return ["l2"];
    case "L3":
      return ["l3"];
    case "DRAM":
      return ["dram"];
    case "page fault":
      if (hop.outcome === "new anonymous page") return ["fault", "frames"];
      if (hop.outcome === "swapped in")
        return access.major
          ? ["disk", "fault", "frames", "swaparea", "swapcache"]
          : ["fault", "frames", "swapcache"];
      return ["fault"];
    default:
      throw new Error(`the test has no part for hop ${hop.name}`);
  }
}

/** The parts the diagram shows lit, sorted. */
function litParts(page: Page): Promise<string[]> {
  return page
    .locator("[data-part][data-lit]")
    .evaluateAll((parts) => parts.map((part) => part.getAttribute("data-part") ?? "").sort());
}

/** Go to the first frame of access `index` (0-based) with the page's "Go to access" field. */
async function goToAccess(page: Page, index: number): Promise<void> {
  const field = page.locator('[data-testid="goto-access"]');
  await field.fill(String(index + 1));
  await field.press("Enter");
  await field.blur();
  await expect.poll(() => text(page, '[data-testid="position"]')).toMatch(`access ${index + 1} of`);
}

describe("machine views", () => {
  const harness = harnessForSuite();

  it("lights the right part of the diagram at every hop of heap-write, with each hop's cycles", async () => {
    const accesses = engineJourneys("heap-write");
    const context = await harness().browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${harness().baseUrl}?scenario=heap-write`);
    await expect
      .poll(() => text(page, '[data-testid="position"]'))
      .toBe(`access 1 of ${accesses.length}`);

    let total = 0;
    for (const [index, access] of accesses.entries()) {
      // The CPU issues the access: the process in user space and the core.
      expect({ index, lit: await litParts(page) }).toEqual({ index, lit: ["core", "process"] });
      let spent = 0;
      for (const [step, hop] of access.hops.entries()) {
        await page.keyboard.press("ArrowRight");
        spent += hop.cycles;
        const lit = await litParts(page);
        expect({ index, step, hop: hop.name, lit }).toEqual({
          index,
          step,
          hop: hop.name,
          lit: expectedParts(hop, access).sort(),
        });
        expect(await text(page, '[data-testid="diagram-step"]')).toBe(
          `Hop ${step + 1} of ${access.hops.length}: ${hop.cycles} cyc`,
        );
        expect(await text(page, ".diagram-head span:last-child")).toBe(
          `this access ${spent} cyc · running total ${(total + spent).toLocaleString("en-US")} cyc`,
        );
      }
      total += spent;
      if (index < accesses.length - 1) await page.keyboard.press("ArrowRight");
    }

    // Every part is a button: reachable by keyboard, and Enter explains it.
    await page.locator('[data-part="stlb"]').focus();
    await page.keyboard.press("Enter");
    expect(await text(page, '[data-testid="diagram-caption"]')).toContain("second-level TLB");
    expect(await page.locator('[data-part="stlb"]').getAttribute("aria-pressed")).toBe("true");
    await page
      .locator('[data-testid="diagram"]')
      .screenshot({ path: `${RESULTS}/web-diagram.png` });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows the LRU lists and swap as the engine has them, and lights the disk at a major swap-in", async () => {
    // Right after access `at` of swap-in, where app reads its array back: pages in swap, some
    // in the swap cache.
    let engine: { lru: string; swaps: string; used: number; free: number; cached: number } | null =
      null;
    const at = 12_300;
    const accesses = engineJourneys("swap-in", at, (machine) => {
      const swap = machine.memory.swap;
      if (swap === null) throw new Error("swap-in has no swap");
      engine = {
        lru: renderLru(machine),
        swaps: renderSwaps(machine),
        used: swap.used,
        free: swap.free,
        cached: (meminfoValues(machine).SwapCached ?? 0) / 4,
      };
    });
    if (engine === null) throw new Error(`swap-in has no access ${at}`);
    const expected: { lru: string; swaps: string; used: number; free: number; cached: number } =
      engine;
    expect(expected.used).toBeGreaterThan(0);
    expect(expected.cached).toBeGreaterThan(0);

    const context = await harness().browser.newContext({
      viewport: { width: 1366, height: 900 },
      reducedMotion: "reduce",
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${harness().baseUrl}?scenario=swap-in`);
    await expect
      .poll(() => text(page, '[data-testid="position"]'), { timeout: 30_000 })
      .toBe(`access 1 of ${accesses.length}`);

    // The last hop of access `at`: the panels show the machine right after it.
    await goToAccess(page, at + 1);
    await page.keyboard.press("ArrowLeft");
    expect(await text(page, '[data-testid="position"]')).toMatch(`access ${at + 1} of`);
    await page.getByRole("tab", { name: "LRU lists" }).click();
    await expect
      .poll(() => text(page, '[data-testid="machine-when"]'))
      .toBe(`right after access ${at + 1}`);
    expect(await page.locator('[data-testid="lru-text"]').textContent()).toBe(expected.lru);
    await page.locator(".machine-panels").screenshot({ path: `${RESULTS}/web-lru.png` });
    await page.getByRole("tab", { name: "Swap" }).click();
    expect(await text(page, '[data-swap="used"]')).toBe(expected.used.toLocaleString("en-US"));
    expect(await text(page, '[data-swap="free"]')).toBe(expected.free.toLocaleString("en-US"));
    expect(await text(page, '[data-swap="cached"]')).toBe(expected.cached.toLocaleString("en-US"));
    expect(await page.locator('[data-testid="swaps-text"]').textContent()).toBe(expected.swaps);
    await page.locator(".machine-panels").screenshot({ path: `${RESULTS}/web-swap.png` });

    // The first major swap-in: at its fault the swap cache, swap area and disk light up, and
    // the explanation says it waited for the disk.
    const major = accesses.findIndex((access) =>
      access.hops.some((hop) => hop.outcome === "swapped in" && access.major),
    );
    expect(major).toBeGreaterThan(0);
    await goToAccess(page, major);
    await page.keyboard.press("f");
    expect(await litParts(page)).toEqual(["disk", "fault", "frames", "swaparea", "swapcache"]);
    expect(await text(page, '[data-testid="explain"]')).toContain("a major fault");
    // Reduced motion: the diagram's parts change without a transition.
    const durations = await page
      .locator("[data-part]")
      .first()
      .evaluate((part) => getComputedStyle(part).transitionDuration);
    expect(durations.split(",").every((part) => Number.parseFloat(part) === 0)).toBe(true);
    await page.screenshot({ path: `${RESULTS}/web-swap-in-fault.png` });
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it("changes the reclaim policy and the swap size, and the counters follow the engine", async () => {
    const context = await harness().browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${harness().baseUrl}?scenario=textbook-policy`);
    const source = builtinSource("textbook-policy");
    const fifo = await expectEngineCounters(page, source);
    expect(await page.locator('[data-machine="policy"]').inputValue()).toBe("fifo");

    // LRU in place of FIFO: the source's machine line changes and the run follows the engine;
    // LRU keeps the pages read again, so app takes fewer major faults.
    await page.selectOption('[data-machine="policy"]', "lru");
    await page.locator('[data-machine="swap"]').fill("24M");
    await page.getByRole("button", { name: "Apply and run" }).click();
    const edited = source.replace(/^machine .*$/m, (line) =>
      line.replace("swap=32M", "swap=24M").replace("policy=fifo", "policy=lru"),
    );
    await expect.poll(() => page.locator('[data-testid="source"]').inputValue()).toBe(edited);
    const lru = await expectEngineCounters(page, edited);
    expect(Number(lru.get("vmstat.pgmajfault"))).toBeLessThan(
      Number(fifo.get("vmstat.pgmajfault")),
    );
    await page.getByRole("tab", { name: "Swap" }).click();
    expect(await text(page, '[data-swap="slots"]')).toBe(
      ((24 * 1024) / 4 - 1).toLocaleString("en-US"),
    );

    // Linux's own lists: the policy option goes away.
    await page.selectOption('[data-machine="policy"]', "");
    await page.getByRole("button", { name: "Apply and run" }).click();
    const linux = edited.replace(/^machine .*$/m, (line) => line.replace(" policy=lru", ""));
    await expect.poll(() => page.locator('[data-testid="source"]').inputValue()).toBe(linux);
    await expectEngineCounters(page, linux);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
