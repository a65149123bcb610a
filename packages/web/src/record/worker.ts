/**
 * The recording worker: runs a scenario through the engine and records every access
 * (recordScenario) away from the page's thread, reporting progress as it goes, then sends the
 * recording back in chunks.
 */
import { type Recording, RecordingError, recordScenario } from "../recording.js";
import { CHUNK_ACCESSES, type RecordMessage, type RecordRequest } from "./protocol.js";

/** Least time between two progress messages. */
const PROGRESS_MS = 100;

const scope = self as unknown as {
  postMessage(message: RecordMessage): void;
  onmessage: ((event: MessageEvent<RecordRequest>) => void) | null;
};

/** The recording being sent, and how much of it has gone. */
let sending: { id: number; recording: Recording; sent: number } | null = null;

function record(id: number, source: string, file: string): void {
  sending = null;
  let last = performance.now();
  let recording: Recording;
  try {
    recording = recordScenario(source, file, (recorded) => {
      // Reading the clock after every access would cost more than the check saves.
      if (recorded % 512 !== 0) return;
      const now = performance.now();
      if (now - last < PROGRESS_MS) return;
      last = now;
      scope.postMessage({ id, kind: "progress", recorded });
    });
  } catch (error) {
    const scenario = error instanceof RecordingError;
    scope.postMessage({
      id,
      kind: "error",
      message: error instanceof Error ? error.message : String(error),
      scenario,
      line: scenario ? error.line : 0,
      col: scenario ? error.col : 0,
      reason: scenario ? error.reason : "",
    });
    return;
  }
  sending = { id, recording, sent: 0 };
  sendNext(id);
}

/** Send the next chunk of the recording, or its tail when every access has gone. */
function sendNext(id: number): void {
  if (sending === null || sending.id !== id) return;
  const { accesses, after, ...tail } = sending.recording;
  const start = sending.sent;
  if (start >= accesses.length) {
    sending = null;
    scope.postMessage({ id, kind: "done", tail });
    return;
  }
  const end = start + CHUNK_ACCESSES;
  sending.sent = Math.min(end, accesses.length);
  scope.postMessage({
    id,
    kind: "chunk",
    accesses: accesses.slice(start, end),
    after: after.slice(start, end),
    total: accesses.length,
  });
}

scope.onmessage = ({ data }) => {
  if (data.kind === "record") record(data.id, data.source, data.file);
  else sendNext(data.id);
};
