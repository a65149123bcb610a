/**
 * The simulated machine: physical memory, one CPU with its TLBs, the kernel's memory manager and
 * the processes. Everything a scenario, a trace replay or the web page does goes through here.
 */
import type { PageTableDesign } from "./arch/pagetable/design.js";
import { createPageTableDesign } from "./arch/pagetable/registry.js";
import { parsePageTableSpec, userAddressBits } from "./arch/pagetable/spec.js";
import { Cpu } from "./arch/x86/mmu.js";
import { PAGE_SIZE } from "./arch/x86/pgtable.js";
import { BlockDevice, diskModelNamed } from "./block/disk.js";
import { DEFAULT_MACHINE_CONFIG, type MachineConfig } from "./config.js";
import { AddressSpace } from "./mm/address_space.js";
import { IMAGE_FILE_SIZE, type ProcessLayout, processLayout, setupExecLayout } from "./mm/exec.js";
import { PageFaultHandler } from "./mm/fault.js";
import { PageCache } from "./mm/filemap.js";
import { PhysicalMemory } from "./mm/frames.js";
import { LruLists } from "./mm/lru.js";
import { type FreeResult, GlibcMalloc, type MallocHost } from "./mm/malloc.js";
import { MemoryManager, VM_FAULT_DONE, VM_FAULT_SIGBUS } from "./mm/memory.js";
import { MmStruct } from "./mm/mm_struct.js";
import { doBrk, doMmap, doMunmap, releaseBacking } from "./mm/mmap.js";
import { PolicyPageOrder } from "./mm/policy_order.js";
import { forEachMapping } from "./mm/rmap.js";
import { SwapDevice } from "./mm/swapfile.js";
import { UserPages } from "./mm/user_pages.js";
import { PROT_READ, PROT_WRITE, type Vma } from "./mm/vma.js";
import { Reclaimer } from "./mm/vmscan.js";
import { newVmstatCounters } from "./mm/vmstat.js";
import { defaultMinFreeKbytes, zoneWatermarks } from "./mm/watermarks.js";
import { ACCESS_WRITE } from "./probe.js";
import { Process, type SignalRecord } from "./process.js";

/** dirty_writeback_centisecs: the flusher wakes every 5 s of simulated time. */
const WRITEBACK_INTERVAL_NS = 5e9;

/** The first PID handed out; later processes count up from it. */
const FIRST_PID = 1000;

export class Machine {
  readonly config: MachineConfig;
  readonly phys: PhysicalMemory;
  /** /proc/vmstat event counters, indexed by the constants of mm/vmstat.ts. */
  readonly vmstat = newVmstatCounters();
  readonly memory: MemoryManager;
  readonly cpu: Cpu;
  /**
   * The page-table design the MMU walks when it is not x86-64's (`machine pagetable=`), else null:
   * its tables, besides the kernel's own four-level ones (arch/pagetable/design.ts).
   */
  readonly pagetable: PageTableDesign | null;
  /**
   * Where every process's executable, mmap area and stack go, and where its user space ends:
   * x86-64's 47-bit layout, or a narrower one when the page-table design translates fewer bits.
   */
  readonly layout: ProcessLayout;
  /** The active and inactive lists of anonymous and file pages. */
  readonly lru: LruLists;
  readonly pageCache: PageCache;
  /** The one disk: files live on it, and the swap area too. */
  readonly disk: BlockDevice;
  readonly reclaim: Reclaimer;
  /** Every process ever started, in PID order (dead ones stay, for their counters). */
  readonly processes: Process[] = [];
  /** Executable images in the page cache, by path. */
  private readonly images = new Map<string, AddressSpace>();
  /** Files declared by the scenario, by name. */
  readonly files = new Map<string, AddressSpace>();
  /** Disk time spent by kswapd and the flusher (background work no process waits for), ns. */
  backgroundIoNs = 0;
  /** The process inside the kernel (a fault or a system call): killing it is deferred. */
  private inKernel: Process | null = null;
  /** Disk time the process inside the kernel waited for during reclaim, ns. */
  private reclaimIoNs = 0;
  private nextPid = FIRST_PID;
  private nextContextId = 1;
  private inodeCounter = 1000;
  /** When the flusher last ran, on the machine clock (ns). */
  private lastWritebackNs = 0;

  constructor(config: MachineConfig = DEFAULT_MACHINE_CONFIG) {
    this.config = config;
    const frames = Math.floor(config.ramBytes / PAGE_SIZE);
    this.phys = new PhysicalMemory(frames);
    this.cpu = new Cpu(config.cpu, this.phys, this.vmstat, new PageFaultHandler(this));
    this.lru = new LruLists(frames);
    const pages = new UserPages(this.phys, this.lru, this.vmstat);
    // Before managed memory is counted: an inverted table is taken at boot, as PowerPC's hash table.
    this.pagetable = createPageTableDesign(config.pagetable, {
      phys: this.phys,
      pages,
      vmstat: this.vmstat,
      tableAllocationCycles: config.cpu.timing.tableAllocation,
    });
    this.cpu.pagetable = this.pagetable;
    this.layout = processLayout(userAddressBits(parsePageTableSpec(config.pagetable)));
    this.disk = new BlockDevice(diskModelNamed(config.disk));
    this.pageCache = new PageCache(
      pages,
      this.phys,
      this.vmstat,
      this.disk,
      config.readaheadBytes / PAGE_SIZE,
    );
    this.pageCache.clock = () => this.nowNs();
    this.pageCache.mkclean = (pfn) =>
      forEachMapping(this.memory, this.processes, pfn, (mm, offset, address) =>
        this.memory.cleanEntry(mm, offset, address),
      );
    this.memory = new MemoryManager(this.phys, this.vmstat, this.cpu, pages, this.pageCache);
    this.memory.pageCluster = config.pageCluster;
    // Huge PMDs live in the kernel's x86-64 tables: a design that replaces the walk runs without THP.
    const walksKernelTables = this.pagetable === null || !this.pagetable.replacesWalk;
    this.memory.huge.mode = walksKernelTables ? config.thp : "never";
    this.memory.huge.useZeroPage = config.thpZeroPage;
    if (config.swapBytes > 0) this.memory.swap = new SwapDevice(config.swapBytes, this.disk);
    const managed = this.phys.freeFrames;
    const minFree = config.minFreeKbytes ?? defaultMinFreeKbytes(managed);
    this.reclaim = new Reclaimer(
      this,
      zoneWatermarks(managed, minFree, config.watermarkScaleFactor),
      config.swappiness,
    );
    pages.gate = this.reclaim;
    if (config.policy !== null) {
      const order = new PolicyPageOrder(config.policy, frames);
      pages.order = order;
      this.cpu.referenceHook = order;
      this.reclaim.order = order;
    }
  }

  /** The machine clock: the simulated time every process has run, one CPU, in ns. */
  nowNs(): number {
    let cycles = 0;
    for (const process of this.processes) cycles += process.cycles;
    return cycles / this.cpu.timing.cyclesPerNs;
  }

  nextInode(): number {
    return ++this.inodeCounter;
  }

  // ---- process lifecycle -------------------------------------------------------------------

  /** fork + exec of a program called `name`: a fresh address space with the standard layout. */
  spawn(name: string): Process {
    const mm = new MmStruct(this.nextContextId++);
    mm.stackLimit = this.config.stackLimit;
    const process = new Process(this.nextPid++, name, mm, 1);
    this.processes.push(process);
    if (!this.allocateTables(mm, process.pid)) {
      this.kill(process, { signal: "SIGKILL", code: "out of memory", address: 0 });
      return process;
    }
    setupExecLayout(mm, this.imageOf(name), this.layout);
    return process;
  }

  /** pgd_alloc: the kernel's top-level table, and what the page-table design needs; false when out of memory. */
  private allocateTables(mm: MmStruct, pid: number): boolean {
    if (!this.memory.allocatePgd(mm, pid)) return false;
    if (this.pagetable === null || this.pagetable.createMm(mm, pid)) return true;
    this.memory.freePgd(mm);
    return false;
  }

  /** The executable `/usr/bin/NAME`, its pages already in the page cache (it was just run). */
  private imageOf(name: string): AddressSpace {
    const path = `/usr/bin/${name}`;
    let image = this.images.get(path);
    if (image === undefined) {
      image = new AddressSpace(path, IMAGE_FILE_SIZE, false, "08:01", this.nextInode());
      this.fillCache(image);
      this.images.set(path, image);
    }
    return image;
  }

  /** Whether `space` is a program's executable image (its pages are VM_EXEC-mapped text). */
  isExecutableImage(space: AddressSpace): boolean {
    return this.images.get(space.name) === space;
  }

  /** Read a whole file into the page cache without charging anyone (it was read earlier). */
  private fillCache(space: AddressSpace): void {
    for (let index = 0; index < space.sizeInPages; index++) {
      if (this.pageCache.addPage(space, index, 0) < 0) break;
    }
  }

  /** `file NAME size=SIZE [cached]`: a file on the disk, its pages in the page cache if `cached`. */
  createFile(name: string, size: number, cached: boolean): AddressSpace {
    const file = new AddressSpace(name, size, false, "08:01", this.nextInode());
    this.files.set(name, file);
    if (cached) this.fillCache(file);
    return file;
  }

  /**
   * fork: the child gets copies of the parent's VMAs; page tables are copied only for VMAs with
   * anonymous pages (vma_needs_copy), write-protecting private pages on both sides; the parent's
   * TLB is flushed. Returns null (ENOMEM) when the child's tables cannot be allocated.
   */
  fork(parent: Process): Process | null {
    const mm = new MmStruct(this.nextContextId++);
    const child = new Process(this.nextPid++, parent.name, mm, parent.pid);
    if (!this.allocateTables(mm, child.pid)) return null;
    const source = parent.mm;
    mm.startBrk = source.startBrk;
    mm.brk = source.brk;
    mm.mmapBase = source.mmapBase;
    mm.stackTop = source.stackTop;
    mm.stackLimit = source.stackLimit;
    let copied = true;
    for (const vma of source.vmas) {
      mm.insert(vma.copy(vma.start, vma.end));
      copied = !vma.hasAnonVma || this.memory.copyPageRange(source, mm, child.pid, vma);
      if (!copied) break;
    }
    // The parent's entries were write-protected as they were copied: flush even on failure.
    this.cpu.invalidateMm(source);
    if (!copied) {
      this.teardown(child);
      return null;
    }
    // The child shares its parent's open files, positions included.
    child.files.push(...parent.files);
    child.oomScoreAdj = parent.oomScoreAdj;
    if (parent.allocator !== null)
      child.allocator = parent.allocator.cloneFor(this.mallocHost(child));
    this.processes.push(child);
    return child;
  }

  /** exit: unmap everything, free the page tables, forget the TLB state. */
  exit(process: Process): void {
    if (!process.alive) return;
    this.teardown(process);
    process.state = "exited";
  }

  /**
   * Deliver a fatal signal: the process dies and its memory is released. A process inside the
   * kernel (its fault is still running) is torn down when it leaves.
   */
  kill(process: Process, signal: SignalRecord): void {
    if (!process.alive) return;
    process.signal = signal;
    process.state = "killed";
    if (process !== this.inKernel) this.teardown(process);
  }

  /**
   * `process` enters the kernel (a fault or a system call): reclaim charges its disk waits to it,
   * and an OOM kill of it waits until it leaves. leaveKernel returns the disk time it waited for
   * in reclaim (ns).
   */
  enterKernel(process: Process): void {
    this.inKernel = process;
    this.reclaim.current = process;
    this.reclaimIoNs = 0;
  }

  leaveKernel(process: Process): number {
    this.inKernel = null;
    this.reclaim.current = null;
    if (process.state === "killed" && process.mm.pgd >= 0) this.teardown(process);
    return this.reclaimIoNs;
  }

  /** Disk time spent by reclaim: the allocating process waits for it; kswapd's is background. */
  chargeIo(ns: number): void {
    if (this.inKernel !== null) this.reclaimIoNs += ns;
    else this.backgroundIoNs += ns;
  }

  /** exit_mmap: release every mapping, page table and TLB entry of the process. */
  private teardown(process: Process): void {
    const mm = process.mm;
    for (const vma of mm.vmas) {
      this.memory.zapRange(mm, vma.start, vma.end);
      releaseBacking(this, vma);
    }
    const top = mm.vmas.length > 0 ? (mm.vmas[mm.vmas.length - 1] as Vma).end : 0;
    if (top > 0) this.memory.freePageTables(mm, 0, top, 0, Number.MAX_SAFE_INTEGER);
    mm.vmas.length = 0;
    mm.invalidateLookupCache();
    this.memory.freePgd(mm);
    this.pagetable?.exitMm(mm);
    this.cpu.dropAddressSpace(mm);
  }

  /** Release a shmem object's pages once nothing maps it. */
  dropCache(backing: AddressSpace): void {
    for (const pfn of [...backing.pages.values()]) this.pageCache.removePage(pfn);
  }

  // ---- the kernel side of faults --------------------------------------------------------------

  /**
   * handle_mm_fault on behalf of the fault handler: runs the fault, charges its cost to the
   * access in progress, and kills the process when memory is exhausted. (Until the OOM killer
   * exists, an allocation failure kills the faulting process.)
   */
  completeFault(process: Process, vma: Vma, address: number, write: boolean): boolean {
    const memory = this.memory;
    this.enterKernel(process);
    const result = memory.handleMmFault(process, vma, address, write);
    const waitedNs = memory.lastFaultIoNs + this.leaveKernel(process);
    const timing = this.cpu.timing;
    const cycles =
      timing.faultOverhead +
      memory.lastFaultZeroed * timing.zeroPage +
      memory.lastFaultCopied * timing.copyPage +
      memory.lastFaultTables * timing.tableAllocation +
      Math.round(waitedNs * timing.cyclesPerNs);
    this.cpu.reportFault(memory.lastFaultOutcome, cycles, memory.lastFaultPfn, 0);
    if (memory.lastFaultZeroed + memory.lastFaultCopied > 0) this.cpu.kernelFilledPage();
    if (result === VM_FAULT_DONE) return true;
    this.failFault(process, result, address);
    return false;
  }

  /** One page of MAP_POPULATE (faultin_page): a fault unless the page is already mapped right. */
  populatePage(process: Process, vma: Vma, address: number, write: boolean): void {
    this.enterKernel(process);
    const result = this.memory.handleMmFault(process, vma, address, write);
    const waitedNs = this.memory.lastFaultIoNs + this.leaveKernel(process);
    process.cycles += Math.round(waitedNs * this.cpu.timing.cyclesPerNs);
    if (result !== VM_FAULT_DONE) this.failFault(process, result, address);
  }

  /** A fault that could not complete: SIGBUS beyond the end of a file, else out of memory. */
  private failFault(process: Process, result: number, address: number): void {
    if (result === VM_FAULT_SIGBUS) {
      this.kill(process, { signal: "SIGBUS", code: "BUS_ADRERR", address });
    } else {
      // The OOM killer may already have chosen this process; otherwise the allocation failed.
      this.kill(process, { signal: "SIGKILL", code: "out of memory", address });
    }
  }

  /**
   * Work the kernel does between a process's operations: kswapd, when an allocation woke it, and
   * the flusher, which writes back inodes dirty for longer than dirty_expire or all dirty pages
   * once they pass dirty_background_ratio of the available memory.
   */
  runBackgroundWork(): void {
    this.reclaim.runKswapd();
    const now = this.nowNs();
    const config = this.config;
    let dirty = 0;
    for (const file of this.files.values()) dirty += file.dirtyPages;
    if (dirty === 0) return;
    const available = this.phys.freeFrames + this.lru.fileSize();
    const overThreshold = dirty * 100 > config.dirtyBackgroundRatio * available;
    const writebackDue = now - this.lastWritebackNs >= WRITEBACK_INTERVAL_NS;
    if (!overThreshold && !writebackDue) return;
    this.lastWritebackNs = now;
    for (const file of this.files.values()) {
      const expired = file.dirtiedAtNs >= 0 && now - file.dirtiedAtNs >= config.dirtyExpireNs;
      if (overThreshold || expired) this.backgroundIoNs += this.pageCache.writeback(file);
    }
  }

  // ---- what processes do -------------------------------------------------------------------

  /** A load, store or fetch (ACCESS_* of probe.ts); false when it killed the process. */
  access(process: Process, address: number, size: number, kind: number): boolean {
    if (!process.alive) return false;
    return this.cpu.access(process, address, size, kind);
  }

  /** glibc's malloc in the process (its first call sets the heap up). Returns 0 on failure. */
  malloc(process: Process, size: number): number {
    return this.allocatorOf(process).malloc(size);
  }

  calloc(process: Process, size: number): number {
    return this.allocatorOf(process).calloc(size);
  }

  /** glibc's free; misuse aborts the process with SIGABRT, as glibc does. */
  free(process: Process, pointer: number): FreeResult {
    const result = this.allocatorOf(process).free(pointer);
    if (result !== "ok") {
      this.kill(process, { signal: "SIGABRT", code: result, address: pointer });
    }
    return result;
  }

  private allocatorOf(process: Process): GlibcMalloc {
    if (process.allocator === null) {
      process.allocator = new GlibcMalloc(this.mallocHost(process), process.mm.startBrk);
    }
    return process.allocator;
  }

  /**
   * The system calls and stores glibc's malloc makes, as the simulated process. A process that
   * died inside malloc (a store it made faulted fatally) gets nothing more: calls fail.
   */
  private mallocHost(process: Process): MallocHost {
    return {
      brk: (requested) => (process.alive ? doBrk(this, process, requested) : process.mm.brk),
      mmapAnonymous: (length) => {
        if (!process.alive) return -1;
        const address = doMmap(this, process, length, PROT_READ | PROT_WRITE, false, false);
        return address < 0 ? -1 : address;
      },
      munmap: (address, length) => {
        if (process.alive) doMunmap(this, process, address, length);
      },
      store: (address, size) => {
        if (process.alive) this.cpu.access(process, address, size, ACCESS_WRITE);
      },
    };
  }

  /** Executable images held in the page cache. */
  cachedImages(): Iterable<AddressSpace> {
    return this.images.values();
  }

  /** Live processes. */
  running(): Process[] {
    return this.processes.filter((process) => process.alive);
  }
}
