/** What the recording worker is doing: how far a run has got, and a way to stop it. */
import type { SimulationStore, ViewState } from "../store.js";
import "./record.css";

export function RecordingStatus({ store, view }: { store: SimulationStore; view: ViewState }) {
  const pending = view.pending;
  if (pending === null) return null;
  const receiving = pending.total > 0;
  const percent = receiving ? (100 * pending.received) / pending.total : undefined;
  return (
    <p className="recording-status" data-testid="recording-status" aria-live="polite">
      {receiving
        ? `Loading the recording of ${pending.scenario}: ${pending.received.toLocaleString("en-US")} of ${pending.total.toLocaleString("en-US")} accesses…`
        : `Recording ${pending.scenario}: ${pending.recorded.toLocaleString("en-US")} accesses…`}{" "}
      <progress max={100} value={percent} />{" "}
      <button type="button" onClick={() => store.cancelRun()}>
        Stop
      </button>
    </p>
  );
}

/** The walkthrough the picker shows: the one being recorded, once picked, else the one shown. */
export function pickedScenario(view: ViewState, custom: string): string {
  const pending = view.pending;
  return pending !== null && pending.scenario !== custom ? pending.scenario : view.scenario;
}
