// Print cachegrind's counts (the `summary:` line of its output file) beside vmscope's (its
// --json), one block per program and geometry. Arguments: [--markdown] NAME GEOMETRY
// CACHEGRIND_OUT JSON, ...; with --markdown, one Markdown table row per run instead.
import { readFileSync } from "node:fs";

const EVENTS = ["Ir", "I1mr", "ILmr", "Dr", "D1mr", "DLmr", "Dw", "D1mw", "DLmw"];

function cachegrindCounts(path) {
  const text = readFileSync(path, "utf8");
  const events = /^events: (.*)$/m.exec(text)?.[1].trim().split(/\s+/);
  const summary = /^summary: (.*)$/m.exec(text)?.[1].trim().split(/\s+/).map(Number);
  if (!events || !summary) throw new Error(`${path}: no events: or summary: line`);
  return Object.fromEntries(events.map((event, i) => [event, summary[i]]));
}

const markdown = process.argv[2] === "--markdown";
const args = process.argv.slice(markdown ? 3 : 2);
const commas = (n) => n.toLocaleString("en-US");
const lines = markdown
  ? [
      `| program | geometry | ${EVENTS.join(" | ")} | vmscope |`,
      `|---|---|${EVENTS.map(() => "--:|").join("")}---|`,
    ]
  : [];
let exact = 0;
let blocks = 0;
for (let i = 0; i + 3 < args.length; i += 4) {
  const [name, geometry, cachegrindPath, jsonPath] = args.slice(i, i + 4);
  const real = cachegrindCounts(cachegrindPath);
  const ours = JSON.parse(readFileSync(jsonPath, "utf8"));
  const caches = ["I1", "D1", "LL"]
    .map(
      (c) => `${c} ${ours.geometry[c].size},${ours.geometry[c].assoc},${ours.geometry[c].lineSize}`,
    )
    .join("  ");
  let same = true;
  const differences = [];
  const block = [
    `${name}, ${geometry} (${caches})`,
    `  ${"event".padEnd(6)}${"cachegrind".padStart(13)}${"vmscope".padStart(13)}${"diff".padStart(9)}`,
  ];
  for (const event of EVENTS) {
    const diff = ours[event] - real[event];
    const shown = diff === 0 ? "" : diff > 0 ? `+${diff}` : String(diff);
    if (diff !== 0) {
      same = false;
      differences.push(`${event} ${commas(ours[event])} (${shown})`);
    }
    block.push(
      `  ${event.padEnd(6)}${String(real[event]).padStart(13)}${String(ours[event]).padStart(13)}${shown.padStart(9)}`,
    );
  }
  if (markdown) {
    const counts = EVENTS.map((event) => commas(real[event])).join(" | ");
    lines.push(
      `| ${name} | ${geometry} | ${counts} | ${same ? "identical" : differences.join(", ")} |`,
    );
  } else {
    lines.push(...block, "");
  }
  blocks++;
  if (same) exact++;
}
lines.push(`${markdown ? "\n" : ""}${exact} of ${blocks} runs identical in all nine counts`);
process.stdout.write(`${lines.join("\n")}\n`);
