import { BUILTIN_SCENARIOS } from "@vmscope/engine";
import { EXIT_OK } from "../errors.js";

/** `vmscope list`: the built-in scenarios, runnable with `vmscope run NAME`. */
export function listCommand(options: { json?: boolean }): number {
  if (options.json === true) {
    const entries = BUILTIN_SCENARIOS.map(({ name, title, description }) => ({
      name,
      title,
      description,
    }));
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return EXIT_OK;
  }
  const width = Math.max(...BUILTIN_SCENARIOS.map((scenario) => scenario.name.length));
  for (const scenario of BUILTIN_SCENARIOS) {
    process.stdout.write(`${scenario.name.padEnd(width)}  ${scenario.title}\n`);
  }
  process.stdout.write("\nRun one with: vmscope run NAME\n");
  return EXIT_OK;
}
