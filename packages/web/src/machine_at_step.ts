/**
 * The whole machine (page tables, TLBs, physical frames) as it is at one step of a recorded run,
 * for the machine-state panels.
 *
 * The recording keeps only counters per access; keeping a copy of the machine per access would
 * cost megabytes each. The engine is deterministic, so instead the scenario runs again from the
 * start and stops at the wanted point: a probe counts the accesses and throws a private sentinel
 * there, which unwinds out of the runner (it catches nothing) and leaves the machine exactly as
 * it was at that moment. The last machine is cached, so stepping through the hops of one access
 * does not run anything again.
 *
 * Nothing here touches the DOM: the unit test runs it in Node against a fresh engine run.
 */
import { type AccessProbe, type Machine, parseScenario, runScenario } from "@vmscope/engine";

/**
 * A moment of the run: just before access `access` (0-based, in recording order) starts, or
 * right after it completes; `null` is the end of the scenario (after its last statement).
 */
export type MachinePoint = { access: number; after: boolean } | null;

/** A key that tells two points apart (and equal points alike). */
export function pointKey(point: MachinePoint): string {
  return point === null ? "end" : `${point.access}${point.after ? "+" : "-"}`;
}

/** Thrown by the stopping probe; never leaves this module. */
class StopRun {
  constructor(readonly machine: Machine) {}
}

/**
 * Probe events are numbered 0, 1, 2, ...: access i starts at event 2i and completes at event
 * 2i + 1 (every accessStart has its accessEnd, even for an access that kills the process).
 */
function stopEvent(point: { access: number; after: boolean }): number {
  return 2 * point.access + (point.after ? 1 : 0);
}

class StoppingProbe implements AccessProbe {
  machine: Machine | null = null;
  private event = 0;

  constructor(private readonly stopAt: number) {}

  accessStart(): void {
    this.tick();
  }

  hop(): void {}

  accessEnd(): void {
    this.tick();
  }

  private tick(): void {
    if (this.event === this.stopAt) throw new StopRun(this.machine as Machine);
    this.event++;
  }
}

/**
 * Run `source` from the start and stop at `point`. A point past the last access gives the
 * machine at the end of the scenario. Throws what the engine throws for a bad scenario.
 */
export function runToPoint(source: string, file: string, point: MachinePoint): Machine {
  const scenario = parseScenario(source, file);
  if (point === null) return runScenario(scenario).machine;
  const probe = new StoppingProbe(stopEvent(point));
  try {
    return runScenario(scenario, {
      probe,
      onMachine: (machine) => {
        probe.machine = machine;
      },
    }).machine;
  } catch (error) {
    if (error instanceof StopRun) return error.machine;
    throw error;
  }
}

/**
 * The machine of one scenario at the point the page shows, computed on demand and cached for
 * the current point. A machine handed out is never changed again: the run that built it stopped.
 */
export class MachineAtStep {
  private cachedKey: string | null = null;
  private cached: Machine | null = null;
  /** Runs made so far (the test checks the cache works). */
  runs = 0;
  /** Milliseconds the last run took. */
  lastRunMs = 0;

  constructor(
    readonly source: string,
    readonly file: string,
  ) {}

  at(point: MachinePoint): Machine {
    const key = pointKey(point);
    if (this.cached !== null && this.cachedKey === key) return this.cached;
    const started = performance.now();
    const machine = runToPoint(this.source, this.file, point);
    this.lastRunMs = performance.now() - started;
    this.runs++;
    this.cached = machine;
    this.cachedKey = key;
    return machine;
  }
}

/**
 * Which point a frame of the page shows: before the access while its hops play, after it on its
 * last hop (where the counters change too), and the end of the scenario on the very last frame.
 */
export function pointOfFrame(
  access: { index: number; hops: readonly unknown[] } | null,
  hopIndex: number,
  atEnd: boolean,
): MachinePoint {
  if (atEnd || access === null) return null;
  return { access: access.index, after: hopIndex === access.hops.length - 1 };
}
