/**
 * Whole-machine consistency checks: what must hold between page tables, frames, the page cache,
 * RSS counters, VMAs and TLBs after every operation, whatever the operations were.
 *
 * These are the simulator's equivalent of the kernel's debug checks (CONFIG_DEBUG_VM,
 * check_mm() at exit, the "Bad page state" and "BUG: Bad rss-counter state" reports). They read
 * the machine without changing it (no A/D bits, no TLB fills, no lookup-cache updates) and are
 * written for clarity, not speed: the hot path never calls them. Tests and the scenario runner's
 * `checkInvariants` option call {@link checkInvariants} or {@link assertInvariants} after each step.
 */
import type { Machine } from "../machine.js";
import { Census } from "./census.js";
import { checkDesignTables } from "./design_tables.js";
import { checkFrames } from "./frames.js";
import { checkHugeZeroPage } from "./huge_pages.js";
import { checkLruLists } from "./lru.js";
import { checkPageCache } from "./page_cache.js";
import { walkPageTables } from "./page_tables.js";
import { checkProcesses, checkVmas } from "./processes.js";
import { checkSwap } from "./swap.js";
import { checkTlbs } from "./tlbs.js";

/** At most this many violations are listed in the message of {@link assertInvariants}. */
const MAX_LISTED = 25;

/**
 * Every inconsistency found in `machine`, as one human-readable line each; empty when all is well.
 *
 * Checked:
 * - page tables: every table reachable from a live process's PGD is a FRAME_PAGETABLE frame
 *   reached exactly once (one owner), upper-level entries are empty or present table entries,
 *   `pgtablesBytes` counts the tables below the PGD, and no FRAME_PAGETABLE frame is unreachable;
 * - the page-table design's own tables (`machine pagetable=`): each frame claimed once, and every
 *   entry agreeing with the kernel's PTE (the design's check, arch/pagetable/);
 * - PTEs: mapped entries (present, or PROT_NONE but resident) lie inside a VMA, map a frame of a
 *   kind the VMA can hold (private anonymous: anonymous or zero page; shared: the page-cache page
 *   at that file index; private file: that page or an anonymous copy), and agree with the VMA's
 *   protection (present iff not PROT_NONE, RW only with PROT_WRITE, NX iff no PROT_EXEC);
 * - copy-on-write safety: a writable PTE of a private VMA maps an exclusive anonymous page;
 * - frames: mapcount equals the PTEs mapping the frame; refcount equals mapcount (anonymous) or
 *   mapcount + 1 (page-cache pages still in their cache); no anonymous page is mapped by nobody;
 *   FRAME_FREE frames are exactly the buddy allocator's free frames; `framesOfKind` matches;
 *   the buddy allocator's own checks pass;
 * - page cache: each cached page is a frame of the right kind recording its index, cached once,
 *   and `mappings` counts the live VMAs over the object;
 * - RSS: `rssAnon`, `rssFile`, `rssShmem` equal the mapped pages of each kind;
 * - VMAs: page-aligned, non-empty, sorted, non-overlapping, below TASK_SIZE;
 * - TLBs: every valid entry belongs to a live address space (its PCID, or without PCID the
 *   running process) and agrees with that space's PTE: present, same frame, no more rights;
 * - dead processes hold no memory, and the running process is alive.
 *
 * Written for what the engine models today: with swap, non-present PTEs will hold swap entries
 * (the leaf check rejects them now) and swap-cache pages will carry one more reference; huge
 * pages will put PS leaves in PMD entries; LRU lists will need their own membership checks.
 */
export function checkInvariants(machine: Machine): string[] {
  const out: string[] = [];
  const phys = machine.phys;
  const live = machine.running();
  const census = new Census(phys.totalFrames, machine.memory.swap?.slots ?? 0);

  checkProcesses(machine, live, out);
  for (const process of live) {
    checkVmas(process, out);
    walkPageTables(machine, process, census, out);
  }
  checkDesignTables(machine, census, out);
  const cached = checkPageCache(machine, live, out);
  checkFrames(machine, live, census, cached, out);
  checkLruLists(machine, out);
  checkSwap(machine, census, out);
  checkHugeZeroPage(machine, census, out);
  checkTlbs(machine, live, out);
  return out;
}

/**
 * Throw an Error listing every violation (the first {@link MAX_LISTED} of them), prefixed by
 * `context` (for example the scenario statement just run). Does nothing when all is well.
 */
export function assertInvariants(machine: Machine, context: string): void {
  const violations = checkInvariants(machine);
  if (violations.length === 0) return;
  const listed = violations.slice(0, MAX_LISTED).map((line) => `  - ${line}`);
  if (violations.length > MAX_LISTED) {
    listed.push(`  ... and ${violations.length - MAX_LISTED} more`);
  }
  const count =
    violations.length === 1 ? "1 invariant violation" : `${violations.length} invariant violations`;
  throw new Error(`${count} after ${context}:\n${listed.join("\n")}`);
}
