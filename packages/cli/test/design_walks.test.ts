/**
 * Golden outputs of `show walk` and `vmscope explain --access N` on every page-table design: the
 * walk in each design's own terms (la57's PML5, multilevel's levels and index bits, linear's one
 * entry, inverted's hash anchor and chain). Regenerate after a deliberate change with
 * `VMSCOPE_UPDATE_GOLDEN=1 npx vitest run packages/cli/test/design_walks.test.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { scratchDirectory, vmscope } from "./run_vmscope.js";

const { file: scenarioFile } = scratchDirectory("vmscope-design-walks-");
const goldenDirectory = join(dirname(fileURLToPath(import.meta.url)), "golden");

/** Two pages touched, then one walked again and one not yet mapped; psc=off so la57 reads its PML5. */
const SCENARIO = `machine pagetable=DESIGN psc=off
spawn app
app: p = malloc 64
app: q = mmap 64K
app: touch q 8K write
app: read q 8
show walk app q
show walk app q+16K
`;

const DESIGNS = ["x86-64", "la57", "linear", "multilevel:10,10", "inverted"];

function golden(name: string, actual: string): void {
  const path = join(goldenDirectory, name);
  if (process.env.VMSCOPE_UPDATE_GOLDEN === "1" || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

describe.each(DESIGNS)("%s", (design) => {
  const file = design.replace(":", "-").replaceAll(",", "_");
  const path = scenarioFile(`${file}.vms`, SCENARIO.replace("DESIGN", design));

  it("show walk prints the walk in the design's terms", () => {
    const run = vmscope("run", path);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    golden(`walk-${file}.txt`, run.stdout.replaceAll(path, "SCENARIO"));
  });

  it("explain --access tells a fault and the retried walk in the design's terms", () => {
    // Access 8: the first write to q+4K, a TLB miss that walks, faults and walks again.
    const run = vmscope("explain", path, "--access", "8");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    golden(`explain-${file}.txt`, run.stdout.replaceAll(path, "SCENARIO"));
  });
});
