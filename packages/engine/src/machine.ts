/**
 * The simulated machine: physical memory, one CPU with its TLBs, the kernel's memory manager and
 * the processes. Everything a scenario, a trace replay or the web page does goes through here.
 */
import { Cpu } from "./arch/x86/mmu.js";
import { PAGE_SIZE } from "./arch/x86/pgtable.js";
import { DEFAULT_MACHINE_CONFIG, type MachineConfig } from "./config.js";
import { AddressSpace } from "./mm/address_space.js";
import { IMAGE_FILE_SIZE, setupExecLayout } from "./mm/exec.js";
import { PageFaultHandler } from "./mm/fault.js";
import { FRAME_FILE, PhysicalMemory } from "./mm/frames.js";
import { type FreeResult, GlibcMalloc, type MallocHost } from "./mm/malloc.js";
import { MemoryManager, VM_FAULT_DONE } from "./mm/memory.js";
import { MmStruct } from "./mm/mm_struct.js";
import { doBrk, doMmap, doMunmap, releaseBacking } from "./mm/mmap.js";
import { PROT_READ, PROT_WRITE, type Vma } from "./mm/vma.js";
import { newVmstatCounters } from "./mm/vmstat.js";
import { ACCESS_WRITE } from "./probe.js";
import { Process, type SignalRecord } from "./process.js";

/** The first PID handed out; later processes count up from it. */
const FIRST_PID = 1000;

export class Machine {
  readonly config: MachineConfig;
  readonly phys: PhysicalMemory;
  /** /proc/vmstat event counters, indexed by the constants of mm/vmstat.ts. */
  readonly vmstat = newVmstatCounters();
  readonly memory: MemoryManager;
  readonly cpu: Cpu;
  /** Every process ever started, in PID order (dead ones stay, for their counters). */
  readonly processes: Process[] = [];
  /** Executable images in the page cache, by path. */
  private readonly images = new Map<string, AddressSpace>();
  private nextPid = FIRST_PID;
  private nextContextId = 1;
  private inodeCounter = 1000;

  constructor(config: MachineConfig = DEFAULT_MACHINE_CONFIG) {
    this.config = config;
    this.phys = new PhysicalMemory(Math.floor(config.ramBytes / PAGE_SIZE));
    this.cpu = new Cpu(config.cpu, this.phys, this.vmstat, new PageFaultHandler(this));
    this.memory = new MemoryManager(this.phys, this.vmstat, this.cpu);
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
    if (!this.memory.allocatePgd(mm, process.pid)) {
      this.kill(process, { signal: "SIGKILL", code: "out of memory", address: 0 });
      return process;
    }
    setupExecLayout(mm, this.imageOf(name));
    return process;
  }

  /** The executable `/usr/bin/NAME`, its pages already in the page cache (it was just run). */
  private imageOf(name: string): AddressSpace {
    const path = `/usr/bin/${name}`;
    let image = this.images.get(path);
    if (image === undefined) {
      image = new AddressSpace(path, IMAGE_FILE_SIZE, false, "08:01", this.nextInode());
      for (let index = 0; index < image.sizeInPages; index++) {
        const pfn = this.phys.allocFrame(FRAME_FILE, 0);
        if (pfn < 0) break;
        this.phys.refcount[pfn] = 1;
        this.phys.pageIndex[pfn] = index;
        image.pages.set(index, pfn);
      }
      this.images.set(path, image);
    }
    return image;
  }

  /**
   * fork: the child gets copies of the parent's VMAs; page tables are copied only for VMAs with
   * anonymous pages (vma_needs_copy), write-protecting private pages on both sides; the parent's
   * TLB is flushed. Returns null (ENOMEM) when the child's tables cannot be allocated.
   */
  fork(parent: Process): Process | null {
    const mm = new MmStruct(this.nextContextId++);
    const child = new Process(this.nextPid++, parent.name, mm, parent.pid);
    if (!this.memory.allocatePgd(mm, child.pid)) return null;
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

  /** Deliver a fatal signal: the process dies and its memory is released. */
  kill(process: Process, signal: SignalRecord): void {
    if (!process.alive) return;
    process.signal = signal;
    this.teardown(process);
    process.state = "killed";
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
    this.cpu.dropAddressSpace(mm);
  }

  /** Release a shmem object's pages once nothing maps it. */
  dropCache(backing: AddressSpace): void {
    for (const pfn of backing.pages.values()) {
      const references = (this.phys.refcount[pfn] as number) - 1;
      this.phys.refcount[pfn] = references;
      if (references === 0) this.phys.freeFrame(pfn);
    }
    backing.pages.clear();
  }

  // ---- the kernel side of faults --------------------------------------------------------------

  /**
   * handle_mm_fault on behalf of the fault handler: runs the fault, charges its cost to the
   * access in progress, and kills the process when memory is exhausted. (Until the OOM killer
   * exists, an allocation failure kills the faulting process.)
   */
  completeFault(process: Process, vma: Vma, address: number, write: boolean): boolean {
    const memory = this.memory;
    const result = memory.handleMmFault(process, vma, address, write);
    const timing = this.cpu.timing;
    const cycles =
      timing.faultOverhead +
      memory.lastFaultZeroed * timing.zeroPage +
      memory.lastFaultCopied * timing.copyPage +
      memory.lastFaultTables * timing.tableAllocation;
    this.cpu.reportFault(memory.lastFaultOutcome, cycles, memory.lastFaultPfn, 0);
    if (result === VM_FAULT_DONE) return true;
    this.kill(process, { signal: "SIGKILL", code: "out of memory", address });
    return false;
  }

  /** One page of MAP_POPULATE (faultin_page): a fault unless the page is already mapped right. */
  populatePage(process: Process, vma: Vma, address: number, write: boolean): void {
    const result = this.memory.handleMmFault(process, vma, address, write);
    if (result !== VM_FAULT_DONE) {
      this.kill(process, { signal: "SIGKILL", code: "out of memory", address });
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
