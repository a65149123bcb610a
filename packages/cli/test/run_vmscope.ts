/** Test helper: run the built `vmscope` command and capture what it prints. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/vmscope.js", import.meta.url));

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function vmscope(...args: string[]): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh temporary directory, and a function that writes files into it. */
export function scratchDirectory(prefix: string): {
  directory: string;
  file: (name: string, content: string | Buffer) => string;
} {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  return {
    directory,
    file(name, content) {
      const path = join(directory, name);
      writeFileSync(path, content);
      return path;
    },
  };
}
