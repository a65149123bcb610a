/**
 * The kernel's four-level table, read on behalf of a design whose hardware walks something else:
 * it decides the walk's result (frame, rights, fault), and takes the accessed and dirty bits, as
 * Linux on PowerPC copies the hash table's R/C bits back into its own PTEs. These reads are not
 * the hardware's: they go through no cache and count as no walk read.
 */
import type { PhysicalMemory } from "../../mm/frames.js";
import type { MmStruct } from "../../mm/mm_struct.js";
import { ACCESS_EXEC, ACCESS_WRITE } from "../../probe.js";
import {
  entryPfn,
  LEVEL_PGD,
  LEVEL_PTE,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_HI_NX,
  PTE_PRESENT,
  PTE_RW,
  PTE_USER,
  tableIndex,
} from "../x86/pgtable.js";
import { userTlbFlags } from "../x86/tlb.js";

/** The kernel's PTE maps a frame and allows the access. */
export const KERNEL_WALK_OK = 0;
/** No present PTE (or a missing table above it): a page fault. */
export const KERNEL_WALK_NOT_PRESENT = 1;
/** A present PTE that forbids the access (a write to a read-only page, a fetch from NX). */
export const KERNEL_WALK_PROTECTION = 2;

/** Where kernelWalk leaves its result; reused, no allocation per walk. */
export interface KernelWalkResult {
  /** The frame of the present PTE (even when it forbids the access), else -1. */
  pfn: number;
  /** TLB flags for the translation (KERNEL_WALK_OK only). */
  tlbFlags: number;
}

/**
 * Walk the kernel's table for `address` as the x86-64 hardware would, ANDing rights and ORing NX
 * over the levels, and set A (and D for a write) on an allowed leaf. Returns a KERNEL_WALK_*.
 */
export function kernelWalk(
  phys: PhysicalMemory,
  mm: MmStruct,
  address: number,
  kind: number,
  result: KernelWalkResult,
): number {
  const low = phys.tableLow;
  const high = phys.tableHigh;
  let table = mm.pgd;
  let rights = PTE_RW | PTE_USER;
  let noExecute = 0;
  result.pfn = -1;
  if (table < 0) return KERNEL_WALK_NOT_PRESENT;
  for (let level = LEVEL_PGD; level > LEVEL_PTE; level--) {
    const offset = phys.entryOffset(table, tableIndex(address, level));
    const entry = low[offset] as number;
    if (!(entry & PTE_PRESENT)) return KERNEL_WALK_NOT_PRESENT;
    rights &= entry;
    noExecute |= (high[offset] as number) & PTE_HI_NX;
    table = entryPfn(entry, high[offset] as number);
  }
  const offset = phys.entryOffset(table, tableIndex(address, LEVEL_PTE));
  const entry = low[offset] as number;
  if (!(entry & PTE_PRESENT)) return KERNEL_WALK_NOT_PRESENT;
  rights &= entry;
  noExecute |= (high[offset] as number) & PTE_HI_NX;
  result.pfn = entryPfn(entry, high[offset] as number);
  const write = kind === ACCESS_WRITE;
  const allowed =
    (rights & PTE_USER) !== 0 &&
    (!write || (rights & PTE_RW) !== 0) &&
    (kind !== ACCESS_EXEC || noExecute === 0);
  if (!allowed) return KERNEL_WALK_PROTECTION;
  const updated = (entry | PTE_ACCESSED | (write ? PTE_DIRTY : 0)) >>> 0;
  if (updated !== entry) low[offset] = updated;
  result.tlbFlags = userTlbFlags(rights, noExecute !== 0, updated);
  return KERNEL_WALK_OK;
}

/** The frame the kernel's present PTE for `address` maps, or -1; changes nothing. */
export function kernelFrame(phys: PhysicalMemory, mm: MmStruct, address: number): number {
  let table = mm.pgd;
  if (table < 0) return -1;
  for (let level = LEVEL_PGD; level >= LEVEL_PTE; level--) {
    const offset = phys.entryOffset(table, tableIndex(address, level));
    const entry = phys.tableLow[offset] as number;
    if (!(entry & PTE_PRESENT)) return -1;
    table = entryPfn(entry, phys.tableHigh[offset] as number);
  }
  return table;
}
