/**
 * Page-table designs and 2 MiB TLB hits on the page, in a real browser (Debian's Chromium via
 * playwright-core): for one access on `pagetable=la57` and one on `pagetable=inverted`, each hop's
 * name and sentence must be what `vmscope explain --json` prints for the same access, and the
 * diagram must light the design's own walker boxes; a 2 MiB hit of huge-pages lights dTLB 2M.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { BUILTIN_SCENARIOS, HOP_L1_TLB, OUTCOME_HIT } from "@vmscope/engine";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { sourceHash } from "../src/editor/share.js";
import { recordScenario } from "../src/recording.js";
import { harnessForSuite, RESULTS, ROOT, text } from "./browser_harness.js";

/** A write that walks, faults and walks again; a fork, so the inverted table must refill. */
function scenario(pagetable: string): string {
  return [
    `machine ram=64M pagetable=${pagetable}`,
    "spawn app",
    "app: p = mmap 16K",
    "app: write p 8",
    "child = app: fork",
    "child: read p 8",
    "app: read p 8",
    "",
  ].join("\n");
}

interface ExplainedHop {
  hop: string;
  outcome: string;
  cycles: number;
  text: string;
}

/** `vmscope explain FILE --access N --json`: the CLI's words for access N (from 1). */
function cliExplain(source: string, name: string, access: number): ExplainedHop[] {
  const file = `${RESULTS}/${name}.vms`;
  writeFileSync(file, source);
  const output = execFileSync(
    process.execPath,
    [`${ROOT}packages/cli/bin/vmscope.js`, "explain", file, "--access", String(access), "--json"],
    { encoding: "utf8" },
  );
  return (JSON.parse(output) as { hops: ExplainedHop[] }).hops;
}

/** The parts a hop lights, written out here from its name (not from the page's mapping). */
function expectedParts(hop: ExplainedHop, la57: boolean): string[] {
  if (/^walk chain \d+$/.test(hop.hop)) return ["walk-chain"];
  if (/^refill chain \d+$/.test(hop.hop)) return ["walk-chain", "walk-refill"];
  switch (hop.hop) {
    case "L1 TLB":
      return ["dtlb"];
    case "STLB":
      return ["stlb"];
    case "paging-structure cache":
      return ["psc"];
    case "walk PML5":
      return ["mmu", "walk-pml5"];
    case "walk PGD":
      return la57 ? ["walk-pgd"] : ["mmu", "walk-pgd"];
    case "walk PUD":
      return ["walk-pud"];
    case "walk PMD":
      return ["walk-pmd"];
    case "walk PTE":
      return ["walk-pte"];
    case "walk anchor":
      return ["mmu", "walk-anchor"];
    case "refill anchor":
      return ["walk-anchor", "walk-refill"];
    case "memory":
      return ["l1d"];
    case "L1d":
      return ["l1d"];
    case "L2":
      return ["l2"];
    case "L3":
      return ["l3"];
    case "DRAM":
      return ["dram"];
    case "page fault":
      return hop.outcome === "copy-on-write reuse" ? ["fault"] : ["fault", "frames"];
    default:
      throw new Error(`the test has no part for hop ${hop.hop}`);
  }
}

function litParts(page: Page): Promise<string[]> {
  return page
    .locator("[data-part][data-lit]")
    .evaluateAll((parts) => parts.map((part) => part.getAttribute("data-part") ?? "").sort());
}

function walkerBoxes(page: Page): Promise<string[]> {
  return page
    .locator('[data-testid="walker"] [data-part]')
    .evaluateAll((parts) => parts.map((part) => part.getAttribute("data-part") ?? ""));
}

async function goToAccess(page: Page, index: number): Promise<void> {
  const field = page.locator('[data-testid="goto-access"]');
  await field.fill(String(index + 1));
  await field.press("Enter");
  await field.blur();
  await expect.poll(() => text(page, '[data-testid="position"]')).toMatch(`access ${index + 1} of`);
}

/** Open `source` through a shared link and step through access `number` (from 1), hop by hop. */
async function followAccess(
  page: Page,
  baseUrl: string,
  source: string,
  number: number,
  hops: ExplainedHop[],
  la57: boolean,
): Promise<void> {
  await page.goto(`${baseUrl}${sourceHash(source)}`);
  await expect.poll(() => text(page, '[data-testid="position"]')).toMatch(/^access 1 of \d+$/);
  await goToAccess(page, number - 1);
  for (const [step, hop] of hops.entries()) {
    await page.keyboard.press("ArrowRight");
    const shown = {
      step,
      hop: await text(page, '[data-testid="chain"] [aria-current="step"] .hop-name'),
      explain: (await text(page, '[data-testid="explain"]')).slice(0, hop.text.length),
      lit: await litParts(page),
    };
    expect(shown).toEqual({
      step,
      hop: hop.hop,
      explain: hop.text,
      lit: expectedParts(hop, la57).sort(),
    });
  }
}

describe("page-table designs and 2 MiB pages on the page", () => {
  const harness = harnessForSuite();

  it("la57 and inverted: hop names, sentences and lit walker boxes are explain's", async () => {
    const context = await harness().browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));

    // la57, the first write: PML5, then the four levels; a fault; the walk again.
    const la57 = scenario("la57");
    const la57Hops = cliExplain(la57, "design-la57", 1);
    expect(la57Hops.map((hop) => hop.hop)).toContain("walk PML5");
    await followAccess(page, harness().baseUrl, la57, 1, la57Hops, true);
    expect(await walkerBoxes(page)).toEqual([
      "walk-pml5",
      "walk-pgd",
      "walk-pud",
      "walk-pmd",
      "walk-pte",
    ]);
    expect(await text(page, '[data-testid="walker"] .group-label')).toBe(
      "page walker · la57, 5 levels",
    );
    expect(await text(page, '[data-field="PML5"] .part-value')).toBe("0");
    await page.locator('[data-testid="diagram"]').screenshot({ path: `${RESULTS}/web-la57.png` });

    // inverted, the parent's read after the child's: the frame's entry is tagged with the
    // child's (PID, page), so the walk misses the chain and hash_page refills it.
    const inverted = scenario("inverted");
    const invertedHops = cliExplain(inverted, "design-inverted", 3);
    const names = invertedHops.map((hop) => hop.hop);
    expect(names).toContain("walk anchor");
    expect(names).toContain("refill anchor");
    expect(names).toContain("refill chain 1");
    await followAccess(page, harness().baseUrl, inverted, 3, invertedHops, false);
    expect(await walkerBoxes(page)).toEqual(["walk-anchor", "walk-chain", "walk-refill"]);
    expect(await text(page, '[data-testid="walker"] .group-label')).toBe(
      "page walker · hash anchor + chain",
    );
    // The address split shows the bucket the anchor read named.
    const anchor = invertedHops.find((hop) => hop.hop === "walk anchor");
    const bucket = /bucket (\d+)/.exec(anchor?.text ?? "")?.[1];
    expect(bucket).toBeDefined();
    expect(await text(page, '[data-field="bucket"] .part-value')).toBe(bucket);
    await page
      .locator('[data-testid="diagram"]')
      .screenshot({ path: `${RESULTS}/web-inverted.png` });
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it("huge-pages: a hit in the L1's 2 MiB array lights dTLB 2M", async () => {
    const huge = BUILTIN_SCENARIOS.find((candidate) => candidate.name === "huge-pages");
    if (huge === undefined) throw new Error("huge-pages is missing");
    const recording = recordScenario(huge.source, "huge-pages.vms");
    const index = recording.accesses.findIndex((access) => {
      const first = access.hops[0];
      return first?.hop === HOP_L1_TLB && first.outcome === OUTCOME_HIT && first.huge === true;
    });
    expect(index).toBeGreaterThan(0);
    const context = await harness().browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${harness().baseUrl}?scenario=huge-pages`);
    await expect
      .poll(() => text(page, '[data-testid="position"]'), { timeout: 30_000 })
      .toBe(`access 1 of ${recording.accesses.length}`);
    expect(await text(page, '[data-part="dtlb2m"] .part-holds')).toBe("32 × 4-way");
    expect(await text(page, '[data-part="itlb2m"] .part-holds')).toBe("8 × fully assoc.");
    await goToAccess(page, index);
    await page.keyboard.press("ArrowRight");
    expect(await litParts(page)).toEqual(["dtlb2m"]);
    expect(await text(page, '[data-testid="explain"]')).toContain(
      "The entry is in the L1's 2 MiB array (dTLB 2M)",
    );
    await page.locator('[data-testid="diagram"]').screenshot({ path: `${RESULTS}/web-huge.png` });
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
