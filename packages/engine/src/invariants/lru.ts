/** Invariants of the LRU lists (and of a `machine policy=` replacement policy). */
import type { Machine } from "../machine.js";
import { FRAME_ANON, FRAME_FILE, PG_ACTIVE } from "../mm/frames.js";
import { LRU_NAMES, lruListOf } from "../mm/lru.js";
import { kindName } from "./census.js";

/**
 * Every anonymous and file page is on exactly the list its type and PG_active say; nothing
 * else is on a list; the list sizes add up; a `machine policy=` policy holds exactly those pages.
 */
export function checkLruLists(machine: Machine, out: string[]): void {
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
