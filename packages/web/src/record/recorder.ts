/**
 * The page's side of the recording worker: one request at a time; a new one (or cancel) ends the
 * one under way by terminating its worker, so a long run never has to finish to be replaced.
 */
import {
  type AccessRecord,
  type MachineSnapshot,
  type Recording,
  RecordingError,
} from "../recording.js";
import type { RecordMessage, RecordRequest } from "./protocol.js";

export interface RecordProgress {
  /** Accesses recorded so far by the worker. */
  recorded: number;
  /** Accesses received by the page so far, of `total` (0 until the recording is complete). */
  received: number;
  total: number;
}

export interface RecordCallbacks {
  progress(progress: RecordProgress): void;
  done(recording: Recording): void;
  /** A RecordingError for the scenario's faults, an Error for anything else. */
  failed(error: Error): void;
}

interface Active {
  id: number;
  callbacks: RecordCallbacks;
  accesses: AccessRecord[];
  after: MachineSnapshot[];
  recorded: number;
  /** When progress was last reported while chunks arrive (performance.now()). */
  reported: number;
}

/** Least time between two progress reports while chunks arrive (each one renders the page). */
const RECEIVE_PROGRESS_MS = 100;

export class ScenarioRecorder {
  private worker: Worker | null = null;
  private active: Active | null = null;
  private nextId = 1;

  record(source: string, file: string, callbacks: RecordCallbacks): void {
    this.cancel();
    const active: Active = {
      id: this.nextId++,
      callbacks,
      accesses: [],
      after: [],
      recorded: 0,
      reported: 0,
    };
    this.active = active;
    const request: RecordRequest = { kind: "record", id: active.id, source, file };
    this.ensureWorker().postMessage(request);
  }

  /** Drop the request under way, if any: its callbacks are not called again. */
  cancel(): void {
    if (this.active === null) return;
    this.active = null;
    this.worker?.terminate();
    this.worker = null;
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<RecordMessage>) => this.receive(event.data);
    worker.onerror = (event) => {
      const active = this.active;
      this.cancel();
      active?.callbacks.failed(new Error(event.message || "the recording worker failed"));
    };
    this.worker = worker;
    return worker;
  }

  private ask(request: RecordRequest): void {
    this.worker?.postMessage(request);
  }

  private receive(message: RecordMessage): void {
    const active = this.active;
    if (active === null || message.id !== active.id) return;
    switch (message.kind) {
      case "progress":
        active.recorded = message.recorded;
        active.callbacks.progress({ recorded: message.recorded, received: 0, total: 0 });
        return;
      case "chunk":
        for (const access of message.accesses) active.accesses.push(access);
        for (const snapshot of message.after) active.after.push(snapshot);
        this.ask({ kind: "next", id: active.id });
        if (performance.now() - active.reported >= RECEIVE_PROGRESS_MS) {
          active.reported = performance.now();
          active.callbacks.progress({
            recorded: message.total,
            received: active.accesses.length,
            total: message.total,
          });
        }
        return;
      case "done":
        this.active = null;
        active.callbacks.done({ ...message.tail, accesses: active.accesses, after: active.after });
        return;
      case "error":
        this.active = null;
        active.callbacks.failed(
          message.scenario
            ? new RecordingError(message.message, message.line, message.col, message.reason)
            : new Error(message.message),
        );
        return;
    }
  }
}
