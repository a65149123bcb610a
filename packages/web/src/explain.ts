/**
 * One sentence for each hop of a journey, so a learner can follow the access in words. The
 * wording lives in the engine (its explain.ts), shared with `vmscope explain`; the page adds the
 * colour of each outcome, and what the recording knows beyond the hop (explainDetail).
 */
import {
  ACCESS_EXEC,
  HOP_FAULT,
  HOP_L1_TLB,
  HOP_STLB,
  OUTCOME_FILE_READ,
  OUTCOME_MISS,
  OUTCOME_NOT_PRESENT,
  OUTCOME_OOM,
  OUTCOME_PROTECTION,
  OUTCOME_SIGBUS,
  OUTCOME_SIGSEGV,
  OUTCOME_SWAP_IN,
  type WalkTerms,
  walkTermsOf,
} from "@vmscope/engine";
import type { AccessRecord, HopRecord } from "./recording.js";
import { durationText, pagesText } from "./units.js";

export {
  explainHop,
  explainIssue,
  hopName,
  journeyHopName,
  kindName,
  outcomeName,
  type WalkTerms,
} from "@vmscope/engine";

const termsByDesign = new Map<string, WalkTerms | null>();

/**
 * The words of a `pagetable=` design's walk reads (the engine's walkTermsOf), null for x86-64;
 * kept per design, as the page asks at every render.
 */
export function designTerms(pagetable: string): WalkTerms | null {
  let terms = termsByDesign.get(pagetable);
  if (terms === undefined) {
    terms = walkTermsOf(pagetable);
    termsByDesign.set(pagetable, terms);
  }
  return terms;
}

/** A colour class for an outcome: good, slow or bad. */
export function outcomeTone(hop: HopRecord): "hit" | "miss" | "fault" | "fatal" {
  if (
    hop.outcome === OUTCOME_SIGSEGV ||
    hop.outcome === OUTCOME_SIGBUS ||
    hop.outcome === OUTCOME_OOM
  )
    return "fatal";
  if (hop.hop === HOP_FAULT || hop.outcome === OUTCOME_NOT_PRESENT) return "fault";
  if (hop.outcome === OUTCOME_MISS || hop.outcome === OUTCOME_PROTECTION) return "miss";
  return "hit";
}

/**
 * What the engine's sentence for a fault cannot know, from the events counted during the access:
 * whether it waited for the disk (major) or found its page in memory (minor), how many pages the
 * disk read, how long the fault took, and what direct reclaim added. "" when there is nothing
 * to add.
 */
export function explainDetail(hop: HopRecord, access: AccessRecord, cyclesPerNs: number): string {
  if (hop.huge === true) return hugeEntryDetail(hop, access);
  if (hop.hop !== HOP_FAULT) return "";
  const during = access.during ?? {};
  const major = (during.pgmajfault ?? 0) > 0;
  const read = during.disk_pages_read ?? 0;
  const took = `The fault took ${hop.cycles.toLocaleString("en-US")} cycles${
    cyclesPerNs > 0 ? ` (about ${durationText(hop.cycles / cyclesPerNs)})` : ""
  }`;
  const sentences: string[] = [];
  if (hop.outcome === OUTCOME_SWAP_IN) {
    sentences.push(
      major
        ? `The page was not in the swap cache: a major fault. The disk read ${pagesText(read)}, the slot and its neighbours (swap readahead), while the process waited. ${took}.`
        : "The page was still in the swap cache, so nothing was read from the disk: a minor fault.",
    );
  } else if (hop.outcome === OUTCOME_FILE_READ) {
    sentences.push(
      `The disk read ${pagesText(read)} (the page and any readahead window). ${took}, nearly all of it waiting.`,
    );
  }
  const swappedOut = during.pswpout ?? 0;
  if ((during.pgsteal_direct ?? 0) > 0)
    sentences.push(
      `Before it could take a frame, the fault reclaimed ${pagesText(during.pgsteal_direct ?? 0)} itself${
        swappedOut > 0 ? `, writing ${pagesText(swappedOut)} to swap` : ""
      }; that wait is in its cycles too.`,
    );
  return sentences.join(" ");
}

/** What a hit in a 2 MiB TLB entry adds to the engine's sentence: which array, and its reach. */
function hugeEntryDetail(hop: HopRecord, access: AccessRecord): string {
  const array = access.kind === ACCESS_EXEC ? "iTLB 2M" : "dTLB 2M";
  if (hop.hop === HOP_L1_TLB)
    return `The entry is in the L1's 2 MiB array (${array}): one entry translates all 512 pages of the 2 MiB page.`;
  if (hop.hop === HOP_STLB)
    return `The STLB's entry maps a whole 2 MiB page; it is copied into the L1's 2 MiB array (${array}).`;
  return "";
}
