/** Messages between the page and the trace worker. */
import type { TraceJob, TraceResult } from "./simulate.js";

export interface TraceRequest {
  file: Blob;
  job: TraceJob;
}

export type TraceMessage =
  | { kind: "progress"; bytes: number; totalBytes: number; references: number; gzip: boolean }
  | { kind: "done"; result: TraceResult; gzip: boolean; milliseconds: number }
  | { kind: "error"; message: string };
