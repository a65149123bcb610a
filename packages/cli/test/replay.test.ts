/**
 * End-to-end tests of `vmscope replay` on small hand-written traces (the built CLI: run
 * `npx tsc -b packages/engine packages/cli` first).
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { scratchDirectory, vmscope } from "./run_vmscope.js";

const { file } = scratchDirectory("vmscope-replay-");

/** Stores to `pages` distinct pages from 0x600000, then loads of the same pages, then a vsyscall fetch. */
function storesThenLoads(pages: number): string {
  let text = "==77== Lackey, an example Valgrind tool\n";
  for (let page = 0; page < pages; page++)
    text += ` S ${(0x600000 + page * 4096).toString(16)},8\n`;
  for (let page = 0; page < pages; page++)
    text += ` L ${(0x600000 + page * 4096).toString(16)},8\n`;
  return `${text}I  ffffffffff600000,3\n==77== \n`;
}

describe("vmscope replay", () => {
  const trace = file("prog.lackey", storesThenLoads(20));

  it("prints a summary and the report: one fault per page written", () => {
    const run = vmscope("replay", trace);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      `replay of ${trace} (lackey) as process prog (pid 1000): 41 records, 40 replayed`,
    );
    expect(run.stdout).toContain("mappings: 1 VMA made from the trace's addresses (no maps file)");
    expect(run.stdout).toContain("skipped: 1 record beyond user space");
    expect(run.stdout).toMatch(/simulated time: [\d.]+ us/);
    expect(run.stdout).toContain('== report "end of trace" (line 41) ==');
    expect(run.stdout).toMatch(/^prog +1000 +20 +0 +80 /m);
  });

  it("--json prints one object with the summary and the report", () => {
    const run = vmscope("replay", trace, "--json");
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.summary.outcome).toMatchObject({ records: 41, replayed: 40, beyondUserSpace: 1 });
    expect(json.summary.layout).toMatchObject({ source: "trace", vmas: 1 });
    expect(json.summary.maps).toBeNull();
    expect(json.report.processes.prog).toMatchObject({ minflt: 20, majflt: 0, rss_anon_kb: 80 });
    expect(json.report.vmstat.pgfault).toBe(20);
  });

  it("reads gzipped traces and the vmsim format", () => {
    const gzipped = file("gz.lackey.gz", gzipSync(storesThenLoads(5)));
    expect(JSON.parse(vmscope("replay", gzipped, "--json").stdout).report.processes.gz.minflt).toBe(
      5,
    );
    const vmsim = file("refs.vmsim", "0x600000 W\n0x601000 R\n0x600010 R\n");
    const json = JSON.parse(vmscope("replay", vmsim, "--json").stdout);
    expect(json.summary.format).toBe("vmsim");
    expect(json.report.processes.refs.minflt).toBe(2);
  });

  it("uses TRACE.maps when it exists, says so, and --no-maps ignores it", () => {
    const withMaps = file("mapped.lackey", storesThenLoads(3));
    file(
      "mapped.lackey.maps",
      "00600000-00602000 r--p 00000000 00:00 0 \n00700000-00701000 r-xp 00000000 08:01 5 /bin/x\n",
    );
    const run = vmscope("replay", withMaps);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      `mappings: 2 VMAs from ${withMaps}.maps (found next to the trace; --no-maps ignores it)`,
    );
    // The first two pages are stored to although the maps say r--; the third is outside.
    expect(run.stdout).toContain(
      "00600000-00602000 (line 1) widened from r-- to rw-: the trace did that there",
    );
    expect(run.stdout).toContain(
      "2 accesses to 1 page outside every maps entry: 1 anonymous mapping added for them",
    );
    const ignored = vmscope("replay", withMaps, "--no-maps", "--json");
    expect(JSON.parse(ignored.stdout).summary.layout.source).toBe("trace");
  });

  it("takes machine options and reports their errors clearly", () => {
    const small = vmscope("replay", trace, "--machine", "ram=16M swap=8M", "--json");
    expect(small.status).toBe(0);
    expect(JSON.parse(small.stdout).report.vmstat.nr_free_pages).toBeLessThan(4096);
    const bad = vmscope("replay", trace, "--machine", "ram=1X");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      'vmscope: --machine: ram must be a size from 4M to 1T in whole pages, not "1X"\n',
    );
    const word = vmscope("replay", trace, "--machine", "ram");
    expect(word.stderr).toMatch(/--machine takes key=value options, not "ram"; valid keys: ram, /);
  });

  it.each([
    [["missing.lackey"], "vmscope: missing.lackey: no such file\n"],
    [["-"], "vmscope: replay reads the trace twice: give a file, not - (standard input)\n"],
    [["TRACE", "--cache-model", "lru"], 'vmscope: unknown cache model "lru"; valid: cachegrind\n'],
    [
      ["TRACE", "--D1", "32768,8,64"],
      "vmscope: --I1, --D1 and --LL need --cache-model cachegrind\n",
    ],
    [
      ["TRACE", "--cache-model", "cachegrind", "--machine", "ram=64M"],
      "vmscope: --machine has no effect with --cache-model cachegrind\n",
    ],
  ])("rejects %j", (args, message) => {
    const run = vmscope("replay", ...args.map((arg) => (arg === "TRACE" ? trace : arg)));
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(message);
    expect(run.stdout).toBe("");
  });

  it("rejects a malformed maps file at its line, and traces without addresses", () => {
    const maps = file(
      "bad.maps",
      "00600000-00601000 rw-p 00000000 00:00 0\n00601000-00600000 rw-p 0 00:00 0\n",
    );
    const run = vmscope("replay", trace, "--maps", maps);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `vmscope: ${maps}:2: the end address must be above the start: "00601000-00600000 rw-p 0 00:00 0"\n`,
    );
    const pages = file("keys.txt", "1\n2\n3\n");
    const keys = vmscope("replay", pages, "--format", "pages");
    expect(keys.status).toBe(2);
    expect(keys.stderr).toContain(
      "a pages trace holds keys, not addresses; replay needs an address trace (lackey, vmsim, din)",
    );
    const garbage = vmscope("replay", file("bad.lackey", " L 12g4,8\n"), "--format", "lackey");
    expect(garbage.status).toBe(2);
    expect(garbage.stderr).toMatch(/bad\.lackey:1: .*" L 12g4,8"/);
  });
});
