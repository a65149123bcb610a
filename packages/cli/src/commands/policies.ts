import { POLICIES } from "@vmscope/engine";
import { EXIT_OK } from "../errors.js";

/** `vmscope policies`: every replacement policy with its parameters and defaults. */
export function policiesCommand(options: { json?: boolean }): number {
  if (options.json === true) {
    const entries = POLICIES.map((policy) => ({
      name: policy.name,
      title: policy.title,
      description: policy.description,
      needsFuture: policy.needsFuture,
      params: policy.params,
    }));
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return EXIT_OK;
  }
  const lines: string[] = [];
  for (const policy of POLICIES) {
    lines.push(`${policy.name} — ${policy.title}`);
    lines.push(...wrap(policy.description, 76).map((line) => `    ${line}`));
    for (const [key, spec] of Object.entries(policy.params)) {
      lines.push(`    ${key}=${spec.default}  (${spec.min}..${spec.max}) ${spec.description}`);
    }
    lines.push("");
  }
  lines.push("Give parameters as NAME:key=value,... (e.g. clock:bits=2).");
  process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT_OK;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}
