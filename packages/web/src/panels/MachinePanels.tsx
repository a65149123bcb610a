/**
 * The machine-state panels (page table, TLBs, physical frames) as tabs, showing the machine at
 * the frame the user is looking at. The machine comes from MachineAtStep: the scenario re-run
 * and stopped at that point, cached while the point stays the same.
 */
import { FRAME_KIND_NAMES, type Machine } from "@vmscope/engine";
import { useMemo, useState } from "react";
import { MachineAtStep, type MachinePoint, pointOfFrame } from "../machine_at_step.js";
import { type AccessRecord, hex } from "../recording.js";
import type { ViewState } from "../store.js";
import { FaultsChart } from "./FaultsChart.js";
import { FrameMapPanel } from "./FrameMapPanel.js";
import { PageTablePanel } from "./PageTablePanel.js";
import { TlbPanel } from "./TlbPanel.js";
import "./panels.css";

const TABS = [
  ["pagetable", "Page table"],
  ["tlb", "TLBs"],
  ["frames", "Physical frames"],
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
  const { source, recording, access } = view;
  const steps = useMemo(
    () => (recording === null ? null : new MachineAtStep(source, file)),
    [recording, source, file],
  );
  if (steps === null) return null;
  const point = pointOfFrame(access, view.hopIndex, view.atEnd);
  let machine: Machine;
  try {
    machine = steps.at(point);
  } catch (error) {
    return (
      <section className="machine-panels" aria-label="Machine state">
        <p className="error">The machine could not be rebuilt: {String(error)}</p>
      </section>
    );
  }
  const after = point === null || point.after;
  const pfn =
    access !== null && access.physicalAddress >= 0 ? Math.floor(access.physicalAddress / 4096) : -1;
  let frameLabel = "The current access reaches no frame (the process was killed).";
  if (access === null) frameLabel = "No access to show.";
  else if (pfn >= 0) {
    const kind = FRAME_KIND_NAMES[machine.phys.kind[pfn] as number] ?? "?";
    frameLabel = `Frame ${hex(pfn)} (${kind} now): where access ${access.index + 1} lands${
      after ? "" : kind === "free" ? ", still free: the fault will take it" : ""
    }.`;
  }
  return (
    <section className="machine-panels" aria-label="Machine state" data-testid="machine-panels">
      <div className="machine-head">
        <h2>
          Machine state{" "}
          <span className="when" data-testid="machine-when">
            {whenText(point, access)}
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
        className="machine-view"
      >
        {tab === "pagetable" && <PageTablePanel machine={machine} pid={pid} access={access} />}
        {tab === "tlb" && <TlbPanel machine={machine} access={access} after={after} />}
        {tab === "frames" && (
          <FrameMapPanel machine={machine} highlight={pfn} highlightLabel={frameLabel} />
        )}
        {tab === "faults" && recording !== null && (
          <FaultsChart recording={recording} point={point} />
        )}
      </div>
    </section>
  );
}
