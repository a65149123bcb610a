/**
 * The page table of one process as a tree: PGD, PUD, PMD and PTE tables, present entries only.
 * The path the current access walks is expanded and lit; other present entries are listed
 * compactly (index, flags, where they point) and open on a click.
 */
import {
  describeEntry,
  ENTRIES_PER_TABLE,
  entryPfn,
  LEVEL_NAMES,
  LEVEL_PTE,
  levelSpan,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_HI_NX,
  PTE_PRESENT,
  PTE_PSE,
  PTE_RW,
  PTE_USER,
  type WalkLevel,
} from "@vmscope/engine";
import { useState } from "react";
import type { MachineView, TableEntry } from "../machine_view.js";
import { type AccessRecord, hex } from "../recording.js";

/** The PTE flags shown as columns, in the kernel's ptdump order. */
const PTE_FLAG_COLUMNS: readonly [string, (low: number, high: number) => boolean][] = [
  ["P", (low) => (low & PTE_PRESENT) !== 0],
  ["RW", (low) => (low & PTE_RW) !== 0],
  ["US", (low) => (low & PTE_USER) !== 0],
  ["A", (low) => (low & PTE_ACCESSED) !== 0],
  ["D", (low) => (low & PTE_DIRTY) !== 0],
  ["NX", (_low, high) => (high & PTE_HI_NX) !== 0],
];

/** A table with more present entries than this shows those around the walked one. */
const MAX_ROWS = 40;
/** Entries shown on each side of the walked one in a long table. */
const ROWS_AROUND = 8;

type Entry = TableEntry;

function levelName(level: number): string {
  return LEVEL_NAMES[level] ?? `level ${level}`;
}

function presentEntries(machine: MachineView, table: number): Entry[] {
  return machine.tables.get(table) ?? [];
}

/** The virtual range an entry covers, for its tooltip. */
function rangeTitle(base: number, level: number): string {
  const span = levelSpan(level);
  return `covers ${hex(base, 12)}–${hex(base + span - 1, 12)}`;
}

export function PageTablePanel({
  machine,
  pid,
  access,
}: {
  machine: MachineView;
  pid: number | null;
  access: AccessRecord | null;
}) {
  const process = machine.processes.find((candidate) => candidate.pid === pid);
  if (process === undefined) return <p className="muted">No process yet.</p>;
  if (process.pgd < 0)
    return (
      <p className="muted">
        {process.name} (pid {process.pid}) has {process.state}: its page tables are freed.
      </p>
    );
  // The view holds the walk of the access shown, in that access's process.
  const walk = access !== null && access.pid === process.pid ? machine.walk : [];
  const asid = process.asid;
  return (
    <div className="pt" data-testid="pagetable">
      <p className="pt-head">
        {process.name} (pid {process.pid}): CR3 → PGD table in frame <code>{hex(process.pgd)}</code>
        {asid >= 0 && machine.pcid ? `, PCID ${asid}` : ""}
      </p>
      <WalkLine walk={walk} access={access} />
      <ul className="pt-tree">
        <TableNode machine={machine} table={process.pgd} level={3} base={0} walk={walk} />
      </ul>
    </div>
  );
}

/** The walk in one line: PGD[i] → PUD[j] → ... → the frame, or where it stopped. */
function WalkLine({ walk, access }: { walk: readonly WalkLevel[]; access: AccessRecord | null }) {
  if (access === null || walk.length === 0)
    return <p className="pt-walk muted">The current access is not in this process.</p>;
  const last = walk[walk.length - 1] as WalkLevel;
  const huge = last.present && last.level !== "PTE";
  let end: string;
  if (!last.present) end = `${last.level}[${last.index}] not present: page fault`;
  else end = `${huge ? "huge page at " : ""}frame ${hex(entryPfn(last.low, last.high))}`;
  return (
    <p className="pt-walk" data-testid="pt-walk">
      Walk of <code>{hex(access.address, 12)}</code>:{" "}
      {walk
        .filter((step) => step.present)
        .map((step) => `${step.level}[${step.index}]`)
        .join(" → ")}
      {walk.some((step) => step.present) ? " → " : ""}
      <strong className={last.present ? "" : "fault-text"}>{end}</strong>
    </p>
  );
}

function TableNode({
  machine,
  table,
  level,
  base,
  walk,
}: {
  machine: MachineView;
  table: number;
  level: number;
  base: number;
  /** The walk's entries, or an empty list when this table is off the walked path. */
  walk: readonly WalkLevel[];
}) {
  const name = levelName(level);
  const step = walk.find((candidate) => candidate.level === name && candidate.tablePfn === table);
  const entries = presentEntries(machine, table);
  let shown = entries;
  let hidden = 0;
  if (entries.length > MAX_ROWS) {
    const at = step === undefined ? 0 : entries.findIndex((entry) => entry.index >= step.index);
    const from = Math.max(0, at - ROWS_AROUND);
    shown = entries.slice(from, from + 2 * ROWS_AROUND + 1);
    hidden = entries.length - shown.length;
  }
  const missing = step !== undefined && !step.present ? step : undefined;
  const rows: Entry[] = [...shown];
  if (missing !== undefined) {
    rows.push({ index: missing.index, low: missing.low, high: missing.high });
    rows.sort((a, b) => a.index - b.index);
  }
  return (
    <li className="pt-table" data-level={name}>
      <div className="pt-table-head">
        {name} table <span className="muted">in frame {hex(table)}</span>{" "}
        <span className="muted">
          · {entries.length} present of {ENTRIES_PER_TABLE}
        </span>
      </div>
      <ul className={level === LEVEL_PTE ? "pt-entries pt-leaves" : "pt-entries"}>
        {rows.map((entry) => (
          <EntryNode
            key={entry.index}
            machine={machine}
            level={level}
            base={base + entry.index * levelSpan(level)}
            entry={entry}
            walked={step !== undefined && step.index === entry.index}
            walk={walk}
          />
        ))}
      </ul>
      {hidden > 0 && (
        <p className="muted pt-more">
          … {hidden} more present {name} entries not shown
        </p>
      )}
    </li>
  );
}

function EntryNode({
  machine,
  level,
  base,
  entry,
  walked,
  walk,
}: {
  machine: MachineView;
  level: number;
  base: number;
  entry: Entry;
  walked: boolean;
  walk: readonly WalkLevel[];
}) {
  const [open, setOpen] = useState(false);
  const name = levelName(level);
  const present = (entry.low & PTE_PRESENT) !== 0;
  const pfn = entryPfn(entry.low, entry.high);
  const leaf = level === LEVEL_PTE || (entry.low & PTE_PSE) !== 0;
  const className = `pt-entry${walked ? " lit" : ""}${present ? "" : " missing"}`;
  const common = {
    className,
    title: rangeTitle(base, level),
    "data-walked": walked ? "true" : undefined,
    "data-level": name,
    "data-index": entry.index,
  };
  if (!present)
    return (
      <li {...common}>
        <span className="pt-index">[{entry.index}]</span> not present
        {level === LEVEL_PTE ? ": no page mapped" : `: no ${levelName(level - 1)} table`} → page
        fault
      </li>
    );
  if (level === LEVEL_PTE) {
    const kind = pfn < machine.frames.total ? (machine.frames.kind[pfn] as number) : -1;
    return (
      <li {...common}>
        <span className="pt-index">[{entry.index}]</span>
        <span className="pt-flags">
          {PTE_FLAG_COLUMNS.map(([flag, test]) => (
            <span key={flag} className={test(entry.low, entry.high) ? "on" : "off"}>
              {flag}
            </span>
          ))}
        </span>
        <span className="pt-pfn">
          pfn {hex(pfn)}
          {pfn === machine.frames.zeroPfn ? " (zero page)" : kind >= 0 ? "" : " (beyond RAM)"}
        </span>
      </li>
    );
  }
  const expanded = walked || open;
  // The lit background marks the entry's own line, not the tables nested below it.
  return (
    <li
      className="pt-entry pt-upper"
      data-walked={common["data-walked"]}
      data-level={name}
      data-index={entry.index}
    >
      <div className={walked ? "pt-row lit" : "pt-row"} title={common.title}>
        <button
          type="button"
          className="pt-toggle"
          aria-expanded={leaf ? undefined : expanded}
          aria-label={
            leaf
              ? `${name} entry ${entry.index}`
              : `${name} entry ${entry.index}: ${expanded ? "hide" : "show"} the table below`
          }
          disabled={leaf || walked}
          onClick={() => setOpen(!open)}
        >
          {leaf ? "•" : expanded ? "▾" : "▸"}
        </button>
        <span className="pt-index">[{entry.index}]</span>{" "}
        <span className="pt-desc">{describeEntry(entry.low, entry.high)}</span>{" "}
        <span className="muted">
          → {leaf ? "huge page at frame" : `${levelName(level - 1)} table in frame`} {hex(pfn)}
        </span>
      </div>
      {expanded && !leaf && (
        <ul className="pt-tree">
          <TableNode
            machine={machine}
            table={pfn}
            level={level - 1}
            base={base}
            walk={walked ? walk : []}
          />
        </ul>
      )}
    </li>
  );
}
