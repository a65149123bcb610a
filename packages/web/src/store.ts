/**
 * The page's model, outside React: it owns the recorded run and a cursor over its frames, plays
 * them on a timer, and hands React immutable view states (useSyncExternalStore).
 *
 * A frame is one step of the animation: the CPU issuing an access, then each of its hops.
 *
 * Runs are recorded in a Web Worker (record/worker.ts), so a long scenario never freezes the
 * page: while one records, the previous run stays on screen and playable, and `pending` says how
 * far the new one has got; the new run replaces it when its recording arrives. Only the recording
 * (plain data) crosses; the machine-state panels rebuild a Machine on this thread by re-running
 * the scenario up to the step shown (machine_at_step.ts), which is quick for walkthroughs.
 */
import { BUILTIN_SCENARIOS, HOP_FAULT } from "@vmscope/engine";
import { type RecordProgress, ScenarioRecorder } from "./record/recorder.js";
import {
  type AccessRecord,
  type MachineSnapshot,
  type Recording,
  RecordingError,
} from "./recording.js";

export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16] as const;
/** Milliseconds a frame stays on screen at 1×. */
const FRAME_MS = 700;

/** The name `scenario` has when the page runs a source of its own (edited, shared). */
export const CUSTOM_SCENARIO = "custom";

export interface ViewState {
  /** A built-in's name, or CUSTOM_SCENARIO. */
  scenario: string;
  /** The source that was run. */
  source: string;
  /** Where `error` is in `source` (1-based line and column), when it is a ScenarioError. */
  errorAt: { line: number; col: number; reason: string } | null;
  recording: Recording | null;
  error: string | null;
  /** Current frame, 0 .. frameCount - 1 (0 when there are none). */
  frame: number;
  frameCount: number;
  /** The access the frame belongs to, or null when the run made no accesses. */
  access: AccessRecord | null;
  /** -1: the CPU issues the access; otherwise the index of the hop shown. */
  hopIndex: number;
  /** The machine's state at this frame. */
  machine: MachineSnapshot | null;
  /** Whether `machine` is the state after the scenario's last statement. */
  atEnd: boolean;
  playing: boolean;
  speed: number;
  /** A run being recorded in the worker (null when none): its name and how far it has got. */
  pending: ({ scenario: string } & RecordProgress) | null;
}

export class SimulationStore {
  private state: ViewState;
  private readonly listeners = new Set<() => void>();
  /** frameStart[i]: the first frame of access i. */
  private frameStart: number[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly recorder = new ScenarioRecorder();

  constructor(scenario = "heap-write") {
    this.state = {
      scenario,
      source: "",
      errorAt: null,
      recording: null,
      error: null,
      frame: 0,
      frameCount: 0,
      access: null,
      hopIndex: -1,
      machine: null,
      atEnd: false,
      playing: false,
      speed: 1,
      pending: null,
    };
    this.load(scenario);
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): ViewState => this.state;

  /** Run a built-in scenario and show its first frame. */
  load(name: string): void {
    const builtin = BUILTIN_SCENARIOS.find((scenario) => scenario.name === name);
    if (builtin === undefined) {
      this.stopTimer();
      this.recorder.cancel();
      this.show(name, "", null, `no built-in scenario named ${name}`, null);
      return;
    }
    this.run(builtin.source, name);
  }

  /**
   * Record `source` (an edited or shared scenario, or a built-in's) in the worker and show its
   * first frame when the recording arrives. A run asked for meanwhile replaces this one.
   */
  run(source: string, name = CUSTOM_SCENARIO): void {
    this.pause();
    this.state = { ...this.state, pending: { scenario: name, recorded: 0, received: 0, total: 0 } };
    this.emit();
    this.recorder.record(source, `${name}.vms`, {
      progress: (progress) => {
        this.state = { ...this.state, pending: { scenario: name, ...progress } };
        this.emit();
      },
      done: (recording) => this.show(name, source, recording, null, null),
      failed: (caught) => {
        const errorAt =
          caught instanceof RecordingError && caught.line > 0
            ? { line: caught.line, col: caught.col, reason: caught.reason }
            : null;
        this.show(name, source, null, caught.message, errorAt);
      },
    });
  }

  /** Stop recording the run under way; the one shown stays. */
  cancelRun(): void {
    this.recorder.cancel();
    if (this.state.pending !== null) {
      this.state = { ...this.state, pending: null };
      this.emit();
    }
  }

  private show(
    name: string,
    source: string,
    recording: Recording | null,
    error: string | null,
    errorAt: ViewState["errorAt"],
  ): void {
    this.frameStart = [];
    let frames = 0;
    for (const access of recording?.accesses ?? []) {
      this.frameStart.push(frames);
      frames += access.hops.length + 1;
    }
    this.state = {
      ...this.state,
      scenario: name,
      source,
      errorAt,
      recording,
      error,
      frameCount: frames,
      playing: false,
      pending: null,
    };
    this.seek(0);
  }

  stepForward(): void {
    this.pause();
    this.seek(this.state.frame + 1);
  }

  stepBack(): void {
    this.pause();
    this.seek(this.state.frame - 1);
  }

  runToEnd(): void {
    this.pause();
    this.seek(this.state.frameCount - 1);
  }

  /** Jump to the first frame of access `index` (0-based; clamped to the accesses there are). */
  goToAccess(index: number): void {
    this.pause();
    const starts = this.frameStart;
    if (starts.length === 0) return;
    const clamped = Math.max(0, Math.min(Math.floor(index), starts.length - 1));
    this.seek(starts[clamped] as number);
  }

  /** Jump to the next frame that shows a page fault. */
  nextFault(): void {
    this.pause();
    const accesses = this.state.recording?.accesses ?? [];
    for (let frame = this.state.frame + 1; frame < this.state.frameCount; frame++) {
      const { access, hopIndex } = this.locate(frame);
      if (hopIndex >= 0 && accesses[access]?.hops[hopIndex]?.hop === HOP_FAULT) {
        this.seek(frame);
        return;
      }
    }
    this.seek(this.state.frameCount - 1);
  }

  play(): void {
    if (this.state.playing || this.state.frameCount === 0) return;
    // Playing from the last frame starts over.
    if (this.state.frame >= this.state.frameCount - 1) this.seek(0, false);
    this.state = { ...this.state, playing: true };
    this.emit();
    this.schedule();
  }

  pause(): void {
    this.stopTimer();
    if (this.state.playing) {
      this.state = { ...this.state, playing: false };
      this.emit();
    }
  }

  togglePlay(): void {
    if (this.state.playing) this.pause();
    else this.play();
  }

  setSpeed(speed: number): void {
    this.state = { ...this.state, speed };
    this.emit();
    if (this.state.playing) {
      this.stopTimer();
      this.schedule();
    }
  }

  /** Stop the timer for good (the page is going away). */
  dispose(): void {
    this.stopTimer();
    this.recorder.cancel();
    this.listeners.clear();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.state.frame >= this.state.frameCount - 1) {
        this.pause();
        return;
      }
      this.seek(this.state.frame + 1);
      this.schedule();
    }, FRAME_MS / this.state.speed);
  }

  private stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The access and hop a frame shows. */
  private locate(frame: number): { access: number; hopIndex: number } {
    const starts = this.frameStart;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] as number) <= frame) low = middle;
      else high = middle - 1;
    }
    return { access: low, hopIndex: frame - (starts[low] ?? 0) - 1 };
  }

  private seek(target: number, notify = true): void {
    const { recording, frameCount } = this.state;
    const frame = Math.max(0, Math.min(target, frameCount - 1));
    if (recording === null || frameCount === 0) {
      this.state = {
        ...this.state,
        frame: 0,
        access: null,
        hopIndex: -1,
        machine: recording?.final ?? null,
        atEnd: recording !== null,
      };
    } else {
      const { access: index, hopIndex } = this.locate(frame);
      const access = recording.accesses[index] as AccessRecord;
      const atEnd = frame === frameCount - 1;
      // The counters change when an access completes, i.e. on its last hop.
      let machine: MachineSnapshot;
      if (atEnd) machine = recording.final;
      else if (hopIndex === access.hops.length - 1)
        machine = recording.after[index] as MachineSnapshot;
      else if (index > 0) machine = recording.after[index - 1] as MachineSnapshot;
      else machine = recording.initial;
      this.state = { ...this.state, frame, access, hopIndex, machine, atEnd };
    }
    if (notify) this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
