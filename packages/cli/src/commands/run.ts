import { readFile } from "node:fs/promises";
import {
  BUILTIN_SCENARIOS,
  findBuiltin,
  parseScenario,
  type RunResult,
  runScenario,
  ScenarioError,
} from "@vmscope/engine";
import { EXIT_EXPECT_FAILED, EXIT_OK, InputError } from "../errors.js";
import { EventsProbe } from "../events.js";
import { formatRun } from "../format.js";

interface RunOptions {
  json?: boolean;
  check?: boolean;
  events?: string;
}

/** `vmscope run FILE.vms | NAME`: run a scenario and print its reports, views and expects. */
export async function runCommand(target: string, options: RunOptions): Promise<number> {
  const { source, file } = await loadScenario(target);
  const events = options.events === undefined ? null : new EventsProbe(options.events);
  let result: RunResult;
  try {
    result = runScenario(parseScenario(source, file), {
      checkInvariants: options.check === true,
      ...(events === null ? {} : { probe: events }),
    });
  } catch (error) {
    if (error instanceof ScenarioError) throw new InputError(error.message);
    throw error;
  } finally {
    await events?.close();
  }
  process.stdout.write(
    options.json === true ? `${JSON.stringify(toJson(result))}\n` : formatRun(result),
  );
  return result.expects.every((expect) => expect.ok) ? EXIT_OK : EXIT_EXPECT_FAILED;
}

/** A path to a .vms file, or a built-in scenario's name. */
export async function loadScenario(target: string): Promise<{ source: string; file: string }> {
  const builtin = findBuiltin(target);
  if (builtin !== undefined && !target.includes("/") && !target.endsWith(".vms")) {
    return { source: builtin.source, file: `${builtin.name}.vms` };
  }
  try {
    return { source: await readFile(target, "utf8"), file: target };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    if (code === "ENOENT" && !target.endsWith(".vms")) {
      const names = BUILTIN_SCENARIOS.map((scenario) => scenario.name).join(", ");
      throw new InputError(`no file or built-in scenario "${target}"; built-ins: ${names}`);
    }
    throw new InputError(`cannot read ${target}: ${code}`);
  }
}

/** The `--json` object: reports, expects, signals, and notes of failed system calls. */
function toJson(result: RunResult) {
  const notes = result.output.flatMap((item) =>
    item.kind === "note" ? [{ line: item.line, text: item.text }] : [],
  );
  return { reports: result.reports, expects: result.expects, signals: result.signals, notes };
}
