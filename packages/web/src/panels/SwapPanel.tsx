/**
 * Swap at the step shown: the slots used and free, the pages in the swap cache (meminfo's
 * SwapCached), the swap traffic so far, /proc/swaps, and a map of the slots, one cell each,
 * drawn on a canvas (a 128 MiB area has 32,768 slots).
 */
import { useEffect, useRef } from "react";
import type { MachineView } from "../machine_view.js";

const COLUMNS = 256;
/** Slot states, and their colours on the map. */
const SLOT_FREE = 0;
const SLOT_SWAPPED = 1;
const SLOT_CACHED = 2;
const SLOT_HEADER = 3;
const SLOT_COLOURS: readonly [number, number, number][] = [
  [0xe4, 0xe7, 0xeb],
  [0xe0, 0x66, 0x1b],
  [0x0f, 0x8f, 0x8a],
  [0x5b, 0x65, 0x70],
];

function slotState(machine: MachineView, slot: number): number {
  const swap = machine.swap;
  if (swap === null || slot === 0) return SLOT_HEADER;
  if ((swap.cachePfn[slot] as number) >= 0) return SLOT_CACHED;
  if ((swap.count[slot] as number) > 0) return SLOT_SWAPPED;
  return SLOT_FREE;
}

function SlotMap({ machine, slots }: { machine: MachineView; slots: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const rows = Math.ceil(slots / COLUMNS);
  const cell = rows <= 32 ? 3 : rows <= 128 ? 2 : 1;
  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (context == null) return;
    const width = COLUMNS * cell;
    const image = context.createImageData(width, rows * cell);
    const data = image.data;
    for (let slot = 0; slot < slots; slot++) {
      const [r, g, b] = SLOT_COLOURS[slotState(machine, slot)] as [number, number, number];
      const x0 = (slot % COLUMNS) * cell;
      const y0 = Math.floor(slot / COLUMNS) * cell;
      for (let dy = 0; dy < cell; dy++) {
        for (let dx = 0; dx < cell; dx++) {
          const at = ((y0 + dy) * width + x0 + dx) * 4;
          data[at] = r;
          data[at + 1] = g;
          data[at + 2] = b;
          data[at + 3] = 255;
        }
      }
    }
    context.putImageData(image, 0, 0);
  }, [machine, slots, rows, cell]);
  return (
    <canvas
      ref={canvas}
      className="swap-map"
      width={COLUMNS * cell}
      height={rows * cell}
      role="img"
      aria-label={`Map of ${slots} swap slots, ${COLUMNS} to a row: free, swapped out, or also in the swap cache`}
    />
  );
}

export function SwapPanel({ machine }: { machine: MachineView }) {
  const figures = machine.swap?.figures ?? null;
  if (figures === null) {
    return (
      <div className="swap" data-testid="swap">
        <p data-testid="swap-none">
          This machine has no swap: anonymous pages cannot be reclaimed, only file pages. Set a swap
          size in the machine settings (or <code>machine swap=64M</code>) to add a swap area.
        </p>
      </div>
    );
  }
  const rows: [string, string, number, string][] = [
    ["slots", "swap slots (4 KiB each)", figures.slots, ""],
    ["used", "in use", figures.used, "referenced by a swap entry or held by the swap cache"],
    ["free", "free", figures.free, ""],
    ["swapped", "only on the device", figures.swappedOnly, "a fault on them is major"],
    ["cached", "in the swap cache", figures.swapCached, "in memory too: a fault is minor"],
    ["pswpin", "pswpin", figures.pswpin, "pages read from swap so far"],
    ["pswpout", "pswpout", figures.pswpout, "pages written to swap so far"],
  ];
  return (
    <div className="swap" data-testid="swap">
      <table className="swap-figures">
        <tbody>
          {rows.map(([key, label, value, note]) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              <td data-swap={key}>{value.toLocaleString("en-US")}</td>
              <td className="muted">{note}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <SlotMap machine={machine} slots={figures.slots + 1} />
      <ul className="fm-legend swap-legend" aria-label="Slot states">
        {(
          [
            [SLOT_FREE, "free"],
            [SLOT_SWAPPED, "swapped out"],
            [SLOT_CACHED, "swapped out, also in the swap cache"],
            [SLOT_HEADER, "header (slot 0)"],
          ] as const
        ).map(([state, name]) => (
          <li key={name}>
            <span
              className="fm-swatch"
              style={{ background: `rgb(${(SLOT_COLOURS[state] ?? []).join(",")})` }}
            />
            <span className="fm-legend-name">{name}</span>
          </li>
        ))}
      </ul>
      <pre className="swaps-text" data-testid="swaps-text">
        {machine.swapsText}
      </pre>
    </div>
  );
}
