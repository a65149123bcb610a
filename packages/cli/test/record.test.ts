/**
 * End-to-end tests of `vmscope record` on a tiny C program compiled here with gcc, then replayed.
 * They need valgrind and gcc; without them the tests that run a program are skipped, saying why.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Run, scratchDirectory, vmscope } from "./run_vmscope.js";

const BIN = fileURLToPath(new URL("../bin/vmscope.js", import.meta.url));

function onPath(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

const missing = ["valgrind", "gcc"].filter((tool) => !onPath(tool));
const skipReason = missing.length > 0 ? ` (skipped: ${missing.join(" and ")} not on PATH)` : "";

/** Writes a line, stores to eight pages of .bss, and exits with status 7. */
const PROGRAM = `#include <stdio.h>
static char pages[8 * 4096];
int main(int argc, char **argv) {
  for (int i = 0; i < (int)sizeof pages; i += 4096) pages[i] = 1;
  printf("tiny says %s\\n", argc > 1 ? argv[1] : "nothing");
  return pages[4096] + 6;
}
`;

/** vmscope in `cwd` with `env`. */
function vmscopeIn(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("vmscope record", () => {
  const { directory, file } = scratchDirectory("vmscope-record-test-");

  it("says how to install valgrind when it is missing, and runs nothing", () => {
    const run = vmscopeIn(
      directory,
      { PATH: join(directory, "no-such-bin") },
      "record",
      "--",
      "true",
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("valgrind is not installed");
    expect(run.stderr).toContain("sudo apt-get install valgrind");
    expect(existsSync(join(directory, "true.lackey.gz"))).toBe(false);
  });

  it("rejects a missing program and a missing command", () => {
    expect(vmscope("record", "--", join(directory, "nope")).stderr).toBe(
      `vmscope: ${join(directory, "nope")}: no such file\n`,
    );
    expect(vmscope("record").status).toBe(2);
  });

  it.skipIf(missing.length > 0)(
    `records a program's trace and maps, passes its status through, and replays them${skipReason}`,
    () => {
      const source = file("tiny.c", PROGRAM);
      const binary = join(directory, "tiny");
      const compiled = spawnSync("gcc", ["-O1", "-o", binary, source], { encoding: "utf8" });
      expect(compiled.stderr).toBe("");

      const run = vmscopeIn(directory, process.env, "record", "--", "./tiny", "hello");
      // The program's own output stays separate from the trace.
      expect(run.stdout).toBe("tiny says hello\n");
      expect(run.status).toBe(7);
      expect(run.stderr).toMatch(
        /vmscope: saved tiny\.lackey\.gz \([\d.]+ KiB gzip, \d+ records, \d+ pages touched\) and tiny\.lackey\.gz\.maps \(\d+ mappings of the program from \d+ samples/,
      );
      expect(run.stderr).toContain("vmscope: ./tiny exited with status 7");
      expect(run.stderr).toContain("next: vmscope replay tiny.lackey.gz");

      const trace = join(directory, "tiny.lackey.gz");
      expect(readFileSync(trace).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      const maps = readFileSync(`${trace}.maps`, "utf8");
      expect(maps).toMatch(/ r-xp [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ \d+ +.*\/tiny\n/);
      expect(maps).toMatch(/\/libc\.so\.6\n/);
      // Valgrind's own: its tool, the host's stack and kernel pages.
      expect(maps).not.toContain("lackey-amd64-linux");
      expect(maps).not.toContain("[stack]");
      expect(maps).not.toContain("[vsyscall]");

      const replayed = vmscope("replay", trace, "--json");
      expect(replayed.status).toBe(0);
      const json = JSON.parse(replayed.stdout);
      expect(json.summary.maps).toEqual({ path: `${trace}.maps`, found: true });
      expect(json.summary.outcome.signal).toBeNull();
      expect(json.summary.outcome.replayed).toBe(json.summary.outcome.records);
      const counters = json.report.processes.tiny;
      // At least the eight .bss pages, the stack and libc's data; a real run takes about 75.
      expect(counters.minflt).toBeGreaterThan(20);
      expect(counters.minflt).toBeLessThan(200);
      expect(counters.rss_file_kb).toBeGreaterThan(0);
    },
  );
});
