/**
 * The pure parts of the scenario editor and the trace panel: share links, machine-line
 * rewriting, and the trace worker's simulation function called directly.
 */
import { gzipSync } from "node:zlib";
import {
  BUILTIN_SCENARIOS,
  LruStackDistance,
  MachineConfigError,
  machineConfigFrom,
  parseScenario,
  simulatePages,
} from "@vmscope/engine";
import { describe, expect, it } from "vitest";
import {
  machineOptionError,
  readMachineOptions,
  setMachineOptions,
} from "../src/editor/machine_line.js";
import { decodeSource, encodeSource, sourceFromHash, sourceHash } from "../src/editor/share.js";
import {
  formatOfChoice,
  isGzip,
  parseFrameCounts,
  simulateTrace,
  type TraceJob,
} from "../src/traces/simulate.js";

const TEXTBOOK = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
const bytes = (text: string) => new TextEncoder().encode(text);

describe("share links", () => {
  it("round-trips sources, including non-ASCII text and every built-in", () => {
    const sources = [
      "",
      "spawn app\napp: buf = malloc 1M\n",
      "# ünïcödé — 日本語 😀\nspawn a\n",
      ...BUILTIN_SCENARIOS.map((scenario) => scenario.source),
    ];
    for (const source of sources) {
      const encoded = encodeSource(source);
      expect(encoded).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(decodeSource(encoded)).toBe(source);
      expect(sourceFromHash(sourceHash(source))).toBe(source);
    }
  });

  it("uses base64url without padding", () => {
    // "??>" in base64 is "Pz8+"; base64url writes "Pz8-".
    expect(encodeSource("??>")).toBe("Pz8-");
    expect(encodeSource("a")).toBe("YQ");
    expect(Buffer.from(encodeSource("héllo\n"), "base64url").toString("utf8")).toBe("héllo\n");
  });

  it("rejects what is not base64url or not UTF-8, and hashes without src", () => {
    expect(decodeSource("a+b/")).toBeNull();
    expect(decodeSource("abcde")).toBeNull();
    expect(decodeSource(Buffer.from([0xff, 0xfe]).toString("base64url"))).toBeNull();
    expect(sourceFromHash("")).toBeNull();
    expect(sourceFromHash("#other=1")).toBeNull();
    expect(sourceFromHash(`#src=${encodeSource("spawn a")}`)).toBe("spawn a");
  });
});

describe("machine line", () => {
  it("reads the options of the first statement only", () => {
    expect(readMachineOptions("# c\n\nmachine ram=64M pcid=off  # note\nspawn a")).toEqual([
      { key: "ram", value: "64M" },
      { key: "pcid", value: "off" },
    ]);
    expect(readMachineOptions("spawn a\nmachine ram=64M")).toEqual([]);
  });

  it("rewrites an existing machine line in place, keeping its comment", () => {
    const source = "# header\nmachine ram=64M dtlb=64x4  # small\nspawn a\n";
    expect(setMachineOptions(source, { pcid: "off", ram: "128M", dtlb: "" })).toBe(
      "# header\nmachine ram=128M pcid=off  # small\nspawn a\n",
    );
  });

  it("inserts one before the first statement, after leading comments", () => {
    expect(setMachineOptions("# about\n\nspawn a\n", { ram: "", pcid: "off" })).toBe(
      "# about\n\nmachine pcid=off\nspawn a\n",
    );
    expect(setMachineOptions("", { ram: "8M" })).toBe("machine ram=8M\n");
    expect(setMachineOptions("# only\n", { pcid: "off" })).toBe("# only\nmachine pcid=off\n");
  });

  it("removes the line when no option is left, and leaves sources alone when nothing is set", () => {
    expect(setMachineOptions("machine pcid=off\nspawn a", { pcid: "" })).toBe("spawn a");
    expect(setMachineOptions("spawn a", { ram: "", pcid: "" })).toBe("spawn a");
  });

  it("gives sources the engine parses with the options asked for", () => {
    for (const builtin of BUILTIN_SCENARIOS) {
      const source = setMachineOptions(builtin.source, { pcid: "off", stlb: "512x4" });
      const scenario = parseScenario(source, `${builtin.name}.vms`);
      const first = scenario.statements[0];
      expect(first?.kind).toBe("machine");
      if (first?.kind !== "machine") continue;
      const config = machineConfigFrom(first.options);
      expect(config.cpu.pcid).toBe(false);
      expect(config.cpu.stlb).toEqual({ entries: 512, ways: 4 });
    }
  });

  it("reports the engine's own message for a bad value", () => {
    expect(machineOptionError("ram", "256M")).toBeNull();
    expect(machineOptionError("ram", "")).toBeNull();
    let engine = "";
    try {
      machineConfigFrom([{ key: "dtlb", value: "63x4" }]);
    } catch (error) {
      if (error instanceof MachineConfigError) engine = error.message;
    }
    expect(engine).not.toBe("");
    expect(machineOptionError("dtlb", "63x4")).toBe(engine);
    expect(machineOptionError("pcid", "maybe")).toContain("pcid must be on or off");
  });
});

describe("trace simulation (the worker's function)", () => {
  const job = (
    policies: string[],
    frames: number[],
    fileName = "refs.txt",
    format = "auto",
  ): TraceJob => ({
    fileName,
    format,
    policies,
    frames,
    pageSize: 4096,
  });
  const misses = (result: ReturnType<typeof simulateTrace>, policy: string, frames: number) =>
    result.rows.find((row) => row.policy === policy && row.frames === frames)?.misses;

  it("gives the textbook counts: FIFO 15, LRU 12, OPT 9 at 3 frames", () => {
    const text = `${TEXTBOOK.join("\n")}\n`;
    const result = simulateTrace(job(["fifo", "lru", "opt"], [3, 4]), [bytes(text)]);
    expect(result.format).toBe("pages");
    expect(result.references).toBe(20);
    expect(result.distinctKeys).toBe(6);
    expect(misses(result, "fifo", 3)).toBe(15);
    expect(misses(result, "lru", 3)).toBe(12);
    expect(misses(result, "opt", 3)).toBe(9);
    expect(result.rows.map((row) => `${row.policy}.${row.frames}`)).toEqual([
      "fifo.3",
      "fifo.4",
      "lru.3",
      "lru.4",
      "opt.3",
      "opt.4",
    ]);
  });

  it("does not depend on how the bytes are split into chunks", () => {
    const text = bytes(TEXTBOOK.join("\n"));
    const policies = ["fifo", "lru", "clock", "opt", "arc", "s3fifo"];
    const whole = simulateTrace(job(policies, [2, 3, 5]), [text]);
    const chunks = Array.from(text, (_, index) => text.subarray(index, index + 1));
    expect(simulateTrace(job(policies, [2, 3, 5]), chunks)).toEqual(whole);
  });

  it("matches the engine's simulatePages and its exact LRU curve on a larger trace", () => {
    const pages: number[] = [];
    let state = 12345;
    for (let index = 0; index < 20_000; index++) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      pages.push(index % 3 === 0 ? state % 500 : state % 40);
    }
    const text = bytes(`${pages.join("\n")}\n`);
    const chunks: Uint8Array[] = [];
    for (let start = 0; start < text.length; start += 4093)
      chunks.push(text.subarray(start, start + 4093));
    const policies = ["fifo", "lru", "clock", "opt", "arc", "s3fifo"];
    const result = simulateTrace(job(policies, [16, 64, 256]), chunks);
    for (const policy of policies) {
      for (const frames of [16, 64, 256]) {
        expect({ policy, frames, misses: misses(result, policy, frames) }).toEqual({
          policy,
          frames,
          misses: simulatePages(policy, frames, pages).misses,
        });
      }
    }
    const stack = new LruStackDistance();
    for (const page of pages) stack.reference(0, page);
    const sizes = result.curve.map((point) => point.size);
    expect(result.curve).toEqual(stack.curve(sizes));
    // The exact curve agrees with the LRU simulation at the chosen sizes.
    for (const frames of [16, 64, 256]) {
      expect(result.curve.find((point) => point.size === frames)?.misses).toBe(
        misses(result, "lru", frames),
      );
    }
  });

  it("detects address traces and refuses what it cannot read", () => {
    const vmsim = bytes("0x1000 R\n0x1008 W\n0x2000 R\n0x1010 R\n");
    const result = simulateTrace(job(["lru"], [1]), [vmsim]);
    expect(result.format).toBe("vmsim");
    expect(result.references).toBe(4);
    expect(misses(result, "lru", 1)).toBe(3);
    expect(() => simulateTrace(job(["lru"], [1]), [bytes("hello world\n")])).toThrow(/format/);
    expect(() => simulateTrace(job(["nope"], [1]), [])).toThrow(/unknown policy/);
  });

  it("reads a CSV trace with the columns given, as `vmscope sim --format csv:...` does", () => {
    const keys = [5, 7, 5, 9, 11, 5, 7, 13, 9, 5, 7, 11];
    const lines = keys.map(
      (key, index) => `${index * 10};${key};${index % 3 === 0 ? "set" : "get"}`,
    );
    const csv = bytes(`time;key;op\n${lines.join("\n")}\n`);
    const format = "csv:obj-id-col=2,op-col=3,header=true,delimiter=;";
    const result = simulateTrace(job(["fifo", "lru"], [2, 3], "trace.csv", format), [csv]);
    expect(result.format).toBe("csv");
    expect(result.references).toBe(keys.length);
    for (const policy of ["fifo", "lru"])
      for (const frames of [2, 3])
        expect(misses(result, policy, frames)).toBe(simulatePages(policy, frames, keys).misses);
    // Detection alone cannot know the columns: the page asks for them.
    expect(() => simulateTrace(job(["lru"], [2], "trace.csv"), [bytes("1,5\n2,7\n")])).toThrow(
      /choose the csv format/,
    );
    expect(() => formatOfChoice("csv", "op-col=3")).toThrow(/obj-id-col/);
    expect(formatOfChoice("csv", " obj-id-col=2 ")).toBe("csv:obj-id-col=2");
    expect(formatOfChoice("auto", "ignored")).toBe("auto");
  });

  it("recognises gzip and parses frame counts", () => {
    expect(isGzip(gzipSync(bytes("7\n")))).toBe(true);
    expect(isGzip(bytes("7\n"))).toBe(false);
    expect(parseFrameCounts("256, 64 128,64")).toEqual([64, 128, 256]);
    expect(() => parseFrameCounts("64,x")).toThrow(/"x"/);
    expect(() => parseFrameCounts("0")).toThrow(/positive/);
    expect(() => parseFrameCounts(" ")).toThrow(/at least one/);
  });
});
