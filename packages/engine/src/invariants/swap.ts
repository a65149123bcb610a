/** Invariants of the swap device and the swap cache. */
import type { Machine } from "../machine.js";
import { FRAME_ANON } from "../mm/frames.js";
import type { Census } from "./census.js";

/**
 * Each swap slot's count equals the swap entries that name it; a slot is in use exactly when
 * some entry names it or the swap cache holds it, so a slot is freed with its last reference.
 */
export function checkSwap(machine: Machine, census: Census, out: string[]): void {
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
