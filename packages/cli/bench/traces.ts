/**
 * Trace-simulation benchmark (part of `npm run bench`): the whole `vmscope sim` process (start,
 * parse, simulate) on the zipf1.0 reference trace of ../shared/traces, 10 million references,
 * from text and from libCacheSim's oracleGeneral binary format, checking every miss count
 * against libCacheSim's.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nextUseTimes } from "@vmscope/engine";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const BIN = resolve(ROOT, "packages/cli/bin/vmscope.js");
const GENERATOR = resolve(ROOT, "../shared/traces/gen_traces.mjs");
const CACHE = resolve(ROOT, "node_modules/.cache/vmscope-traces");

/** libCacheSim's misses on zipf1.0 (../shared/traces/README.md). */
const EXPECTED: Record<string, Record<number, number>> = {
  lru: { 7634: 4_365_433, 76341: 2_461_922 },
  fifo: { 7634: 4_717_477, 76341: 2_769_215 },
  clock: { 7634: 4_267_700, 76341: 2_389_224 },
};

/** The reference traces, generated once (about 12 s) and kept in node_modules/.cache. */
export function ensureReferenceTraces(): string | null {
  if (existsSync(resolve(CACHE, "zipf1.0.txt"))) return CACHE;
  if (!existsSync(GENERATOR)) return null;
  mkdirSync(CACHE, { recursive: true });
  const run = spawnSync(process.execPath, [GENERATOR, CACHE, "10000000", "1000000"], {
    stdio: "inherit",
  });
  return run.status === 0 ? CACHE : null;
}

/** Write `zipf1.0.oracleGeneral`: 24-byte records with the next access time, as libCacheSim does. */
export function ensureOracleTrace(directory: string): string {
  const target = resolve(directory, "zipf1.0.oracleGeneral");
  if (existsSync(target)) return target;
  const words = new Uint32Array(readFileSync(resolve(directory, "zipf1.0.u32")).buffer.slice(0));
  const high = new Uint32Array(words.length);
  const next = nextUseTimes(high, words);
  const records = new DataView(new ArrayBuffer(words.length * 24));
  for (let time = 0; time < words.length; time++) {
    const base = time * 24;
    records.setUint32(base, time, true);
    records.setUint32(base + 4, words[time] as number, true);
    records.setUint32(base + 8, 0, true);
    records.setUint32(base + 12, 1, true);
    const nextUse = next[time] as number;
    // libCacheSim stores the 1-based index of the next request, -1 when there is none.
    records.setBigInt64(base + 16, nextUse === Infinity ? -1n : BigInt(nextUse + 1), true);
  }
  writeFileSync(target, new Uint8Array(records.buffer));
  return target;
}

/** Run the vmscope command with `args`; its JSON output and the wall-clock seconds it took. */
function timed(args: string[]): { output: unknown; seconds: number } {
  const start = performance.now();
  const run = spawnSync(process.execPath, [BIN, ...args, "--json"], { encoding: "utf8" });
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0) throw new Error(`vmscope ${args[0]} failed: ${run.stderr}`);
  return { output: JSON.parse(run.stdout), seconds };
}

function simulate(
  file: string,
  policy: string,
  frames: number,
): { misses: number; seconds: number } {
  const { output, seconds } = timed(["sim", file, "--policy", policy, "--frames", String(frames)]);
  return { misses: (output as { misses: number }).misses, seconds };
}

function main(): void {
  const directory = ensureReferenceTraces();
  if (directory === null) {
    console.log("trace benchmark skipped: ../shared/traces/gen_traces.mjs not found");
    return;
  }
  const files = {
    text: resolve(directory, "zipf1.0.txt"),
    oracleGeneral: ensureOracleTrace(directory),
  };
  const references = 10_000_000;
  let mismatches = 0;
  for (const [format, file] of Object.entries(files)) {
    for (const [policy, sizes] of Object.entries(EXPECTED)) {
      for (const [frames, expected] of Object.entries(sizes)) {
        const { misses, seconds } = simulate(file, policy, Number(frames));
        const verdict = misses === expected ? "= libCacheSim" : `!= libCacheSim ${expected}`;
        if (misses !== expected) mismatches++;
        console.log(
          `vmscope sim zipf1.0 (${format.padEnd(13)}) ${policy.padEnd(5)} ${frames.padStart(6)} frames` +
            `  ${(references / seconds / 1e6).toFixed(1).padStart(5)} M refs/s  ${misses} misses ${verdict}`,
        );
      }
    }
  }
  // The exact LRU curve for every size, against one LRU run at the larger size.
  const lru = simulate(files.text, "lru", 76341);
  const curve = timed(["mrc", files.text, "--sizes", "7634,76341"]);
  const misses = (curve.output as { curve: { misses: number }[] }).curve.map(
    (point) => point.misses,
  );
  const exact = misses[0] === EXPECTED.lru?.[7634] && misses[1] === EXPECTED.lru?.[76341];
  if (!exact) mismatches++;
  console.log(
    `vmscope mrc zipf1.0 (text, exact LRU curve, all sizes)  ${(references / curve.seconds / 1e6).toFixed(1)} M refs/s` +
      `  ${(curve.seconds / lru.seconds).toFixed(2)}x one LRU run  ${exact ? "= libCacheSim at both sizes" : "MISMATCH"}`,
  );
  if (mismatches > 0) process.exitCode = 1;
}

main();
