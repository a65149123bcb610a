/**
 * streamTrace on temporary files: plain and gzipped, auto-detection, and errors as InputErrors.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { TraceSink } from "@vmscope/engine";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { streamTrace } from "../src/trace_input.js";

const scratch = mkdtempSync(join(tmpdir(), "vmscope-trace-input-"));

function file(name: string, content: string | Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

/** A sink that keeps keys (low halves, "w" for writes) as strings. */
function recorder(): TraceSink & { keys: string[] } {
  const keys: string[] = [];
  return {
    keys,
    reference(high, low, write) {
      keys.push(`${high === 0 ? low : `${high}:${low}`}${write ? "w" : ""}`);
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("expected an InputError");
}

const PAGES = "7\n0\n1\n2\n0\n3\n";
const LACKEY = "==9== Lackey\nI  04005c0,3\n L 1ffe,4\n M 3000,8\n";

describe("streamTrace", () => {
  it("streams a page-number file with the format given", async () => {
    const sink = recorder();
    const outcome = await streamTrace(
      file("a.txt", PAGES),
      { format: "pages", pageSize: 4096 },
      sink,
    );
    expect(sink.keys).toEqual(["7", "0", "1", "2", "0", "3"]);
    expect(outcome).toEqual({
      format: "pages",
      references: 6,
      records: 6,
      detected: false,
      knowsFuture: false,
    });
  });

  it("detects the format and says so", async () => {
    const sink = recorder();
    const outcome = await streamTrace(
      file("b.trace", LACKEY),
      { format: "auto", pageSize: 4096 },
      sink,
    );
    expect(outcome.format).toBe("lackey");
    expect(outcome.detected).toBe(true);
    expect(sink.keys).toEqual(["1024", "1", "2", "3", "3w"]);
  });

  it("gunzips a file that starts with the gzip magic, whatever its name", async () => {
    const sink = recorder();
    const path = file("c.bin", gzipSync(LACKEY));
    const outcome = await streamTrace(path, { format: "auto", pageSize: 4096 }, sink);
    expect(outcome.format).toBe("lackey");
    expect(sink.keys).toEqual(["1024", "1", "2", "3", "3w"]);
  });

  it("reports a truncated gzip file as an error", async () => {
    const whole = gzipSync(PAGES.repeat(1000));
    const path = file("d.txt.gz", whole.subarray(0, whole.length - 8));
    const error = await failure(streamTrace(path, { format: "pages", pageSize: 4096 }, recorder()));
    expect(error.message).toBe(`${path}: corrupt or truncated gzip data (unexpected end of file)`);
  });

  it("streams a large file in several chunks, gzipped or not, with progress", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 400_000; i++) lines.push(String((i * 7919) % 100_003));
    const text = `${lines.join("\n")}\n`;
    expect(text.length).toBeGreaterThan(2 << 20);
    for (const [name, content] of [
      ["big.txt", text],
      ["big.txt.gz", gzipSync(text)],
    ] as const) {
      let count = 0;
      let sum = 0;
      const progress: Array<[number, number]> = [];
      const path = file(name, content);
      const outcome = await streamTrace(
        path,
        { format: "auto", pageSize: 4096 },
        {
          reference(_high, low) {
            count++;
            sum += low;
          },
        },
        (done, total) => progress.push([done, total]),
      );
      expect(outcome.format).toBe("pages");
      expect(count).toBe(400_000);
      expect(sum).toBe(lines.reduce((total, line) => total + Number(line), 0));
      expect(progress.length).toBeGreaterThan(0);
      const last = progress[progress.length - 1] as [number, number];
      expect(last[0]).toBe(last[1]);
      expect(last[1]).toBe(typeof content === "string" ? content.length : content.length);
    }
  });

  it('turns a malformed line into FILE:LINE: MESSAGE: "text"', async () => {
    const path = file("e.txt", "1\n2\nthree\n");
    const error = await failure(streamTrace(path, { format: "pages", pageSize: 4096 }, recorder()));
    expect(error.message).toBe(`${path}:3: expected a page number: "three"`);
  });

  it("reports a truncated oracleGeneral record with its number", async () => {
    const bytes = new Uint8Array(24 + 10);
    const view = new DataView(bytes.buffer);
    view.setUint32(4, 42, true);
    view.setBigInt64(16, -1n, true);
    const path = file("f.oracleGeneral", bytes);
    const error = await failure(
      streamTrace(path, { format: "oracle", pageSize: 4096 }, recorder()),
    );
    expect(error.message).toMatch(
      new RegExp(`^${path}: record 2: truncated record: 10 of 24 bytes`),
    );
  });

  it("reads an oracleGeneral file found by detection, with next-use times", async () => {
    const bytes = new Uint8Array(3 * 24);
    const view = new DataView(bytes.buffer);
    [5, 6, 5].forEach((id, i) => {
      view.setUint32(i * 24, i, true);
      view.setUint32(i * 24 + 4, id, true);
      view.setBigInt64(i * 24 + 16, i === 0 ? 3n : -1n, true);
    });
    const next: number[] = [];
    const outcome = await streamTrace(
      file("g.bin", bytes),
      { format: "auto", pageSize: 4096 },
      { reference: (_h, _l, _w, nextUse) => next.push(nextUse) },
    );
    expect(outcome).toMatchObject({ format: "oracle", detected: true, knowsFuture: true });
    expect(next).toEqual([2, Infinity, Infinity]);
  });

  it("names the missing file, a bad format, an undetectable one and a csv without columns", async () => {
    const missing = join(scratch, "nope.txt");
    expect(
      (await failure(streamTrace(missing, { format: "auto", pageSize: 4096 }, recorder()))).message,
    ).toBe(`${missing}: no such file`);
    const path = file("h.txt", PAGES);
    expect(
      (await failure(streamTrace(path, { format: "vscsi", pageSize: 4096 }, recorder()))).message,
    ).toMatch(/^unknown trace format "vscsi"/);
    expect(
      (
        await failure(
          streamTrace(path, { format: "csv:obj-id-col=1,bad=2", pageSize: 4096 }, recorder()),
        )
      ).message,
    ).toMatch(/^unknown csv option "bad"; valid: obj-id-col/);
    const prose = file("i.txt", "Dear diary,\nToday nothing happened.\n");
    expect(
      (await failure(streamTrace(prose, { format: "auto", pageSize: 4096 }, recorder()))).message,
    ).toMatch(/cannot tell the trace format/);
    const table = file("j.csv", "1,7\n2,8\n");
    expect(
      (await failure(streamTrace(table, { format: "auto", pageSize: 4096 }, recorder()))).message,
    ).toMatch(new RegExp(`^${table}: detected format csv; csv needs obj-id-col=N`));
    const sink = recorder();
    await streamTrace(table, { format: "csv:obj-id-col=2", pageSize: 4096 }, sink);
    expect(sink.keys).toEqual(["7", "8"]);
    expect(
      (await failure(streamTrace(scratch, { format: "auto", pageSize: 4096 }, recorder()))).message,
    ).toBe(`${scratch}: is a directory`);
  });

  it("lets an error from the sink through unchanged", async () => {
    const path = file("k.txt", PAGES);
    const boom = new RangeError("sink says no");
    await expect(
      streamTrace(
        path,
        { format: "pages", pageSize: 4096 },
        {
          reference() {
            throw boom;
          },
        },
      ),
    ).rejects.toBe(boom);
  });
});
