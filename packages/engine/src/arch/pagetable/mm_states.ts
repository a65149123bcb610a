import type { MmStruct } from "../../mm/mm_struct.js";

/**
 * A design's state per address space, indexed by the mm's context id (never reused): an array
 * read on each walk, where a Map lookup would be slower.
 */
export class MmStates<State> {
  private readonly byContext: (State | undefined)[] = [];
  private live = 0;

  get(mm: MmStruct): State | undefined {
    return this.byContext[mm.contextId];
  }

  set(mm: MmStruct, state: State): void {
    if (this.byContext[mm.contextId] === undefined) this.live++;
    this.byContext[mm.contextId] = state;
  }

  delete(mm: MmStruct): void {
    if (this.byContext[mm.contextId] === undefined) return;
    this.byContext[mm.contextId] = undefined;
    this.live--;
  }

  get size(): number {
    return this.live;
  }

  /** Every state, in context-id order. */
  *values(): IterableIterator<State> {
    for (const state of this.byContext) if (state !== undefined) yield state;
  }
}
