/**
 * Faults over time: for each process, its cumulative minor (and major) faults against the
 * access index, from the per-access snapshots the recording keeps, with a vertical marker at the
 * step the page shows. Inline SVG, drawn like traces/Chart.tsx (step lines, a few round ticks).
 *
 * x = 0 is before the first access, x = i the state right after access i (1-based), and the last
 * x (the number of accesses) is the end of the scenario, where the counters panel shows `final`.
 */
import { useMemo } from "react";
import type { MachinePoint } from "../machine_at_step.js";
import type { MachineSnapshot, Recording } from "../recording.js";
import { processColour } from "./process_colours.js";

const WIDTH = 640;
const HEIGHT = 250;
const LEFT = 52;
const RIGHT = 16;
const TOP = 14;
const BOTTOM = 40;

type Point = readonly [number, number];

export interface FaultSeries {
  pid: number;
  name: string;
  colour: string;
  counter: "minflt" | "majflt";
  /** Only the points where the count changes, plus the first and the last: a step function. */
  points: Point[];
}

/** The series of every process the run saw, minflt and majflt, from a recording. */
export function faultSeries(recording: Recording): FaultSeries[] {
  const total = recording.accesses.length;
  // snapshots[x]: the state after x accesses; the last one is the end of the scenario.
  const snapshots: MachineSnapshot[] = total === 0 ? [] : [recording.initial];
  for (let index = 0; index < total - 1; index++)
    snapshots.push(recording.after[index] as MachineSnapshot);
  snapshots.push(recording.final);
  const result: FaultSeries[] = [];
  recording.final.processes.forEach((process, position) => {
    for (const counter of ["minflt", "majflt"] as const) {
      const points: Point[] = [];
      let last = -1;
      snapshots.forEach((snapshot, x) => {
        const found = snapshot.processes.find((candidate) => candidate.pid === process.pid);
        const value = found?.counters[counter] ?? 0;
        if (value !== last) points.push([x, value]);
        last = value;
      });
      const end = points[points.length - 1];
      if (end !== undefined && end[0] !== total) points.push([total, end[1]]);
      result.push({
        pid: process.pid,
        name: process.name,
        colour: processColour(position),
        counter,
        points,
      });
    }
  });
  return result;
}

/** Where the marker stands: how many accesses have completed at `point`. */
export function markerAccess(point: MachinePoint, total: number): number {
  if (point === null) return total;
  return point.after ? point.access + 1 : point.access;
}

/** The value of a step series at x. */
function valueAt(points: readonly Point[], x: number): number {
  let value = 0;
  for (const [at, y] of points) {
    if (at > x) break;
    value = y;
  }
  return value;
}

/** About five round tick values from 0 to `max`. */
function ticks(max: number): number[] {
  if (max <= 0) return [0];
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(
    1,
    [1, 2, 5, 10].map((factor) => factor * power).find((s) => s >= rough) ?? rough,
  );
  const values: number[] = [];
  for (let value = 0; value <= max; value += step) values.push(value);
  return values;
}

export function FaultsChart({
  recording,
  point,
}: {
  recording: Recording;
  /** The moment the page shows (see machine_at_step.ts). */
  point: MachinePoint;
}) {
  const series = useMemo(() => faultSeries(recording), [recording]);
  const total = recording.accesses.length;
  const marker = markerAccess(point, total);
  const anyMajor = series.some(
    (one) => one.counter === "majflt" && one.points.some(([, y]) => y > 0),
  );
  const shown = series.filter((one) => one.counter === "minflt" || anyMajor);
  const top = Math.max(1, ...shown.flatMap((one) => one.points.map(([, y]) => y)));
  const xMax = Math.max(1, total);
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const px = (x: number) => LEFT + (x / xMax) * plotW;
  const py = (y: number) => TOP + plotH - (y / top) * plotH;
  const markerX = px(marker);
  const title = "Cumulative page faults per process, against the accesses completed";

  return (
    <figure className="faults-chart" data-testid="faults-chart">
      <figcaption>
        Faults over time{" "}
        <span className="muted">
          (solid: minor{anyMajor ? ", dashed: major" : "; no major faults in this run"})
        </span>
      </figcaption>
      <div className="faults-body">
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
          {ticks(top).map((value) => (
            <g key={`y${value}`}>
              <line className="grid" x1={LEFT} x2={WIDTH - RIGHT} y1={py(value)} y2={py(value)} />
              <text className="tick" x={LEFT - 6} y={py(value) + 4} textAnchor="end">
                {value.toLocaleString("en-US")}
              </text>
            </g>
          ))}
          {ticks(xMax).map((value) => (
            <text
              key={`x${value}`}
              className="tick"
              x={px(value)}
              y={TOP + plotH + 16}
              textAnchor="middle"
            >
              {value.toLocaleString("en-US")}
            </text>
          ))}
          <line className="axis" x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + plotH} />
          <line className="axis" x1={LEFT} x2={WIDTH - RIGHT} y1={TOP + plotH} y2={TOP + plotH} />
          <text className="axis-label" x={LEFT + plotW / 2} y={HEIGHT - 6} textAnchor="middle">
            accesses completed
          </text>
          <text
            className="axis-label"
            transform={`translate(14 ${TOP + plotH / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            faults
          </text>
          {shown.map((one) => {
            const coords: string[] = [];
            one.points.forEach(([x, y], index) => {
              const before = one.points[index - 1];
              if (before !== undefined) coords.push(`${px(x)},${py(before[1])}`);
              coords.push(`${px(x)},${py(y)}`);
            });
            const last = one.points[one.points.length - 1] ?? [0, 0];
            return (
              <polyline
                key={`${one.pid}.${one.counter}`}
                className="faults-line"
                fill="none"
                stroke={one.colour}
                strokeWidth={one.counter === "minflt" ? 2.5 : 2}
                strokeDasharray={one.counter === "majflt" ? "6 4" : undefined}
                points={coords.join(" ")}
                data-pid={one.pid}
                data-counter={one.counter}
                data-last-x={last[0]}
                data-last-y={last[1]}
              >
                <title>{`${one.name} (${one.pid}) ${one.counter}: ${last[1]} at the end`}</title>
              </polyline>
            );
          })}
          <line
            className="faults-marker"
            data-testid="faults-marker"
            data-access={marker}
            x1={markerX}
            x2={markerX}
            y1={TOP - 4}
            y2={TOP + plotH}
          />
          {shown.map((one) => (
            <circle
              key={`dot${one.pid}.${one.counter}`}
              cx={markerX}
              cy={py(valueAt(one.points, marker))}
              r={4}
              fill={one.counter === "minflt" ? one.colour : "#fff"}
              stroke={one.colour}
              strokeWidth={2}
            />
          ))}
        </svg>
        <table className="faults-values" data-testid="faults-values">
          <caption>
            {marker === 0 ? "before the first access" : `after ${marker} of ${total} accesses`}
          </caption>
          <thead>
            <tr>
              <th scope="col">process</th>
              <th scope="col">minflt</th>
              {anyMajor && <th scope="col">majflt</th>}
            </tr>
          </thead>
          <tbody>
            {recording.final.processes.map((process, position) => {
              const of = (counter: string) =>
                series.find((one) => one.pid === process.pid && one.counter === counter)?.points ??
                [];
              return (
                <tr key={process.pid}>
                  <th scope="row">
                    <span
                      className="swatch"
                      style={{ background: processColour(position) }}
                      aria-hidden="true"
                    />
                    {process.name} ({process.pid})
                  </th>
                  <td data-fault-value={`${process.pid}.minflt`}>
                    {valueAt(of("minflt"), marker)}
                  </td>
                  {anyMajor && (
                    <td data-fault-value={`${process.pid}.majflt`}>
                      {valueAt(of("majflt"), marker)}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
