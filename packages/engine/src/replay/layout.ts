/**
 * Mappings made up from a trace's own addresses, for a replay without a saved /proc/PID/maps.
 *
 * The rule: touched pages, in address order, are grouped into one mapping while
 * - the gap to the previous touched page is at most MAX_GAP_PAGES untouched pages, and
 * - both are code pages (fetched by an `I` record) or both are data pages (never fetched).
 *
 * A mapping spans its first to its last touched page. Its protection is what its pages needed:
 * always readable, writable when any page was written (`S`, `M`), executable for code. So a
 * library's text and data end up in separate mappings, while the holes between the pieces of one
 * mapping (pages the program never touched) do not split it. Untouched pages are never accessed,
 * so the gap rule changes the VMA count and VmSize, never a fault or TLB figure.
 */
import { PAGE_SIZE } from "../arch/x86/pgtable.js";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { TOUCHED_EXEC, TOUCHED_WRITE, type TouchedPageList } from "./touched_pages.js";

/** Untouched pages (128 KiB) two touched pages may have between them and share a mapping. */
export const MAX_GAP_PAGES = 32;

/** One mapping to create: [start, end) in bytes, PROT_* bits. */
export interface RegionSpec {
  start: number;
  end: number;
  prot: number;
}

export interface GroupOptions {
  /** Defaults to MAX_GAP_PAGES. */
  maxGapPages?: number;
  /** Only the pages at these indices of the list (ascending); all when absent. */
  indices?: readonly number[];
  /** Whether something (an existing mapping) lies between two pages, so they must not share one. */
  separated?: (lowPage: number, highPage: number) => boolean;
}

/** Group touched pages into mappings by the rule above. */
export function groupTouchedPages(list: TouchedPageList, options: GroupOptions = {}): RegionSpec[] {
  const maxGap = options.maxGapPages ?? MAX_GAP_PAGES;
  const count = options.indices?.length ?? list.pages.length;
  const regions: RegionSpec[] = [];
  let firstPage = 0;
  let lastPage = -1;
  let code = false;
  let written = false;
  const close = () => {
    if (lastPage < 0) return;
    const prot = PROT_READ | (written ? PROT_WRITE : 0) | (code ? PROT_EXEC : 0);
    regions.push({ start: firstPage * PAGE_SIZE, end: (lastPage + 1) * PAGE_SIZE, prot });
  };
  for (let position = 0; position < count; position++) {
    const index = options.indices === undefined ? position : (options.indices[position] as number);
    const page = list.pages[index] as number;
    const flags = list.flags[index] as number;
    const isCode = (flags & TOUCHED_EXEC) !== 0;
    const joins =
      lastPage >= 0 &&
      page - lastPage - 1 <= maxGap &&
      isCode === code &&
      options.separated?.(lastPage, page) !== true;
    if (!joins) {
      close();
      firstPage = page;
      code = isCode;
      written = false;
    }
    written ||= (flags & TOUCHED_WRITE) !== 0;
    lastPage = page;
  }
  close();
  return regions;
}
