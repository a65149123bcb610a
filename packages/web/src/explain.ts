/**
 * One sentence for each hop of a journey, so a learner can follow the access in words.
 */
import {
  ACCESS_KIND_NAMES,
  HOP_FAULT,
  HOP_L1_TLB,
  HOP_MEMORY,
  HOP_NAMES,
  HOP_STLB,
  HOP_WALK_PGD,
  HOP_WALK_PTE,
  OUTCOME_ANON_PAGE,
  OUTCOME_COW_COPY,
  OUTCOME_COW_REUSE,
  OUTCOME_FILE_PAGE,
  OUTCOME_HIT,
  OUTCOME_MISS,
  OUTCOME_NAMES,
  OUTCOME_NOT_PRESENT,
  OUTCOME_OOM,
  OUTCOME_PRESENT,
  OUTCOME_PROTECTION,
  OUTCOME_SHARED_PAGE,
  OUTCOME_SIGSEGV,
  OUTCOME_STACK_GROWTH,
  OUTCOME_WRITE_NOTIFY,
  OUTCOME_ZERO_PAGE,
} from "@vmscope/engine";
import { type AccessRecord, type HopRecord, hex } from "./recording.js";

const LEVELS = ["PGD", "PUD", "PMD", "PTE"] as const;

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
export function explainIssue(access: AccessRecord, processName: string): string {
  const verb = ["reads", "writes", "fetches an instruction from"][access.kind] ?? "touches";
  return `${processName} (pid ${access.pid}) ${verb} ${access.size} byte${access.size === 1 ? "" : "s"} at ${hex(access.address)}. The MMU must turn this virtual address into a physical one.`;
}

function explainFault(hop: HopRecord): string {
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
      return `Page fault on a file mapping: filemap_fault maps the file's page in ${frame}.`;
    case OUTCOME_WRITE_NOTIFY:
      return "Write fault on a page mapped read-only for tracking: the PTE is made writable and dirty.";
    case OUTCOME_STACK_GROWTH:
      return "The address lies just below the stack: the stack VMA grows to cover it.";
    case OUTCOME_SIGSEGV:
      return "No VMA allows this access: the kernel sends SIGSEGV and the process dies.";
    case OUTCOME_OOM:
      return "No memory is left to satisfy the fault: the process is killed.";
    default:
      return `Page fault: ${outcomeName(hop.outcome)}.`;
  }
}

/** What happened at one hop. */
export function explainHop(hop: HopRecord, access: AccessRecord): string {
  const tlb = access.kind === 2 ? "instruction TLB" : "data TLB";
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
    return "The STLB misses too: the hardware page walker reads the page table, starting at the table CR3 points to.";
  }
  if (hop.hop >= HOP_WALK_PGD && hop.hop <= HOP_WALK_PTE) {
    const level = LEVELS[hop.hop - HOP_WALK_PGD] ?? "table";
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
      ? `The ${kindName(access.kind)} reaches memory at physical address ${hex(access.physicalAddress)}.`
      : "The access reaches memory.";
  if (hop.outcome === OUTCOME_MISS) return `${hopName(hop.hop)}: miss.`;
  return `${hopName(hop.hop)}: ${outcomeName(hop.outcome)}.`;
}

/** A colour class for an outcome: good, slow or bad. */
export function outcomeTone(hop: HopRecord): "hit" | "miss" | "fault" | "fatal" {
  if (hop.outcome === OUTCOME_SIGSEGV || hop.outcome === OUTCOME_OOM) return "fatal";
  if (hop.hop === HOP_FAULT || hop.outcome === OUTCOME_NOT_PRESENT) return "fault";
  if (hop.outcome === OUTCOME_MISS || hop.outcome === OUTCOME_PROTECTION) return "miss";
  return "hit";
}
