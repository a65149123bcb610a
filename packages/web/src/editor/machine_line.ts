/**
 * Reading and rewriting a scenario's `machine key=value ...` statement (which may only be its
 * first statement), and checking one option with the engine's own rules. Pure: no DOM.
 */
import {
  CPU_PRESETS,
  DISK_PRESETS,
  MACHINE_OPTIONS,
  MachineConfigError,
  machineConfigFrom,
  POLICIES,
} from "@vmscope/engine";

/** The options the settings form edits, in the order they are written. */
export const EDITABLE_MACHINE_KEYS = [
  "ram",
  "swap",
  "cpu",
  "pcid",
  "dtlb",
  "stlb",
  "policy",
  "disk",
] as const;
export type EditableMachineKey = (typeof EDITABLE_MACHINE_KEYS)[number];

/** Preset names the page offers for `disk=` and `cpu=`: the engine's own tables. */
const KNOWN_PRESETS: Record<"disk" | "cpu", readonly string[]> = {
  disk: Object.keys(DISK_PRESETS),
  cpu: Object.keys(CPU_PRESETS),
};

/** Whether the engine's `machine` statement takes option `key`. */
export function engineTakesOption(key: string): boolean {
  return Object.hasOwn(MACHINE_OPTIONS, key);
}

/** The presets of `key` the engine accepts, in the page's order. */
export function presetChoices(key: "disk" | "cpu"): string[] {
  if (!engineTakesOption(key)) return [];
  return KNOWN_PRESETS[key].filter((name) => machineOptionError(key, name) === null);
}

/** The registry's policies a running machine can use (those that need the future cannot). */
export function machinePolicyNames(): string[] {
  return POLICIES.filter((policy) => !policy.needsFuture).map((policy) => policy.name);
}

export interface MachineOption {
  key: string;
  value: string;
}

/** Whether a line holds no statement (blank or a comment). */
function isBlank(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === "" || trimmed.startsWith("#");
}

/** Index of the first line holding a statement, or -1. */
function firstStatementLine(lines: readonly string[]): number {
  return lines.findIndex((line) => !isBlank(line));
}

/** Split a machine line into its options and its trailing comment (with its `#`, or ""). */
function splitMachineLine(line: string): { options: MachineOption[]; comment: string } | null {
  const hash = line.indexOf("#");
  const code = hash < 0 ? line : line.slice(0, hash);
  const comment = hash < 0 ? "" : line.slice(hash);
  const words = code.trim().split(/\s+/);
  if (words[0] !== "machine") return null;
  const options: MachineOption[] = [];
  for (const word of words.slice(1)) {
    const equals = word.indexOf("=");
    if (equals <= 0) continue;
    options.push({ key: word.slice(0, equals), value: word.slice(equals + 1) });
  }
  return { options, comment };
}

/** The options of the scenario's `machine` statement ([] when it has none). */
export function readMachineOptions(source: string): MachineOption[] {
  const lines = source.split("\n");
  const first = firstStatementLine(lines);
  if (first < 0) return [];
  return splitMachineLine(lines[first] as string)?.options ?? [];
}

/**
 * `source` with its machine statement setting `changes`: a key given a value is set (kept in
 * place when already there, appended otherwise); a key given "" is removed. Options not named
 * keep their values. Without a machine statement one is inserted before the first statement
 * (after any leading comments); when no option is left the statement is removed.
 */
export function setMachineOptions(
  source: string,
  changes: Readonly<Record<string, string>>,
): string {
  const lines = source.split("\n");
  let first = firstStatementLine(lines);
  const existing = first < 0 ? null : splitMachineLine(lines[first] as string);
  const options = (existing?.options ?? []).map((option) => ({ ...option }));
  for (const [key, raw] of Object.entries(changes)) {
    const value = raw.trim();
    const at = options.findIndex((option) => option.key === key);
    if (value === "") {
      if (at >= 0) options.splice(at, 1);
    } else if (at >= 0) {
      (options[at] as MachineOption).value = value;
    } else {
      options.push({ key, value });
    }
  }
  const text = options.map((option) => `${option.key}=${option.value}`).join(" ");
  if (existing !== null) {
    if (options.length === 0) lines.splice(first, 1);
    else {
      const comment = existing.comment === "" ? "" : `  ${existing.comment}`;
      lines[first] = `machine ${text}${comment}`;
    }
  } else if (options.length > 0) {
    if (first < 0) {
      // Only comments: after the last of them.
      first = lines.length;
      while (first > 0 && (lines[first - 1] as string).trim() === "") first--;
    }
    lines.splice(first, 0, `machine ${text}`);
  }
  return lines.join("\n");
}

/** The engine's complaint about `key=value` (MachineConfigError's text), or null when valid. */
export function machineOptionError(key: string, value: string): string | null {
  if (value.trim() === "") return null;
  try {
    machineConfigFrom([{ key, value: value.trim() }]);
    return null;
  } catch (error) {
    if (error instanceof MachineConfigError) return error.message;
    throw error;
  }
}
