/**
 * The CPU's TLBs as text (no Linux file shows this; the layout is vmscope's own), and the MMU
 * counters under the names reports and `expect tlb.NAME` use.
 *
 * For each of the dTLB, iTLB and STLB: its geometry, hits, misses, hit rate and evictions, then
 * its valid entries in set order:
 *
 *     dTLB: 64 entries, 16 sets x 4 ways, 2 valid
 *       hits 3, misses 2, hit rate 60.00%, evictions 0
 *        set way        vpn        tag  virtual address  PCID       pfn  flags
 *         15   0  7ffff7fef   7ffff7fe   0x7ffff7fef000     1       105  W U NX D
 *
 * The tag is what the set compares: the page number above the set-index bits (vpn / sets).
 * Flags: W writable, U user, NX no-execute, D dirty (a write may use the entry), G global.
 * Reading the TLBs here changes nothing (no LRU stamps, no counters).
 */
import type { Tlb } from "../arch/x86/tlb.js";
import { TLB_DIRTY, TLB_GLOBAL, TLB_NX, TLB_USER, TLB_WRITABLE } from "../arch/x86/tlb.js";
import type { Machine } from "../machine.js";
import { hex } from "./format.js";

const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [TLB_WRITABLE, "W"],
  [TLB_USER, "U"],
  [TLB_NX, "NX"],
  [TLB_DIRTY, "D"],
  [TLB_GLOBAL, "G"],
];

/** `W U NX D G`-style flags of a TLB entry. */
export function tlbFlagNames(flags: number): string {
  const names: string[] = [];
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) names.push(name);
  return names.join(" ");
}

/** Hits as a percentage of lookups with two decimals, or `-` before the first lookup. */
function hitRate(tlb: Tlb): string {
  const lookups = tlb.hits + tlb.misses;
  return lookups === 0 ? "-" : `${((tlb.hits / lookups) * 100).toFixed(2)}%`;
}

/** One TLB: header, counters and its valid entries. */
export function renderOneTlb(tlb: Tlb): string {
  const lines = [
    `${tlb.name}: ${tlb.entries} entries, ${tlb.sets} sets x ${tlb.ways} ways, ${tlb.validCount()} valid`,
    `  hits ${tlb.hits}, misses ${tlb.misses}, hit rate ${hitRate(tlb)}, evictions ${tlb.evictions}`,
  ];
  let header = false;
  for (let slot = 0; slot < tlb.entries; slot++) {
    const flags = tlb.flags[slot] as number;
    if (flags === 0) continue;
    if (!header) {
      lines.push("   set way        vpn        tag  virtual address  PCID       pfn  flags");
      header = true;
    }
    const set = Math.floor(slot / tlb.ways);
    const way = slot - set * tlb.ways;
    // A 2 MiB entry's key is -2 - (vpn >> 9) (hugeTlbKey): shown by its 2 MiB page's address.
    const key = tlb.vpn[slot] as number;
    const vpn = key < 0 ? (-2 - key) * 512 : key;
    const columns = [
      String(set).padStart(6),
      String(way).padStart(3),
      hex(vpn).padStart(10),
      hex(Math.floor(vpn / tlb.sets)).padStart(10),
      `0x${hex(vpn * 4096)}`.padStart(16),
      String(tlb.asid[slot]).padStart(5),
      hex(tlb.pfn[slot] as number).padStart(9),
      ` ${tlbFlagNames(flags)}${key < 0 ? " 2M" : ""}`,
    ];
    lines.push(columns.join(" ").trimEnd());
  }
  return lines.join("\n");
}

/** The text of the TLB view: dTLB, iTLB, STLB, the 2 MiB arrays, then the walker's counters. */
export function renderTlb(machine: Machine): string {
  const cpu = machine.cpu;
  const parts = [cpu.dtlb, cpu.itlb, cpu.stlb, cpu.dtlb2m, cpu.itlb2m].map(renderOneTlb);
  parts.push(
    `page walks ${cpu.pageWalks}, entries read by walks ${cpu.walkReads}, context switches ${cpu.contextSwitches}, PCID ${cpu.pcid ? "on" : "off"}`,
  );
  return `${parts.join("\n")}\n`;
}

/** The MMU counters, as reports and `expect tlb.NAME` read them. */
export function tlbCounters(machine: Machine): Record<string, number> {
  const cpu = machine.cpu;
  return {
    dtlb_hits: cpu.dtlb.hits,
    dtlb_misses: cpu.dtlb.misses,
    itlb_hits: cpu.itlb.hits,
    itlb_misses: cpu.itlb.misses,
    stlb_hits: cpu.stlb.hits,
    stlb_misses: cpu.stlb.misses,
    page_walks: cpu.pageWalks,
    walk_reads: cpu.walkReads,
    context_switches: cpu.contextSwitches,
  };
}
