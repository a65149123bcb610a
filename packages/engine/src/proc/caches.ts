/**
 * `show caches`: the CPU's cache hierarchy as text (no Linux file shows this; the layout is
 * vmscope's own), and the cache counters under the names reports and `expect cache.NAME` use.
 *
 * For each level: its geometry, latency and counters, then its lines in set order: set, way, the
 * tag, the physical address of the line and D for a dirty line. A level with more than
 * CACHE_LINES_SHOWN valid lines lists that many and says how many more it holds. Then DRAM's
 * traffic and the paging-structure caches. A sample (the teaching machine):
 *
 *     cpu teaching: 64-byte lines, replacement lru, clock 1 GHz
 *     L1d: 512 B, 4 sets x 2 ways, latency 4 cycles, 3 lines valid
 *       hits 4, misses 6, hit rate 40.00%, writebacks 1
 *        set way          tag    line address  D
 *          0   0       0x4130       0x104c00  D
 *
 * Reading the caches here changes nothing (no LRU order, no counters).
 */

import type { Tlb } from "../arch/x86/tlb.js";
import type { CpuCache } from "../cache/cache.js";
import type { Machine } from "../machine.js";
import { hex } from "./format.js";

/** Most lines a level lists; the rest are counted. */
export const CACHE_LINES_SHOWN = 64;

/** `512 B`, `48 KiB`, `1.25 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(2))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(2))} KiB`;
  return `${bytes} B`;
}

function hitRate(hits: number, misses: number): string {
  const lookups = hits + misses;
  return lookups === 0 ? "-" : `${((hits / lookups) * 100).toFixed(2)}%`;
}

/** One level: header, counters, and its lines (at most CACHE_LINES_SHOWN). */
export function renderOneCache(cache: CpuCache): string {
  const valid = cache.validLines();
  const lines = [
    `${cache.name}: ${formatBytes(cache.sizeBytes)}, ${cache.sets} sets x ${cache.ways} ways, latency ${cache.latency} cycles, ${valid} line${valid === 1 ? "" : "s"} valid`,
    `  hits ${cache.hits}, misses ${cache.misses}, hit rate ${hitRate(cache.hits, cache.misses)}, writebacks ${cache.writebacks}`,
  ];
  if (valid > 0) lines.push("   set way          tag    line address  D");
  let shown = 0;
  for (let slot = 0; slot < cache.lines.length && shown < CACHE_LINES_SHOWN; slot++) {
    const line = cache.lines[slot] as number;
    if (line < 0) continue;
    shown++;
    const set = Math.floor(slot / cache.ways);
    const way = slot - set * cache.ways;
    lines.push(
      [
        String(set).padStart(6),
        String(way).padStart(3),
        `0x${hex(cache.tag(line))}`.padStart(12),
        `0x${hex(line * cache.lineBytes)}`.padStart(15),
        cache.dirty[slot] === 1 ? " D" : "",
      ]
        .join(" ")
        .trimEnd(),
    );
  }
  if (valid > shown) lines.push(`  ... ${valid - shown} more valid lines, not listed`);
  return lines.join("\n");
}

/** One paging-structure cache: geometry, counters and its entries. */
function renderPscLevel(cache: Tlb, prefixBits: string): string {
  const lines = [
    `${cache.name} (address bits ${prefixBits}): ${cache.entries} entries, ${cache.sets} sets x ${cache.ways} ways, ${cache.validCount()} valid`,
    `  hits ${cache.hits}, misses ${cache.misses}, hit rate ${hitRate(cache.hits, cache.misses)}`,
  ];
  for (let slot = 0; slot < cache.entries; slot++) {
    if (cache.flags[slot] === 0) continue;
    const set = Math.floor(slot / cache.ways);
    lines.push(
      `    set ${set} way ${slot - set * cache.ways}: prefix 0x${hex(cache.vpn[slot] as number)} PCID ${cache.asid[slot]} -> table in frame 0x${hex(cache.pfn[slot] as number)}`,
    );
  }
  return lines.join("\n");
}

/** The text of `show caches`. */
export function renderCaches(machine: Machine): string {
  const cpu = machine.cpu;
  const caches = cpu.caches;
  const ghz = cpu.timing.cyclesPerNs;
  const parts = [
    `cpu ${cpu.config.model}: ${caches.lineBytes}-byte lines, replacement ${caches.l1d.policy}, clock ${ghz} GHz`,
    ...caches.levels().map(renderOneCache),
    `DRAM: latency ${caches.dramLatency} cycles, lines read ${caches.dramReads}, lines written back ${caches.dramWrites}`,
  ];
  const psc = cpu.psc;
  if (psc === null) {
    parts.push("paging-structure caches: off");
  } else {
    parts.push(
      renderPscLevel(psc.pml4e, "47-39"),
      renderPscLevel(psc.pdpte, "47-30"),
      renderPscLevel(psc.pde, "47-21"),
    );
  }
  return `${parts.join("\n")}\n`;
}

/** The cache counters, as reports and `expect cache.NAME` read them. */
export function cacheCounters(machine: Machine): Record<string, number> {
  const cpu = machine.cpu;
  const caches = cpu.caches;
  const counters: Record<string, number> = {};
  for (const [key, cache] of [
    ["l1d", caches.l1d],
    ["l1i", caches.l1i],
    ["l2", caches.l2],
    ["l3", caches.l3],
  ] as const) {
    counters[`${key}_hits`] = cache.hits;
    counters[`${key}_misses`] = cache.misses;
    counters[`${key}_writebacks`] = cache.writebacks;
  }
  counters.dram_reads = caches.dramReads;
  counters.dram_writes = caches.dramWrites;
  const psc = cpu.psc;
  counters.pml4e_hits = psc?.pml4e.hits ?? 0;
  counters.pml4e_misses = psc?.pml4e.misses ?? 0;
  counters.pdpte_hits = psc?.pdpte.hits ?? 0;
  counters.pdpte_misses = psc?.pdpte.misses ?? 0;
  counters.pde_hits = psc?.pde.hits ?? 0;
  counters.pde_misses = psc?.pde.misses ?? 0;
  return counters;
}
