/**
 * One sentence for each hop of an access's journey, so a learner can follow it in words. The
 * web page shows them step by step; `vmscope explain` prints them one per line.
 */
import {
  READ_ANCHOR,
  READ_CHAIN,
  READ_LEAF,
  READ_REFILL_ANCHOR,
  READ_REFILL_CHAIN,
} from "./arch/pagetable/design.js";
import { REFILL_CYCLES } from "./arch/pagetable/inverted.js";
import { RadixGeometry } from "./arch/pagetable/radix.js";
import { type DesignKind, parsePageTableSpec } from "./arch/pagetable/spec.js";
import { LEVEL_NAMES, LEVEL_PGD, LEVEL_PMD, LEVEL_PUD } from "./arch/x86/pgtable.js";
import {
  ACCESS_EXEC,
  ACCESS_KIND_NAMES,
  HOP_DRAM,
  HOP_FAULT,
  HOP_L1_TLB,
  HOP_L1D,
  HOP_L1I,
  HOP_L2,
  HOP_MEMORY,
  HOP_NAMES,
  HOP_PSC,
  HOP_STLB,
  HOP_WALK_PGD,
  HOP_WALK_PTE,
  OUTCOME_ANON_PAGE,
  OUTCOME_COW_COPY,
  OUTCOME_COW_REUSE,
  OUTCOME_FILE_PAGE,
  OUTCOME_FILE_READ,
  OUTCOME_HIT,
  OUTCOME_MISS,
  OUTCOME_NAMES,
  OUTCOME_NOT_PRESENT,
  OUTCOME_OOM,
  OUTCOME_PRESENT,
  OUTCOME_PROTECTION,
  OUTCOME_SHARED_PAGE,
  OUTCOME_SIGBUS,
  OUTCOME_SIGSEGV,
  OUTCOME_STACK_GROWTH,
  OUTCOME_SWAP_IN,
  OUTCOME_WRITE_NOTIFY,
  OUTCOME_ZERO_PAGE,
} from "./probe.js";

/** One hop as a probe reported it. */
export interface JourneyHop {
  hop: number;
  outcome: number;
  cycles: number;
  /** Hop-specific numbers (see probe.ts): a table, frame or line address, an index or a set. */
  a: number;
  b: number;
  /** On a design other than x86-64, what a walk hop read (AccessProbe.designRead). */
  read?: DesignRead;
}

/** The kinds a DesignRead may have, for whoever shows a journey (the web page's diagram). */
export {
  READ_ANCHOR,
  READ_CHAIN,
  READ_LEAF,
  READ_REFILL_ANCHOR,
  READ_REFILL_CHAIN,
  READ_TABLE,
} from "./arch/pagetable/design.js";

/** One read of a page-table design: a READ_* kind of arch/pagetable/design.ts and its level or chain position. */
export interface DesignRead {
  kind: number;
  level: number;
  /** The walk's last read (a chain entry that is the last read is the one that matched). */
  last: boolean;
}

/**
 * The words for a design's walk reads: its kind, and for a radix tree the number of levels and
 * the address bits each level's index takes ("31-22"). x86-64 needs none.
 */
export interface WalkTerms {
  design: string;
  kind: DesignKind;
  levels: number;
  bitRanges: string[];
}

/** The walk terms of a `pagetable=` design, or null for x86-64 (whose words are the defaults). */
export function walkTermsOf(pagetable: string): WalkTerms | null {
  const spec = parsePageTableSpec(pagetable);
  if (spec.kind === "x86-64") return null;
  const geometry = new RadixGeometry(spec.bits);
  const bitRanges = spec.bits.map((_bits, level) => geometry.bitRange(level));
  return { design: spec.name, kind: spec.kind, levels: spec.bits.length, bitRanges };
}

/** The access the hops belong to. */
export interface JourneyAccess {
  pid: number;
  address: number;
  size: number;
  kind: number;
  /** Where it ended, or -1 when the process was killed. */
  physicalAddress: number;
}

const WALK_LEVELS = ["PGD", "PUD", "PMD", "PTE"] as const;

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

export function kindName(kind: number): string {
  return ACCESS_KIND_NAMES[kind] ?? `kind ${kind}`;
}

export function hopName(hop: number): string {
  return HOP_NAMES[hop] ?? `hop ${hop}`;
}

export function outcomeName(outcome: number): string {
  return OUTCOME_NAMES[outcome] ?? `outcome ${outcome}`;
}

/** What the CPU does when it issues `access`. */
export function explainIssue(access: JourneyAccess, processName: string): string {
  const verb = ["reads", "writes", "fetches an instruction from"][access.kind] ?? "touches";
  return `${processName} (pid ${access.pid}) ${verb} ${access.size} byte${access.size === 1 ? "" : "s"} at ${hex(access.address)}. The MMU must turn this virtual address into a physical one.`;
}

function explainFault(hop: JourneyHop): string {
  const frame = `frame ${hex(hop.a)}`;
  switch (hop.outcome) {
    case OUTCOME_ANON_PAGE:
      return `Page fault: handle_mm_fault finds a VMA that allows the access; do_anonymous_page takes a zeroed ${frame} and writes the PTE. The instruction is then retried.`;
    case OUTCOME_ZERO_PAGE:
      return "Page fault on a read of untouched memory: do_anonymous_page maps the shared zero page read-only; no memory is used yet.";
    case OUTCOME_COW_COPY:
      return `Copy-on-write fault: do_wp_page copies the shared page into a private ${frame} and makes it writable.`;
    case OUTCOME_COW_REUSE:
      return "Copy-on-write fault, but no one else maps the page any more: do_wp_page reuses it and just makes the PTE writable.";
    case OUTCOME_SHARED_PAGE:
      return `Page fault on a shared mapping: the shared ${frame} is mapped.`;
    case OUTCOME_FILE_PAGE:
      return `Page fault on a file mapping: filemap_fault finds the file's page in the page cache, in ${frame}, and maps it (a minor fault).`;
    case OUTCOME_FILE_READ:
      return `Page fault on a file mapping: the page is not in the page cache, so filemap_fault reads it from the disk into ${frame} and the process waits (a major fault).`;
    case OUTCOME_SWAP_IN:
      return `Page fault on a swapped-out page: do_swap_page brings it back into ${frame}, from the swap cache or from the disk.`;
    case OUTCOME_WRITE_NOTIFY:
      return "Write fault on a page mapped read-only for tracking: the PTE is made writable and dirty.";
    case OUTCOME_STACK_GROWTH:
      return "The address lies just below the stack: the stack VMA grows to cover it.";
    case OUTCOME_SIGSEGV:
      return "No VMA allows this access: the kernel sends SIGSEGV and the process dies.";
    case OUTCOME_SIGBUS:
      return "The access lies beyond the end of the mapped file: the kernel sends SIGBUS and the process dies.";
    case OUTCOME_OOM:
      return "No memory is left to satisfy the fault: the process is killed.";
    default:
      return `Page fault: ${outcomeName(hop.outcome)}.`;
  }
}

/** The cache a cache hop names, in words. */
function cacheName(hop: number): string {
  if (hop === HOP_L1D) return "the L1 data cache";
  if (hop === HOP_L1I) return "the L1 instruction cache";
  if (hop === HOP_L2) return "the L2 cache";
  return "the L3 cache";
}

function explainCache(hop: JourneyHop): string {
  const line = `the line at physical ${hex(hop.a)}`;
  const cost = `${hop.cycles} cycle${hop.cycles === 1 ? "" : "s"}`;
  if (hop.hop === HOP_DRAM) return `No cache holds ${line}: it is read from DRAM (${cost} more).`;
  const where = `${cacheName(hop.hop)} (set ${hop.b})`;
  if (hop.outcome === OUTCOME_HIT) {
    return hop.hop === HOP_L1D || hop.hop === HOP_L1I
      ? `${capitalise(where)} holds ${line}: ${cost}.`
      : `${capitalise(where)} holds ${line}: ${cost} more; the line is copied into the levels above.`;
  }
  return `${capitalise(where)} does not hold ${line} (${cost} to find out); the next level is asked.`;
}

function explainPsc(hop: JourneyHop): string {
  if (hop.outcome !== OUTCOME_HIT) {
    return "The paging-structure caches hold nothing for this address: the walk starts at the PGD, in the table CR3 points to.";
  }
  const cached = hop.a;
  const cache =
    cached === LEVEL_PMD ? "PDE cache" : cached === LEVEL_PUD ? "PDPTE cache" : "PML4E cache";
  const span = cached === LEVEL_PMD ? "2 MiB" : cached === LEVEL_PUD ? "1 GiB" : "512 GiB";
  const skipped = WALK_LEVELS.slice(0, LEVEL_PGD - cached + 1).join(", ");
  const next = LEVEL_NAMES[cached - 1] ?? "next";
  return `The ${cache} remembers the ${LEVEL_NAMES[cached]} entry for this ${span} region: the walk skips reading ${skipped} and starts in the ${next} table in frame ${hex(hop.b)}.`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A design's walk hop's name in its own terms: `walk PML5`, `walk L1` (a radix level from the top),
 * `walk entry` (linear), `walk anchor`, `walk chain 2`, `refill anchor`, `refill chain 1`.
 * @example designHopName({ kind: READ_TABLE, level: 0, last: false }, walkTermsOf("multilevel:10,10")) // "walk L1"
 */
export function designHopName(read: DesignRead, terms: WalkTerms): string {
  if (terms.kind === "la57") return "walk PML5";
  if (terms.kind === "linear") return "walk entry";
  if (terms.kind === "multilevel") return `walk L${read.level + 1}`;
  switch (read.kind) {
    case READ_ANCHOR:
      return "walk anchor";
    case READ_CHAIN:
      return `walk chain ${read.level}`;
    case READ_REFILL_ANCHOR:
      return "refill anchor";
    default:
      return `refill chain ${read.level}`;
  }
}

/** A hop's name: a design's walk read in its terms, else the probe's name for the hop. */
export function journeyHopName(hop: JourneyHop, terms: WalkTerms | null): string {
  return hop.read !== undefined && terms !== null
    ? designHopName(hop.read, terms)
    : hopName(hop.hop);
}

/**
 * A design's walk read in its own words: la57's PML5 entry, a radix level with its index bits,
 * the linear table's one entry, the inverted table's hash anchor, chain entries and refill.
 */
function explainDesignRead(
  hop: JourneyHop,
  read: DesignRead,
  terms: WalkTerms,
  access: JourneyAccess,
): string {
  const frame = hex(hop.a);
  const denied = `the kernel's PTE does not allow a ${kindName(access.kind)}: the CPU raises a page fault.`;
  const missing = "the CPU raises a page fault.";
  if (terms.kind === "la57") {
    return `The PML5 entry at index ${hop.b} (bits 56-48; la57's fifth-level table, in frame ${frame}) is present: it points to the PGD (the PML4), and the four-level walk goes on from there.`;
  }
  if (terms.kind === "linear") {
    const entry = `The linear table's entry for page number ${hex(hop.b)} (table base + ${hex(hop.b)} × 8, in frame ${frame}): the whole walk is this one read`;
    if (hop.outcome === OUTCOME_PRESENT)
      return `${entry}; it maps the page, and the translation goes into the TLB.`;
    if (hop.outcome === OUTCOME_PROTECTION) return `${entry}; ${denied}`;
    return `${entry}; it maps nothing: ${missing}`;
  }
  if (terms.kind === "multilevel") {
    const level = read.level + 1;
    const entry = `Level ${level} of ${terms.levels} (index bits ${terms.bitRanges[read.level] ?? "?"}): the entry at index ${hop.b} (table in frame ${frame})`;
    if (read.kind !== READ_LEAF) {
      if (hop.outcome === OUTCOME_PRESENT)
        return `${entry} is present: it points to the level-${level + 1} table.`;
      return `${entry} is empty, no table below it: ${missing}`;
    }
    if (hop.outcome === OUTCOME_PRESENT)
      return `${entry} maps the page, and the translation goes into the TLB.`;
    if (hop.outcome === OUTCOME_PROTECTION) return `${entry} maps the page, but ${denied}`;
    return `${entry} maps nothing: ${missing}`;
  }
  // inverted
  const tag = `(pid ${access.pid}, page ${hex(Math.floor(access.address / 4096))})`;
  switch (read.kind) {
    case READ_ANCHOR:
      if (hop.outcome === OUTCOME_NOT_PRESENT)
        return `The hash anchor of bucket ${hop.b} (the hash of ${tag}, in frame ${frame}) is empty: no entry holds the page, and ${missing}`;
      return `The hash anchor of bucket ${hop.b} (the hash of ${tag}, in frame ${frame}) holds the first entry of the bucket's chain, if any.`;
    case READ_CHAIN: {
      const entry = `Entry ${read.level} on the chain: frame ${hex(hop.b)}'s entry`;
      if (hop.outcome === OUTCOME_PRESENT && read.last)
        return `${entry} is tagged ${tag}: frame ${hex(hop.b)} holds the page, and the translation goes into the TLB.`;
      if (hop.outcome === OUTCOME_NOT_PRESENT)
        return `${entry} is not tagged ${tag}, and the chain ends there: ${missing}`;
      if (hop.outcome === OUTCOME_PROTECTION) return `${entry} is tagged ${tag}, but ${denied}`;
      return `${entry} is not tagged ${tag} (or the chain ends): the walk goes on.`;
    }
    case READ_REFILL_ANCHOR:
      return `The chain does not hold ${tag}, but the kernel's PTE maps it: a software refill (hash_page, ${REFILL_CYCLES} cycles) puts the entry of the page's frame at the head of bucket ${hop.b}'s chain, and the walk is retried: the anchor again.`;
    case READ_REFILL_CHAIN:
      if (hop.outcome === OUTCOME_PROTECTION)
        return `The retried walk finds frame ${hex(hop.b)}'s entry at the head of the chain, but ${denied}`;
      return `The retried walk finds frame ${hex(hop.b)}'s entry, tagged ${tag}, at the head of the chain: the translation goes into the TLB.`;
    default:
      return `${hopName(hop.hop)}: ${outcomeName(hop.outcome)}.`;
  }
}

/**
 * What happened at one hop. `terms`: the page-table design's words for its walk reads
 * (walkTermsOf), when the machine walks a design other than x86-64.
 */
export function explainHop(
  hop: JourneyHop,
  access: JourneyAccess,
  terms: WalkTerms | null = null,
): string {
  const tlb = access.kind === ACCESS_EXEC ? "instruction TLB" : "data TLB";
  if (hop.hop === HOP_L1_TLB) {
    if (hop.outcome === OUTCOME_HIT)
      return `The L1 ${tlb} holds this page's translation: no page walk is needed.`;
    if (hop.outcome === OUTCOME_PROTECTION)
      return `The L1 ${tlb} entry does not allow a ${kindName(access.kind)}: the CPU raises a page fault.`;
    return `The L1 ${tlb} has no entry for this page; the second-level TLB is asked next.`;
  }
  if (hop.hop === HOP_STLB) {
    if (hop.outcome === OUTCOME_HIT)
      return "The second-level TLB (STLB) holds the translation; it is copied into the L1 TLB.";
    return "The STLB misses too: the hardware page walker must read the page table.";
  }
  if (hop.hop === HOP_PSC) return explainPsc(hop);
  if (hop.hop >= HOP_WALK_PGD && hop.hop <= HOP_WALK_PTE) {
    if (hop.read !== undefined && terms !== null)
      return explainDesignRead(hop, hop.read, terms, access);
    const level = WALK_LEVELS[hop.hop - HOP_WALK_PGD] ?? "table";
    const entry = `The ${level} entry at index ${hop.b} (table in frame ${hex(hop.a)})`;
    if (hop.outcome === OUTCOME_PRESENT)
      return hop.hop === HOP_WALK_PTE
        ? `${entry} is present: it gives the page's frame, and the translation goes into the TLB.`
        : `${entry} is present: it points to the next-level table.`;
    if (hop.outcome === OUTCOME_NOT_PRESENT)
      return `${entry} is not present: the walk stops and the CPU raises a page fault.`;
    if (hop.outcome === OUTCOME_PROTECTION)
      return `${entry} does not allow a ${kindName(access.kind)}: the CPU raises a page fault.`;
    return `${entry}: ${outcomeName(hop.outcome)}.`;
  }
  if (hop.hop === HOP_FAULT) return explainFault(hop);
  if (hop.hop === HOP_MEMORY)
    return access.physicalAddress >= 0
      ? `The ${kindName(access.kind)} reaches physical address ${hex(access.physicalAddress)}; the caches are asked for its line.`
      : "The access reaches memory; the caches are asked for its line.";
  if (hop.hop >= HOP_L1D && hop.hop <= HOP_DRAM) return explainCache(hop);
  if (hop.outcome === OUTCOME_MISS) return `${hopName(hop.hop)}: miss.`;
  return `${hopName(hop.hop)}: ${outcomeName(hop.outcome)}.`;
}
