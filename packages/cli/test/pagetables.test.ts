/**
 * End-to-end tests of `vmscope pagetables` and of `machine pagetable=` (the built command).
 */
import { describe, expect, it } from "vitest";
import { scratchDirectory, vmscope } from "./run_vmscope.js";

const { file: scenarioFile } = scratchDirectory("vmscope-pagetables-");

/**
 * A sparse process: a page of brk heap near the program (PGD index 170) and a page of mmap near
 * the top (PGD index 255): x86-64 needs a PGD and two PUD-PMD-PTE paths, 7 pages.
 */
const SPARSE = `machine ram=64M
spawn app
app: a = malloc 64
app: b = mmap 4K
app: touch b 4K write
show pagetable app b
`;

describe("vmscope pagetables", () => {
  it("compares every design on a built-in scenario, the 32-bit one with a 32-bit layout", () => {
    const run = vmscope("pagetables", "heap-write");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("page-table designs on heap-write.vms");
    expect(lines[1]).toMatch(/^design +tables +peak +kernel's 4-level +reads\/walk +walks +faults/);
    const row = (design: string) => lines.find((line) => line.startsWith(`${design} `)) ?? "";
    expect(row("x86-64")).toMatch(/^x86-64 +16 KiB +16 KiB +\(the same\) +2\.50 +2 +1 +0 /);
    expect(row("la57")).toMatch(/^la57 +20 KiB +20 KiB +\(the same\) +3\.50 +2 +1 /);
    expect(row("linear")).toMatch(/^linear +256 GiB\* +256 GiB\* +16 KiB +1\.00 +2 +1 /);
    expect(row("multilevel:12,12,11")).toMatch(
      /^multilevel:12,12,11 +80 KiB +80 KiB +16 KiB +2\.00 /,
    );
    expect(row("multilevel:10,10")).toMatch(
      /^multilevel:10,10 +16 KiB +16 KiB +16 KiB +1\.50 +2 +1 /,
    );
    expect(row("inverted")).toMatch(
      /^inverted +1\.25 MiB +1\.25 MiB +16 KiB +1\.50 .*chains: 1 in use/,
    );
    expect(run.stdout).toContain("* counted, not allocatable");
    expect(run.stdout).not.toContain("refused");
  });

  it("names an access beyond a narrower design's user space in the notes", () => {
    const run = vmscope("pagetables", "stack-growth", "--designs", "x86-64,multilevel:10,10");
    expect(run.status).toBe(0);
    const narrow = run.stdout.split("\n").find((line) => line.startsWith("multilevel:10,10 "));
    expect(narrow).toMatch(
      /app SIGSEGV at 0x7fffffedf000: beyond the 32-bit user space; an expect failed$/,
    );
  });

  it("--designs picks designs (a multilevel's bits may follow its commas); --json gives a row each", () => {
    const path = scenarioFile("sparse.vms", SPARSE);
    const run = vmscope(
      "pagetables",
      path,
      "--designs",
      "x86-64,multilevel:9,9,9,9,linear",
      "--json",
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.scenario).toBe(path);
    expect(json.designs.map((row: { design: string }) => row.design)).toEqual([
      "x86-64",
      "multilevel:9,9,9,9",
      "linear",
    ]);
    const [x86, tree, linear] = json.designs;
    expect(x86).toMatchObject({ refused: null, faults: 2, expectsHeld: true });
    expect(x86.tableBytes).toBe(7 * 4096);
    expect(tree.tableBytes).toBe(7 * 4096);
    // The same shape, and no walk here that a paging-structure cache could shorten.
    expect(tree.readsPerWalk).toBe(x86.readsPerWalk);
    expect(linear).toMatchObject({ tableBytes: 2 ** 38, notional: true, readsPerWalk: 1 });
  });

  it("an unknown design, or bad bits, is exit 2 with the valid forms", () => {
    const unknown = vmscope("pagetables", "heap-write", "--designs", "x86-64,hashed");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(
      /^vmscope: --designs: unknown page-table design "hashed"; valid: x86-64, la57, linear, multilevel:BITS/,
    );
    const bits = vmscope("pagetables", "heap-write", "--designs", "multilevel:30");
    expect(bits.status).toBe(2);
    expect(bits.stderr).toMatch(/1 to 20 index bits/);
    expect(vmscope("pagetables", "no-such-scenario").status).toBe(2);
  });
});

describe("machine pagetable=", () => {
  it("vmscope run shows the walk in the design's terms and keeps every expect", () => {
    const path = scenarioFile(
      "inverted.vms",
      SPARSE.replace("ram=64M", "ram=64M pagetable=inverted"),
    );
    const run = vmscope("run", path);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/inverted: one 16-byte entry per frame \(16384 frames\)/);
    expect(run.stdout).toMatch(/hash\(pid 1000, page 0x[0-9a-f]+\) = bucket \d+ of 16384/);
    expect(run.stdout).toContain("the kernel's own four-level table, which decides the result:");
  });

  it("a 32-bit design gives processes a 32-bit (compat) layout", () => {
    const path = scenarioFile(
      "narrow32.vms",
      "machine pagetable=multilevel:10,10\nspawn app\napp: p = malloc 1M\napp: touch p 1M write\n" +
        "expect app.minflt == 258\nshow maps app\n",
    );
    const run = vmscope("run", path);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^56555000-56556000 r--p 00000000 .* \/usr\/bin\/app$/m);
    expect(run.stdout).toMatch(/^5655a000-5657b000 rw-p .*\[heap\]$/m);
    expect(run.stdout).toMatch(/^f7efd000-f7ffe000 rw-p /m);
    expect(run.stdout).toMatch(/^fffdd000-ffffe000 rw-p .*\[stack\]$/m);
    expect(run.stdout).toContain("1 expect: 1 held, 0 failed");
  });

  it("a design too narrow for any process layout is exit 2 at the option", () => {
    const path = scenarioFile("narrow.vms", "machine pagetable=multilevel:5,5\nspawn app\n");
    const run = vmscope("run", path);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /narrow\.vms:1:9: pagetable=multilevel:5,5 translates 22-bit addresses \(4 MiB\), too small/,
    );
    const unknown = vmscope("run", scenarioFile("bad.vms", "machine pagetable=tree\nspawn app\n"));
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown page-table design "tree"; valid: x86-64, la57, linear/);
  });
});
