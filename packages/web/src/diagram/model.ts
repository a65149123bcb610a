/**
 * The machine diagram's model, with no DOM: which part of the machine each hop of a journey is
 * at, what the parts hold and cost, and which parts are lit, marked or untouched at a frame.
 *
 * Hops are matched to parts by their ids where this page knows them and by their names
 * (the engine's HOP_NAMES) otherwise, so cache levels and other hops the engine adds light their
 * part without this file changing; a hop nothing matches lights the CPU core.
 */
import {
  ACCESS_EXEC,
  type DesignRead,
  HOP_FAULT,
  HOP_L1_TLB,
  HOP_MEMORY,
  HOP_NAMES,
  HOP_STLB,
  HOP_WALK_PGD,
  HOP_WALK_PMD,
  HOP_WALK_PTE,
  HOP_WALK_PUD,
  OUTCOME_ANON_PAGE,
  OUTCOME_COW_COPY,
  OUTCOME_COW_REUSE,
  OUTCOME_FILE_PAGE,
  OUTCOME_FILE_READ,
  OUTCOME_OOM,
  OUTCOME_SHARED_PAGE,
  OUTCOME_SIGBUS,
  OUTCOME_SIGSEGV,
  OUTCOME_STACK_GROWTH,
  OUTCOME_SWAP_IN,
  OUTCOME_ZERO_PAGE,
  READ_ANCHOR,
  READ_REFILL_ANCHOR,
  READ_REFILL_CHAIN,
} from "@vmscope/engine";
import { hopName, journeyHopName, outcomeName, outcomeTone, type WalkTerms } from "../explain.js";
import type { AccessRecord, EventCounts, HopRecord } from "../recording.js";
import { pagesText } from "../units.js";

export const PART_IDS = [
  "process",
  "core",
  "dtlb",
  "itlb",
  "dtlb2m",
  "itlb2m",
  "stlb",
  "mmu",
  "psc",
  "walk-pml5",
  "walk-pgd",
  "walk-pud",
  "walk-pmd",
  "walk-pte",
  "walk-l1",
  "walk-l2",
  "walk-l3",
  "walk-l4",
  "walk-l5",
  "walk-l6",
  "walk-entry",
  "walk-anchor",
  "walk-chain",
  "walk-refill",
  "l1d",
  "l1i",
  "l2",
  "l3",
  "dram",
  "fault",
  "frames",
  "kswapd",
  "swapcache",
  "swaparea",
  "disk",
] as const;
export type PartId = (typeof PART_IDS)[number];

export const CACHE_PARTS: readonly PartId[] = ["l1d", "l1i", "l2", "l3"];

/** The part a hop name stands for, for hops this page has no id for (cache levels and beyond). */
export function partOfHopName(name: string): PartId | null {
  if (/tlb/i.test(name)) return null;
  if (/paging[- ]structure|\bpsc\b|pml4e|pdpte|\bpde\b/i.test(name)) return "psc";
  if (/\bl1d\b|l1 data/i.test(name)) return "l1d";
  if (/\bl1i\b|l1 instruction/i.test(name)) return "l1i";
  if (/\bl2\b/i.test(name)) return "l2";
  if (/\bl3\b|\bllc\b/i.test(name)) return "l3";
  if (/\bdram\b|main memory/i.test(name)) return "dram";
  return null;
}

/** The hop id of each cache-like part the engine reports, found by name. */
function hopIdsByPart(): Map<PartId, number> {
  const ids = new Map<PartId, number>();
  HOP_NAMES.forEach((name, hop) => {
    const part = partOfHopName(name);
    if (part !== null && !ids.has(part)) ids.set(part, hop);
  });
  return ids;
}

const REPORTED_PARTS = hopIdsByPart();

/** Whether the engine reports where memory reads are served (hops for L1d, L2, L3, DRAM). */
export const CACHES_SIMULATED = REPORTED_PARTS.has("l1d") && REPORTED_PARTS.has("dram");
/** Whether the engine reports the paging-structure caches' lookups. */
export const PSC_REPORTED = REPORTED_PARTS.has("psc");

const WALK_PARTS: Record<number, PartId> = {
  [HOP_WALK_PGD]: "walk-pgd",
  [HOP_WALK_PUD]: "walk-pud",
  [HOP_WALK_PMD]: "walk-pmd",
  [HOP_WALK_PTE]: "walk-pte",
};

const X86_WALKER: readonly PartId[] = ["walk-pgd", "walk-pud", "walk-pmd", "walk-pte"];
const RADIX_LEVELS: readonly PartId[] = [
  "walk-l1",
  "walk-l2",
  "walk-l3",
  "walk-l4",
  "walk-l5",
  "walk-l6",
];

/**
 * The page walker's boxes for a design, top first: x86-64's four levels, la57's PML5 above
 * them, one per multilevel level (L1..Ln), the linear table's one entry, or the inverted table's
 * hash anchor, chain and software refill.
 */
export function walkerParts(terms: WalkTerms | null): readonly PartId[] {
  if (terms === null) return X86_WALKER;
  switch (terms.kind) {
    case "la57":
      return ["walk-pml5", ...X86_WALKER];
    case "multilevel":
      return RADIX_LEVELS.slice(0, terms.levels);
    case "linear":
      return ["walk-entry"];
    case "inverted":
      return ["walk-anchor", "walk-chain", "walk-refill"];
    default:
      return X86_WALKER;
  }
}

/**
 * The parts a design's walk read is at: its own box, then the MMU when the read starts the walk
 * from the root CR3 names (the inverted table's anchor: from the hash the MMU computes), and the
 * refill box when the read follows a software refill.
 */
function partsOfDesignRead(read: DesignRead, terms: WalkTerms): PartId[] {
  switch (terms.kind) {
    case "la57":
      return ["walk-pml5", "mmu"];
    case "linear":
      return ["walk-entry", "mmu"];
    case "multilevel": {
      const part = RADIX_LEVELS[read.level] ?? "walk-l6";
      return read.level === 0 ? [part, "mmu"] : [part];
    }
    default:
      if (read.kind === READ_ANCHOR) return ["walk-anchor", "mmu"];
      if (read.kind === READ_REFILL_ANCHOR) return ["walk-anchor", "walk-refill"];
      if (read.kind === READ_REFILL_CHAIN) return ["walk-chain", "walk-refill"];
      return ["walk-chain"];
  }
}

/** Whether any reclaim ran in these events (kswapd or direct: pages scanned or stolen). */
export function reclaimRan(events: EventCounts | null): boolean {
  if (events === null) return false;
  return (
    (events.pgscan_direct ?? 0) > 0 ||
    (events.pgsteal_direct ?? 0) > 0 ||
    (events.pgscan_kswapd ?? 0) > 0 ||
    (events.pgsteal_kswapd ?? 0) > 0
  );
}

/** The parts the kernel's side of a fault touches, beyond the fault handler itself. */
function faultParts(hop: HopRecord, access: AccessRecord): PartId[] {
  const parts: PartId[] = ["fault"];
  const during = access.during ?? {};
  const major = (during.pgmajfault ?? 0) > 0;
  switch (hop.outcome) {
    case OUTCOME_ANON_PAGE:
    case OUTCOME_ZERO_PAGE:
    case OUTCOME_COW_COPY:
    case OUTCOME_SHARED_PAGE:
    case OUTCOME_FILE_PAGE:
      parts.push("frames");
      break;
    case OUTCOME_FILE_READ:
      parts.push("frames", "disk");
      break;
    case OUTCOME_SWAP_IN:
      parts.push("swapcache", "frames");
      if (major) parts.push("swaparea", "disk");
      break;
    case OUTCOME_OOM:
      parts.push("kswapd");
      break;
    case OUTCOME_COW_REUSE:
      break;
  }
  // Direct reclaim inside the fault: the allocation had to free pages first.
  if (reclaimRan(access.during) && !parts.includes("kswapd")) parts.push("kswapd");
  if ((during.pswpout ?? 0) > 0) {
    if (!parts.includes("swaparea")) parts.push("swaparea");
    if (!parts.includes("disk")) parts.push("disk");
  }
  return parts;
}

/**
 * The parts a hop is at: the first is where the hop happens, the others take part in it (the
 * disk a major fault waits for, the frames it fills).
 */
export function partsOfHop(
  hop: HopRecord,
  access: AccessRecord,
  terms: WalkTerms | null = null,
): PartId[] {
  const exec = access.kind === ACCESS_EXEC;
  if (hop.hop === HOP_L1_TLB) {
    if (hop.huge === true) return [exec ? "itlb2m" : "dtlb2m"];
    return [exec ? "itlb" : "dtlb"];
  }
  if (hop.hop === HOP_STLB) return ["stlb"];
  if (hop.read !== undefined && terms !== null) return partsOfDesignRead(hop.read, terms);
  const walk = WALK_PARTS[hop.hop];
  // The first walk read starts from the table CR3 points to (la57's from the PML5 above it).
  if (walk !== undefined)
    return hop.hop === HOP_WALK_PGD && terms?.kind !== "la57" ? [walk, "mmu"] : [walk];
  if (hop.hop === HOP_FAULT) return faultParts(hop, access);
  if (hop.hop === HOP_MEMORY) {
    // With caches the levels that serve the access follow as hops of their own.
    if (CACHES_SIMULATED) return [access.kind === ACCESS_EXEC ? "l1i" : "l1d"];
    return ["dram"];
  }
  const byName = partOfHopName(hopName(hop.hop));
  return [byName ?? "core"];
}

/** A fault's outcome with how Linux counts it: major (it waited for the disk) or minor. */
function faultOutcome(hop: HopRecord, access: AccessRecord): string {
  const name = outcomeName(hop.outcome);
  if (FATAL_OR_NOT_COUNTED.includes(hop.outcome)) return name;
  return (access.during?.pgmajfault ?? 0) > 0 ? `${name}, major` : `${name}, minor`;
}

/** Fault outcomes that are no fault of their own in the counts: signals, OOM, stack growth. */
const FATAL_OR_NOT_COUNTED: readonly number[] = [
  OUTCOME_SIGSEGV,
  OUTCOME_SIGBUS,
  OUTCOME_OOM,
  OUTCOME_STACK_GROWTH,
];

/** What a part does in a hop it only takes part in, in a few words. */
function involvement(
  part: PartId,
  hop: HopRecord,
  access: AccessRecord,
  terms: WalkTerms | null,
): string {
  const during = access.during ?? {};
  switch (part) {
    case "mmu":
      return mmuInvolvement(terms);
    case "walk-refill":
      return hop.read?.kind === READ_REFILL_ANCHOR ? "hash_page refills" : "retried walk";
    case "frames":
      return hop.outcome === OUTCOME_FILE_PAGE || hop.outcome === OUTCOME_SHARED_PAGE
        ? "page-cache frame mapped"
        : "frame filled";
    case "disk": {
      const read = during.disk_pages_read ?? 0;
      const written = during.disk_pages_written ?? 0;
      return [read > 0 ? `read ${read}` : "", written > 0 ? `wrote ${written}` : ""]
        .filter((text) => text !== "")
        .join(", ");
    }
    case "swaparea":
      return (during.pswpin ?? 0) > 0 ? `${during.pswpin} slots read` : "slots written";
    case "swapcache":
      return (during.pgmajfault ?? 0) > 0 ? "filled by readahead" : "page found";
    case "kswapd":
      return hop.outcome === OUTCOME_OOM
        ? "OOM killer"
        : `direct reclaim: ${during.pgsteal_direct ?? 0}`;
    default:
      return journeyHopName(hop, terms);
  }
}

/** What the MMU gives the first read of a walk, in the design's words. */
function mmuInvolvement(terms: WalkTerms | null): string {
  switch (terms?.kind) {
    case "la57":
      return "CR3 gives the PML5";
    case "multilevel":
      return "CR3 gives the L1 table";
    case "linear":
      return "CR3 gives the table base";
    case "inverted":
      return "hashes (PID, page)";
    default:
      return "CR3 gives the PGD";
  }
}

export type Tone = "hit" | "miss" | "fault" | "fatal" | "issue";

/** One visit of the journey at a part: which hop (1-based step), what happened, its cost. */
export interface Visit {
  step: number;
  hop: string;
  outcome: string;
  cycles: number;
  tone: Tone;
  /** Whether this visit is the frame shown. */
  current: boolean;
  /** Whether the part only takes part in the hop (the disk of a major fault). */
  involved: boolean;
}

export interface PartState {
  /** The hop shown is at (or involves) this part. */
  lit: boolean;
  /** Visits so far in this access, in order. */
  visits: Visit[];
}

export type DiagramState = Record<PartId, PartState>;

/**
 * The state of every part at a frame: hops up to `hopIndex` (-1: the CPU issuing the access)
 * mark their parts; the hop at `hopIndex` lights its parts. `terms`: the page-table design's
 * words (designTerms), so its walk reads land in its own walker boxes.
 */
export function diagramState(
  access: AccessRecord,
  hopIndex: number,
  terms: WalkTerms | null = null,
): DiagramState {
  const state = {} as DiagramState;
  for (const part of PART_IDS) state[part] = { lit: false, visits: [] };
  const issue: Visit = {
    step: 0,
    hop: "issue",
    outcome: "issues the access",
    cycles: 0,
    tone: "issue",
    current: hopIndex === -1,
    involved: false,
  };
  state.process.visits.push(issue);
  state.core.visits.push({ ...issue, involved: true });
  if (hopIndex === -1) {
    state.process.lit = true;
    state.core.lit = true;
  }
  // What ran between the previous access and this one is marked from the start.
  const before = access.before;
  const earlier = (part: PartId, outcome: string) =>
    state[part].visits.push({
      step: 0,
      hop: part,
      outcome,
      cycles: 0,
      tone: "miss",
      current: false,
      involved: true,
    });
  if (before !== null && ((before.pgscan_kswapd ?? 0) > 0 || (before.pageoutrun ?? 0) > 0))
    earlier("kswapd", `kswapd reclaimed ${before.pgsteal_kswapd ?? 0} before`);
  if (before !== null && (before.disk_pages_read ?? 0) > 0)
    earlier("disk", `read ${before.disk_pages_read} before`);
  const last = Math.min(hopIndex, access.hops.length - 1);
  for (let index = 0; index <= last; index++) {
    const hop = access.hops[index] as HopRecord;
    const current = index === hopIndex;
    partsOfHop(hop, access, terms).forEach((part, position) => {
      state[part].visits.push({
        step: index + 1,
        hop: position === 0 ? journeyHopName(hop, terms) : involvement(part, hop, access, terms),
        outcome: hop.hop === HOP_FAULT ? faultOutcome(hop, access) : outcomeName(hop.outcome),
        cycles: position === 0 ? hop.cycles : 0,
        tone: outcomeTone(hop),
        current,
        involved: position > 0,
      });
      if (current) state[part].lit = true;
    });
  }
  return state;
}

/** The parts lit at a frame, in PART_IDS order (what the tests compare). */
export function litParts(state: DiagramState): PartId[] {
  return PART_IDS.filter((part) => state[part].lit);
}

/** Cycles of the hops up to and including `hopIndex`. */
export function cyclesSoFar(access: AccessRecord, hopIndex: number): number {
  let spent = 0;
  for (let index = 0; index <= hopIndex && index < access.hops.length; index++)
    spent += access.hops[index]?.cycles ?? 0;
  return spent;
}

/**
 * What the kernel did around an access (reclaim, disk I/O, the OOM killer), in words: what ran
 * before it from the start, what ran inside its fault once the fault hop is reached.
 */
export function eventNotes(access: AccessRecord, hopIndex: number): string[] {
  const notes: string[] = [];
  const before = access.before;
  if (before !== null) {
    if ((before.pgscan_kswapd ?? 0) > 0 || (before.pageoutrun ?? 0) > 0)
      notes.push(
        `Before this access kswapd ran in the background: scanned ${before.pgscan_kswapd ?? 0} pages, reclaimed ${before.pgsteal_kswapd ?? 0}${swappedOut(before)}.`,
      );
    const read = before.disk_pages_read ?? 0;
    const written = (before.disk_pages_written ?? 0) - (before.pswpout ?? 0);
    if (read > 0)
      notes.push(
        `Since the ${access.index === 0 ? "start" : "previous access"}, the disk read ${pagesText(read)} (read(2) waiting on a cold page cache, readahead), with no page fault.`,
      );
    if (written > 0)
      notes.push(
        `Since the previous access, ${pagesText(written)} of files were written back to the disk.`,
      );
  }
  const faultAt = access.hops.findIndex((hop) => hop.hop === HOP_FAULT);
  const during = faultAt >= 0 && hopIndex >= faultAt ? access.during : null;
  if (during !== null && ((during.pgscan_direct ?? 0) > 0 || (during.allocstall_normal ?? 0) > 0))
    notes.push(
      `Direct reclaim in this fault: free memory fell below the min watermark, so the faulting process itself scanned ${during.pgscan_direct ?? 0} pages and reclaimed ${during.pgsteal_direct ?? 0}${swappedOut(during)} before it could allocate.`,
    );
  if (during !== null && (during.oom_kill ?? 0) > 0)
    notes.push("Reclaim found nothing to free: the OOM killer chose a process to kill.");
  return notes;
}

function swappedOut(events: EventCounts): string {
  const out = events.pswpout ?? 0;
  return out > 0 ? `, writing ${pagesText(out)} to swap` : "";
}
