/**
 * "Load a trace file": the file stays in the browser; a Web Worker streams it through the
 * engine's trace parser into a few policies at a few frame counts and the exact LRU curve.
 */
import { CSV_SPEC_KEYS, TRACE_FORMATS } from "@vmscope/engine";
import { useEffect, useRef, useState } from "react";
import { LineChart, type Series } from "./Chart.js";
import type { TraceMessage, TraceRequest } from "./protocol.js";
import { formatOfChoice, parseFrameCounts, TRACE_POLICIES, type TraceResult } from "./simulate.js";

/** What the format picker offers: detection, then the engine's formats by name. */
const FORMAT_CHOICES = ["auto", ...TRACE_FORMATS.map((format) => format.name)];

const COLORS: Record<string, string> = {
  fifo: "#1f5fbf",
  lru: "#b3261e",
  clock: "#1e7a46",
  opt: "#6a3fb5",
  arc: "#c26a00",
  s3fifo: "#0f7f8c",
};

type Status =
  | { kind: "idle" }
  | { kind: "running"; fileName: string; bytes: number; totalBytes: number; references: number }
  | { kind: "done"; fileName: string; result: TraceResult; gzip: boolean; milliseconds: number }
  | { kind: "error"; fileName: string; message: string };

export function TracePanel() {
  const [policies, setPolicies] = useState<string[]>(["fifo", "lru", "opt"]);
  const [framesText, setFramesText] = useState("3,4,64,128,256");
  const [framesError, setFramesError] = useState<string | null>(null);
  const [formatChoice, setFormatChoice] = useState("auto");
  const [csvSpec, setCsvSpec] = useState("obj-id-col=1");
  const [formatError, setFormatError] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const worker = useRef<Worker | null>(null);

  useEffect(() => () => worker.current?.terminate(), []);

  function start(file: File) {
    let frames: number[];
    try {
      frames = parseFrameCounts(framesText);
    } catch (error) {
      setFramesError((error as Error).message);
      return;
    }
    setFramesError(null);
    let format: string;
    try {
      format = formatOfChoice(formatChoice, csvSpec);
    } catch (error) {
      setFormatError((error as Error).message);
      return;
    }
    setFormatError(null);
    worker.current?.terminate();
    const created = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    worker.current = created;
    const fileName = file.name;
    setStatus({ kind: "running", fileName, bytes: 0, totalBytes: file.size, references: 0 });
    created.onmessage = (event: MessageEvent<TraceMessage>) => {
      const message = event.data;
      if (message.kind === "progress") {
        setStatus({ ...message, kind: "running", fileName });
      } else {
        created.terminate();
        if (worker.current === created) worker.current = null;
        if (message.kind === "done") setStatus({ fileName, ...message });
        else setStatus({ kind: "error", fileName, message: message.message });
      }
    };
    created.onerror = (event) => {
      setStatus({ kind: "error", fileName, message: event.message || "the trace worker failed" });
    };
    const ordered = TRACE_POLICIES.filter((policy) => policies.includes(policy));
    const request: TraceRequest = {
      file,
      job: { fileName, format, policies: ordered, frames, pageSize: 4096 },
    };
    created.postMessage(request);
  }

  return (
    <section className="traces" aria-label="Trace file">
      <h2>Replacement policies on a trace file</h2>
      <p className="hint">
        The file stays in your browser. One page number per line, or a lackey, vmsim, din,
        oracleGeneral or CSV trace; gzip is fine. Formats are those of{" "}
        <code>vmscope sim --format</code>.
      </p>
      <div className="trace-form">
        <fieldset>
          <legend>Policies</legend>
          {TRACE_POLICIES.map((policy) => (
            <label key={policy}>
              <input
                type="checkbox"
                checked={policies.includes(policy)}
                onChange={(event) =>
                  setPolicies((current) =>
                    event.target.checked
                      ? [...current, policy]
                      : current.filter((one) => one !== policy),
                  )
                }
              />{" "}
              {policy.toUpperCase()}
            </label>
          ))}
        </fieldset>
        <label>
          Frames{" "}
          <input
            type="text"
            value={framesText}
            aria-label="Frames"
            spellCheck={false}
            onChange={(event) => setFramesText(event.target.value)}
          />
        </label>
        {framesError !== null && <span className="field-error">{framesError}</span>}
        <label>
          Format{" "}
          <select
            value={formatChoice}
            data-testid="trace-format"
            onChange={(event) => {
              setFormatChoice(event.target.value);
              setFormatError(null);
            }}
          >
            {FORMAT_CHOICES.map((name) => (
              <option key={name} value={name}>
                {name === "auto" ? "detect" : name}
              </option>
            ))}
          </select>
        </label>
        {formatChoice === "csv" && (
          <label className="csv-spec">
            CSV columns{" "}
            <input
              type="text"
              value={csvSpec}
              data-testid="csv-spec"
              spellCheck={false}
              size={34}
              title={`1-based columns, as --format csv:... takes them. Keys: ${CSV_SPEC_KEYS.join(", ")}`}
              placeholder="obj-id-col=2,op-col=3,header=true"
              aria-invalid={formatError !== null}
              onChange={(event) => {
                setCsvSpec(event.target.value);
                setFormatError(null);
              }}
            />
          </label>
        )}
        {formatError !== null && (
          <span className="field-error" data-testid="format-error">
            {formatError}
          </span>
        )}
        <label className="file-button">
          Load a trace file{" "}
          <input
            type="file"
            data-testid="trace-file"
            disabled={policies.length === 0}
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = "";
              if (file !== undefined) start(file);
            }}
          />
        </label>
      </div>
      <TraceStatus status={status} />
      {status.kind === "done" && <TraceResults result={status.result} />}
    </section>
  );
}

function TraceStatus({ status }: { status: Status }) {
  switch (status.kind) {
    case "idle":
      return null;
    case "running": {
      const percent = status.totalBytes === 0 ? 100 : (100 * status.bytes) / status.totalBytes;
      return (
        <p className="trace-status" data-testid="trace-status" aria-live="polite">
          Reading {status.fileName}: {percent.toFixed(0)}%,{" "}
          {status.references.toLocaleString("en-US")} references…{" "}
          <progress max={100} value={percent} />
        </p>
      );
    }
    case "done":
      return (
        <p className="trace-status" data-testid="trace-status" aria-live="polite">
          {status.fileName}: {status.result.format} format{status.gzip ? " (gzip)" : ""},{" "}
          {status.result.references.toLocaleString("en-US")} references to{" "}
          {status.result.distinctKeys.toLocaleString("en-US")} pages, in{" "}
          {(status.milliseconds / 1000).toFixed(2)} s.
        </p>
      );
    case "error":
      return (
        <p className="error" role="alert" data-testid="trace-status">
          {status.fileName}: {status.message}
        </p>
      );
  }
}

function TraceResults({ result }: { result: TraceResult }) {
  const policies = [...new Set(result.rows.map((row) => row.policy))];
  const frames = [...new Set(result.rows.map((row) => row.frames))].sort((a, b) => a - b);
  const cell = (policy: string, count: number) =>
    result.rows.find((row) => row.policy === policy && row.frames === count);
  const series: Series[] = policies.map((policy) => ({
    name: policy.toUpperCase(),
    color: COLORS[policy] ?? "#444",
    points: frames.map((count): [number, number] => [count, cell(policy, count)?.misses ?? 0]),
  }));
  const curve: Series = {
    name: "LRU",
    color: COLORS.lru as string,
    points: [
      [0, 1],
      ...result.curve.map((point): [number, number] => [point.size, point.missRatio]),
    ],
  };
  return (
    <div className="trace-results">
      <table data-testid="trace-results">
        <caption>Misses (and miss ratio) per policy, by number of frames</caption>
        <thead>
          <tr>
            <th scope="col">frames:</th>
            {frames.map((count) => (
              <th scope="col" key={count}>
                {count}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {policies.map((policy) => (
            <tr key={policy}>
              <th scope="row">{policy.toUpperCase()}</th>
              {frames.map((count) => {
                const row = cell(policy, count);
                return (
                  <td key={count} data-result={`${policy}.${count}`}>
                    {row === undefined ? (
                      ""
                    ) : (
                      <>
                        <span className="misses">{row.misses.toLocaleString("en-US")}</span>{" "}
                        <span className="ratio">({(row.missRatio * 100).toFixed(1)}%)</span>
                      </>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="charts">
        <LineChart
          title="Misses per policy vs frames"
          series={series}
          xLabel="frames"
          yLabel="misses"
          xTicks={frames}
          testId="chart-policies"
        />
        <LineChart
          title="Exact LRU miss-ratio curve"
          series={[curve]}
          xLabel="frames (LRU cache size)"
          yLabel="miss ratio"
          yMax={1}
          step
          testId="chart-mrc"
        />
      </div>
    </div>
  );
}
