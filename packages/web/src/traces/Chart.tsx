/** A small line chart drawn as inline SVG: axes with a few ticks, one polyline per series. */

export interface Series {
  name: string;
  color: string;
  points: readonly (readonly [number, number])[];
}

const WIDTH = 380;
const HEIGHT = 250;
const LEFT = 50;
const RIGHT = 12;
const TOP = 12;
const BOTTOM = 40;

/** About five round tick values from 0 to `max`. */
function ticks(max: number): number[] {
  if (max <= 0) return [0];
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((s) => s >= rough) ?? rough;
  const values: number[] = [];
  for (let value = 0; value <= max + step * 1e-9; value += step) values.push(value);
  return values;
}

function label(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return value.toFixed(2).replace(/0+$/, "");
}

export function LineChart({
  title,
  series,
  xLabel,
  yLabel,
  yMax,
  xTicks,
  step = false,
  testId,
}: {
  title: string;
  series: readonly Series[];
  xLabel: string;
  yLabel: string;
  /** Top of the y axis (default: the largest y). */
  yMax?: number;
  /** Where to put x ticks (default: round values up to the largest x). */
  xTicks?: readonly number[];
  /** Draw steps (a value holds until the next point) instead of straight segments. */
  step?: boolean;
  testId?: string;
}) {
  const xs = series.flatMap((one) => one.points.map(([x]) => x));
  const ys = series.flatMap((one) => one.points.map(([, y]) => y));
  const xMax = Math.max(1, ...xs);
  const xMin = xTicks !== undefined ? Math.min(...xTicks) : 0;
  const top = yMax ?? Math.max(1, ...ys);
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const px = (x: number) =>
    LEFT + (xMax === xMin ? plotW / 2 : ((x - xMin) / (xMax - xMin)) * plotW);
  const py = (y: number) => TOP + plotH - (y / top) * plotH;
  const yTicks = ticks(top);
  const xTickValues = xTicks ?? ticks(xMax);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
        {yTicks.map((value) => (
          <g key={`y${value}`}>
            <line className="grid" x1={LEFT} x2={WIDTH - RIGHT} y1={py(value)} y2={py(value)} />
            <text className="tick" x={LEFT - 6} y={py(value) + 4} textAnchor="end">
              {label(value)}
            </text>
          </g>
        ))}
        {xTickValues.map((value) => (
          <text
            key={`x${value}`}
            className="tick"
            x={px(value)}
            y={TOP + plotH + 16}
            textAnchor="middle"
          >
            {label(value)}
          </text>
        ))}
        <line className="axis" x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + plotH} />
        <line className="axis" x1={LEFT} x2={WIDTH - RIGHT} y1={TOP + plotH} y2={TOP + plotH} />
        <text className="axis-label" x={LEFT + plotW / 2} y={HEIGHT - 6} textAnchor="middle">
          {xLabel}
        </text>
        <text
          className="axis-label"
          transform={`translate(14 ${TOP + plotH / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          {yLabel}
        </text>
        {series.map((one) => {
          const points: string[] = [];
          one.points.forEach(([x, y], index) => {
            if (step && index > 0) points.push(`${px(x)},${py(one.points[index - 1]?.[1] ?? y)}`);
            points.push(`${px(x)},${py(y)}`);
          });
          return (
            <g key={one.name}>
              <polyline fill="none" stroke={one.color} strokeWidth={2} points={points.join(" ")} />
              {!step &&
                one.points.map(([x, y]) => (
                  <circle key={x} cx={px(x)} cy={py(y)} r={3.5} fill={one.color}>
                    <title>{`${one.name}: ${label(y)} at ${label(x)}`}</title>
                  </circle>
                ))}
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <ul className="legend">
          {series.map((one) => (
            <li key={one.name}>
              <span className="swatch" style={{ background: one.color }} />
              {one.name}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
