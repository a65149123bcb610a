import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Operation, Statement } from "./ast.js";
import { ScenarioError } from "./errors.js";
import { parseScenario } from "./parser.js";
import { formatSize, parseNumber, parseSize } from "./units.js";

function parse(source: string): Statement[] {
  return parseScenario(source, "t.vms").statements;
}

function single(line: string): Statement {
  const statements = parse(line);
  expect(statements).toHaveLength(1);
  const [statement] = statements;
  if (statement === undefined) {
    throw new Error("no statement");
  }
  return statement;
}

function operation(line: string): Operation {
  const statement = single(line);
  if (statement.kind !== "process") {
    throw new Error(`expected a process statement, got ${statement.kind}`);
  }
  return statement.operation;
}

/** The full one-line message of the ScenarioError that parsing `source` as x.vms throws. */
function errorOf(source: string): string {
  try {
    parseScenario(source, "x.vms");
  } catch (error) {
    if (error instanceof ScenarioError) {
      return error.message;
    }
    throw error;
  }
  throw new Error("expected a ScenarioError");
}

const at = (line: number, col: number) => ({ line, col });

describe("parseSize", () => {
  it.each([
    ["4096", 4096],
    ["0", 0],
    ["0x1000", 4096],
    ["0X1F", 31],
    ["4K", 4096],
    ["4k", 4096],
    ["4KiB", 4096],
    ["4KB", 4096],
    ["4kb", 4096],
    ["1M", 1 << 20],
    ["2G", 2 * 2 ** 30],
    ["1T", 2 ** 40],
    ["1536K", 1536 * 1024],
    ["1.5M", 1.5 * 2 ** 20],
    ["0.5K", 512],
    ["8192T", 2 ** 53],
  ])("%s is %d bytes", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([
    "",
    "K",
    "12Q",
    "-4K",
    "1.5",
    "0.3K",
    "4 K",
    "4KK",
    "4iB",
    "0x",
    "0x10K",
    "1e3",
    "8193T",
    "0x20000000000001",
  ])("rejects %j", (text) => {
    expect(parseSize(text)).toBeNull();
  });
});

describe("parseNumber", () => {
  it.each([
    ["0", 0],
    ["42", 42],
    ["-42", -42],
    ["0xff", 255],
    ["-0x10", -16],
    ["9007199254740992", 2 ** 53],
  ])("%s is %d", (text, value) => {
    expect(parseNumber(text)).toBe(value);
  });

  it("never returns negative zero", () => {
    expect(Object.is(parseNumber("-0"), 0)).toBe(true);
  });

  it.each(["", "-", "4K", "1.5", "0x", "--1", "+1", "9007199254740993"])("rejects %j", (text) => {
    expect(parseNumber(text)).toBeNull();
  });
});

describe("formatSize", () => {
  it.each([
    [0, "0"],
    [10, "10"],
    [4096, "4K"],
    [1 << 20, "1M"],
    [1536 * 1024, "1536K"],
    [3 * 2 ** 30, "3G"],
    [2 ** 40, "1T"],
    [4097, "4097"],
    [-4096, "-4K"],
  ])("%d is %s", (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  it("round-trips through parseSize", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (bytes) => {
        expect(parseSize(formatSize(bytes))).toBe(bytes);
      }),
    );
  });
});

describe("ScenarioError", () => {
  it("formats FILE:LINE:COL: MESSAGE on one line and keeps the parts", () => {
    const error = new ScenarioError("a.vms", at(3, 7), 'unknown process\n  "db"');
    expect(error.message).toBe('a.vms:3:7: unknown process "db"');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ScenarioError");
    expect([error.file, error.line, error.col, error.reason]).toEqual([
      "a.vms",
      3,
      7,
      'unknown process "db"',
    ]);
  });
});

describe("statements", () => {
  it("returns the file name and no statements for an empty file", () => {
    expect(parseScenario("", "empty.vms")).toEqual({ file: "empty.vms", statements: [] });
  });

  it("parses machine options as raw strings", () => {
    expect(single("machine ram=256M pcid=on tlb=64x4 l2=1536:12 swap=-1")).toEqual({
      kind: "machine",
      options: [
        { key: "ram", value: "256M", pos: at(1, 9) },
        { key: "pcid", value: "on", pos: at(1, 18) },
        { key: "tlb", value: "64x4", pos: at(1, 26) },
        { key: "l2", value: "1536:12", pos: at(1, 35) },
        { key: "swap", value: "-1", pos: at(1, 46) },
      ],
      pos: at(1, 1),
    });
  });

  it("accepts a machine line without options", () => {
    expect(single("machine")).toEqual({ kind: "machine", options: [], pos: at(1, 1) });
  });

  it("parses spawn", () => {
    expect(single("spawn app_2")).toEqual({ kind: "spawn", name: "app_2", pos: at(1, 1) });
  });

  it("parses file declarations", () => {
    expect(single("file data.bin size=1M")).toEqual({
      kind: "file",
      name: "data.bin",
      size: 2 ** 20,
      cached: false,
      pos: at(1, 1),
    });
    expect(single("file db cached size=0")).toEqual({
      kind: "file",
      name: "db",
      size: 0,
      cached: true,
      pos: at(1, 1),
    });
  });

  it.each([
    "data.bin",
    "/var/log/app.log",
    "db",
    "my-file_2",
    "2024.log",
    "../a/./b-",
    "-x",
    "A.B.C",
  ])("reads the file name %s as one name", (name) => {
    expect(single(`file ${name} size=4K`)).toMatchObject({ kind: "file", name });
  });

  it("lets a process be named file", () => {
    expect(single("file: exit")).toMatchObject({ kind: "process", process: "file" });
  });

  it("parses report labels with spaces and escapes", () => {
    expect(single('report "after \\"big\\" memset \\\\ # not a comment"')).toEqual({
      kind: "report",
      label: 'after "big" memset \\ # not a comment',
      pos: at(1, 1),
    });
  });

  it("parses expect with and without since", () => {
    expect(single("expect app.minflt == 256")).toEqual({
      kind: "expect",
      counter: { scope: "app", counter: "minflt", pos: at(1, 8) },
      compare: "==",
      value: 256,
      since: null,
      pos: at(1, 1),
    });
    expect(single('expect vmstat.nr_free_pages >= -0x10 since "after malloc"')).toMatchObject({
      counter: { scope: "vmstat", counter: "nr_free_pages" },
      compare: ">=",
      value: -16,
      since: "after malloc",
    });
  });

  it.each(["==", "!=", "<", "<=", ">", ">="])("parses the comparison %s", (compare) => {
    expect(single(`expect tlb.misses ${compare} 3`)).toMatchObject({ compare });
  });

  it("parses every form of show", () => {
    for (const what of ["maps", "smaps", "status"]) {
      expect(single(`show ${what} app`)).toEqual({
        kind: "show",
        what,
        process: "app",
        address: null,
        size: null,
        pos: at(1, 1),
      });
    }
    for (const what of ["tlb", "vmstat", "meminfo", "lru", "swaps", "buddyinfo"]) {
      expect(single(`show ${what}`)).toEqual({
        kind: "show",
        what,
        process: null,
        address: null,
        size: null,
        pos: at(1, 1),
      });
    }
    expect(single("show pagetable app buf+4K")).toEqual({
      kind: "show",
      what: "pagetable",
      process: "app",
      address: { kind: "name", name: "buf", offset: 4096, pos: at(1, 20) },
      size: null,
      pos: at(1, 1),
    });
    expect(single("show pagemap app buf 16K")).toEqual({
      kind: "show",
      what: "pagemap",
      process: "app",
      address: { kind: "name", name: "buf", offset: 0, pos: at(1, 18) },
      size: 16384,
      pos: at(1, 1),
    });
  });

  it("gives a process statement the position of its first token", () => {
    expect(single("  # indented comment\napp:   exit")).toEqual({
      kind: "process",
      process: "app",
      operation: { op: "exit" },
      pos: at(2, 1),
    });
  });

  it("lets a process be named like a keyword when its colon is attached", () => {
    expect(single("repeat: exit")).toMatchObject({ kind: "process", process: "repeat" });
  });
});

describe("operations", () => {
  it("parses malloc, calloc and free", () => {
    expect(operation("app: buf = malloc 1M")).toEqual({
      op: "malloc",
      target: "buf",
      size: 2 ** 20,
    });
    expect(operation("app: z = calloc 4K")).toEqual({ op: "calloc", target: "z", size: 4096 });
    expect(operation("app: free buf")).toEqual({
      op: "free",
      pointer: { kind: "name", name: "buf", offset: 0, pos: at(1, 11) },
    });
  });

  it("parses mmap with defaults", () => {
    expect(operation("app: m = mmap 64K")).toEqual({
      op: "mmap",
      target: "m",
      size: 65536,
      file: null,
      offset: 0,
      shared: false,
      prot: "rw",
      populate: false,
    });
  });

  it("parses mmap options in any order", () => {
    const expected = { shared: true, prot: "r", populate: true };
    expect(operation("app: m = mmap 64K anon shared prot=r populate")).toMatchObject(expected);
    expect(operation("app: m = mmap 64K populate prot=r shared")).toMatchObject(expected);
    expect(operation("app: m = mmap 64K prot = none private")).toMatchObject({
      shared: false,
      prot: "none",
    });
  });

  it("parses file mappings", () => {
    expect(operation("app: m = mmap 64K file=data.bin")).toEqual({
      op: "mmap",
      target: "m",
      size: 65536,
      file: "data.bin",
      offset: 0,
      shared: false,
      prot: "rw",
      populate: false,
    });
    expect(operation("app: m = mmap 8K populate offset=1M shared prot=r file=/var/db")).toEqual({
      op: "mmap",
      target: "m",
      size: 8192,
      file: "/var/db",
      offset: 2 ** 20,
      shared: true,
      prot: "r",
      populate: true,
    });
    expect(operation("app: m = mmap 4K file = a-b.log offset = 0x1000")).toMatchObject({
      file: "a-b.log",
      offset: 4096,
    });
  });

  it("gives anonymous mappings no file and offset 0", () => {
    expect(operation("app: m = mmap 4K anon shared")).toMatchObject({ file: null, offset: 0 });
  });

  it.each(["none", "r", "rw", "rx", "rwx", "w", "wx", "x"])("accepts protection %s", (prot) => {
    expect(operation(`app: m = mmap 4K prot=${prot}`)).toMatchObject({ prot });
    expect(operation(`app: mprotect m 4K ${prot}`)).toMatchObject({ prot });
  });

  it("parses munmap of a whole mapping and of a range", () => {
    expect(operation("app: munmap m")).toEqual({
      op: "munmap",
      address: { kind: "name", name: "m", offset: 0, pos: at(1, 13) },
      size: null,
    });
    expect(operation("app: munmap 0x7f0000001000 8K")).toEqual({
      op: "munmap",
      address: { kind: "absolute", value: 0x7f0000001000, pos: at(1, 13) },
      size: 8192,
    });
  });

  it("parses mprotect and madvise", () => {
    expect(operation("app: mprotect m+4K 64K rx")).toEqual({
      op: "mprotect",
      address: { kind: "name", name: "m", offset: 4096, pos: at(1, 15) },
      size: 65536,
      prot: "rx",
    });
    for (const advice of ["dontneed", "random", "sequential", "willneed", "hugepage"]) {
      expect(operation(`app: madvise m 64K ${advice}`)).toMatchObject({ op: "madvise", advice });
    }
  });

  it("parses sbrk with and without a target, growing or shrinking", () => {
    expect(operation("app: p = sbrk 64K")).toEqual({ op: "sbrk", target: "p", increment: 65536 });
    expect(operation("app: sbrk -4K")).toEqual({ op: "sbrk", target: null, increment: -4096 });
    expect(operation("app: sbrk +0x10")).toEqual({ op: "sbrk", target: null, increment: 16 });
    expect(Object.is((operation("app: sbrk -0") as { increment: number }).increment, 0)).toBe(true);
  });

  it("parses read, write and exec with default sizes", () => {
    const address = { kind: "name", name: "buf", offset: 0, pos: at(1, 6 + 6) };
    expect(operation("app: read  buf")).toEqual({ op: "read", address, size: 8 });
    expect(operation("app: write buf")).toEqual({ op: "write", address, size: 8 });
    expect(operation("app: exec  buf")).toEqual({ op: "exec", address, size: 4 });
    expect(operation("app: read buf 1")).toMatchObject({ size: 1 });
    expect(operation("app: exec buf 2K")).toMatchObject({ size: 2048 });
  });

  it("parses memset", () => {
    expect(operation("app: memset buf 0xff 1M")).toMatchObject({
      op: "memset",
      value: 255,
      size: 2 ** 20,
    });
    expect(operation("app: memset buf 0 4K")).toMatchObject({ value: 0 });
  });

  it("parses touch with its default mode", () => {
    expect(operation("app: touch buf 1M")).toMatchObject({
      op: "touch",
      size: 2 ** 20,
      mode: "write",
    });
    expect(operation("app: touch buf 1M read")).toMatchObject({ mode: "read" });
    expect(operation("app: touch buf 1M write")).toMatchObject({ mode: "write" });
  });

  it("parses fork in both spellings", () => {
    expect(single("child = app: fork")).toEqual({
      kind: "process",
      process: "app",
      operation: { op: "fork", target: "child" },
      pos: at(1, 1),
    });
    expect(single("app: child = fork")).toEqual({
      kind: "process",
      process: "app",
      operation: { op: "fork", target: "child" },
      pos: at(1, 1),
    });
  });

  it("needs no spaces around the colon and the equals sign", () => {
    expect(single("child=app:fork")).toMatchObject({
      process: "app",
      operation: { target: "child" },
    });
    expect(operation("app:buf=malloc 1.5K")).toEqual({ op: "malloc", target: "buf", size: 1536 });
  });

  it("accepts the result-first spelling for other operations too", () => {
    expect(operation("buf = app: malloc 4K")).toEqual({ op: "malloc", target: "buf", size: 4096 });
  });

  it("parses open, fread, pread, fwrite, fsync and close", () => {
    expect(operation("app: f = open data.bin")).toEqual({
      op: "open",
      target: "f",
      file: "data.bin",
    });
    expect(single("f = app: open /var/log/app.log")).toMatchObject({
      operation: { op: "open", target: "f", file: "/var/log/app.log" },
    });
    expect(operation("app: fread f 4K")).toEqual({
      op: "fread",
      fd: "f",
      size: 4096,
      buffer: null,
    });
    expect(operation("app: fread f 0 buf+4K")).toEqual({
      op: "fread",
      fd: "f",
      size: 0,
      buffer: { kind: "name", name: "buf", offset: 4096, pos: at(1, 16) },
    });
    expect(operation("app: pread f 1M 8K")).toEqual({
      op: "pread",
      fd: "f",
      offset: 2 ** 20,
      size: 8192,
      buffer: null,
    });
    expect(operation("app: pread f 0 4K 0x7f0000000000")).toEqual({
      op: "pread",
      fd: "f",
      offset: 0,
      size: 4096,
      buffer: { kind: "absolute", value: 0x7f0000000000, pos: at(1, 19) },
    });
    expect(operation("app: fwrite f 64K")).toEqual({
      op: "fwrite",
      fd: "f",
      size: 65536,
      buffer: null,
    });
    expect(operation("app: fwrite f 1 buf")).toMatchObject({
      buffer: { kind: "name", name: "buf", offset: 0, pos: at(1, 17) },
    });
    expect(operation("app: fsync f")).toEqual({ op: "fsync", fd: "f" });
    expect(operation("app: close f")).toEqual({ op: "close", fd: "f" });
  });

  it.each([
    ["0", 0],
    ["-1000", -1000],
    ["1000", 1000],
    ["+17", 17],
    ["-0x10", -16],
  ])("parses oom_score_adj %s", (text, value) => {
    expect(operation(`app: oom_score_adj ${text}`)).toEqual({ op: "oom_score_adj", value });
  });

  it("parses exit", () => {
    expect(operation("app: exit")).toEqual({ op: "exit" });
  });
});

describe("addresses", () => {
  const addressOf = (text: string) =>
    (operation(`app: read ${text}`) as { address: unknown }).address;

  it.each([
    ["buf", 0],
    ["buf+4K", 4096],
    ["buf+0x10", 16],
    ["buf-4K", -4096],
    ["buf + 16", 16],
    ["buf - 1", -1],
  ])("%s has offset %d", (text, offset) => {
    expect(addressOf(text)).toEqual({ kind: "name", name: "buf", offset, pos: at(1, 11) });
  });

  it("parses absolute addresses", () => {
    expect(addressOf("0x7fff0000")).toEqual({
      kind: "absolute",
      value: 0x7fff0000,
      pos: at(1, 11),
    });
    expect(addressOf("4096")).toEqual({ kind: "absolute", value: 4096, pos: at(1, 11) });
  });

  it("keeps an offset of -0 as positive zero", () => {
    expect(Object.is((addressOf("buf-0") as { offset: number }).offset, 0)).toBe(true);
  });
});

describe("layout", () => {
  it("ignores comments and blank lines", () => {
    const statements = parse(
      [
        "# a scenario",
        "",
        "   ",
        "spawn app   # the process",
        "\t# indented comment",
        'report "a # b"# trailing',
        "machine ram=1G#no space needed",
      ].join("\n"),
    );
    expect(statements).toEqual([
      { kind: "spawn", name: "app", pos: at(4, 1) },
      { kind: "report", label: "a # b", pos: at(6, 1) },
      { kind: "machine", options: [{ key: "ram", value: "1G", pos: at(7, 9) }], pos: at(7, 1) },
    ]);
  });

  it("handles CRLF and lone CR line endings and a byte-order mark", () => {
    const source = "\uFEFFspawn a\r\n\r\nrepeat 2:\r\n  a: exit\rspawn b\r\n";
    expect(parse(source)).toEqual([
      { kind: "spawn", name: "a", pos: at(1, 1) },
      {
        kind: "repeat",
        count: 2,
        body: [{ kind: "process", process: "a", operation: { op: "exit" }, pos: at(4, 3) }],
        pos: at(3, 1),
      },
      { kind: "spawn", name: "b", pos: at(5, 1) },
    ]);
  });

  it("treats tabs as whitespace and counts each as one column", () => {
    expect(single("app:\tread\tbuf\t16")).toMatchObject({
      operation: { op: "read", size: 16, address: { pos: at(1, 11) } },
    });
  });

  it("parses a repeat block up to the first line indented at or left of it", () => {
    const statements = parse(
      ["repeat 10:", "  app: touch buf 1M write", "", "  # note", "  app: exit", "show tlb"].join(
        "\n",
      ),
    );
    expect(statements).toEqual([
      {
        kind: "repeat",
        count: 10,
        body: [
          expect.objectContaining({ kind: "process", pos: at(2, 3) }),
          expect.objectContaining({ kind: "process", pos: at(5, 3) }),
        ],
        pos: at(1, 1),
      },
      { kind: "show", what: "tlb", process: null, address: null, size: null, pos: at(6, 1) },
    ]);
  });

  it("parses nested repeats and returns to each level", () => {
    const source = [
      "repeat 0x2 :",
      "    repeat 3:",
      "        app: write buf",
      "        repeat 4:",
      "            app: read buf",
      "    app: exit",
      'report "done"',
    ].join("\n");
    const [outer, report] = parse(source);
    expect(report).toMatchObject({ kind: "report", pos: at(7, 1) });
    expect(outer).toMatchObject({
      kind: "repeat",
      count: 2,
      body: [
        {
          kind: "repeat",
          count: 3,
          pos: at(2, 5),
          body: [
            { kind: "process", pos: at(3, 9) },
            { kind: "repeat", count: 4, body: [{ kind: "process", pos: at(5, 13) }] },
          ],
        },
        { kind: "process", operation: { op: "exit" }, pos: at(6, 5) },
      ],
    });
  });

  it("accepts tab-indented repeat bodies", () => {
    expect(parse("repeat 2:\n\trepeat 3:\n\t\ta: exit\n\ta: exit")).toMatchObject([
      { body: [{ body: [{ pos: at(3, 3) }] }, { pos: at(4, 2) }] },
    ]);
  });

  it("closes a repeat body at end of file", () => {
    expect(parse("repeat 1:\n  a: exit\n")).toMatchObject([{ body: [{ kind: "process" }] }]);
  });
});

describe("errors", () => {
  it.each([
    // Sizes and numbers
    ["ab: b = malloc 12Q", 'x.vms:1:16: expected a size like 4K or 1M, found "12Q"'],
    ["app: b = malloc", "x.vms:1:16: expected a size like 4K or 1M, found end of line"],
    ["app: b = malloc -4K", 'x.vms:1:17: expected a size like 4K or 1M, found "-4K"'],
    ["app: sbrk - 4K", 'x.vms:1:11: expected a size like 4K or -4K, found "-"'],
    ["app: memset buf 256 4K", 'x.vms:1:17: expected a byte value from 0 to 255, found "256"'],
    ["repeat ten:\n  a: exit", 'x.vms:1:8: expected a repeat count like 10, found "ten"'],
    ["repeat -1:\n  a: exit", 'x.vms:1:8: expected a repeat count like 10, found "-1"'],
    // Statements
    [
      "spawn a\n\n\n\nfrobnicate now",
      'x.vms:5:1: unknown statement "frobnicate"; expected one of machine, spawn, file, repeat, report, expect, show, or PROCESS: OPERATION',
    ],
    ["spwan app", 'x.vms:1:1: unknown statement "spwan"; did you mean "spawn"?'],
    ["app : exit", 'x.vms:1:5: unexpected space before ":"; write "app:"'],
    ["app malloc 4K", 'x.vms:1:4: expected ":" after process name "app"'],
    ["malloc 4K", 'x.vms:1:1: operation "malloc" needs a process, as in "app: malloc ..."'],
    [
      ": exit",
      'x.vms:1:1: expected a statement (machine, spawn, file, repeat, report, expect, show, or PROCESS: OPERATION), found ":"',
    ],
    ["spawn", "x.vms:1:6: expected a process name, found end of line"],
    ["spawn 9lives", 'x.vms:1:7: expected a process name, found "9lives"'],
    ["spawn a b", 'x.vms:1:9: expected end of line, found "b"'],
    [
      "machine ram = 1G",
      'x.vms:1:13: expected "=" right after "ram" (machine options are written key=value), found "="',
    ],
    ["machine ram=", 'x.vms:1:13: expected a value right after "ram=", found end of line'],
    ["machine ram= 1G", 'x.vms:1:14: expected a value right after "ram=", found "1G"'],
    [
      "report after",
      'x.vms:1:8: expected a label in double quotes, like "after malloc", found "after"',
    ],
    ['report "open', 'x.vms:1:8: unterminated string; expected a closing "'],
    ['report "end\\', 'x.vms:1:8: unterminated string; expected a closing "'],
    ['report "a\\nb"', 'x.vms:1:10: unknown escape "\\n" in string; only \\" and \\\\ are allowed'],
    // file
    [
      "file size=1M",
      'x.vms:1:6: expected a file name like data.bin or /var/log/app.log, found "size"',
    ],
    [
      "file",
      "x.vms:1:5: expected a file name like data.bin or /var/log/app.log, found end of line",
    ],
    [
      'file "a b" size=1M',
      "x.vms:1:6: expected a file name like data.bin or /var/log/app.log, found a quoted string",
    ],
    ["file data.bin", 'x.vms:1:1: file needs a size, like "file data.bin size=1M"'],
    ["file db cached", 'x.vms:1:1: file needs a size, like "file db size=1M"'],
    ["file db size=4K size=8K", 'x.vms:1:17: file option "size" given twice'],
    ["file db size=4K cached cached", 'x.vms:1:24: file option "cached" given twice'],
    ["file db size 4K", 'x.vms:1:14: expected "=" after size, as in size=1M, found "4K"'],
    ["file db size=big", 'x.vms:1:14: expected a size like 4K or 1M, found "big"'],
    [
      "file db size=4K chached",
      'x.vms:1:17: unknown file option "chached"; did you mean "cached"?',
    ],
    [
      "file db size=4K dirty",
      'x.vms:1:17: unknown file option "dirty"; expected one of size, cached',
    ],
    ["file db+x size=4K", 'x.vms:1:8: expected a file option (size=SIZE, cached), found "+x"'],
    ["fiel db size=4K", 'x.vms:1:1: unknown statement "fiel"; did you mean "file"?'],
    // Operations
    ["\n\n\n\n\n\napp: mallco 1M", 'x.vms:7:6: unknown operation "mallco"; did you mean "malloc"?'],
    [
      "app: frob",
      'x.vms:1:6: unknown operation "frob"; expected one of malloc, calloc, free, mmap, munmap, mprotect, madvise, sbrk, read, write, exec, memset, touch, open, fread, pread, fwrite, fsync, close, fork, oom_score_adj, exit',
    ],
    [
      "app:",
      "x.vms:1:5: expected an operation (malloc, calloc, free, mmap, munmap, mprotect, madvise, sbrk, read, write, exec, memset, touch, open, fread, pread, fwrite, fsync, close, fork, oom_score_adj, exit), found end of line",
    ],
    [
      "app: malloc 1M",
      'x.vms:1:6: malloc needs a name for its result, like "app: buf = malloc 1M"',
    ],
    ["app: fork", 'x.vms:1:6: fork needs a name for its result, like "app: child = fork"'],
    ["app: x = free buf", 'x.vms:1:6: free returns nothing; remove "x ="'],
    ["c = app: d = fork", 'x.vms:1:10: the result is already named "c"'],
    ["app: exit now", 'x.vms:1:11: expected end of line, found "now"'],
    [
      "app: read",
      "x.vms:1:10: expected an address like buf, buf+4K or 0x7fff0000, found end of line",
    ],
    [
      "app: read 12Q",
      'x.vms:1:11: expected an address like buf, buf+4K or 0x7fff0000, found "12Q"',
    ],
    ["app: read buf+", "x.vms:1:15: expected an offset like 4K or 0x10, found end of line"],
    ["app: read buf+x", 'x.vms:1:15: expected an offset like 4K or 0x10, found "x"'],
    ["app: touch buf 4K rw", 'x.vms:1:19: expected an access mode (read, write), found "rw"'],
    ["app: touch buf 4K wirte", 'x.vms:1:19: unknown access mode "wirte"; did you mean "write"?'],
    [
      "app: munmap m+4K",
      "x.vms:1:17: expected a size like 4K or 1M, found end of line; only a bare mapping name may be unmapped without a size",
    ],
    [
      "app: munmap 0x1000",
      "x.vms:1:19: expected a size like 4K or 1M, found end of line; only a bare mapping name may be unmapped without a size",
    ],
    ["app: mprotect m 4K rwz", 'x.vms:1:20: unknown protection "rwz"; did you mean "rwx"?'],
    [
      "app: mprotect m 4K q",
      'x.vms:1:20: expected a protection (none, r, rw, rx, rwx, w, wx, x), found "q"',
    ],
    [
      "app: madvise m 4K DONTNEED",
      'x.vms:1:19: unknown madvise advice "DONTNEED"; did you mean "dontneed"?',
    ],
    [
      "app: madvise m 4K free",
      'x.vms:1:19: expected a madvise advice (dontneed, random, sequential, willneed, hugepage, nohugepage), found "free"',
    ],
    // Files and oom_score_adj
    [
      "app: open data.bin",
      'x.vms:1:6: open needs a name for its result, like "app: f = open data.bin"',
    ],
    [
      "app: f = open",
      "x.vms:1:14: expected a file name like data.bin or /var/log/app.log, found end of line",
    ],
    ["app: f = open a.b c", 'x.vms:1:19: expected end of line, found "c"'],
    [
      "app: fread 4K",
      'x.vms:1:12: expected a file descriptor like f (from "f = open data.bin"), found "4K"',
    ],
    ["app: fread f", "x.vms:1:13: expected a size like 4K or 1M, found end of line"],
    ["app: n = fread f 4K", 'x.vms:1:6: fread returns nothing; remove "n ="'],
    ["app: fread f 4K buf+", "x.vms:1:21: expected an offset like 4K or 0x10, found end of line"],
    ["app: pread f x 4K", 'x.vms:1:14: expected a file offset like 0 or 64K, found "x"'],
    ["app: pread f 4K", "x.vms:1:16: expected a size like 4K or 1M, found end of line"],
    ["app: fwrite f -1", 'x.vms:1:15: expected a size like 4K or 1M, found "-1"'],
    ["app: fwrite f 4K buf 4K", 'x.vms:1:22: expected end of line, found "4K"'],
    [
      "app: fsync",
      'x.vms:1:11: expected a file descriptor like f (from "f = open data.bin"), found end of line',
    ],
    ["app: close f g", 'x.vms:1:14: expected end of line, found "g"'],
    ["app: r = close f", 'x.vms:1:6: close returns nothing; remove "r ="'],
    ["app: oom_score_adj 1001", "x.vms:1:20: oom_score_adj must be from -1000 to 1000"],
    ["app: oom_score_adj -1001", "x.vms:1:20: oom_score_adj must be from -1000 to 1000"],
    ["app: oom_score_adj", "x.vms:1:19: expected a number, found end of line"],
    ["app: oom_score_adj high", 'x.vms:1:20: expected a number, found "high"'],
    ["app: x = oom_score_adj 0", 'x.vms:1:6: oom_score_adj returns nothing; remove "x ="'],
    ["close f", 'x.vms:1:1: operation "close" needs a process, as in "app: close ..."'],
    ["app: opne db", 'x.vms:1:6: unknown operation "opne"; did you mean "open"?'],
    // mmap options
    ["app: m = mmap 4K anon file=db", 'x.vms:1:23: mmap option "file" contradicts "anon"'],
    ["app: m = mmap 4K file=db anon", 'x.vms:1:26: mmap option "anon" contradicts "file"'],
    ["app: m = mmap 4K file=a file=b", 'x.vms:1:25: mmap option "file" given twice'],
    [
      "app: m = mmap 4K file",
      'x.vms:1:22: expected "=" after file, as in file=data.bin, found end of line',
    ],
    [
      "app: m = mmap 4K file=",
      "x.vms:1:23: expected a file name like data.bin or /var/log/app.log, found end of line",
    ],
    ["app: m = mmap 4K offset=4K", "x.vms:1:18: offset= needs file=NAME"],
    ["app: m = mmap 4K prot=r offset=0 shared", "x.vms:1:25: offset= needs file=NAME"],
    [
      "app: m = mmap 4K file=db offset=2K",
      "x.vms:1:33: offset must be a multiple of the 4 KiB page size",
    ],
    [
      "app: m = mmap 4K file=db offset=-4K",
      'x.vms:1:33: expected a file offset like 0 or 64K, found "-4K"',
    ],
    ["app: m = mmap 4K file=db offset=0 offset=0", 'x.vms:1:35: mmap option "offset" given twice'],
    [
      "app: m = mmap 4K ofset=4K",
      'x.vms:1:18: unknown mmap option "ofset"; did you mean "offset"?',
    ],
    ["app: m = mmap 4K sharde", 'x.vms:1:18: unknown mmap option "sharde"; did you mean "shared"?'],
    [
      "app: m = mmap 4K huge",
      'x.vms:1:18: unknown mmap option "huge"; expected one of anon, file, offset, private, shared, prot, populate',
    ],
    ["app: m = mmap 4K private shared", 'x.vms:1:26: mmap option "shared" contradicts "private"'],
    ["app: m = mmap 4K populate populate", 'x.vms:1:27: mmap option "populate" given twice'],
    ["app: m = mmap 4K prot=r prot=w", 'x.vms:1:25: mmap option "prot" given twice'],
    ["app: m = mmap 4K prot rw", 'x.vms:1:23: expected "=" after prot, as in prot=rw, found "rw"'],
    [
      "app: m = mmap 4K [anon]",
      'x.vms:1:18: expected an mmap option (anon, file=NAME, offset=N, private, shared, prot=PROT, populate), found "["',
    ],
    // expect and show
    [
      "expect app == 1",
      'x.vms:1:12: expected "." and a counter name after "app", like app.minflt, found "=="',
    ],
    [
      "expect app.minflt = 1",
      'x.vms:1:19: expected a comparison (==, !=, <, <=, >, >=), found "="',
    ],
    ["expect app.minflt == many", 'x.vms:1:22: expected a number, found "many"'],
    [
      'expect app.minflt == 1 after "x"',
      'x.vms:1:24: expected "since" or end of line, found "after"',
    ],
    [
      "expect app.minflt == 1 since x",
      'x.vms:1:30: expected a label in double quotes after "since", found "x"',
    ],
    ["show mpas app", 'x.vms:1:6: unknown view "mpas"; did you mean "maps"?'],
    [
      "show",
      "x.vms:1:5: expected a view (maps, smaps, status, pagetable, pagemap, tlb, vmstat, meminfo, lru, swaps, buddyinfo, caches, walk), found end of line",
    ],
    ["show maps", "x.vms:1:10: expected a process name, found end of line"],
    [
      "show pagetable app",
      "x.vms:1:19: expected an address like buf, buf+4K or 0x7fff0000, found end of line",
    ],
    ["show tlb app", 'x.vms:1:10: expected end of line, found "app"'],
    ["show caches app", 'x.vms:1:13: expected end of line, found "app"'],
    [
      "show walk app",
      "x.vms:1:14: expected an address like buf, buf+4K or 0x7fff0000, found end of line",
    ],
    ["show lru app", 'x.vms:1:10: expected end of line, found "app"'],
    ["show swaps app", 'x.vms:1:12: expected end of line, found "app"'],
    ["show buddyinfo app", 'x.vms:1:16: expected end of line, found "app"'],
    ["show buddyinfi", 'x.vms:1:6: unknown view "buddyinfi"; did you mean "buddyinfo"?'],
    ['show maps "app"', "x.vms:1:11: expected a process name, found a quoted string"],
    // Lexing
    ["app: exit @", 'x.vms:1:11: expected end of line, found "@"'],
    ["app: read buf 😀", 'x.vms:1:15: expected a size like 4K or 1M, found "😀"'],
  ])("%j", (source, message) => {
    expect(errorOf(source)).toBe(message);
  });

  it("reports the first error in the file", () => {
    expect(errorOf("spawn\nfrob")).toBe("x.vms:1:6: expected a process name, found end of line");
  });

  it("reports errors on CRLF lines without a stray carriage return", () => {
    expect(errorOf("spawn a\r\nspawn a b\r\n")).toBe('x.vms:2:9: expected end of line, found "b"');
  });
});

describe("indentation errors", () => {
  it.each([
    [
      "repeat 3:",
      "x.vms:1:1: repeat has an empty body; indent the statements to repeat on the lines below it",
    ],
    [
      "repeat 3:\n# just a comment\n",
      "x.vms:1:1: repeat has an empty body; indent the statements to repeat on the lines below it",
    ],
    [
      "repeat 3:\nspawn a",
      "x.vms:1:1: repeat has an empty body; indent the statements to repeat on the lines below it",
    ],
    [
      "  repeat 3:\n  spawn a",
      "x.vms:1:3: unexpected indentation; only the body of a repeat is indented",
    ],
    [
      "repeat 3:\n  repeat 2:\n  a: exit",
      "x.vms:2:3: repeat has an empty body; indent the statements to repeat on the lines below it",
    ],
    [
      "repeat 3: a: exit",
      'x.vms:1:11: expected end of line, found "a"; the statements to repeat go on the following lines, indented',
    ],
    ["repeat 3\n  a: exit", 'x.vms:1:9: expected ":" after the repeat count, found end of line'],
    [
      "spawn a\n  a: exit",
      "x.vms:2:3: unexpected indentation; only the body of a repeat is indented",
    ],
    [
      "repeat 3:\n  a: exit\n    a: exit",
      "x.vms:3:5: unexpected indentation; only the body of a repeat is indented",
    ],
    [
      "repeat 3:\n    repeat 2:\n        a: exit\n  a: exit",
      "x.vms:4:3: indentation lines up with neither the repeat body above nor the repeat itself",
    ],
    [
      "repeat 3:\n\ta: exit\n  a: exit",
      "x.vms:3:3: inconsistent use of tabs and spaces in indentation",
    ],
    [
      "repeat 3:\n  a: exit\n\ta: exit",
      "x.vms:3:2: inconsistent use of tabs and spaces in indentation",
    ],
  ])("%j", (source, message) => {
    expect(errorOf(source)).toBe(message);
  });
});
