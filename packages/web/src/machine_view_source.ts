/**
 * Where the machine-state panels get their view of the machine at the step shown.
 *
 * The machine at a step is rebuilt by running the scenario again up to it (machine_at_step.ts).
 * Near the start of a run that takes a few milliseconds and happens here, at once. Further in it
 * takes longer (about 6 µs per access on a laptop-class core: a third of a second at 60,000
 * accesses, seconds at a million), so it happens in a worker (machine_view_worker.ts): the page
 * keeps the last view on screen, marked as being rebuilt, and swaps the new one in when it
 * arrives. Only the latest step asked for is built; steps passed on the way are skipped.
 */
import { MachineAtStep, type MachinePoint, pointKey } from "./machine_at_step.js";
import { type MachineView, reviveView, viewOfMachine } from "./machine_view.js";

/** Points needing at most this many accesses re-run are built on this thread (~25 ms). */
export const SYNC_ACCESSES = 4000;
/** Views kept, so stepping back and forth over a few steps asks nothing again. */
const CACHED_VIEWS = 6;

export interface ViewRequest {
  key: string;
  source: string;
  file: string;
  point: MachinePoint;
  access: { pid: number; address: number } | null;
}

export type ViewMessage =
  | { key: string; view: MachineView; milliseconds: number }
  | { key: string; error: string };

export interface ViewAnswer {
  /** The view of the step asked for, or the last one shown while that is being built. */
  view: MachineView | null;
  /** Whether `view` is of an earlier step: the one asked for is being built. */
  stale: boolean;
  error: string | null;
}

/** What a point and the access shown need re-run: the accesses before it, at least. */
function accessesToRun(point: MachinePoint, total: number, truncated: boolean): number {
  if (point === null) return truncated ? Number.POSITIVE_INFINITY : total;
  return point.access + 1;
}

export class MachineViewSource {
  private readonly steps: MachineAtStep;
  private readonly cache = new Map<string, MachineView>();
  private readonly listeners = new Set<() => void>();
  private worker: Worker | null = null;
  /** The key of the request the worker is working on, or null when it is idle. */
  private inFlight: string | null = null;
  /** The request to send when the worker is free (the latest asked for). */
  private wanted: ViewRequest | null = null;
  private lastShown: MachineView | null = null;
  private errors = new Map<string, string>();
  /** Worker rebuilds made so far and the time the last one took (the tests read these). */
  workerRuns = 0;
  lastWorkerMs = 0;

  constructor(
    readonly source: string,
    readonly file: string,
    private readonly totalAccesses: number,
    private readonly truncated: boolean,
  ) {
    this.steps = new MachineAtStep(source, file);
  }

  /** Hear when a view built in the worker arrives; returns the function that stops it. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The view for `point`, with the walk of `access` (the access shown, if any). */
  viewAt(point: MachinePoint, access: { pid: number; address: number } | null): ViewAnswer {
    const key = `${pointKey(point)}|${access === null ? "" : `${access.pid}@${access.address}`}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return this.shown(cached);
    const error = this.errors.get(key);
    if (error !== undefined) return { view: null, stale: false, error };
    if (accessesToRun(point, this.totalAccesses, this.truncated) <= SYNC_ACCESSES) {
      try {
        const view = viewOfMachine(this.steps.at(point), access);
        this.remember(key, view);
        return this.shown(view);
      } catch (caught) {
        const message = caught instanceof Error ? caught.message : String(caught);
        this.errors.set(key, message);
        return { view: null, stale: false, error: message };
      }
    }
    this.wanted = { key, source: this.source, file: this.file, point, access };
    this.sendWanted();
    return { view: this.lastShown, stale: true, error: null };
  }

  /** Stop the worker for good (the scenario shown changed). */
  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    this.listeners.clear();
  }

  private shown(view: MachineView): ViewAnswer {
    this.lastShown = view;
    return { view, stale: false, error: null };
  }

  private remember(key: string, view: MachineView): void {
    this.cache.delete(key);
    this.cache.set(key, view);
    while (this.cache.size > CACHED_VIEWS) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  private sendWanted(): void {
    const wanted = this.wanted;
    if (wanted === null || this.inFlight !== null) return;
    this.wanted = null;
    if (this.cache.has(wanted.key)) return;
    this.inFlight = wanted.key;
    this.ensureWorker().postMessage(wanted);
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(new URL("./machine_view_worker.ts", import.meta.url), {
      type: "module",
    });
    worker.onmessage = (event: MessageEvent<ViewMessage>) => this.receive(event.data);
    worker.onerror = (event) => {
      if (this.inFlight !== null)
        this.receive({ key: this.inFlight, error: event.message || "the view worker failed" });
    };
    this.worker = worker;
    return worker;
  }

  private receive(message: ViewMessage): void {
    this.inFlight = null;
    if ("error" in message) this.errors.set(message.key, message.error);
    else {
      this.workerRuns++;
      this.lastWorkerMs = message.milliseconds;
      this.remember(message.key, reviveView(message.view));
    }
    this.sendWanted();
    for (const listener of this.listeners) listener();
  }
}
