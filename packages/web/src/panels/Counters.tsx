/**
 * The counters at the step shown: each process's faults, sizes and cycles; the machine's
 * /proc/vmstat events for faults, swap and reclaim; and the hit rates of the TLBs and caches.
 * Every number comes from the recording's snapshot, i.e. from the engine's own counters.
 */
import type { ProcessSnapshot } from "../recording.js";
import type { ViewState } from "../store.js";

/** The counters of each process the page shows, in this order. */
const PROCESS_COUNTERS = [
  "minflt",
  "majflt",
  "cow_faults",
  "rss_kb",
  "swap_kb",
  "vm_kb",
  "pte_kb",
  "accesses",
  "cycles",
] as const;

const MACHINE_COUNTERS: readonly ["vmstat" | "tlb", string][] = [
  ["vmstat", "pgfault"],
  ["vmstat", "pgmajfault"],
  ["vmstat", "nr_free_pages"],
  ["vmstat", "nr_anon_pages"],
  ["vmstat", "nr_file_pages"],
  ["vmstat", "nr_page_table_pages"],
  ["vmstat", "pswpin"],
  ["vmstat", "pswpout"],
  ["vmstat", "pgscan_kswapd"],
  ["vmstat", "pgscan_direct"],
  ["vmstat", "pgsteal_kswapd"],
  ["vmstat", "pgsteal_direct"],
  ["tlb", "dtlb_hits"],
  ["tlb", "dtlb_misses"],
  ["tlb", "stlb_misses"],
  ["tlb", "page_walks"],
];

/** Hit rates shown: a name, the counters group, and its hits and misses counters. */
const HIT_RATES: readonly [string, "tlb" | "caches", string, string][] = [
  ["L1 dTLB", "tlb", "dtlb_hits", "dtlb_misses"],
  ["L1 iTLB", "tlb", "itlb_hits", "itlb_misses"],
  ["L2 STLB", "tlb", "stlb_hits", "stlb_misses"],
  ["L1d", "caches", "l1d_hits", "l1d_misses"],
  ["L1i", "caches", "l1i_hits", "l1i_misses"],
  ["L2", "caches", "l2_hits", "l2_misses"],
  ["L3", "caches", "l3_hits", "l3_misses"],
  ["PDE cache", "caches", "pde_hits", "pde_misses"],
];

/** A hit rate as the page prints it: "97.5%", or "–" before any lookup. */
export function hitRateText(hits: number, misses: number): string {
  const total = hits + misses;
  return total === 0 ? "–" : `${((100 * hits) / total).toFixed(1)}%`;
}

export function Counters({
  view,
  processes,
}: {
  view: ViewState;
  processes: readonly ProcessSnapshot[];
}) {
  const machine = view.machine;
  const rates = HIT_RATES.filter(
    ([, group, hits]) => machine !== null && machine[group]?.[hits] !== undefined,
  );
  return (
    <section className="counters" aria-label="Counters">
      <h2>
        Counters{" "}
        <span className="when" data-testid="counters-when">
          {view.atEnd ? "at the end of the scenario" : "after the last completed access"}
        </span>
      </h2>
      <table data-testid="process-counters">
        <thead>
          <tr>
            <th scope="col">counter</th>
            {processes.map((process) => (
              <th scope="col" key={process.pid}>
                {process.name} ({process.pid})
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {PROCESS_COUNTERS.map((name) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              {processes.map((process) => (
                <td key={process.pid} data-counter={`${process.pid}.${name}`}>
                  {process.counters[name] ?? ""}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="counter-columns">
        <table data-testid="machine-counters">
          <tbody>
            {MACHINE_COUNTERS.map(([group, name]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td data-counter={`${group}.${name}`}>{machine?.[group][name] ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {machine !== null && rates.length > 0 && (
          <table data-testid="hit-rates">
            <thead>
              <tr>
                <th scope="col">hit rate</th>
                <th scope="col">hits / lookups</th>
              </tr>
            </thead>
            <tbody>
              {rates.map(([label, group, hitsKey, missesKey]) => {
                const hits = machine[group][hitsKey] ?? 0;
                const misses = machine[group][missesKey] ?? 0;
                return (
                  <tr key={label}>
                    <th scope="row">{label}</th>
                    <td data-rate={`${group}.${hitsKey}.${missesKey}`}>
                      {hitRateText(hits, misses)}
                    </td>
                    <td className="muted">
                      {hits.toLocaleString("en-US")} / {(hits + misses).toLocaleString("en-US")}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
