/**
 * Physical memory, one cell per frame, coloured by what the frame holds or by the process it was
 * allocated for (phys.ownerPid). 256 MiB is 65,536 frames: they are drawn on a canvas (one pass
 * over the kind or owner array), not as DOM nodes.
 */
import { FRAME_FREE, FRAME_KIND_NAMES } from "@vmscope/engine";
import { useEffect, useMemo, useRef, useState } from "react";
import type { MachineView } from "../machine_view.js";
import { hex } from "../recording.js";
import { processColour } from "./process_colours.js";

/** Colour of each FRAME_* kind, in FRAME_KIND_NAMES order. */
export const FRAME_COLOURS: readonly string[] = [
  "#e4e7eb", // free
  "#5b6570", // reserved
  "#f2c200", // zero
  "#7b4fd6", // pagetable
  "#e0661b", // anon
  "#0f8f8a", // shmem
  "#2f6fd0", // file
];

/** What each kind means, for the legend's tooltips. */
const KIND_HELP: readonly string[] = [
  "free: in the buddy allocator",
  "reserved: the low megabyte (firmware, kernel)",
  "zero: the shared zero page",
  "pagetable: a PGD, PUD, PMD or PTE table",
  "anon: private anonymous memory (heap, stack)",
  "shmem: shared anonymous memory",
  "file: a page-cache page of a file",
];

const COLUMNS = 256;

/** Owner colouring: frames no process owns (kernel, zero page, page cache) and free frames. */
const UNOWNED_COLOUR = "#aab1b8";
const FREE_COLOUR = FRAME_COLOURS[FRAME_FREE] as string;

type ColourBy = "kind" | "owner";

/** A process that owns frames, for the owner legend. */
interface Owner {
  pid: number;
  label: string;
  colour: string;
  frames: number;
}

/**
 * The owners of the frames, in the machine's process order (pids the machine no longer lists
 * come last), each with its frame count; plus the unowned and free counts.
 */
function frameOwners(machine: MachineView): { owners: Owner[]; unowned: number; free: number } {
  const phys = machine.frames;
  const counts = new Map<number, number>();
  let unowned = 0;
  let free = 0;
  for (let pfn = 0; pfn < phys.total; pfn++) {
    const pid = phys.ownerPid[pfn] as number;
    if (pid !== 0) counts.set(pid, (counts.get(pid) ?? 0) + 1);
    else if (phys.kind[pfn] === FRAME_FREE) free++;
    else unowned++;
  }
  const owners: Owner[] = machine.processes.map((process, position) => ({
    pid: process.pid,
    label: `${process.name} (${process.pid})${process.alive ? "" : `, ${process.state}`}`,
    colour: processColour(position),
    frames: counts.get(process.pid) ?? 0,
  }));
  let extra = machine.processes.length;
  for (const [pid, frames] of [...counts].sort((a, b) => a[0] - b[0])) {
    if (owners.some((owner) => owner.pid === pid)) continue;
    owners.push({ pid, label: `pid ${pid} (gone)`, colour: processColour(extra++), frames });
  }
  return { owners, unowned, free };
}

function rgb(colour: string): [number, number, number] {
  const value = Number.parseInt(colour.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

export function FrameMapPanel({
  machine,
  highlight,
  highlightLabel,
}: {
  machine: MachineView;
  /** The frame the current access reaches, or -1. */
  highlight: number;
  highlightLabel: string;
}) {
  const phys = machine.frames;
  const total = phys.total;
  const rows = Math.ceil(total / COLUMNS);
  // Two pixels a frame while the map stays under ~520 px tall, else one.
  const cell = rows <= 260 ? 2 : 1;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState(-1);
  const [colourBy, setColourBy] = useState<ColourBy>("kind");
  // Recomputed per machine: the panel gets a new machine object at each point it shows.
  const owners = useMemo(() => frameOwners(machine), [machine]);

  useEffect(() => {
    const canvas = canvasRef.current;
    const context = canvas?.getContext("2d");
    if (canvas == null || context == null) return;
    const width = COLUMNS * cell;
    const height = rows * cell;
    const image = context.createImageData(width, height);
    const palette = FRAME_COLOURS.map(rgb);
    const ownerColours = new Map(owners.owners.map((owner) => [owner.pid, rgb(owner.colour)]));
    const unowned = rgb(UNOWNED_COLOUR);
    const free = rgb(FREE_COLOUR);
    const data = image.data;
    const kinds = phys.kind;
    const ownerPid = phys.ownerPid;
    const byOwner = colourBy === "owner";
    for (let pfn = 0; pfn < total; pfn++) {
      let colour: [number, number, number];
      if (!byOwner) colour = palette[kinds[pfn] as number] ?? [0, 0, 0];
      else {
        const pid = ownerPid[pfn] as number;
        if (pid !== 0) colour = ownerColours.get(pid) ?? unowned;
        else colour = kinds[pfn] === FRAME_FREE ? free : unowned;
      }
      const [r, g, b] = colour;
      const x0 = (pfn % COLUMNS) * cell;
      const y0 = Math.floor(pfn / COLUMNS) * cell;
      for (let dy = 0; dy < cell; dy++) {
        let at = ((y0 + dy) * width + x0) * 4;
        for (let dx = 0; dx < cell; dx++) {
          data[at] = r;
          data[at + 1] = g;
          data[at + 2] = b;
          data[at + 3] = 255;
          at += 4;
        }
      }
    }
    context.putImageData(image, 0, 0);
    if (highlight >= 0 && highlight < total) {
      // A ring around the frame, big enough to find on a 512-pixel map.
      const x = (highlight % COLUMNS) * cell + cell / 2;
      const y = Math.floor(highlight / COLUMNS) * cell + cell / 2;
      context.lineWidth = 2;
      context.strokeStyle = "#1d232a";
      context.beginPath();
      context.arc(x, y, 7, 0, 2 * Math.PI);
      context.stroke();
      context.strokeStyle = "#ffd54a";
      context.beginPath();
      context.arc(x, y, 9.5, 0, 2 * Math.PI);
      context.stroke();
    }
  }, [phys, total, rows, cell, highlight, colourBy, owners]);

  const hoverText =
    hover >= 0 && hover < total
      ? `frame ${hex(hover)} (physical ${hex(hover * 4096)}): ${FRAME_KIND_NAMES[phys.kind[hover] as number]}` +
        `${phys.ownerPid[hover] ? `, allocated for ${owners.owners.find((owner) => owner.pid === phys.ownerPid[hover])?.label ?? `pid ${phys.ownerPid[hover]}`}` : ""}` +
        `${phys.mapcount[hover] ? `, mapped ${phys.mapcount[hover]}×` : ""}`
      : "Point at a frame to see what it holds.";

  return (
    <div className="frames" data-testid="frames">
      <div className="frames-map">
        <canvas
          ref={canvasRef}
          data-testid="frame-canvas"
          width={COLUMNS * cell}
          height={rows * cell}
          role="img"
          aria-label={`Map of ${total} physical frames, ${COLUMNS} to a row, coloured by ${
            colourBy === "kind" ? "kind" : "owner process"
          }`}
          onMouseMove={(event) => {
            const box = event.currentTarget.getBoundingClientRect();
            const x = Math.floor(((event.clientX - box.left) / box.width) * COLUMNS);
            const y = Math.floor(((event.clientY - box.top) / box.height) * rows);
            setHover(y * COLUMNS + x);
          }}
          onMouseLeave={() => setHover(-1)}
        />
        <p className="muted frames-hover">{hoverText}</p>
      </div>
      <div className="frames-side">
        <p className="frames-total">
          {total.toLocaleString("en-US")} frames of 4 KiB ({(total * 4) / 1024} MiB), {COLUMNS} to a
          row, frame 0 at the top left.
        </p>
        {/* Buttons, not radios: the page's keys (arrows, f, e) keep working after a click. */}
        <fieldset className="fm-colour-by">
          <legend className="muted">Colour</legend>
          {(
            [
              ["kind", "by kind"],
              ["owner", "by owner process"],
            ] as const
          ).map(([value, text]) => (
            <button
              key={value}
              type="button"
              aria-pressed={colourBy === value}
              className={colourBy === value ? "tab selected" : "tab"}
              onClick={() => setColourBy(value)}
            >
              {text}
            </button>
          ))}
        </fieldset>
        {colourBy === "kind" ? (
          <ul className="fm-legend" aria-label="Frame kinds">
            {FRAME_KIND_NAMES.map((name, kind) => (
              <li key={name} title={KIND_HELP[kind]}>
                <span className="fm-swatch" style={{ background: FRAME_COLOURS[kind] }} />
                <span className="fm-legend-name">{name}</span>
                <span className="fm-legend-count" data-frame-kind={name}>
                  {phys.framesOfKind[kind]}
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <ul className="fm-legend fm-owners" aria-label="Frame owners" data-testid="owner-legend">
            {owners.owners.map((owner) => (
              <li key={owner.pid} title={`frames allocated for ${owner.label}`}>
                <span className="fm-swatch" style={{ background: owner.colour }} />
                <span className="fm-legend-name">{owner.label}</span>
                <span className="fm-legend-count" data-owner-pid={owner.pid}>
                  {owner.frames}
                </span>
              </li>
            ))}
            <li title="reserved low memory, the shared zero page, page-cache pages: no process owns them">
              <span className="fm-swatch" style={{ background: UNOWNED_COLOUR }} />
              <span className="fm-legend-name">no process (kernel, cache)</span>
              <span className="fm-legend-count" data-owner-pid="0">
                {owners.unowned}
              </span>
            </li>
            <li title="in the buddy allocator">
              <span className="fm-swatch" style={{ background: FREE_COLOUR }} />
              <span className="fm-legend-name">free</span>
              <span className="fm-legend-count" data-owner-pid="free">
                {owners.free}
              </span>
            </li>
          </ul>
        )}
        <p className="frames-current" data-testid="frame-current">
          {highlight >= 0 ? (
            <>
              <span className="ring" aria-hidden="true" /> {highlightLabel}
            </>
          ) : (
            highlightLabel
          )}
        </p>
      </div>
    </div>
  );
}
