/**
 * The machine as a diagram: user space, the CPU core with its TLBs, MMU and page walker, the
 * kernel's fault handler, frames, reclaim and swap cache, the caches and DRAM, the swap area and
 * the disk. The hop shown lights its part; the hops before it in the same access mark theirs
 * with their step, outcome and cycles. Each part is a button: selecting one explains it.
 */
import { type ReactNode, useState } from "react";
import { designTerms, kindName } from "../explain.js";
import {
  type AccessRecord,
  type HardwareInfo,
  hex,
  type MachineSnapshot,
  type ProcessSnapshot,
} from "../recording.js";
import { partLabel } from "./labels.js";
import {
  CACHES_SIMULATED,
  cyclesSoFar,
  type DiagramState,
  diagramState,
  type PartId,
  type Visit,
  walkerParts,
} from "./model.js";
import "./diagram.css";

/** Visits listed in a part before the rest are summed up as "+N". */
const VISITS_SHOWN = 2;

interface PartContext {
  state: DiagramState;
  hardware: HardwareInfo;
  snapshot: MachineSnapshot | null;
  process: ProcessSnapshot | null;
  selected: PartId | null;
  select: (part: PartId) => void;
}

function visitText(visit: Visit): string {
  if (visit.step === 0) return visit.outcome;
  if (visit.involved) return `#${visit.step} ${visit.hop}`;
  // Walk reads and TLB lookups cost nothing themselves when the caches charge for the read.
  return visit.cycles === 0
    ? `#${visit.step} ${visit.outcome}`
    : `#${visit.step} ${visit.outcome} · ${visit.cycles.toLocaleString("en-US")} cyc`;
}

function Part({ id, context, wide }: { id: PartId; context: PartContext; wide?: boolean }) {
  const { state, hardware, snapshot, process, selected, select } = context;
  const label = partLabel(id, hardware, snapshot, process);
  const { lit, visits } = state[id];
  const last = visits.at(-1);
  const classes = ["part-box"];
  if (wide === true) classes.push("wide");
  if (lit) classes.push("lit");
  else if (visits.length > 0) classes.push("visited");
  if (last !== undefined) classes.push(`tone-${last.tone}`);
  if (label.latency === "not simulated") classes.push("unsimulated");
  if (selected === id) classes.push("selected");
  const shown = visits.slice(-VISITS_SHOWN);
  const hidden = visits.length - shown.length;
  const status = lit ? "here now" : visits.length > 0 ? "visited" : "";
  return (
    <button
      type="button"
      className={classes.join(" ")}
      data-part={id}
      data-lit={lit ? "true" : undefined}
      aria-pressed={selected === id}
      aria-label={[label.title, label.latency, label.holds, status, ...visits.map(visitText)]
        .filter((text) => text !== "")
        .join(", ")}
      onClick={() => select(id)}
    >
      <span className="part-title">{label.title}</span>
      {label.latency !== "" && <span className="part-latency">{label.latency}</span>}
      {label.holds !== "" && <span className="part-holds">{label.holds}</span>}
      {visits.length > 0 && (
        <span className="part-visits">
          {hidden > 0 && <span className="visit more">+{hidden} earlier</span>}
          {shown.map((visit) => (
            <span
              key={`${visit.step}-${visit.hop}-${visit.involved}`}
              className={`visit tone-${visit.tone}${visit.current ? " current" : ""}`}
            >
              {visitText(visit)}
            </span>
          ))}
        </span>
      )}
    </button>
  );
}

/** The walker group's heading: the design it walks, in a few words. */
function walkerLabel(pagetable: string): string {
  const terms = designTerms(pagetable);
  if (terms === null) return "page walker";
  switch (terms.kind) {
    case "la57":
      return "page walker · la57, 5 levels";
    case "multilevel":
      return `page walker · ${terms.design}, ${terms.levels} level${terms.levels === 1 ? "" : "s"}`;
    case "linear":
      return "page walker · linear table, one read";
    case "inverted":
      return "page walker · hash anchor + chain";
    default:
      return `page walker · ${terms.design}`;
  }
}

export function MachineDiagram({
  access,
  hopIndex,
  snapshot,
  hardware,
  children,
}: {
  access: AccessRecord;
  hopIndex: number;
  snapshot: MachineSnapshot | null;
  hardware: HardwareInfo;
  /** Shown beside the process in user space: the virtual address and its parts. */
  children?: ReactNode;
}) {
  const [selected, setSelected] = useState<PartId | null>(null);
  const process = snapshot?.processes.find((candidate) => candidate.pid === access.pid) ?? null;
  const terms = designTerms(hardware.pagetable);
  const state = diagramState(access, hopIndex, terms);
  const context: PartContext = {
    state,
    hardware,
    snapshot,
    process,
    selected,
    select: (part) => setSelected(selected === part ? null : part),
  };
  const part = (id: PartId, wide?: boolean) => (
    <Part id={id} context={context} {...(wide === undefined ? {} : { wide })} />
  );
  const hop = hopIndex >= 0 ? access.hops[hopIndex] : undefined;
  const spent = cyclesSoFar(access, hopIndex);
  const about = selected === null ? null : partLabel(selected, hardware, snapshot, process);
  return (
    <figure
      className="diagram"
      data-testid="diagram"
      aria-label="The machine, with the access's path"
    >
      <figcaption className="diagram-head">
        <span data-testid="diagram-step">
          {hop === undefined
            ? "The CPU issues the access"
            : `Hop ${hopIndex + 1} of ${access.hops.length}: ${hop.cycles} cyc`}
        </span>
        <span>
          this access <strong>{spent}</strong> cyc · running total{" "}
          <strong>{(access.cyclesBefore + spent).toLocaleString("en-US")}</strong> cyc
        </span>
      </figcaption>
      <div className="band band-user">
        <span className="band-label">user space</span>
        {part("process")}
        {children ?? (
          <span className="instruction">
            {kindName(access.kind)} {access.size} B at {hex(access.address, 12)}
          </span>
        )}
      </div>
      <div className="band band-cpu">
        <span className="band-label">CPU</span>
        {part("core")}
        {part("dtlb")}
        {part("itlb")}
        {hardware.tlbs.dtlb2m !== undefined && part("dtlb2m")}
        {hardware.tlbs.itlb2m !== undefined && part("itlb2m")}
        {part("stlb")}
        {part("mmu")}
        {part("psc")}
        <div className="walker" data-testid="walker">
          <span className="group-label">{walkerLabel(hardware.pagetable)}</span>
          <div className="walker-levels">
            {walkerParts(terms).map((id) => (
              <Part key={id} id={id} context={context} />
            ))}
          </div>
        </div>
      </div>
      <div className="band band-kernel">
        <span className="band-label">kernel space</span>
        {part("fault")}
        {part("frames", true)}
        {part("kswapd", true)}
        {part("swapcache")}
      </div>
      <div className="band-row">
        <div className={`band band-memory${CACHES_SIMULATED ? "" : " unsimulated-caches"}`}>
          <span className="band-label">caches &amp; memory</span>
          {part("l1d")}
          {part("l1i")}
          {part("l2")}
          {part("l3")}
          {part("dram")}
        </div>
        <div className="band band-storage">
          <span className="band-label">storage</span>
          {part("swaparea")}
          {part("disk")}
        </div>
      </div>
      <p className="diagram-caption" data-testid="diagram-caption" aria-live="polite">
        {about === null
          ? "Select a part of the machine to read what it does."
          : `${about.title}: ${about.about}`}
      </p>
    </figure>
  );
}
