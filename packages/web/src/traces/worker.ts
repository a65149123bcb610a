/**
 * The trace worker: reads a file the user picked (it never leaves the browser), gunzips it when
 * it is gzip, streams it through the engine's trace parser into the simulators, and reports
 * progress, so the page never freezes.
 */
import type { TraceMessage, TraceRequest } from "./protocol.js";
import { isGzip, TraceRun } from "./simulate.js";

/** Least time between two progress messages. */
const PROGRESS_MS = 100;

const scope = self as unknown as {
  postMessage(message: TraceMessage): void;
  onmessage: ((event: MessageEvent<TraceRequest>) => void) | null;
};

async function simulateFile({ file, job }: TraceRequest): Promise<void> {
  const started = performance.now();
  const magic = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  const gzip = isGzip(magic);
  let stream = file.stream() as ReadableStream<Uint8Array>;
  let compressedRead = 0;
  // Count the bytes read from the file (compressed, for gzip) to report progress against its size.
  stream = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        compressedRead += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  if (gzip) {
    stream = stream.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
  }
  const run = new TraceRun(job);
  const reader = stream.getReader();
  let last = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    run.push(value);
    const now = performance.now();
    if (now - last >= PROGRESS_MS) {
      last = now;
      scope.postMessage({
        kind: "progress",
        bytes: compressedRead,
        totalBytes: file.size,
        references: run.references,
        gzip,
      });
    }
  }
  const result = run.end();
  scope.postMessage({ kind: "done", result, gzip, milliseconds: performance.now() - started });
}

scope.onmessage = (event) => {
  simulateFile(event.data).catch((error: unknown) => {
    scope.postMessage({
      kind: "error",
      message: error instanceof Error ? error.message : String(error),
    });
  });
};
