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
import {
  ENTRIES_PER_TABLE,
  entryPfn,
  isSwapEntry,
  LEVEL_NAMES,
  LEVEL_PGD,
  LEVEL_PMD,
  LEVEL_PTE,
  levelSpan,
  PAGE_SIZE,
  PTE_DIRTY,
  PTE_GLOBAL,
  PTE_HI_NX,
  PTE_PRESENT,
  PTE_PROTNONE,
  PTE_PSE,
  PTE_RW,
  PTE_USER,
  pageNumber,
  TASK_SIZE,
  tableIndex,
} from "./arch/x86/pgtable.js";
import { TLB_DIRTY, TLB_GLOBAL, TLB_NX, TLB_USER, TLB_WRITABLE, type Tlb } from "./arch/x86/tlb.js";
import type { Machine } from "./machine.js";
import type { AddressSpace } from "./mm/address_space.js";
import {
  FRAME_ANON,
  FRAME_FILE,
  FRAME_FREE,
  FRAME_KIND_NAMES,
  FRAME_PAGETABLE,
  FRAME_RESERVED,
  FRAME_SHMEM,
  FRAME_ZERO,
  PG_ACTIVE,
  PG_DIRTY,
  type PhysicalMemory,
} from "./mm/frames.js";
import { HPAGE_SIZE, hugeStart, PMD_PAGES } from "./mm/huge_memory.js";
import { LRU_NAMES, lruListOf } from "./mm/lru.js";
import { entryMapsFrame } from "./mm/memory.js";
import type { MmStruct } from "./mm/mm_struct.js";
import { PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, type Vma } from "./mm/vma.js";
import type { Process } from "./process.js";

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

// ---- bookkeeping shared by the checks ---------------------------------------------------------

/** What the page-table walks found, per frame, across all live processes. */
class Census {
  /** PTEs mapping each frame (the zero page is not counted, as the engine does not count it). */
  readonly ptes: Int32Array;
  /** PID whose page tables reach each table frame, PGDs included (0: none). */
  readonly tableOwner: Int32Array;
  /** Table frames reached from some live PGD, PGDs included. */
  reachableTables = 0;
  /** Swap entries referring to each swap slot. */
  readonly swapRefs: Int32Array;
  /** Huge PMDs mapping the huge zero page, across all live processes. */
  hugeZeroPmds = 0;

  constructor(totalFrames: number, swapSlots: number) {
    this.ptes = new Int32Array(totalFrames);
    this.tableOwner = new Int32Array(totalFrames);
    this.swapRefs = new Int32Array(swapSlots);
  }
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

function kindName(kind: number): string {
  return FRAME_KIND_NAMES[kind] ?? `kind ${kind}`;
}

/** The VMA of `mm` containing `address`, or null; unlike mm.vmaAt it leaves the lookup cache alone. */
function vmaContaining(mm: MmStruct, address: number): Vma | null {
  const vma = mm.vmas[mm.indexAbove(address)];
  return vma !== undefined && vma.start <= address ? vma : null;
}

/**
 * The entry offset of the PTE for `address` in `mm`, or -1 when a table on the way is missing;
 * a read-only walk (no A bits set), tolerant of corrupted upper levels.
 */
/** The offset of the huge PMD entry mapping `address`, or -1 (read-only, like pteOffsetOf). */
function hugePmdOffsetOf(phys: PhysicalMemory, mm: MmStruct, address: number): number {
  if (mm.pgd < 0 || !phys.isTable(mm.pgd)) return -1;
  let table = mm.pgd;
  for (let level = LEVEL_PGD; level >= LEVEL_PMD; level--) {
    const offset = phys.entryOffset(table, tableIndex(address, level));
    const low = phys.tableLow[offset] as number;
    if (!(low & PTE_PRESENT)) return -1;
    if (level === LEVEL_PMD) return low & PTE_PSE ? offset : -1;
    table = entryPfn(low, phys.tableHigh[offset] as number);
    if (table >= phys.totalFrames || !phys.isTable(table)) return -1;
  }
  return -1;
}

function pteOffsetOf(phys: PhysicalMemory, mm: MmStruct, address: number): number {
  if (mm.pgd < 0 || !phys.isTable(mm.pgd)) return -1;
  let table = mm.pgd;
  for (let level = LEVEL_PGD; level > LEVEL_PTE; level--) {
    const offset = phys.entryOffset(table, tableIndex(address, level));
    const low = phys.tableLow[offset] as number;
    if (!(low & PTE_PRESENT)) return -1;
    table = entryPfn(low, phys.tableHigh[offset] as number);
    if (table >= phys.totalFrames || !phys.isTable(table)) return -1;
  }
  return phys.entryOffset(table, tableIndex(address, LEVEL_PTE));
}

// ---- the page-table design's own tables (machine pagetable=) --------------------------------------

/**
 * The tables of a design other than x86-64 are page-table frames too, reached from the design
 * rather than from a PGD: each is claimed once (by its process, or by the machine for a shared
 * table), and the design checks its entries against the kernel's PTEs.
 */
function checkDesignTables(machine: Machine, census: Census, out: string[]): void {
  const design = machine.pagetable;
  if (design === null) return;
  const phys = machine.phys;
  for (const { pfn, pid } of design.tableFrames()) {
    const where = `${design.spec.name} table frame ${pfn}`;
    if (pfn >= phys.totalFrames || phys.kind[pfn] !== FRAME_PAGETABLE) {
      out.push(`${where} is not a page-table frame`);
      continue;
    }
    if (census.tableOwner[pfn] !== 0) {
      out.push(`${where} is also claimed by pid ${census.tableOwner[pfn]}`);
      continue;
    }
    census.tableOwner[pfn] = pid === 0 ? -1 : pid;
    census.reachableTables++;
  }
  out.push(...design.check());
}

// ---- processes --------------------------------------------------------------------------------

function checkProcesses(machine: Machine, live: Process[], out: string[]): void {
  const running = machine.cpu.runningProcess;
  if (running !== null && !running.alive) {
    out.push(`cpu: the running process is pid ${running.pid}, which is ${running.state}`);
  }
  const mms = new Set<MmStruct>();
  for (const process of machine.processes) {
    const mm = process.mm;
    if (mms.has(mm)) out.push(`pid ${process.pid}: shares its mm_struct with another process`);
    mms.add(mm);
    if (process.alive) {
      if (mm.pgd < 0) out.push(`pid ${process.pid}: alive without a PGD`);
      if (mm.startBrk > mm.brk) {
        out.push(`pid ${process.pid}: brk ${hex(mm.brk)} lies below start_brk ${hex(mm.startBrk)}`);
      }
      continue;
    }
    // exit_mmap left nothing behind (check_mm's "Bad rss-counter state" and friends).
    const leftovers: string[] = [];
    if (mm.pgd !== -1) leftovers.push(`PGD at pfn ${mm.pgd}`);
    if (mm.vmas.length > 0) leftovers.push(`${mm.vmas.length} VMAs`);
    if (mm.rssAnon !== 0 || mm.rssFile !== 0 || mm.rssShmem !== 0) {
      leftovers.push(`RSS anon/file/shmem ${mm.rssAnon}/${mm.rssFile}/${mm.rssShmem}`);
    }
    if (mm.pgtablesBytes !== 0) leftovers.push(`pgtablesBytes ${mm.pgtablesBytes}`);
    if (machine.cpu.asidOf(mm) >= 0) leftovers.push(`PCID ${machine.cpu.asidOf(mm)}`);
    if (leftovers.length > 0) {
      out.push(`pid ${process.pid} (${process.state}) still holds ${leftovers.join(", ")}`);
    }
  }
  if (live.length > 0 && new Set(live.map((process) => process.pid)).size !== live.length) {
    out.push("two live processes share a PID");
  }
}

function checkVmas(process: Process, out: string[]): void {
  const where = `pid ${process.pid}`;
  let previous: Vma | null = null;
  for (const vma of process.mm.vmas) {
    const range = `VMA [${hex(vma.start)}, ${hex(vma.end)})`;
    if (vma.start % PAGE_SIZE !== 0 || vma.end % PAGE_SIZE !== 0) {
      out.push(`${where}: ${range} is not page-aligned`);
    }
    if (!(vma.start < vma.end)) out.push(`${where}: ${range} is empty or inverted`);
    if (vma.start < 0 || vma.end > TASK_SIZE)
      out.push(`${where}: ${range} lies outside user space`);
    if ((vma.prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0) {
      out.push(`${where}: ${range} has unknown protection bits ${hex(vma.prot)}`);
    }
    if (vma.backing?.isShmem && vma.backingIndex(vma.end) > vma.backing.sizeInPages) {
      out.push(`${where}: ${range} maps past the end of its shmem object`);
    }
    if (previous !== null) {
      if (previous.start >= vma.start) {
        out.push(`${where}: VMAs out of order: ${hex(previous.start)} before ${hex(vma.start)}`);
      } else if (previous.end > vma.start) {
        out.push(`${where}: ${range} overlaps [${hex(previous.start)}, ${hex(previous.end)})`);
      }
    }
    previous = vma;
  }
}

// ---- page tables --------------------------------------------------------------------------------

/** One process's walk: where it is and what it has counted so far. */
interface Walk {
  readonly phys: PhysicalMemory;
  readonly process: Process;
  readonly census: Census;
  readonly out: string[];
  /** The swap device's per-slot counts, when there is swap. */
  readonly swapCount: Int32Array | null;
  tablesBelowPgd: number;
  anon: number;
  file: number;
  shmem: number;
  swap: number;
  /** The machine's deposited tables, by huge PMD offset. */
  readonly deposited: ReadonlyMap<number, number>;
  /** Huge PMDs met in this process, and PMDs mapping each huge page's head (all processes). */
  hugePmds: number;
  /** First frame of the huge zero page, -1 when it was never allocated. */
  readonly hugeZeroPfn: number;
}

function walkPageTables(machine: Machine, process: Process, census: Census, out: string[]): void {
  const phys = machine.phys;
  const mm = process.mm;
  const pgd = mm.pgd;
  if (pgd < 0) return;
  if (pgd >= phys.totalFrames || !phys.isTable(pgd) || phys.kind[pgd] !== FRAME_PAGETABLE) {
    out.push(`pid ${process.pid}: PGD pfn ${pgd} is not a page-table frame`);
    return;
  }
  if (census.tableOwner[pgd] !== 0) {
    out.push(`pid ${process.pid}: PGD pfn ${pgd} is also a table of pid ${census.tableOwner[pgd]}`);
    return;
  }
  census.tableOwner[pgd] = process.pid;
  census.reachableTables++;
  const walk: Walk = {
    phys,
    process,
    census,
    out,
    swapCount: machine.memory.swap?.count ?? null,
    tablesBelowPgd: 0,
    anon: 0,
    file: 0,
    shmem: 0,
    swap: 0,
    deposited: machine.memory.huge.depositedTables(),
    hugePmds: 0,
    hugeZeroPfn: machine.memory.huge.hugeZeroPfn,
  };
  walkTable(walk, pgd, LEVEL_PGD, 0);

  const where = `pid ${process.pid}`;
  // Each huge PMD has a PTE table deposited beside it, counted as Linux counts it (mm_inc_nr_ptes).
  const expectedBytes = (walk.tablesBelowPgd + walk.hugePmds) * PAGE_SIZE;
  if (mm.pgtablesBytes !== expectedBytes) {
    out.push(
      `${where}: pgtablesBytes is ${mm.pgtablesBytes} but ${walk.tablesBelowPgd} tables lie below the PGD and ${walk.hugePmds} are deposited (${expectedBytes} bytes)`,
    );
  }
  if (mm.rssAnon !== walk.anon) {
    out.push(`${where}: rssAnon is ${mm.rssAnon}, page tables map ${walk.anon} anonymous pages`);
  }
  if (mm.rssFile !== walk.file) {
    out.push(`${where}: rssFile is ${mm.rssFile}, page tables map ${walk.file} file pages`);
  }
  if (mm.swapEntries !== walk.swap) {
    out.push(
      `${where}: swapEntries is ${mm.swapEntries}, page tables hold ${walk.swap} swap entries`,
    );
  }
  if (mm.rssShmem !== walk.shmem) {
    out.push(`${where}: rssShmem is ${mm.rssShmem}, page tables map ${walk.shmem} shmem pages`);
  }
}

function walkTable(walk: Walk, table: number, level: number, base: number): void {
  const { phys, process, census, out } = walk;
  const span = levelSpan(level);
  for (let index = 0; index < ENTRIES_PER_TABLE; index++) {
    const offset = phys.entryOffset(table, index);
    const low = phys.tableLow[offset] as number;
    const high = phys.tableHigh[offset] as number;
    if (low === 0 && high === 0) continue;
    const address = base + index * span;
    if (level === LEVEL_PTE) {
      checkLeaf(walk, address, low, high);
      continue;
    }
    const where = `pid ${process.pid}: ${LEVEL_NAMES[level]} entry ${index} of table ${table} (${hex(address)})`;
    if (!(low & PTE_PRESENT)) {
      out.push(`${where} is neither empty nor present (${hex(high)}:${hex(low)})`);
      continue;
    }
    if (level === LEVEL_PGD && address >= 2 ** 47) {
      out.push(`${where} lies in the kernel half of the address space`);
    }
    if (level === LEVEL_PMD && low & PTE_PSE) {
      checkHugePmd(walk, offset, address, low, high);
      continue;
    }
    if (low & PTE_PSE) out.push(`${where} has PS set (only PMDs map huge pages here)`);
    if ((low & (PTE_USER | PTE_RW)) !== (PTE_USER | PTE_RW) || high & PTE_HI_NX) {
      out.push(`${where} restricts rights (upper levels must be US RW and not NX)`);
    }
    const child = entryPfn(low, high);
    if (child >= phys.totalFrames || !phys.isTable(child)) {
      out.push(`${where} points at pfn ${child}, which holds no page table`);
      continue;
    }
    if (phys.kind[child] !== FRAME_PAGETABLE) {
      out.push(`${where} points at pfn ${child} of kind ${kindName(phys.kind[child] as number)}`);
    }
    const owner = census.tableOwner[child] as number;
    if (owner !== 0) {
      out.push(
        `${where} points at table pfn ${child}, already reached from pid ${owner === process.pid ? `${owner} (itself)` : owner}`,
      );
      continue;
    }
    if (phys.refcount[child] !== 1) {
      out.push(`page-table pfn ${child}: refcount ${phys.refcount[child]}, expected 1`);
    }
    census.tableOwner[child] = process.pid;
    census.reachableTables++;
    walk.tablesBelowPgd++;
    walkTable(walk, child, level - 1, address);
  }
}

/**
 * A huge PMD: an aligned block of 512 anonymous frames inside one private anonymous VMA, with a
 * deposited PTE table; each frame counts one mapping; writable only if no one else maps it.
 */
function checkHugePmd(walk: Walk, offset: number, address: number, low: number, high: number) {
  const { phys, process, census, out } = walk;
  const where = `pid ${process.pid}: huge PMD for ${hex(address)}`;
  walk.hugePmds++;
  const head = entryPfn(low, high);
  const zero = head === walk.hugeZeroPfn;
  if (head % PMD_PAGES !== 0 || head + PMD_PAGES > phys.totalFrames) {
    out.push(`${where} maps pfn ${head}, not an aligned block of ${PMD_PAGES} frames`);
    return;
  }
  const table = walk.deposited.get(offset);
  if (table === undefined) out.push(`${where} has no deposited PTE table`);
  else if (!phys.isTable(table) || census.tableOwner[table] !== 0) {
    out.push(`${where}: deposited pfn ${table} is not a table of its own`);
  } else {
    census.tableOwner[table] = process.pid;
    census.reachableTables++;
  }
  const vma = vmaContaining(process.mm, address);
  if (vma === null || vma.end < address + HPAGE_SIZE || hugeStart(address) !== address) {
    out.push(`${where} does not lie inside one VMA`);
  } else if (vma.backing !== null || vma.isShared) {
    out.push(`${where} lies in a VMA that is not private anonymous`);
  } else {
    if (low & PTE_RW && !(vma.prot & PROT_WRITE)) out.push(`${where} is writable, its VMA not`);
    if (((high & PTE_HI_NX) !== 0) === ((vma.prot & PROT_EXEC) !== 0)) {
      out.push(`${where} has NX that disagrees with its VMA`);
    }
  }
  if (zero) {
    // The huge zero page: read-only and clean, its frames not counted (like the 4 KiB zero page).
    census.hugeZeroPmds++;
    if (low & PTE_RW) out.push(`${where} maps the huge zero page writable`);
    if (low & PTE_DIRTY) out.push(`${where} maps the huge zero page dirty`);
    return;
  }
  for (let pfn = head; pfn < head + PMD_PAGES; pfn++) {
    if (phys.kind[pfn] !== FRAME_ANON) {
      out.push(`${where}: pfn ${pfn} is ${kindName(phys.kind[pfn] as number)}, not anon`);
      return;
    }
    census.ptes[pfn] = (census.ptes[pfn] as number) + 1;
    if (low & PTE_RW && (phys.mapcount[pfn] !== 1 || phys.refcount[pfn] !== 1)) {
      out.push(`${where} is writable but pfn ${pfn} is shared`);
    }
  }
  walk.anon += PMD_PAGES;
}

function checkLeaf(walk: Walk, address: number, low: number, high: number): void {
  const { phys, process, census, out } = walk;
  const where = `pid ${process.pid}: PTE for ${hex(address)}`;
  if (isSwapEntry(low)) {
    checkSwapEntry(walk, address, entryPfn(low, high));
    return;
  }
  if (!entryMapsFrame(low)) {
    // A non-present entry that maps nothing and holds no swap entry must be empty.
    out.push(`${where} is not present yet not empty (${hex(high)}:${hex(low)})`);
    return;
  }
  const pfn = entryPfn(low, high);
  if (pfn >= phys.totalFrames) {
    out.push(`${where} maps pfn ${pfn}, beyond the ${phys.totalFrames} frames of RAM`);
    return;
  }
  const kind = phys.kind[pfn] as number;
  switch (kind) {
    case FRAME_ANON:
      walk.anon++;
      break;
    case FRAME_FILE:
      walk.file++;
      break;
    case FRAME_SHMEM:
      walk.shmem++;
      break;
    case FRAME_ZERO:
      break;
    default:
      out.push(`${where} maps pfn ${pfn}, a frame of kind ${kindName(kind)}`);
      return;
  }
  if (kind !== FRAME_ZERO) census.ptes[pfn] = (census.ptes[pfn] as number) + 1;

  const vma = vmaContaining(process.mm, address);
  if (vma === null) {
    out.push(`${where} maps pfn ${pfn} (${kindName(kind)}) outside any VMA`);
    return;
  }
  const present = (low & PTE_PRESENT) !== 0;
  if (vma.prot === PROT_NONE) {
    if (present) out.push(`${where} is present in a PROT_NONE VMA`);
  } else if (!present) {
    out.push(`${where} is PROT_NONE but its VMA is ${vma.permissionString()}`);
  }
  if (present && !(low & PTE_USER)) out.push(`${where} lacks the user bit`);
  if (present && low & PTE_GLOBAL) out.push(`${where} is global`);
  const writable = (low & PTE_RW) !== 0;
  if (writable && !(vma.prot & PROT_WRITE)) {
    out.push(`${where} is writable but its VMA is ${vma.permissionString()}`);
  }
  if (writable && !vma.isShared) {
    // Copy-on-write safety: only a page this process alone maps may be written in place.
    if (kind !== FRAME_ANON) {
      out.push(`${where} is writable in a private VMA but maps the ${kindName(kind)} page ${pfn}`);
    } else if (
      phys.mapcount[pfn] !== 1 ||
      phys.refcount[pfn] !== 1 + ((phys.swapSlot[pfn] as number) >= 0 ? 1 : 0) ||
      // A swap copy another entry still names would go stale under a store.
      ((phys.swapSlot[pfn] as number) >= 0 &&
        (walk.swapCount?.[phys.swapSlot[pfn] as number] ?? 0) > 0)
    ) {
      out.push(
        `${where} is writable in a private VMA but anon pfn ${pfn} is shared (mapcount ${phys.mapcount[pfn]}, refcount ${phys.refcount[pfn]})`,
      );
    }
  }
  const noExecute = (high & PTE_HI_NX) !== 0;
  const executable = (vma.prot & PROT_EXEC) !== 0;
  if (noExecute === executable) {
    out.push(
      `${where} has NX ${noExecute ? "set" : "clear"} but its VMA is ${vma.permissionString()}`,
    );
  }
  if (low & PTE_DIRTY && kind === FRAME_ZERO) out.push(`${where} maps the zero page dirty`);
  checkBacking(walk, vma, address, pfn, kind);
}

/** A swap entry must name a slot in use, in a private VMA (shmem pages are never swapped). */
function checkSwapEntry(walk: Walk, address: number, slot: number): void {
  const { process, census, out } = walk;
  const where = `pid ${process.pid}: PTE for ${hex(address)}`;
  walk.swap++;
  if (slot <= 0 || slot >= census.swapRefs.length) {
    out.push(`${where} holds swap slot ${slot}, outside the swap device`);
    return;
  }
  census.swapRefs[slot] = (census.swapRefs[slot] as number) + 1;
  const vma = vmaContaining(process.mm, address);
  if (vma === null) out.push(`${where} holds swap slot ${slot} outside any VMA`);
  else if (vma.isShared) out.push(`${where} holds swap slot ${slot} in a shared VMA`);
}

/** The frame a PTE maps must be one its VMA can hold. */
function checkBacking(walk: Walk, vma: Vma, address: number, pfn: number, kind: number): void {
  const { phys, process, out } = walk;
  const where = `pid ${process.pid}: PTE for ${hex(address)}`;
  const backing = vma.backing;
  if (kind === FRAME_ANON) {
    if (vma.isShared) {
      out.push(`${where} maps anonymous pfn ${pfn} in a shared VMA`);
      return;
    }
    if (!vma.hasAnonVma) out.push(`${where} maps anonymous pfn ${pfn} but its VMA has no anon_vma`);
    if (phys.pageIndex[pfn] !== pageNumber(address)) {
      out.push(
        `${where} maps anon pfn ${pfn}, which belongs at page ${hex(phys.pageIndex[pfn] as number)}`,
      );
    }
    return;
  }
  if (kind === FRAME_ZERO) {
    if (backing !== null) out.push(`${where} maps the zero page in a file or shmem VMA`);
    return;
  }
  // A page-cache page: the one cached at this file index.
  if (backing === null) {
    out.push(`${where} maps ${kindName(kind)} pfn ${pfn} in a private anonymous VMA`);
    return;
  }
  const index = vma.backingIndex(address);
  const cached = backing.pages.get(index);
  if (cached !== pfn) {
    out.push(
      `${where} maps ${kindName(kind)} pfn ${pfn}, but ${backing.name} caches page ${index} in ${cached === undefined ? "no frame" : `pfn ${cached}`}`,
    );
  }
}

/** Whether `pfn` is one of the huge zero page's 512 frames. */
function isHugeZeroFrame(machine: Machine, pfn: number): boolean {
  const head = machine.memory.huge.hugeZeroPfn;
  return head >= 0 && pfn >= head && pfn < head + PMD_PAGES;
}

/**
 * The huge zero page, once allocated: an aligned block of 512 zero frames, holding zeroes
 * (stamp 0), and `hugeZeroPmds` counts the PMDs that map it.
 */
function checkHugeZeroPage(machine: Machine, census: Census, out: string[]): void {
  const huge = machine.memory.huge;
  const phys = machine.phys;
  const head = huge.hugeZeroPfn;
  if (huge.hugeZeroPmds !== census.hugeZeroPmds) {
    out.push(
      `hugeZeroPmds is ${huge.hugeZeroPmds} but ${census.hugeZeroPmds} huge PMDs map the huge zero page`,
    );
  }
  if (head < 0) return;
  if (head % PMD_PAGES !== 0 || head + PMD_PAGES > phys.totalFrames) {
    out.push(`the huge zero page at pfn ${head} is not an aligned block of ${PMD_PAGES} frames`);
    return;
  }
  for (let pfn = head; pfn < head + PMD_PAGES; pfn++) {
    if (phys.kind[pfn] !== FRAME_ZERO || phys.stamp[pfn] !== 0) {
      out.push(
        `huge zero page frame ${pfn} is ${kindName(phys.kind[pfn] as number)}, stamp ${phys.stamp[pfn]}`,
      );
      return;
    }
  }
}

// ---- the page cache -----------------------------------------------------------------------------

/** Check every page-cache object in use; returns, per frame, whether some cache holds it. */
function checkPageCache(machine: Machine, live: Process[], out: string[]): Uint8Array {
  const phys = machine.phys;
  const cached = new Uint8Array(phys.totalFrames);
  const vmasOver = new Map<AddressSpace, number>();
  for (const process of live) {
    for (const vma of process.mm.vmas) {
      if (vma.backing !== null) vmasOver.set(vma.backing, (vmasOver.get(vma.backing) ?? 0) + 1);
    }
  }
  for (const space of [...machine.cachedImages(), ...machine.files.values()]) {
    if (!vmasOver.has(space)) vmasOver.set(space, 0);
  }
  for (const [space, vmaCount] of vmasOver) {
    const where = `page cache of ${space.name} (inode ${space.inode})`;
    if (space.mappings !== vmaCount) {
      out.push(`${where}: mappings is ${space.mappings} but ${vmaCount} live VMAs map it`);
    }
    const kind = space.isShmem ? FRAME_SHMEM : FRAME_FILE;
    for (const [index, pfn] of space.pages) {
      if (!Number.isInteger(pfn) || pfn < 0 || pfn >= phys.totalFrames) {
        out.push(`${where}: page ${index} is in pfn ${pfn}, outside RAM`);
        continue;
      }
      if (phys.kind[pfn] !== kind) {
        out.push(
          `${where}: page ${index} is in pfn ${pfn} of kind ${kindName(phys.kind[pfn] as number)}`,
        );
      }
      if (phys.pageIndex[pfn] !== index) {
        out.push(
          `${where}: pfn ${pfn} caches page ${index} but records index ${phys.pageIndex[pfn]}`,
        );
      }
      if (!Number.isInteger(index)) {
        out.push(`${where}: caches a page at index ${index}, which is not a whole page number`);
      } else if (index < 0 || index >= space.sizeInPages) {
        out.push(`${where}: page ${index} lies beyond the object's ${space.sizeInPages} pages`);
      }
      if (cached[pfn] !== 0) out.push(`${where}: pfn ${pfn} is cached twice`);
      if (phys.mapping[pfn] !== space) out.push(`${where}: pfn ${pfn} does not record its file`);
      cached[pfn] = 1;
    }
    let dirty = 0;
    for (const pfn of space.pages.values()) if ((phys.flags[pfn] as number) & PG_DIRTY) dirty++;
    if (space.dirtyPages !== dirty) {
      out.push(`${where}: dirtyPages is ${space.dirtyPages} but ${dirty} cached pages are dirty`);
    }
  }
  return cached;
}

// ---- physical frames ----------------------------------------------------------------------------

function checkFrames(
  machine: Machine,
  live: Process[],
  census: Census,
  cached: Uint8Array,
  out: string[],
): void {
  const phys = machine.phys;
  const buddy = phys.buddy;
  const kinds = new Int32Array(FRAME_KIND_NAMES.length);
  let tableFrames = 0;
  const leakedTables: number[] = [];
  for (let pfn = 0; pfn < phys.totalFrames; pfn++) {
    const kind = phys.kind[pfn] as number;
    if (kind < kinds.length) kinds[kind] = (kinds[kind] as number) + 1;
    const where = `pfn ${pfn} (${kindName(kind)})`;
    const mapcount = phys.mapcount[pfn] as number;
    const refcount = phys.refcount[pfn] as number;
    const ptes = census.ptes[pfn] as number;
    const free = buddy.isFree(pfn);
    if ((kind === FRAME_FREE) !== free) {
      out.push(`${where} is ${free ? "" : "not "}free in the buddy allocator`);
    }
    if (pfn < buddy.reservedFrames !== (kind === FRAME_RESERVED)) {
      out.push(`${where}: reserved frames are exactly those below pfn ${buddy.reservedFrames}`);
    }
    if (kind !== FRAME_FREE && kind !== FRAME_RESERVED && buddy.allocatedOrder(pfn) !== 0) {
      out.push(`${where} is not an order-0 allocation of the buddy allocator`);
    }
    if (phys.isTable(pfn) !== (kind === FRAME_PAGETABLE)) {
      out.push(`${where} ${phys.isTable(pfn) ? "has" : "lacks"} page-table storage`);
    }
    switch (kind) {
      case FRAME_FREE:
      case FRAME_RESERVED:
      case FRAME_ZERO:
        if (refcount !== 0 || mapcount !== 0) {
          out.push(`${where}: refcount ${refcount}, mapcount ${mapcount}, expected 0 and 0`);
        }
        if (kind === FRAME_ZERO && pfn !== phys.zeroPfn && !isHugeZeroFrame(machine, pfn)) {
          out.push(`${where} is a second zero page (the zero page is pfn ${phys.zeroPfn})`);
        }
        break;
      case FRAME_PAGETABLE:
        tableFrames++;
        if (census.tableOwner[pfn] === 0) leakedTables.push(pfn);
        break;
      case FRAME_ANON: {
        if (mapcount !== ptes) out.push(`${where}: mapcount ${mapcount} but ${ptes} PTEs map it`);
        const slot = phys.swapSlot[pfn] as number;
        const expected = mapcount + (slot >= 0 ? 1 : 0);
        if (refcount !== expected) {
          out.push(
            `${where}: refcount ${refcount}, expected ${expected} (its mapcount${slot >= 0 ? " + the swap cache" : ""})`,
          );
        }
        if (slot >= 0 && machine.memory.swap?.cachePfn[slot] !== pfn) {
          out.push(`${where} says it caches swap slot ${slot}, but the swap cache disagrees`);
        }
        if (ptes === 0 && slot < 0) out.push(`${where} is mapped by no PTE (leaked)`);
        break;
      }
      case FRAME_FILE:
      case FRAME_SHMEM: {
        if (mapcount !== ptes) out.push(`${where}: mapcount ${mapcount} but ${ptes} PTEs map it`);
        const inCache = cached[pfn] !== 0;
        const expected = mapcount + (inCache ? 1 : 0);
        if (refcount !== expected) {
          out.push(
            `${where}: refcount ${refcount}, expected ${expected} (mapcount${inCache ? " + the page cache" : ", not cached"})`,
          );
        }
        if (!inCache && ptes === 0) out.push(`${where} is neither cached nor mapped (leaked)`);
        break;
      }
      default:
        out.push(`${where}: unknown frame kind`);
    }
  }
  if (phys.kind[phys.zeroPfn] !== FRAME_ZERO) {
    out.push(
      `the zero page pfn ${phys.zeroPfn} has kind ${kindName(phys.kind[phys.zeroPfn] as number)}`,
    );
  }
  for (let kind = 0; kind < kinds.length; kind++) {
    if (phys.framesOfKind[kind] !== kinds[kind]) {
      out.push(
        `framesOfKind[${kindName(kind)}] is ${phys.framesOfKind[kind]} but ${kinds[kind]} frames have that kind`,
      );
    }
  }
  if (kinds[FRAME_FREE] !== buddy.freeFrames) {
    out.push(
      `${kinds[FRAME_FREE]} frames are FRAME_FREE but the buddy allocator has ${buddy.freeFrames} free`,
    );
  }
  const livePgds = live.filter((process) => process.mm.pgd >= 0).length;
  if (tableFrames !== census.reachableTables) {
    out.push(
      `${tableFrames} page-table frames exist but ${census.reachableTables} are reachable (${livePgds} PGDs of live processes and ${census.reachableTables - livePgds} tables below them)`,
    );
  }
  if (leakedTables.length > 0) {
    const shown = leakedTables.slice(0, 8).join(", ");
    out.push(
      `leaked page tables (reachable from no live PGD): pfn ${shown}${leakedTables.length > 8 ? ", ..." : ""}`,
    );
  }
  for (const problem of buddy.checkInvariants()) out.push(`buddy allocator: ${problem}`);
  checkLruLists(machine, out);
  checkSwap(machine, census, out);
}

/**
 * Every anonymous and file page is on exactly the list its type and PG_active say; nothing
 * else is on a list; the list sizes add up; a `machine policy=` policy holds exactly those pages.
 */
function checkLruLists(machine: Machine, out: string[]): void {
  const { phys, lru } = machine;
  const counted = new Int32Array(4);
  for (let pfn = 0; pfn < phys.totalFrames; pfn++) {
    const kind = phys.kind[pfn] as number;
    const list = lru.listOf[pfn] as number;
    const where = `pfn ${pfn} (${kindName(kind)})`;
    if (kind !== FRAME_ANON && kind !== FRAME_FILE) {
      if (list !== -1) out.push(`${where} is on LRU list ${LRU_NAMES[list]}`);
      continue;
    }
    const active = ((phys.flags[pfn] as number) & PG_ACTIVE) !== 0;
    const expected = lruListOf(kind === FRAME_FILE, active);
    if (list !== expected) {
      out.push(`${where} is on ${LRU_NAMES[list] ?? "no list"}, expected ${LRU_NAMES[expected]}`);
    }
    if (list >= 0) counted[list] = (counted[list] as number) + 1;
  }
  const order = machine.reclaim.order;
  if (order !== null) {
    let held = 0;
    for (let pfn = 0; pfn < phys.totalFrames; pfn++) {
      const onList = lru.listOf[pfn] !== -1;
      if (order.holds(pfn)) held++;
      if (order.holds(pfn) !== onList) {
        out.push(
          `pfn ${pfn} is ${onList ? "on an LRU list but not in" : "in the policy but on no list of"} policy ${order.spec}`,
        );
      }
    }
    if (held !== order.resident)
      out.push(`policy ${order.spec}: ${order.resident} resident, ${held} held`);
  }
  for (let list = 0; list < 4; list++) {
    const walked = lru.pagesOf(list).length;
    if (lru.sizes[list] !== counted[list] || walked !== counted[list]) {
      out.push(
        `${LRU_NAMES[list]}: size ${lru.sizes[list]}, ${walked} pages linked, ${counted[list]} frames on it`,
      );
    }
  }
}

/**
 * Each swap slot's count equals the swap entries that name it; a slot is in use exactly when
 * some entry names it or the swap cache holds it, so a slot is freed with its last reference.
 */
function checkSwap(machine: Machine, census: Census, out: string[]): void {
  const swap = machine.memory.swap;
  if (swap === null) return;
  const phys = machine.phys;
  let used = 0;
  for (let slot = 1; slot < swap.slots; slot++) {
    const count = swap.count[slot] as number;
    const pfn = swap.cachePfn[slot] as number;
    if (count !== census.swapRefs[slot]) {
      out.push(
        `swap slot ${slot}: count ${count} but ${census.swapRefs[slot]} swap entries name it`,
      );
    }
    if (pfn >= 0 && (phys.kind[pfn] !== FRAME_ANON || phys.swapSlot[pfn] !== slot)) {
      out.push(`swap slot ${slot}: cached in pfn ${pfn}, which does not hold it`);
    }
    if (count > 0 || pfn >= 0) used++;
  }
  if (swap.used !== used) out.push(`swap: ${swap.used} slots counted in use, ${used} are`);
  if (swap.count[0] !== 0 || swap.cachePfn[0] !== -1) out.push("swap: the header slot is in use");
}

// ---- TLBs ---------------------------------------------------------------------------------------

function checkTlbs(machine: Machine, live: Process[], out: string[]): void {
  const cpu = machine.cpu;
  const owners = new Map<number, Process>();
  for (const process of live) {
    const asid = cpu.asidOf(process.mm);
    if (asid < 0) continue;
    const other = owners.get(asid);
    if (other !== undefined) {
      out.push(`pid ${process.pid} and pid ${other.pid} both own PCID ${asid}`);
    }
    owners.set(asid, process);
  }
  for (const tlb of [cpu.dtlb, cpu.itlb, cpu.stlb, cpu.dtlb2m, cpu.itlb2m]) {
    checkTlb(machine, tlb, owners, out);
  }
}

function checkTlb(machine: Machine, tlb: Tlb, owners: Map<number, Process>, out: string[]): void {
  const phys = machine.phys;
  const seen = new Set<string>();
  for (let slot = 0; slot < tlb.entries; slot++) {
    const flags = tlb.flags[slot] as number;
    const vpn = tlb.vpn[slot] as number;
    if (flags === 0) {
      if (vpn !== -1) out.push(`${tlb.name} slot ${slot} is invalid but holds vpn ${hex(vpn)}`);
      continue;
    }
    const asid = tlb.asid[slot] as number;
    const huge = vpn < 0;
    // A 2 MiB entry's key is -2 - (vpn >> 9) (hugeTlbKey).
    const address = huge ? (-2 - vpn) * HPAGE_SIZE : vpn * PAGE_SIZE;
    const where = `${tlb.name} slot ${slot} (${hex(address)}${huge ? " 2M" : ""}, PCID ${asid})`;
    if (tlb.setIndex(vpn) !== Math.floor(slot / tlb.ways))
      out.push(`${where} sits in the wrong set`);
    const key = `${asid}:${vpn}`;
    if (seen.has(key)) out.push(`${where} duplicates another entry for the same page`);
    seen.add(key);
    if (flags & TLB_GLOBAL) out.push(`${where} is global, but user pages never are`);
    const owner = owners.get(asid);
    if (owner === undefined) {
      out.push(
        `${where} is valid but no live address space runs under PCID ${asid}${machine.cpu.pcid ? "" : " (without PCID only the running process may have entries)"}`,
      );
      continue;
    }
    const offset = huge
      ? hugePmdOffsetOf(phys, owner.mm, address)
      : pteOffsetOf(phys, owner.mm, address);
    const low = offset < 0 ? 0 : (phys.tableLow[offset] as number);
    const high = offset < 0 ? 0 : (phys.tableHigh[offset] as number);
    const pid = `pid ${owner.pid}`;
    if (!(low & PTE_PRESENT)) {
      const what = low & PTE_PROTNONE ? "a PROT_NONE PTE" : "no present PTE";
      out.push(`${where} maps pfn ${tlb.pfn[slot]} but ${pid} has ${what} there (stale entry)`);
      continue;
    }
    const pfn = entryPfn(low, high);
    if (tlb.pfn[slot] !== pfn) {
      out.push(
        `${where} maps pfn ${tlb.pfn[slot]} but the PTE of ${pid} maps pfn ${pfn} (stale entry)`,
      );
    }
    if (flags & TLB_WRITABLE && !(low & PTE_RW)) {
      out.push(`${where} is writable but the PTE of ${pid} is read-only`);
    }
    if (flags & TLB_USER && !(low & PTE_USER)) {
      out.push(`${where} allows user access but the PTE of ${pid} does not`);
    }
    if (high & PTE_HI_NX && !(flags & TLB_NX)) {
      out.push(`${where} allows execution but the PTE of ${pid} is NX`);
    }
    if (flags & TLB_DIRTY && !(low & PTE_DIRTY)) {
      out.push(`${where} is dirty but the PTE of ${pid} is clean`);
    }
  }
}
