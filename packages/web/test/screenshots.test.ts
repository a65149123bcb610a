/**
 * The README's screenshots, taken from the built page in Debian's Chromium at 1366×768 and
 * written to docs/images/. They change only when the page does, so they are written only when
 * asked: VMSCOPE_SCREENSHOTS=1 npx vitest run packages/web/test/screenshots.test.ts
 */
import { mkdirSync, statSync } from "node:fs";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { harnessForSuite, ROOT, text } from "./browser_harness.js";

const IMAGES = `${ROOT}docs/images`;
/** Each image stays small enough to commit. */
const MAX_BYTES = 250 * 1024;
/** A trace for the policy table and charts: a hot set and a loop, 20,000 references. */
const TRACE = Array.from({ length: 20_000 }, (_, index) =>
  index % 3 === 0 ? 1000 + (index % 97) : (index * 7919) % 40,
).join("\n");
const BROKEN = `# a buffer, written, then a typo
spawn app
app: buf = malloc 64K
app: memset buf 1 64K
app: scribble buf
`;

/** An access of swap-in (1-based) that swaps its page back in from the disk: a major fault. */
const SWAP_IN_MAJOR = 12_289;

async function save(page: Page, name: string, selector: string | null): Promise<void> {
  const path = `${IMAGES}/${name}`;
  if (selector === null) await page.screenshot({ path });
  else await page.locator(selector).first().screenshot({ path });
  expect(statSync(path).size).toBeLessThan(MAX_BYTES);
}

describe.runIf(process.env.VMSCOPE_SCREENSHOTS === "1")("README screenshots", () => {
  beforeAll(() => {
    mkdirSync(IMAGES, { recursive: true });
  });
  const harness = harnessForSuite();

  it("writes the main views to docs/images", async () => {
    const { browser, baseUrl } = harness();
    const context = await browser.newContext({
      viewport: { width: 1366, height: 768 },
      reducedMotion: "reduce",
    });
    const page = await context.newPage();
    await page.goto(`${baseUrl}?scenario=heap-write`);
    await expect
      .poll(() => text(page, '[data-testid="position"]'), { timeout: 30_000 })
      .toMatch(/^access 1 of /);

    // The journey at the page fault, with the page-table panel beside it.
    await page.keyboard.press("f");
    expect(await text(page, '[data-testid="chain"] [aria-current="step"]')).toContain("page fault");
    await save(page, "web-journey-fault.png", null);

    // The TLB sets right after the faulting access completed.
    await page.getByRole("button", { name: "Run to end" }).click();
    await page.getByRole("tab", { name: "TLBs" }).click();
    await save(page, "web-tlb.png", ".machine-panels");

    // A trace file: the policy table and both charts.
    await page.locator('[aria-label="Frames"]').fill("16,32,48,64");
    await page.locator('[data-testid="trace-file"]').setInputFiles({
      name: "loop-and-hot.txt",
      mimeType: "text/plain",
      buffer: Buffer.from(TRACE),
    });
    await page.locator('[data-testid="trace-results"]').waitFor({ state: "visible" });
    await save(page, "web-trace-results.png", ".traces");

    // The editor with a syntax error marked at its line.
    await page.locator('[data-testid="source"]').fill(BROKEN);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.locator('[data-testid="editor-error"]').waitFor({ state: "visible" });
    await save(page, "web-editor-error.png", ".editor");

    // swap-in: the diagram at a major fault (the swap cache, the swap area and the disk lit),
    // then the LRU lists and the swap area right after it.
    await page.goto(`${baseUrl}?scenario=swap-in`);
    await expect
      .poll(() => text(page, '[data-testid="position"]'), { timeout: 30_000 })
      .toMatch(/^access 1 of /);
    const field = page.locator('[data-testid="goto-access"]');
    await field.fill(String(SWAP_IN_MAJOR));
    await field.press("Enter");
    await field.blur();
    await page.keyboard.press("f");
    expect(await text(page, '[data-testid="explain"]')).toContain("a major fault");
    await save(page, "web-diagram-swap-in.png", null);
    // Right after the access: its last hop.
    await field.fill(String(SWAP_IN_MAJOR + 1));
    await field.press("Enter");
    await field.blur();
    await page.keyboard.press("ArrowLeft");
    await page.getByRole("tab", { name: "LRU lists" }).click();
    await save(page, "web-lru.png", ".machine-panels");
    await page.getByRole("tab", { name: "Swap" }).click();
    await save(page, "web-swap.png", ".machine-panels");
    await context.close();
  }, 120_000);
});
