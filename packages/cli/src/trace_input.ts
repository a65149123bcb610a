/**
 * Reading a trace file into a TraceSink: fs streams in 1 MiB chunks, transparent gunzip,
 * format detection from the first bytes, and trace errors turned into one-line InputErrors
 * (`FILE:LINE: MESSAGE: "offending text"`).
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import {
  createTraceParser,
  detectFormat,
  LackeyAccessParser,
  type LackeyAccessSink,
  resolveTraceFormat,
  TRACE_FORMATS,
  TraceFormatError,
  type TraceFormatName,
  type TraceFormatSpec,
  type TraceParser,
  type TraceSink,
  TraceSpecError,
} from "@vmscope/engine";
import { InputError } from "./errors.js";

/** Bytes per read from the file. */
const CHUNK_BYTES = 1 << 20;
/** Decompressed bytes looked at to detect the format. */
const DETECT_BYTES = 16 << 10;

export interface TraceInputOptions {
  /** "auto", a format name, or "csv:obj-id-col=N,...". */
  format: string;
  /** Bytes per page, for the address formats. */
  pageSize: number;
  /** When given, a lackey trace hands its whole records (kind, address, size) here instead. */
  lackeyAccesses?: LackeyAccessSink;
}

export interface StreamedTrace {
  format: TraceFormatName;
  /** References handed to the sink. */
  references: number;
  /** Trace records read (lines with references, or binary records). */
  records: number;
  /** Whether the format was detected (format "auto") rather than given. */
  detected: boolean;
  /** Whether the references carried next-use times (oracle, csv with next-access-col). */
  knowsFuture: boolean;
}

/** A file error as a short reason. */
function describeFileError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    default:
      return error.message;
  }
}

/** The first bytes of the file, to tell gzip from the rest. */
async function readMagic(path: string): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const magic = new Uint8Array(4);
    const { bytesRead } = await handle.read(magic, 0, 4, 0);
    return magic.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function resolveFormat(format: string): TraceFormatSpec {
  try {
    return resolveTraceFormat(format);
  } catch (error) {
    if (error instanceof TraceSpecError) throw new InputError(error.message);
    throw error;
  }
}

/** The error to report for `error`, thrown while reading `path`. */
function translate(error: unknown, path: string): unknown {
  if (error instanceof InputError) return error;
  if (error instanceof TraceFormatError) {
    return new InputError(
      error.unit === "line"
        ? `${path}:${error.line}: ${error.message}: "${error.text}"`
        : `${path}: record ${error.line}: ${error.message} (bytes ${error.text})`,
    );
  }
  if (error instanceof TraceSpecError) return new InputError(`${path}: ${error.message}`);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === "string" && code.startsWith("Z_")) {
    return new InputError(`${path}: corrupt or truncated gzip data (${(error as Error).message})`);
  }
  if (typeof code === "string" && code.startsWith("E")) {
    return new InputError(`${path}: ${describeFileError(error as NodeJS.ErrnoException)}`);
  }
  return error;
}

/**
 * Stream the trace at `path` into `sink`. A file that starts with the gzip magic (1f 8b) is
 * gunzipped on the way; a truncated or corrupt one is an error. With format "auto" the format
 * is detected from the first 16 KiB (after gunzip) and `detected` is true. Every problem with
 * the file or its contents is an InputError (exit status 2); an error thrown by the sink
 * passes through unchanged. `onProgress` gets the bytes read from the file so far and its size.
 */
export async function streamTrace(
  path: string,
  options: TraceInputOptions,
  sink: TraceSink,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<StreamedTrace> {
  let totalBytes: number;
  let magic: Uint8Array;
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) throw new InputError(`${path}: is a directory`);
    totalBytes = stats.size;
    magic = await readMagic(path);
  } catch (error) {
    throw translate(error, path);
  }
  if (magic[0] === 0x28 && magic[1] === 0xb5 && magic[2] === 0x2f && magic[3] === 0xfd) {
    throw new InputError(
      `${path}: zstd-compressed traces are not supported; decompress it first (zstd -d)`,
    );
  }
  const gzipped = magic[0] === 0x1f && magic[1] === 0x8b;
  const given = options.format === "auto" ? null : resolveFormat(options.format);

  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  let source: Readable = file;
  if (gzipped) {
    const gunzip = createGunzip({ chunkSize: 256 << 10 });
    file.on("error", (error) => gunzip.destroy(error));
    source = file.pipe(gunzip);
  }

  let parser: TraceParser | null = null;
  let format: TraceFormatName = given?.name ?? "pages";
  const begin = (head: Uint8Array): TraceParser => {
    let spec = given;
    if (spec === null) {
      const name = detectFormat(head, basename(path));
      if (name === null) {
        throw new InputError(
          `${path}: cannot tell the trace format from its first lines; give --format (${TRACE_FORMATS.map((f) => f.name).join(", ")})`,
        );
      }
      spec = { name };
    }
    format = spec.name;
    if (spec.name === "lackey" && options.lackeyAccesses !== undefined) {
      return new LackeyAccessParser(options.lackeyAccesses);
    }
    try {
      return createTraceParser(
        spec.name,
        spec.csv === undefined
          ? { pageSize: options.pageSize }
          : { pageSize: options.pageSize, csv: spec.csv },
        sink,
      );
    } catch (error) {
      if (error instanceof TraceSpecError) {
        throw new InputError(
          given === null
            ? `${path}: detected format ${spec.name}; ${error.message}`
            : error.message,
        );
      }
      throw error;
    }
  };

  try {
    if (given !== null) parser = begin(new Uint8Array(0));
    const head: Buffer[] = [];
    let headBytes = 0;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (parser !== null) {
        parser.push(chunk);
      } else {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes >= DETECT_BYTES) {
          const bytes = Buffer.concat(head, headBytes);
          head.length = 0;
          parser = begin(bytes);
          parser.push(bytes);
        }
      }
      onProgress?.(file.bytesRead, totalBytes);
    }
    if (parser === null) {
      const bytes = Buffer.concat(head, headBytes);
      parser = begin(bytes);
      parser.push(bytes);
    }
    parser.end();
  } catch (error) {
    throw translate(error, path);
  } finally {
    file.destroy();
  }
  return {
    format,
    references: parser.references,
    records: parser.records,
    detected: given === null,
    knowsFuture: parser.knowsFuture,
  };
}
