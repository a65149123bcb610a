/**
 * Messages between the page and the recording worker.
 *
 * A recording is plain data, so it crosses by structured clone; the engine's Machine does not
 * (it holds typed arrays and class instances the page never needs whole). A long recording is
 * sent in chunks, each asked for by the page once it has taken the last: the page decodes each
 * message on its own thread, and one message holding 200,000 accesses (or a queue of all the
 * chunks at once) would keep that thread busy for seconds, freezing the page the worker spared.
 */
import type { AccessRecord, MachineSnapshot, Recording } from "../recording.js";

export type RecordRequest =
  | {
      kind: "record";
      /** Tells the answers to one request from those to an earlier one. */
      id: number;
      source: string;
      file: string;
    }
  /** Send the next chunk of recording `id`. */
  | { kind: "next"; id: number };

/** The recording without its two long lists, which arrive in chunks before it. */
export type RecordingTail = Omit<Recording, "accesses" | "after">;

export type RecordMessage =
  | { id: number; kind: "progress"; recorded: number }
  | { id: number; kind: "chunk"; accesses: AccessRecord[]; after: MachineSnapshot[]; total: number }
  | { id: number; kind: "done"; tail: RecordingTail }
  | {
      id: number;
      kind: "error";
      message: string;
      /** Whether it is the scenario's fault (a RecordingError), with its place. */
      scenario: boolean;
      line: number;
      col: number;
      reason: string;
    };

/** Accesses per chunk: small enough that decoding one stays well under a frame or two. */
export const CHUNK_ACCESSES = 2000;
