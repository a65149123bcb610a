/**
 * Page reclaim (mm/vmscan.c): the allocation slow path's watermark checks, kswapd, direct
 * reclaim, the scan of the active and inactive lists, and the OOM killer as the last resort.
 *
 * Simplified, as the docs say: one zone; kswapd runs between a process's operations (as if it
 * got the CPU whenever the process yields) rather than concurrently; pageout completes at once,
 * so a reclaimed page is freed in the same pass; no workingset refault detection, so the
 * anon/file balance comes from swappiness and the cache-trim rule alone.
 */
import { PTE_ACCESSED } from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import type { Process } from "../process.js";
import { FRAME_ANON, FRAME_FILE, PG_ACTIVE, PG_DIRTY, PG_REFERENCED } from "./frames.js";
import {
  isActiveList,
  isFileList,
  LRU_ACTIVE_ANON,
  LRU_ACTIVE_FILE,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
  lruListOf,
} from "./lru.js";
import { selectOomVictim } from "./oom_kill.js";
import type { PolicyPageOrder } from "./policy_order.js";
import { forEachMapping } from "./rmap.js";
import type { AllocationGate } from "./user_pages.js";
import {
  ALLOCSTALL_NORMAL,
  OOM_KILL,
  PAGEOUTRUN,
  PGACTIVATE,
  PGDEACTIVATE,
  PGREFILL,
  PGSCAN_ANON,
  PGSCAN_DIRECT,
  PGSCAN_FILE,
  PGSCAN_KSWAPD,
  PGSTEAL_ANON,
  PGSTEAL_DIRECT,
  PGSTEAL_FILE,
  PGSTEAL_KSWAPD,
  PSWPOUT,
} from "./vmstat.js";
import type { Watermarks } from "./watermarks.js";

/** Pages reclaimed per batch (SWAP_CLUSTER_MAX). */
export const SWAP_CLUSTER_MAX = 32;
/** The first scan priority: each pass scans lru_size >> priority pages (DEF_PRIORITY). */
const DEF_PRIORITY = 12;
/** Direct reclaim rounds without progress before the OOM killer (MAX_RECLAIM_RETRIES). */
const MAX_RECLAIM_RETRIES = 16;

/** What folio_check_references decides for an inactive page. */
const RECLAIM = 0;
const KEEP = 1;
const ACTIVATE = 2;

export interface OomKillRecord {
  pid: number;
  name: string;
  /** The badness the victim had (oom_badness). */
  points: number;
  totalVmKb: number;
  anonRssKb: number;
  fileRssKb: number;
  shmemRssKb: number;
  pgtablesKb: number;
  oomScoreAdj: number;
}

export class Reclaimer implements AllocationGate {
  kswapdWoken = false;
  /** Every OOM kill, in order (the kernel's "Out of memory: Killed process" lines). */
  readonly oomKills: OomKillRecord[] = [];
  /** The process whose allocation is in progress; an OOM kill of it fails the allocation. */
  current: Process | null = null;
  /** With `machine policy=NAME`, the policy that picks victims in place of the lists. */
  order: PolicyPageOrder | null = null;
  private reclaiming = false;

  constructor(
    private readonly machine: Machine,
    public watermarks: Watermarks,
    public swappiness: number,
  ) {}

  private get phys() {
    return this.machine.phys;
  }

  private count(counter: number, amount = 1): void {
    const vmstat = this.machine.vmstat;
    vmstat[counter] = (vmstat[counter] as number) + amount;
  }

  /**
   * The allocation slow path for one page: wake kswapd below the low watermark; at the min
   * watermark reclaim directly, and when reclaim makes no progress, OOM-kill and try again.
   */
  beforeAllocate(): boolean {
    const phys = this.phys;
    if (phys.freeFrames <= this.watermarks.low) this.kswapdWoken = true;
    if (phys.freeFrames > this.watermarks.min) return true;
    // Reclaim itself allocates nothing; a page it needs is taken from the reserve.
    if (this.reclaiming) return phys.freeFrames > 0;
    this.count(ALLOCSTALL_NORMAL);
    let failures = 0;
    while (phys.freeFrames <= this.watermarks.min) {
      if (this.shrinkNode(SWAP_CLUSTER_MAX, false) > 0) continue;
      if (++failures < MAX_RECLAIM_RETRIES && this.reclaimable() > 0) continue;
      if (!this.oomKill()) return phys.freeFrames > 0;
      if (this.current !== null && !this.current.alive) return false;
      failures = 0;
    }
    return true;
  }

  /**
   * A THP allocation's watermark test: it may take `frames` only if the low watermark still
   * holds afterwards; otherwise kswapd is woken and the fault falls back to 4 KiB pages.
   * (Linux's defrag settings may let madvised regions reclaim and compact directly: not modelled.)
   */
  allowsBlock(frames: number): boolean {
    if (this.phys.freeFrames - frames > this.watermarks.low) return true;
    this.kswapdWoken = true;
    return false;
  }

  /** kswapd's balance_pgdat: once woken, reclaim until the high watermark (or no progress). */
  runKswapd(): void {
    if (!this.kswapdWoken) return;
    this.kswapdWoken = false;
    this.count(PAGEOUTRUN);
    while (this.phys.freeFrames < this.watermarks.high) {
      if (this.shrinkNode(SWAP_CLUSTER_MAX, true) === 0) break;
    }
  }

  /** Pages on the lists reclaim could take (anonymous ones only when there is swap). */
  private reclaimable(): number {
    const sizes = this.machine.lru.sizes;
    const file = (sizes[LRU_INACTIVE_FILE] as number) + (sizes[LRU_ACTIVE_FILE] as number);
    const anon = (sizes[LRU_INACTIVE_ANON] as number) + (sizes[LRU_ACTIVE_ANON] as number);
    return this.canSwap() ? file + anon : file;
  }

  private canSwap(): boolean {
    const swap = this.machine.memory.swap;
    return swap !== null && swap.free > 0;
  }

  /**
   * shrink_node: passes at falling priority, each scanning a share of every list, until
   * `wanted` pages are reclaimed or the lowest priority has run. Returns the pages reclaimed.
   */
  shrinkNode(wanted: number, kswapd: boolean): number {
    this.reclaiming = true;
    let reclaimed = 0;
    if (this.order !== null) {
      reclaimed = this.shrinkByPolicy(this.order, wanted, kswapd);
    } else {
      for (let priority = DEF_PRIORITY; priority >= 0 && reclaimed < wanted; priority--) {
        reclaimed += this.shrinkLruvec(priority, wanted - reclaimed, kswapd);
      }
    }
    this.reclaiming = false;
    return reclaimed;
  }

  /**
   * `machine policy=NAME`: reclaim the policy's victims in turn. A victim that cannot go (pinned
   * by a fault in progress, or anonymous with no swap space left) goes back into the policy as a
   * newly loaded page; each call looks at every page at most once.
   */
  private shrinkByPolicy(order: PolicyPageOrder, wanted: number, kswapd: boolean): number {
    const phys = this.phys;
    if (!this.canSwap() && this.machine.lru.fileSize() === 0) return 0;
    let reclaimed = 0;
    for (let tries = order.resident; tries > 0 && reclaimed < wanted; tries--) {
      const pfn = order.evict();
      if (pfn < 0) break;
      const file = phys.kind[pfn] === FRAME_FILE;
      this.count(kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT);
      this.count(file ? PGSCAN_FILE : PGSCAN_ANON);
      if (this.isPinned(pfn) || !this.reclaimPage(pfn, file)) {
        order.insert(pfn);
        continue;
      }
      reclaimed++;
      this.count(kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT);
      this.count(file ? PGSTEAL_FILE : PGSTEAL_ANON);
    }
    return reclaimed;
  }

  /**
   * shrink_lruvec with get_scan_count's balance: file pages only when there is no swap, when
   * swappiness is 0, or while the inactive file list is big enough to trim (cache_trim_mode);
   * otherwise anon and file in the proportion swappiness : 200 - swappiness.
   */
  private shrinkLruvec(priority: number, wanted: number, kswapd: boolean): number {
    const sizes = this.machine.lru.sizes;
    const fileSize = (sizes[LRU_INACTIVE_FILE] as number) + (sizes[LRU_ACTIVE_FILE] as number);
    let anonShare = this.swappiness;
    let fileShare = 200 - this.swappiness;
    const trimCache =
      (sizes[LRU_INACTIVE_FILE] as number) >> priority > 0 && !this.inactiveIsLow(true);
    if (!this.canSwap() || this.swappiness === 0 || trimCache) anonShare = 0;
    if (fileSize === 0) fileShare = 0;
    const total = anonShare + fileShare;
    if (total === 0) return 0;
    const targets = [0, 0, 0, 0];
    for (let list = 0; list < 4; list++) {
      const share = isFileList(list) ? fileShare : anonShare;
      const size = sizes[list] as number;
      let scan = size >> priority;
      if (scan === 0 && priority === 0) scan = size;
      targets[list] = Math.ceil((scan * share) / total);
    }
    let reclaimed = 0;
    while (reclaimed < wanted && targets.some((target) => target > 0)) {
      for (let list = 0; list < 4; list++) {
        const batch = Math.min(targets[list] as number, SWAP_CLUSTER_MAX);
        if (batch === 0) continue;
        targets[list] = (targets[list] as number) - batch;
        if (isActiveList(list)) {
          if (this.inactiveIsLow(isFileList(list))) this.shrinkActiveList(list, batch);
        } else {
          reclaimed += this.shrinkInactiveList(list, batch, kswapd);
        }
      }
    }
    return reclaimed;
  }

  /** inactive_is_low: the inactive list is smaller than the active one divided by the ratio. */
  private inactiveIsLow(file: boolean): boolean {
    const sizes = this.machine.lru.sizes;
    const inactive = sizes[file ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON] as number;
    const active = sizes[file ? LRU_ACTIVE_FILE : LRU_ACTIVE_ANON] as number;
    const gigabytes = (inactive + active) >> 18;
    const ratio = gigabytes > 0 ? Math.floor(Math.sqrt(10 * gigabytes)) : 1;
    return inactive * ratio < active;
  }

  /**
   * shrink_active_list: age pages from the active tail into the inactive list, clearing their
   * accessed bits; a referenced page of an executable mapping keeps its place.
   */
  private shrinkActiveList(list: number, count: number): void {
    const { lru } = this.machine;
    const phys = this.phys;
    for (let scanned = 0; scanned < count; scanned++) {
      const pfn = lru.tail(list);
      if (pfn < 0) return;
      this.count(PGREFILL);
      const referenced = this.referencedMappings(pfn);
      if (referenced > 0 && this.isExecutableFile(pfn)) {
        lru.moveToHead(pfn, list);
        continue;
      }
      phys.flags[pfn] = (phys.flags[pfn] as number) & ~(PG_ACTIVE | PG_REFERENCED);
      lru.moveToHead(pfn, list - 1);
      this.count(PGDEACTIVATE);
    }
  }

  /**
   * shrink_inactive_list and shrink_folio_list: from the inactive tail, skip pinned pages,
   * promote referenced ones, give once-referenced file pages a second round, and reclaim the
   * rest. Returns the pages freed.
   */
  private shrinkInactiveList(list: number, count: number, kswapd: boolean): number {
    const { lru } = this.machine;
    const file = isFileList(list);
    let reclaimed = 0;
    for (let scanned = 0; scanned < count; scanned++) {
      const pfn = lru.tail(list);
      if (pfn < 0) break;
      this.count(kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT);
      this.count(file ? PGSCAN_FILE : PGSCAN_ANON);
      if (this.isPinned(pfn)) {
        lru.moveToHead(pfn, list);
        continue;
      }
      const decision = this.checkReferences(pfn, file);
      if (decision === ACTIVATE) {
        this.phys.flags[pfn] = (this.phys.flags[pfn] as number) | PG_ACTIVE;
        lru.moveToHead(pfn, lruListOf(file, true));
        this.count(PGACTIVATE);
        continue;
      }
      if (decision === KEEP || !this.reclaimPage(pfn, file)) {
        lru.moveToHead(pfn, list);
        continue;
      }
      reclaimed++;
      this.count(kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT);
      this.count(file ? PGSTEAL_FILE : PGSTEAL_ANON);
    }
    return reclaimed;
  }

  /** A page someone holds beyond its mappings and its cache entries (a fault in progress). */
  private isPinned(pfn: number): boolean {
    const phys = this.phys;
    const expected =
      (phys.mapcount[pfn] as number) +
      (phys.mapping[pfn] ? 1 : 0) +
      ((phys.swapSlot[pfn] as number) >= 0 ? 1 : 0);
    return (phys.refcount[pfn] as number) > expected;
  }

  /**
   * folio_check_references: a mapped anonymous page that was referenced is activated; a file
   * page needs two references (or an executable mapping), the first only sets PG_referenced.
   */
  private checkReferences(pfn: number, file: boolean): number {
    const phys = this.phys;
    const referencedPtes = this.referencedMappings(pfn);
    const flags = phys.flags[pfn] as number;
    const referencedPage = (flags & PG_REFERENCED) !== 0;
    phys.flags[pfn] = flags & ~PG_REFERENCED;
    if (referencedPtes > 0) {
      if (!file) return ACTIVATE;
      phys.flags[pfn] = (phys.flags[pfn] as number) | PG_REFERENCED;
      if (referencedPage || referencedPtes > 1 || this.isExecutableFile(pfn)) return ACTIVATE;
      return KEEP;
    }
    return RECLAIM;
  }

  /**
   * folio_referenced: count the mappings whose accessed bit is set, clearing each. Like x86's
   * ptep_clear_flush_young, no TLB flush: an entry cached in a TLB will not set the bit again
   * until it is walked anew.
   */
  private referencedMappings(pfn: number): number {
    const { memory } = this.machine;
    const low = memory.phys.tableLow;
    let referenced = 0;
    forEachMapping(memory, this.machine.processes, pfn, (_mm, offset) => {
      const entry = low[offset] as number;
      if (entry & PTE_ACCESSED) {
        low[offset] = (entry & ~PTE_ACCESSED) >>> 0;
        referenced++;
      }
    });
    return referenced;
  }

  private isExecutableFile(pfn: number): boolean {
    const space = this.phys.mapping[pfn];
    return space !== null && space !== undefined && this.machine.isExecutableImage(space);
  }

  /**
   * Reclaim one page: give an anonymous page a swap slot, unmap it everywhere (try_to_unmap),
   * write it out if dirty (pageout), and free it. False when it cannot go (no swap space).
   */
  private reclaimPage(pfn: number, file: boolean): boolean {
    const { memory, phys } = this.machine;
    let slot = -1;
    if (!file && phys.kind[pfn] === FRAME_ANON) {
      const swap = memory.swap;
      if (swap === null) return false;
      slot = phys.swapSlot[pfn] as number;
      if (slot < 0) {
        // add_to_swap: a new slot; the page is dirty until written there.
        slot = swap.allocate();
        if (slot < 0) return false;
        swap.addToCache(slot, pfn);
        phys.swapSlot[pfn] = slot;
        phys.refcount[pfn] = (phys.refcount[pfn] as number) + 1;
        phys.flags[pfn] = (phys.flags[pfn] as number) | PG_DIRTY;
      }
    } else if (phys.kind[pfn] !== FRAME_FILE) {
      return false;
    }
    let dirty = false;
    // A page of a huge mapping is unmapped after its PMD is split (the rest stays mapped).
    forEachMapping(
      memory,
      this.machine.processes,
      pfn,
      (mm, offset, address) => {
        if (memory.unmapForReclaim(mm, offset, address, pfn, slot)) dirty = true;
      },
      true,
    );
    if (file) {
      if (dirty) this.machine.pageCache.markDirty(pfn);
      if ((phys.flags[pfn] as number) & PG_DIRTY) {
        this.machine.chargeIo(this.machine.pageCache.writePage(pfn));
      }
      this.machine.pageCache.removePage(pfn);
      return true;
    }
    const swap = memory.swap;
    if (swap === null) return false;
    if (dirty || (phys.flags[pfn] as number) & PG_DIRTY) {
      swap.stamp[slot] = phys.stamp[pfn] as number;
      this.machine.chargeIo(swap.device.write(1));
      this.count(PSWPOUT);
      phys.flags[pfn] = (phys.flags[pfn] as number) & ~PG_DIRTY;
    }
    // __remove_mapping: the written page leaves the swap cache; its slot stays with the entries.
    swap.removeFromCache(slot);
    phys.swapSlot[pfn] = -1;
    const references = (phys.refcount[pfn] as number) - 1;
    phys.refcount[pfn] = references;
    if (references === 0) memory.pages.release(pfn);
    return true;
  }

  /**
   * out_of_memory: kill the process with the highest badness and record it. False when no
   * process can be killed.
   */
  private oomKill(): boolean {
    const machine = this.machine;
    const totalPages = machine.phys.totalFrames + (machine.memory.swap?.capacity ?? 0);
    const choice = selectOomVictim(machine.processes, totalPages);
    if (choice === null) return false;
    const { process, points } = choice;
    const mm = process.mm;
    let totalVm = 0;
    for (const vma of mm.vmas) totalVm += vma.end - vma.start;
    this.oomKills.push({
      pid: process.pid,
      name: process.name,
      points,
      totalVmKb: totalVm / 1024,
      anonRssKb: mm.rssAnon * 4,
      fileRssKb: mm.rssFile * 4,
      shmemRssKb: mm.rssShmem * 4,
      pgtablesKb: mm.pgtablesBytes / 1024,
      oomScoreAdj: process.oomScoreAdj,
    });
    this.count(OOM_KILL);
    machine.kill(process, { signal: "SIGKILL", code: "oom-kill", address: 0 });
    return true;
  }
}
