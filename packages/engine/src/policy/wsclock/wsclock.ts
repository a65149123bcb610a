/**
 * WSClock (Carr & Hennessy, "WSCLOCK — A Simple and Effective Algorithm for Virtual Memory
 * Management", SOSP 1981): the working-set policy approximated with a clock.
 *
 * The frames form a circle in slot order, 0..capacity-1, with one hand. Each resident frame has a
 * reference bit R, a last-use time and a dirty bit. Time is the process's virtual time: the index
 * of the reference (Access.time), one process per trace. R means "referenced since last-use was
 * recorded": a hit sets R (as the hardware would, without touching last-use); loading a page
 * records last-use = now with R clear (the faulting reference is the use).
 *
 * On a fault with no free frame the hand examines frames in order:
 * - R set: clear it, set last-use = now, move on (the page is in the working set);
 * - R clear and age = now − last-use > tau (out of the working set):
 *   - clean: this is the victim; the hand stops just past it;
 *   - dirty: its write-back is scheduled and the hand moves on. The write is assumed to finish
 *     before the hand comes back, so the page is marked clean now (and is the victim next lap);
 * - R clear and age <= tau: move on.
 * If the hand goes a full circle without a victim: when it scheduled any write, it keeps going
 * and the first page it scheduled (now clean) is the victim; otherwise (every page is in the
 * working set) the victim is the page with the oldest last-use after the sweep, the first one in
 * hand order on a tie (so when every page was referenced, the page where the hand started). The
 * hand then stops just past the victim.
 *
 * Dirtiness comes from Access.write (a write hit or a write miss dirties the page); traces with
 * no writes make every page clean, and the policy is then the plain WSClock replacement rule.
 * Load control (swapping a process out when the working sets do not fit) is not modelled.
 *
 * Cost: a fault normally stops at the first old page, but while every page is inside the window
 * each fault sweeps the whole circle, as the algorithm prescribes: O(frames) per fault. A tau much
 * larger than the time the hand takes to go round is slow (zipf1.0 at 7,634 frames: about 10 M
 * references/s with tau=1000, 0.07 M/s with tau=100000).
 */
import type { Access, PolicyContext, ReplacementPolicy } from "../policy.js";
import type { PolicyDefinition } from "../registry.js";

export class WsClockPolicy implements ReplacementPolicy {
  readonly referenced: Uint8Array;
  readonly dirty: Uint8Array;
  readonly resident: Uint8Array;
  readonly lastUse: Float64Array;
  /** The next frame the hand examines. */
  hand = 0;
  /** Write-backs scheduled by the hand (for statistics). */
  writesScheduled = 0;
  private readonly capacity: number;
  private readonly tau: number;

  constructor(capacity: number, tau: number) {
    this.capacity = capacity;
    this.tau = tau;
    this.referenced = new Uint8Array(capacity);
    this.dirty = new Uint8Array(capacity);
    this.resident = new Uint8Array(capacity);
    this.lastUse = new Float64Array(capacity);
  }

  onHit(slot: number, access: Access): void {
    this.referenced[slot] = 1;
    if (access.write) this.dirty[slot] = 1;
  }

  onInsert(slot: number, access: Access): void {
    this.resident[slot] = 1;
    this.referenced[slot] = 0;
    this.dirty[slot] = access.write ? 1 : 0;
    this.lastUse[slot] = access.time;
  }

  peekVictim(incoming: Access): number {
    const now = incoming.time;
    const capacity = this.capacity;
    let oldest = -1;
    let oldestUse = Infinity;
    let firstScheduled = -1;
    let frame = this.hand;
    for (let examined = 0; examined < capacity; examined++) {
      if (this.resident[frame] === 1) {
        let use = this.lastUse[frame] as number;
        if (this.referenced[frame] === 1) {
          use = now;
        } else if (now - use > this.tau) {
          if (this.dirty[frame] === 0) return frame;
          if (firstScheduled < 0) firstScheduled = frame;
        }
        if (use < oldestUse) {
          oldestUse = use;
          oldest = frame;
        }
      }
      frame = frame + 1 === capacity ? 0 : frame + 1;
    }
    return firstScheduled >= 0 ? firstScheduled : oldest;
  }

  evict(incoming: Access): number {
    const now = incoming.time;
    const capacity = this.capacity;
    const referenced = this.referenced;
    const lastUse = this.lastUse;
    let oldest = -1;
    let oldestUse = Infinity;
    let scheduled = false;
    let frame = this.hand;
    for (let examined = 0; ; examined++) {
      if (examined === capacity && !scheduled) {
        // A full circle, no write scheduled: every page is in its working set.
        return this.take(oldest);
      }
      if (this.resident[frame] === 1) {
        if (referenced[frame] === 1) {
          referenced[frame] = 0;
          lastUse[frame] = now;
        } else if (now - (lastUse[frame] as number) > this.tau) {
          if (this.dirty[frame] === 0) return this.take(frame);
          this.dirty[frame] = 0;
          this.writesScheduled++;
          scheduled = true;
        }
        const use = lastUse[frame] as number;
        if (use < oldestUse) {
          oldestUse = use;
          oldest = frame;
        }
      }
      frame = frame + 1 === capacity ? 0 : frame + 1;
    }
  }

  remove(slot: number): void {
    this.resident[slot] = 0;
    this.referenced[slot] = 0;
    this.dirty[slot] = 0;
  }

  private take(victim: number): number {
    if (victim < 0) throw new Error("wsclock: evict with nothing resident");
    this.resident[victim] = 0;
    this.hand = victim + 1 === this.capacity ? 0 : victim + 1;
    return victim;
  }
}

export const definition: PolicyDefinition = {
  name: "wsclock",
  title: "WSClock: a clock hand that evicts pages outside the working-set window tau",
  description:
    "Carr & Hennessy's WSClock (SOSP 1981). Frames form a circle in slot order; virtual time is " +
    "the reference index. The hand clears set reference bits (recording last-use = now) and " +
    "evicts the first unreferenced clean page older than tau references; an old dirty page gets " +
    "its write scheduled (it counts as clean from then on) and is skipped. After a full circle " +
    "with no victim: the first page whose write was scheduled, else the page with the oldest " +
    "last-use, the first in hand order on a tie. The hand stops just past the victim. A loaded " +
    "page starts unreferenced with last-use = its fault time.",
  params: {
    tau: {
      description: "working-set window, in references: older unreferenced pages are evictable",
      default: "1000",
      min: 1,
      max: 2_000_000_000,
    },
  },
  needsFuture: false,
  create: (context: PolicyContext, params) =>
    new WsClockPolicy(context.capacity, params.tau ?? 1000),
};
