/**
 * Line charts written to SVG or PNG from Node: Observable Plot renders into a linkedom
 * document, resvg turns the SVG into PNG. Used by `compare --chart` and `mrc --chart`.
 */
import { writeFile } from "node:fs/promises";
import { InputError } from "./errors.js";

export interface ChartSeries {
  name: string;
  points: { x: number; y: number }[];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
}

/** The chart as a standalone SVG document. Plot and linkedom load on first use (startup stays fast). */
export async function chartSvg(spec: ChartSpec): Promise<string> {
  const Plot = await import("@observablehq/plot");
  const { parseHTML } = await import("linkedom");
  const { document } = parseHTML("<!DOCTYPE html><html><body></body></html>");
  const rows = spec.series.flatMap((series) =>
    series.points.map((point) => ({ series: series.name, x: point.x, y: point.y })),
  );
  const chart = Plot.plot({
    document: document as unknown as Document,
    title: spec.title,
    width: 720,
    height: 420,
    marginLeft: 60,
    style: { background: "white", fontFamily: "sans-serif", fontSize: "12px" },
    x: { label: spec.xLabel, grid: true },
    y: { label: spec.yLabel, grid: true, domain: [0, Math.max(1e-9, ...rows.map((row) => row.y))] },
    color: { legend: spec.series.length > 1, type: "categorical" },
    marks: [
      Plot.line(rows, { x: "x", y: "y", stroke: "series", strokeWidth: 2 }),
      Plot.dot(rows, { x: "x", y: "y", fill: "series", r: 2.5 }),
    ],
  });
  // The plot itself, not a legend swatch: a figure's own <svg> child.
  const svg =
    chart.tagName.toLowerCase() === "svg"
      ? chart
      : [...chart.children].find((child) => child.tagName.toLowerCase() === "svg");
  if (svg === undefined) throw new Error("Plot produced no SVG");
  svg.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  return `<?xml version="1.0" encoding="UTF-8"?>\n${withLegendAndTitle(chart, svg)}`;
}

/**
 * Plot wraps a chart with a title or legend in an HTML <figure>; a file needs one SVG. Keep the
 * plot's SVG and draw the title and the legend entries into it as SVG text.
 */
function withLegendAndTitle(chart: Element, svg: Element): string {
  if (chart === svg) return svg.outerHTML;
  const title = chart.querySelector("h2")?.textContent ?? "";
  const swatches = [...chart.querySelectorAll("span")]
    .map((span) => ({
      label: span.textContent ?? "",
      color: span.querySelector("svg")?.getAttribute("fill") ?? "",
    }))
    .filter((entry) => entry.label !== "");
  const width = Number(svg.getAttribute("width") ?? 720);
  const height = Number(svg.getAttribute("height") ?? 420);
  const header = 28 + (swatches.length > 0 ? 22 : 0);
  const legend = swatches
    .map(
      (entry, index) =>
        `<g transform="translate(${60 + index * 110},${header - 10})"><rect width="12" height="12" y="-10" fill="${entry.color}"/><text x="16" font-size="12">${escapeXml(entry.label)}</text></g>`,
    )
    .join("");
  const body = svg.outerHTML.replace(/^<svg[^>]*>/, "").replace(/<\/svg>$/, "");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + header}" viewBox="0 0 ${width} ${height + header}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="10" y="20" font-size="16" font-weight="bold">${escapeXml(title)}</text>${legend}` +
    `<g transform="translate(0,${header})">${body}</g></svg>`
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Write the chart to `file`: `.svg` or `.png`. */
export async function writeChart(file: string, spec: ChartSpec): Promise<void> {
  if (!file.endsWith(".svg") && !file.endsWith(".png")) {
    throw new InputError(`--chart needs a file ending in .svg or .png, not "${file}"`);
  }
  const svg = await chartSvg(spec);
  if (file.endsWith(".svg")) {
    await writeFile(file, svg);
  } else {
    const { Resvg } = await import("@resvg/resvg-js");
    const png = new Resvg(svg, {
      fitTo: { mode: "width", value: 1440 },
      font: { loadSystemFonts: true },
    })
      .render()
      .asPng();
    await writeFile(file, png);
  }
}
