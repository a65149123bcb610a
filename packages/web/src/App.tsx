import { BUILTIN_SCENARIOS } from "@vmscope/engine";
import { useEffect, useState, useSyncExternalStore } from "react";
import { addressFields } from "./address_split.js";
import { MachineDiagram } from "./diagram/MachineDiagram.js";
import { eventNotes, partsOfHop } from "./diagram/model.js";
import { ScenarioEditor } from "./editor/ScenarioEditor.js";
import {
  designTerms,
  explainDetail,
  explainHop,
  explainIssue,
  journeyHopName,
  kindName,
  outcomeName,
  outcomeTone,
} from "./explain.js";
// --- projector mode (packages/web/src/LargeText.tsx) ---
import { LargeTextToggle } from "./LargeText.js";
// --- end projector mode ---
// --- machine-state panels (packages/web/src/panels) ---
import { Counters } from "./panels/Counters.js";
import { MachinePanels } from "./panels/MachinePanels.js";
// --- end machine-state panels ---
// --- recording in a worker (packages/web/src/record) ---
import { pickedScenario, RecordingStatus } from "./record/RecordingStatus.js";
// --- end recording in a worker ---
import { type AccessRecord, hex, type ProcessSnapshot, splitAddress } from "./recording.js";
import { CUSTOM_SCENARIO, type SimulationStore, SPEEDS, type ViewState } from "./store.js";
import { TracePanel } from "./traces/TracePanel.js";

/** Do what a key asks; false when the key means nothing here. */
function keyAction(store: SimulationStore, key: string): boolean {
  switch (key) {
    case "ArrowRight":
      store.stepForward();
      return true;
    case "ArrowLeft":
      store.stepBack();
      return true;
    case " ":
      store.togglePlay();
      return true;
    case "f":
      store.nextFault();
      return true;
    case "e":
      store.runToEnd();
      return true;
    default:
      return false;
  }
}

export function App({ store }: { store: SimulationStore }) {
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [selectedPid, setSelectedPid] = useState<number | null>(null);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target;
      if (target instanceof HTMLSelectElement || target instanceof HTMLInputElement) return;
      if (target instanceof HTMLTextAreaElement) return; // the scenario editor
      if (keyAction(store, event.key)) event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [store]);

  const builtin = BUILTIN_SCENARIOS.find((scenario) => scenario.name === view.scenario);
  const processes = view.machine?.processes ?? [];
  const shownPid =
    selectedPid !== null && processes.some((process) => process.pid === selectedPid)
      ? selectedPid
      : (view.access?.pid ?? processes[0]?.pid ?? null);
  const shown = processes.find((process) => process.pid === shownPid);

  return (
    <div className="page">
      <header>
        <h1>vmscope</h1>
        <p className="tagline">
          Follow each memory access through a simulated x86-64 Linux machine.
        </p>
        {/* --- projector mode --- */}
        <LargeTextToggle />
        {/* --- end projector mode --- */}
      </header>
      <section className="scenario" aria-label="Scenario">
        <label>
          Walkthrough{" "}
          <select
            value={pickedScenario(view, CUSTOM_SCENARIO)}
            data-testid="scenario"
            onChange={(event) => {
              setSelectedPid(null);
              store.load(event.target.value);
              // An edited scenario's link no longer describes what is shown.
              if (location.hash !== "")
                history.replaceState(null, "", location.pathname + location.search);
            }}
          >
            {view.scenario === CUSTOM_SCENARIO && (
              <option value={CUSTOM_SCENARIO} disabled>
                Edited scenario
              </option>
            )}
            {BUILTIN_SCENARIOS.map((scenario) => (
              <option key={scenario.name} value={scenario.name}>
                {scenario.title}
              </option>
            ))}
          </select>
        </label>
        <p className="description">
          {builtin?.description ?? "Your own scenario, from the editor below or a shared link."}
        </p>
      </section>
      {view.error !== null && view.errorAt === null && (
        <p className="error" role="alert">
          {view.error}
        </p>
      )}
      <Controls store={store} view={view} />
      {/* --- recording in a worker --- */}
      <RecordingStatus store={store} view={view} />
      {/* --- end recording in a worker --- */}
      <main className="panels">
        <section className="journey" aria-label="Current access">
          {view.access === null ? (
            <p>
              {view.recording === null && view.pending !== null
                ? "Recording the scenario…"
                : "This scenario makes no memory accesses."}
            </p>
          ) : (
            <Journey view={view} access={view.access} processes={processes} />
          )}
        </section>
        {/* --- machine-state panels --- */}
        <MachinePanels view={view} file={`${view.scenario}.vms`} pid={shownPid} />
        {/* --- end machine-state panels --- */}
        <Counters view={view} processes={processes} />
        <section className="maps" aria-label="Memory map">
          <h2>
            /proc/{shownPid ?? "PID"}/maps{" "}
            {processes.length > 1 && (
              <select
                aria-label="Process"
                value={shownPid ?? ""}
                onChange={(event) => setSelectedPid(Number(event.target.value))}
              >
                {processes.map((process) => (
                  <option key={process.pid} value={process.pid}>
                    {process.name} ({process.pid})
                  </option>
                ))}
              </select>
            )}
          </h2>
          <pre data-testid="maps">{mapsText(shown)}</pre>
        </section>
        {view.recording !== null &&
          (view.recording.signals.length > 0 || view.recording.failedExpects.length > 0) && (
            <section className="notes" aria-label="Signals and expectations">
              <h2>During the run</h2>
              <ul>
                {view.recording.signals.map((line) => (
                  <li key={line}>{line}</li>
                ))}
                {view.recording.failedExpects.map((line) => (
                  <li key={line}>expectation failed: {line}</li>
                ))}
              </ul>
            </section>
          )}
      </main>
      {/* --- scenario editor and traces --- */}
      <div className="workbench">
        <ScenarioEditor store={store} view={view} />
        <TracePanel />
      </div>
      {/* --- end scenario editor and traces --- */}
      <footer>Keys: → step, ← back, space play/pause, f next fault, e run to end.</footer>
    </div>
  );
}

function mapsText(process: ProcessSnapshot | undefined): string {
  if (process === undefined) return "(no process yet)";
  if (process.state !== "running") return `(${process.name} has ${process.state})`;
  return process.maps;
}

function Controls({ store, view }: { store: SimulationStore; view: ViewState }) {
  const accessCount = view.recording?.accesses.length ?? 0;
  const last = view.frameCount === 0 || view.frame >= view.frameCount - 1;
  return (
    <section className="controls" aria-label="Playback">
      <button type="button" onClick={() => store.stepBack()} disabled={view.frame === 0}>
        ◀ Step back
      </button>
      <button type="button" onClick={() => store.togglePlay()} disabled={view.frameCount === 0}>
        {view.playing ? "❚❚ Pause" : "▶ Play"}
      </button>
      <button type="button" onClick={() => store.stepForward()} disabled={last}>
        Step forward ▶
      </button>
      <button type="button" onClick={() => store.nextFault()} disabled={last}>
        Next fault
      </button>
      <button type="button" onClick={() => store.runToEnd()} disabled={last}>
        Run to end
      </button>
      <label>
        Speed{" "}
        <select
          value={view.speed}
          aria-label="Speed"
          onChange={(event) => store.setSpeed(Number(event.target.value))}
        >
          {SPEEDS.map((speed) => (
            <option key={speed} value={speed}>
              {speed}×
            </option>
          ))}
        </select>
      </label>
      <GoToAccess store={store} count={accessCount} />
      <span className="position" data-testid="position">
        {view.access === null
          ? "no accesses"
          : `access ${view.access.index + 1} of ${accessCount}${view.recording?.truncated ? " (recording stopped early)" : ""}`}
      </span>
    </section>
  );
}

/** A number field that jumps to an access (1-based, as the position line counts them). */
function GoToAccess({ store, count }: { store: SimulationStore; count: number }) {
  const [text, setText] = useState("");
  return (
    <form
      className="goto"
      onSubmit={(event) => {
        event.preventDefault();
        const number = Number(text);
        if (Number.isInteger(number) && number >= 1) store.goToAccess(number - 1);
      }}
    >
      <label>
        Go to access{" "}
        <input
          type="number"
          min={1}
          max={Math.max(1, count)}
          value={text}
          data-testid="goto-access"
          disabled={count === 0}
          onChange={(event) => setText(event.target.value)}
        />
      </label>
    </form>
  );
}

function Journey({
  view,
  access,
  processes,
}: {
  view: ViewState;
  access: AccessRecord;
  processes: readonly ProcessSnapshot[];
}) {
  const offset = splitAddress(access.address).offset;
  const name = processes.find((process) => process.pid === access.pid)?.name ?? "process";
  const hop = view.hopIndex >= 0 ? access.hops[view.hopIndex] : undefined;
  let spent = 0;
  for (let index = 0; index <= view.hopIndex; index++) spent += access.hops[index]?.cycles ?? 0;
  const hardware = view.recording?.hardware;
  const terms = designTerms(hardware?.pagetable ?? "x86-64");
  // The field whose entry the hop shown reads is lit.
  const litPart = hop === undefined ? null : (partsOfHop(hop, access, terms)[0] ?? null);
  const fields = addressFields(access.address, terms, access.pid, hardware?.ramFrames ?? 0);
  return (
    <>
      <h2>
        Access {access.index + 1}:{" "}
        <span className={`kind kind-${kindName(access.kind).toLowerCase()}`}>
          {kindName(access.kind)}
        </span>{" "}
        by {name} (pid {access.pid})
      </h2>
      {view.recording !== null && (
        <MachineDiagram
          access={access}
          hopIndex={view.hopIndex}
          snapshot={view.machine}
          hardware={view.recording.hardware}
        >
          <div className="address" data-testid="address">
            <span className="va">{hex(access.address, 12)}</span>
            {fields.map((field) => (
              <span
                key={field.label}
                className={`part${litPart === field.part ? " lit" : ""}`}
                data-field={field.label}
                title={`${field.label} (bits ${field.bits})`}
              >
                <span className="part-label">{field.label}</span>
                <span className="part-value">{field.value}</span>
              </span>
            ))}
            <span className="part" title="offset in the page (bits 11-0)">
              <span className="part-label">offset</span>
              <span className="part-value">{hex(offset, 3)}</span>
            </span>
          </div>
        </MachineDiagram>
      )}
      <p className="explain" data-testid="explain" aria-live="polite">
        {hop === undefined
          ? explainIssue(access, name)
          : `${explainHop(hop, access, terms)} ${explainDetail(hop, access, view.recording?.hardware.timing.cyclesPerNs ?? 0)}`.trim()}
      </p>
      {eventNotes(access, view.hopIndex).map((note) => (
        <p className="reclaim-note" data-testid="event-note" key={note}>
          {note}
        </p>
      ))}
      <dl className="totals">
        <div>
          <dt>This access</dt>
          <dd data-testid="access-cycles">
            {spent} of {access.totalCycles} cycles
          </dd>
        </div>
        <div>
          <dt>Running total</dt>
          <dd data-testid="total-cycles">{access.cyclesBefore + spent} cycles</dd>
        </div>
        <div>
          <dt>Physical address</dt>
          <dd>
            {view.hopIndex === access.hops.length - 1
              ? access.physicalAddress >= 0
                ? hex(access.physicalAddress)
                : "none (killed)"
              : "…"}
          </dd>
        </div>
      </dl>
      <ol className="chain" data-testid="chain">
        <li
          className={`hop cpu${view.hopIndex === -1 ? " current" : " past"}`}
          aria-current={view.hopIndex === -1 ? "step" : undefined}
        >
          <span className="hop-name">CPU</span>
          <span className="hop-outcome">{kindName(access.kind)}</span>
          <span className="hop-cycles">{access.size} B</span>
        </li>
        {access.hops.map((step, index) => {
          const when =
            index === view.hopIndex ? " current" : index < view.hopIndex ? " past" : " future";
          return (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: hops are a fixed, ordered record
              key={index}
              className={`hop tone-${outcomeTone(step)}${when}`}
              aria-current={index === view.hopIndex ? "step" : undefined}
            >
              <span className="hop-name">{journeyHopName(step, terms)}</span>
              <span className="hop-outcome">{outcomeName(step.outcome)}</span>
              <span className="hop-cycles">{step.cycles} cyc</span>
            </li>
          );
        })}
      </ol>
    </>
  );
}
