/** Text output of `vmscope run`: reports as tables, views as Linux prints them. */
import type { ExpectResult, OutputItem, Report, RunResult, SignalEvent } from "@vmscope/engine";

/** Per-process columns of a report table. */
const PROCESS_COLUMNS = ["pid", "minflt", "majflt", "rss_kb", "pte_kb", "cow_faults"] as const;
/** System-wide counters a report shows (the full set is in --json and `show vmstat`). */
const SYSTEM_COUNTERS = [
  "pgfault",
  "pgmajfault",
  "nr_free_pages",
  "nr_anon_pages",
  "nr_page_table_pages",
];
const TLB_COUNTERS = ["dtlb_hits", "dtlb_misses", "stlb_hits", "stlb_misses", "page_walks"];
/** Hits and misses of each cache level and DRAM traffic (the full set is in --json). */
const CACHE_COUNTERS = [
  "l1d_hits",
  "l1d_misses",
  "l2_hits",
  "l2_misses",
  "l3_hits",
  "l3_misses",
  "dram_reads",
  "pde_hits",
];

export function formatRun(result: RunResult): string {
  const parts = result.output.map(formatItem);
  const failed = result.expects.filter((expect) => !expect.ok).length;
  if (result.expects.length > 0) {
    parts.push(
      `${result.expects.length} expect${result.expects.length === 1 ? "" : "s"}: ` +
        `${result.expects.length - failed} held, ${failed} failed\n`,
    );
  }
  return parts.join("\n");
}

function formatItem(item: OutputItem): string {
  switch (item.kind) {
    case "report":
      return formatReport(item.report);
    case "view":
      return `-- ${item.title} (line ${item.line}) --\n${item.text.endsWith("\n") ? item.text : `${item.text}\n`}`;
    case "signal":
      return formatSignal(item.signal);
    case "expect":
      return formatExpect(item.expect);
    case "note":
      return `note (line ${item.line}): ${item.text}\n`;
  }
}

/** One report as a table of process counters and lines of system and TLB counters. */
export function formatReport(report: Report): string {
  const header = ["process", ...PROCESS_COLUMNS];
  const rows = Object.entries(report.processes).map(([name, counters]) => [
    name,
    ...PROCESS_COLUMNS.map((column) => String(counters[column] ?? 0)),
  ]);
  const lines = [
    `== report "${report.label}" (line ${report.line}) ==`,
    ...table([header, ...rows]),
  ];
  lines.push(`vmstat: ${pick(report.vmstat, SYSTEM_COUNTERS)}`);
  lines.push(`tlb:    ${pick(report.tlb, TLB_COUNTERS)}`);
  if (report.caches !== undefined) lines.push(`caches: ${pick(report.caches, CACHE_COUNTERS)}`);
  return `${lines.join("\n")}\n`;
}

function formatExpect(expect: ExpectResult): string {
  const verdict = expect.ok ? "ok    " : "FAILED";
  return `${verdict} expect ${expect.text} (actual ${expect.actual}, line ${expect.line})\n`;
}

function formatSignal(signal: SignalEvent): string {
  return `${signal.process} (pid ${signal.pid}) killed by ${signal.signal} (${signal.code}) at ${signal.addr}, line ${signal.line}\n`;
}

function pick(values: Record<string, number>, names: readonly string[]): string {
  return names.map((name) => `${name} ${values[name] ?? 0}`).join(", ");
}

/** Left-aligned columns separated by two spaces. */
function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
