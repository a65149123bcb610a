/** Test helpers for the page-table designs: a bare allocator context and a stand-in mm. */
import { PhysicalMemory } from "../../mm/frames.js";
import { LruLists } from "../../mm/lru.js";
import { MmStruct } from "../../mm/mm_struct.js";
import { UserPages } from "../../mm/user_pages.js";
import { newVmstatCounters } from "../../mm/vmstat.js";
import type { DesignContext } from "./table_frames.js";

/** Physical memory of `frames` frames with the kernel's page allocator, no machine around it. */
export function bareContext(frames = 4096): DesignContext {
  const phys = new PhysicalMemory(frames);
  const vmstat = newVmstatCounters();
  const pages = new UserPages(phys, new LruLists(frames), vmstat);
  return { phys, pages, vmstat, tableAllocationCycles: 1000 };
}

let nextContext = 1;

/**
 * A fresh address space with an empty kernel PGD from `context` (the kernel maps nothing: the
 * designs are driven directly, with the frames the tests choose).
 */
export function bareMm(context: DesignContext): MmStruct {
  const mm = new MmStruct(nextContext++);
  mm.pgd = context.phys.allocTable(1);
  return mm;
}
