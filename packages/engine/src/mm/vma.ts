import { PAGE_SIZE } from "../arch/x86/pgtable.js";
import type { AddressSpace } from "./address_space.js";
import type { ReadAdvice } from "./filemap.js";
import { newReadaheadState, type ReadaheadState } from "./readahead.js";

/** Protection bits of a mapping (PROT_* of mmap(2)). */
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** VMA flags beyond protection (the VM_* flags of include/linux/mm.h that matter here). */
export const VM_SHARED = 1;
export const VM_GROWSDOWN = 2;
/** Pages of this VMA may not be merged with a neighbour (the exec image, the stack). */
export const VM_NOMERGE = 4;
/** madvise(MADV_HUGEPAGE): faults may map transparent huge pages here when THP is `madvise`. */
export const VM_HUGEPAGE = 8;
/** madvise(MADV_NOHUGEPAGE): never huge pages here, even when THP is `always`. */
export const VM_NOHUGEPAGE = 16;

/**
 * A virtual memory area (struct vm_area_struct): [start, end) with one protection and one backing.
 * Anonymous private memory has no `backing`; shared anonymous memory and files have an AddressSpace.
 */
export class Vma {
  constructor(
    public start: number,
    public end: number,
    public prot: number,
    public flags: number,
    /** The page cache object behind the mapping, or null for private anonymous memory. */
    public backing: AddressSpace | null,
    /** Page offset in `backing` of `start` (vm_pgoff). */
    public pgoff: number,
  ) {}

  /**
   * Whether the VMA has an anon_vma: set on its first private anonymous page (anon_vma_prepare).
   * fork copies page tables only of VMAs that have one (vma_needs_copy).
   */
  hasAnonVma = false;
  /** madvise MADV_NORMAL / MADV_RANDOM / MADV_SEQUENTIAL (VM_RAND_READ, VM_SEQ_READ). */
  readAdvice: ReadAdvice = "normal";
  /** The readahead state of the file this VMA maps (the struct file's f_ra), shared by its splits. */
  readahead: ReadaheadState = newReadaheadState();

  get isShared(): boolean {
    return (this.flags & VM_SHARED) !== 0;
  }

  get isAnonymous(): boolean {
    return this.backing === null || this.backing.isShmem;
  }

  get pages(): number {
    return (this.end - this.start) / PAGE_SIZE;
  }

  contains(address: number): boolean {
    return address >= this.start && address < this.end;
  }

  /** Page index in the backing object of `address`. */
  backingIndex(address: number): number {
    return this.pgoff + (address - this.start) / PAGE_SIZE;
  }

  /** A copy of this VMA covering [start, end) (split_vma, fork's vm_area_dup). */
  copy(start: number, end: number): Vma {
    const offset = this.backing === null ? 0 : (start - this.start) / PAGE_SIZE;
    const vma = new Vma(start, end, this.prot, this.flags, this.backing, this.pgoff + offset);
    vma.hasAnonVma = this.hasAnonVma;
    vma.readAdvice = this.readAdvice;
    vma.readahead = this.readahead;
    if (this.backing !== null) this.backing.mappings++;
    return vma;
  }

  /** `rw-p`-style permissions as /proc/PID/maps prints them. */
  permissionString(): string {
    return (
      (this.prot & PROT_READ ? "r" : "-") +
      (this.prot & PROT_WRITE ? "w" : "-") +
      (this.prot & PROT_EXEC ? "x" : "-") +
      (this.isShared ? "s" : "p")
    );
  }
}
