/** Invariants of the physical frames: counts, kinds and the buddy allocator. */
import type { Machine } from "../machine.js";
import {
  FRAME_ANON,
  FRAME_FILE,
  FRAME_FREE,
  FRAME_KIND_NAMES,
  FRAME_PAGETABLE,
  FRAME_RESERVED,
  FRAME_SHMEM,
  FRAME_ZERO,
} from "../mm/frames.js";
import type { Process } from "../process.js";
import { type Census, kindName } from "./census.js";
import { isHugeZeroFrame } from "./huge_pages.js";

export function checkFrames(
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
}
