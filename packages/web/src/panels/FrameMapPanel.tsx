/**
 * Physical memory, one cell per frame, coloured by what the frame holds. 256 MiB is 65,536
 * frames: they are drawn on a canvas (one pass over the kind array), not as DOM nodes.
 */
import { FRAME_KIND_NAMES, type Machine } from "@vmscope/engine";
import { useEffect, useRef, useState } from "react";
import { hex } from "../recording.js";

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

function rgb(colour: string): [number, number, number] {
  const value = Number.parseInt(colour.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

export function FrameMapPanel({
  machine,
  highlight,
  highlightLabel,
}: {
  machine: Machine;
  /** The frame the current access reaches, or -1. */
  highlight: number;
  highlightLabel: string;
}) {
  const phys = machine.phys;
  const total = phys.totalFrames;
  const rows = Math.ceil(total / COLUMNS);
  // Two pixels a frame while the map stays under ~520 px tall, else one.
  const cell = rows <= 260 ? 2 : 1;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState(-1);

  useEffect(() => {
    const canvas = canvasRef.current;
    const context = canvas?.getContext("2d");
    if (canvas == null || context == null) return;
    const width = COLUMNS * cell;
    const height = rows * cell;
    const image = context.createImageData(width, height);
    const palette = FRAME_COLOURS.map(rgb);
    const data = image.data;
    const kinds = phys.kind;
    for (let pfn = 0; pfn < total; pfn++) {
      const [r, g, b] = palette[kinds[pfn] as number] ?? [0, 0, 0];
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
  }, [phys, total, rows, cell, highlight]);

  const hoverText =
    hover >= 0 && hover < total
      ? `frame ${hex(hover)} (physical ${hex(hover * 4096)}): ${FRAME_KIND_NAMES[phys.kind[hover] as number]}` +
        `${phys.ownerPid[hover] ? `, allocated for pid ${phys.ownerPid[hover]}` : ""}` +
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
          aria-label={`Map of ${total} physical frames, ${COLUMNS} to a row, coloured by kind`}
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
