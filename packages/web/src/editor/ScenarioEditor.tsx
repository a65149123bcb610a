/**
 * The scenario editor: the source of what the page runs, editable, with line numbers; "Run"
 * re-records it; an error is shown at its line; "Share" puts the source in the link; the
 * machine settings rewrite the `machine` statement and run again.
 */
import { useEffect, useRef, useState } from "react";
import type { SimulationStore, ViewState } from "../store.js";
import {
  EDITABLE_MACHINE_KEYS,
  type EditableMachineKey,
  engineTakesOption,
  machineOptionError,
  machinePolicyNames,
  presetChoices,
  readMachineOptions,
  setMachineOptions,
} from "./machine_line.js";
import { sourceHash } from "./share.js";

/** Height of one editor line in px: the gutter and the error mark follow the text by it. */
const LINE_PX = 20;
const PADDING_PX = 6;

export function ScenarioEditor({ store, view }: { store: SimulationStore; view: ViewState }) {
  const [draft, setDraft] = useState(view.source);
  const [shareLink, setShareLink] = useState<string | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const gutter = useRef<HTMLDivElement | null>(null);

  // A new run (a built-in picked, a link opened, settings applied) replaces the text.
  useEffect(() => {
    setDraft(view.source);
  }, [view.source]);

  useEffect(() => {
    if (gutter.current !== null) gutter.current.scrollTop = scrollTop;
  }, [scrollTop]);

  const lineCount = draft.split("\n").length;
  const dirty = draft !== view.source;
  const errorLine = !dirty && view.errorAt !== null ? view.errorAt.line : null;

  const run = (source: string) => {
    setShareLink(null);
    store.run(source);
  };

  return (
    <section className="editor" aria-label="Scenario editor">
      <h2>Scenario source</h2>
      <div className="editor-box">
        <div className="gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lineCount }, (_, index) => (
            <div
              // biome-ignore lint/suspicious/noArrayIndexKey: line numbers are their own identity
              key={index}
              className={index + 1 === errorLine ? "gutter-line error-line" : "gutter-line"}
            >
              {index + 1}
            </div>
          ))}
        </div>
        <div className="editor-text">
          {errorLine !== null && (
            <div
              className="error-mark"
              data-testid="error-mark"
              data-line={errorLine}
              style={{ top: PADDING_PX + (errorLine - 1) * LINE_PX - scrollTop }}
            />
          )}
          <textarea
            data-testid="source"
            aria-label="Scenario source"
            aria-invalid={errorLine !== null}
            value={draft}
            spellCheck={false}
            wrap="off"
            rows={Math.min(18, Math.max(8, lineCount + 1))}
            onChange={(event) => setDraft(event.target.value)}
            onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                run(draft);
              }
            }}
          />
        </div>
      </div>
      {view.errorAt !== null && (
        <p className="error editor-error" data-testid="editor-error" role="alert">
          Line {view.errorAt.line}, column {view.errorAt.col}: {view.errorAt.reason}
          {dirty ? " (in the last run; edited since)" : ""}
        </p>
      )}
      <div className="editor-actions">
        <button type="button" onClick={() => run(draft)}>
          Run
        </button>
        <button type="button" onClick={() => setDraft(view.source)} disabled={!dirty}>
          Revert
        </button>
        <button
          type="button"
          onClick={() => {
            const hash = sourceHash(draft);
            history.replaceState(null, "", `${location.pathname}${location.search}${hash}`);
            setShareLink(location.href);
            navigator.clipboard?.writeText(location.href).catch(() => {});
          }}
        >
          Share as link
        </button>
        <span className="hint">Ctrl+Enter runs.{dirty ? " Edited: press Run to see it." : ""}</span>
      </div>
      {shareLink !== null && (
        <label className="share">
          Link{" "}
          <input
            readOnly
            value={shareLink}
            data-testid="share-link"
            onFocus={(event) => event.currentTarget.select()}
          />
        </label>
      )}
      <MachineSettings source={draft} onApply={run} />
    </section>
  );
}

const FIELD_LABELS: Record<EditableMachineKey, string> = {
  ram: "RAM",
  swap: "Swap",
  cpu: "CPU",
  pcid: "PCID",
  dtlb: "dTLB",
  stlb: "STLB",
  policy: "Reclaim policy",
  disk: "Disk",
};
const PLACEHOLDERS: Record<string, string> = {
  ram: "256M",
  swap: "0 (none)",
  dtlb: "64x4",
  stlb: "1536x12",
};

/** The choices of a select field: [value, label]; "" is the engine's default. */
function selectChoices(key: EditableMachineKey, current: string): [string, string][] | null {
  let choices: [string, string][];
  switch (key) {
    case "pcid":
      choices = [
        ["", "default (on)"],
        ["on", "on"],
        ["off", "off"],
      ];
      break;
    case "policy":
      choices = [
        ["", "linux lists (default)"],
        ...machinePolicyNames().map((name): [string, string] => [name, name]),
      ];
      break;
    case "disk":
    case "cpu":
      choices = [
        ["", key === "disk" ? "default (nvme)" : "default (skylake)"],
        ...presetChoices(key).map((name): [string, string] => [name, name]),
      ];
      break;
    default:
      return null;
  }
  // A value the list does not have (clock:bits=2, a preset the page does not know) stays.
  if (current !== "" && !choices.some(([value]) => value === current))
    choices.push([current, current]);
  return choices;
}

/** The machine form: fields start from the source's `machine` line; Apply rewrites it and runs. */
function MachineSettings({
  source,
  onApply,
}: {
  source: string;
  onApply: (source: string) => void;
}) {
  const fromSource = () => {
    const values: Record<string, string> = {};
    for (const option of readMachineOptions(source)) values[option.key] = option.value;
    return values;
  };
  const [values, setValues] = useState<Record<string, string>>(fromSource);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const machineLine = JSON.stringify(readMachineOptions(source));
  // Options the engine does not take yet (cpu= before CPU presets) are not offered.
  const shownKeys = EDITABLE_MACHINE_KEYS.filter(engineTakesOption);

  // The source changed under the form (edited, another scenario): show its options.
  // biome-ignore lint/correctness/useExhaustiveDependencies: machineLine stands for the options
  useEffect(() => {
    setValues(fromSource());
    setErrors({});
  }, [machineLine]);

  const apply = () => {
    const found: Record<string, string> = {};
    const changes: Record<string, string> = {};
    for (const key of shownKeys) {
      const value = values[key] ?? "";
      const problem = machineOptionError(key, value);
      if (problem !== null) found[key] = problem;
      changes[key] = value;
    }
    setErrors(found);
    if (Object.keys(found).length === 0) onApply(setMachineOptions(source, changes));
  };

  return (
    <form
      className="machine-settings"
      aria-label="Machine settings"
      onSubmit={(event) => {
        event.preventDefault();
        apply();
      }}
    >
      <h3>Machine</h3>
      {shownKeys.map((key) => {
        const choices = selectChoices(key, values[key] ?? "");
        return (
          <div className="field" key={key}>
            <label htmlFor={`machine-${key}`}>{FIELD_LABELS[key]}</label>{" "}
            {choices !== null ? (
              <select
                id={`machine-${key}`}
                value={values[key] ?? ""}
                data-machine={key}
                onChange={(event) => setValues({ ...values, [key]: event.target.value })}
              >
                {choices.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={`machine-${key}`}
                type="text"
                size={8}
                value={values[key] ?? ""}
                placeholder={PLACEHOLDERS[key]}
                data-machine={key}
                aria-invalid={errors[key] !== undefined}
                spellCheck={false}
                onChange={(event) => setValues({ ...values, [key]: event.target.value })}
              />
            )}
            {errors[key] !== undefined && (
              <span className="field-error" data-testid={`machine-error-${key}`}>
                {errors[key]}
              </span>
            )}
          </div>
        );
      })}
      <button type="submit">Apply and run</button>
    </form>
  );
}
