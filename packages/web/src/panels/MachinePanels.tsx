/**
 * The machine-state panels (page table, TLBs, physical frames, LRU lists, swap) as tabs,
 * showing the machine at the frame the user is looking at. The view of the machine comes from
 * a MachineViewSource: the scenario re-run and stopped at that point, here for a point near
 * the start, in a worker for one far into a long run (the last view stays shown meanwhile).
 */
import { FRAME_KIND_NAMES } from "@vmscope/engine";
import { useEffect, useMemo, useState } from "react";
import { type MachinePoint, pointOfFrame } from "../machine_at_step.js";
import { MachineViewSource } from "../machine_view_source.js";
import { type AccessRecord, hex } from "../recording.js";
import type { ViewState } from "../store.js";
import { FaultsChart } from "./FaultsChart.js";
import { FrameMapPanel } from "./FrameMapPanel.js";
import { LruPanel } from "./LruPanel.js";
import { PageTablePanel } from "./PageTablePanel.js";
import { SwapPanel } from "./SwapPanel.js";
import { TlbPanel } from "./TlbPanel.js";
import "./panels.css";

const TABS = [
  ["pagetable", "Page table"],
  ["tlb", "TLBs"],
  ["frames", "Physical frames"],
  ["lru", "LRU lists"],
  ["swap", "Swap"],
  ["faults", "Faults over time"],
] as const;

type Tab = (typeof TABS)[number][0];

function whenText(point: MachinePoint, access: AccessRecord | null): string {
  if (point === null) return "at the end of the scenario";
  if (access === null) return "";
  return point.after
    ? `right after access ${point.access + 1}`
    : `before access ${point.access + 1} (its hops are playing)`;
}

export function MachinePanels({
  view,
  file,
  pid,
}: {
  view: ViewState;
  /** The file name the scenario was recorded under (the engine names positions by it). */
  file: string;
  /** The process whose page table is shown. */
  pid: number | null;
}) {
  const [tab, setTab] = useState<Tab>("pagetable");
  const [, setArrivals] = useState(0);
  const { source, recording, access } = view;
  const views = useMemo(
    () =>
      recording === null
        ? null
        : new MachineViewSource(source, file, recording.accesses.length, recording.truncated),
    [recording, source, file],
  );
  // A view built in the worker arrives: render again to show it; a new run ends the old worker.
  useEffect(() => {
    if (views === null) return;
    const stop = views.listen(() => setArrivals((count) => count + 1));
    return () => {
      stop();
      views.dispose();
    };
  }, [views]);
  if (views === null) return null;
  const point = pointOfFrame(access, view.hopIndex, view.atEnd);
  const answer = views.viewAt(
    point,
    access === null ? null : { pid: access.pid, address: access.address },
  );
  const machine = answer.view;
  if (answer.error !== null || machine === null) {
    return (
      <section className="machine-panels" aria-label="Machine state" data-testid="machine-panels">
        {answer.error !== null ? (
          <p className="error">The machine could not be rebuilt: {answer.error}</p>
        ) : (
          <p className="muted" data-testid="machine-building">
            Rebuilding the machine at this step in a worker…
          </p>
        )}
      </section>
    );
  }
  const after = point === null || point.after;
  const pfn =
    access !== null && access.physicalAddress >= 0 ? Math.floor(access.physicalAddress / 4096) : -1;
  let frameLabel = "The current access reaches no frame (the process was killed).";
  if (access === null) frameLabel = "No access to show.";
  else if (pfn >= 0) {
    const kind = FRAME_KIND_NAMES[machine.frames.kind[pfn] as number] ?? "?";
    frameLabel = `Frame ${hex(pfn)} (${kind} now): where access ${access.index + 1} lands${
      after ? "" : kind === "free" ? ", still free: the fault will take it" : ""
    }.`;
  }
  return (
    <section
      className="machine-panels"
      aria-label="Machine state"
      data-testid="machine-panels"
      data-worker-runs={views.workerRuns}
      data-worker-ms={Math.round(views.lastWorkerMs)}
    >
      <div className="machine-head">
        <h2>
          Machine state{" "}
          <span className="when" data-testid="machine-when">
            {answer.stale
              ? `rebuilding the machine ${whenText(point, access)} in a worker; an earlier step is shown`
              : whenText(point, access)}
          </span>
        </h2>
        <div className="tabs" role="tablist" aria-label="Machine state views">
          {TABS.map(([id, label]) => (
            <button
              key={id}
              type="button"
              role="tab"
              id={`machine-tab-${id}`}
              aria-selected={tab === id}
              aria-controls={`machine-view-${id}`}
              className={tab === id ? "tab selected" : "tab"}
              onClick={() => setTab(id)}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      <div
        role="tabpanel"
        id={`machine-view-${tab}`}
        aria-labelledby={`machine-tab-${tab}`}
        className={answer.stale ? "machine-view stale" : "machine-view"}
        aria-busy={answer.stale}
      >
        {tab === "pagetable" && <PageTablePanel machine={machine} pid={pid} access={access} />}
        {tab === "tlb" && <TlbPanel machine={machine} access={access} after={after} />}
        {tab === "frames" && (
          <FrameMapPanel machine={machine} highlight={pfn} highlightLabel={frameLabel} />
        )}
        {tab === "lru" && <LruPanel machine={machine} />}
        {tab === "swap" && <SwapPanel machine={machine} />}
        {tab === "faults" && recording !== null && (
          <FaultsChart recording={recording} point={point} />
        )}
      </div>
    </section>
  );
}
