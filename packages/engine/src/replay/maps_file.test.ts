import { describe, expect, it } from "vitest";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { beyondUserSpace, formatMapsLine, MapsFormatError, parseMaps } from "./maps_file.js";

/** Lines laid out as Linux 6.18 prints them (compare `cat /proc/self/maps`). */
const SAMPLE = `555555554000-555555555000 r--p 00000000 fe:00 2238420                    /tmp/my prog (deleted)
555555555000-555555556000 r-xp 00001000 fe:00 2238420                    /tmp/my prog (deleted)
555555559000-55555557a000 rw-p 00000000 00:00 0                          [heap]
7ffff7dd3000-7ffff7df9000 r--p 00000000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6
7ffff7fc1000-7ffff7fc5000 rw-p 00000000 00:00 0 
7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
`;

function errorOf(text: string): MapsFormatError {
  try {
    parseMaps(text);
  } catch (error) {
    if (error instanceof MapsFormatError) return error;
    throw error;
  }
  throw new Error("no error");
}

describe("parseMaps", () => {
  it("reads each field of the kernel's format", () => {
    const entries = parseMaps(SAMPLE);
    expect(entries).toHaveLength(7);
    expect(entries[1]).toEqual({
      start: 0x555555555000,
      end: 0x555555556000,
      prot: PROT_READ | PROT_EXEC,
      shared: false,
      offset: 0x1000,
      device: "fe:00",
      inode: 2238420,
      path: "/tmp/my prog (deleted)",
      line: 2,
    });
    expect(entries[2]?.path).toBe("[heap]");
    expect(entries[2]?.prot).toBe(PROT_READ | PROT_WRITE);
    expect(entries[4]?.path).toBe("");
    expect(entries.map(beyondUserSpace)).toEqual([false, false, false, false, false, false, true]);
    expect(entries[6]?.prot).toBe(PROT_EXEC);
  });

  it("skips blank lines and accepts CRLF", () => {
    const entries = parseMaps("\n00400000-00401000 r-xp 00000000 08:01 12 /bin/x\r\n\n");
    expect(entries).toHaveLength(1);
    expect(entries[0]?.line).toBe(2);
    expect(entries[0]?.path).toBe("/bin/x");
  });

  it.each([
    ["00400000 r-xp 00000000 08:01 12 /bin/x", 1, "expected START-END PERMS OFFSET DEV INODE"],
    ["00400000-00401000 rwzp 00000000 08:01 12", 1, "expected START-END"],
    ["00400000-00401000 r-xp 00000000 0801 12", 1, "expected START-END"],
    ["00400000-00401000 r-xp 00000000 08:01 x12", 1, "expected START-END"],
    ["00400010-00401000 r-xp 00000000 08:01 12", 1, "page-aligned"],
    ["00401000-00400000 r-xp 00000000 08:01 12", 1, "end address must be above"],
    ["00400000-00401000 r-xp 00000010 08:01 12", 1, "offset must be page-aligned"],
    [
      "00400000-00402000 r-xp 00000000 08:01 12\n00401000-00403000 r--p 00000000 08:01 12",
      2,
      "overlaps the mapping on line 1",
    ],
    [
      "00500000-00501000 r-xp 00000000 08:01 12\n\n00400000-00401000 r--p 00000000 08:01 12",
      3,
      "not in address order (line 1 starts higher)",
    ],
  ])("rejects %j at line %i: %s", (text, line, message) => {
    const error = errorOf(text);
    expect(error.line).toBe(line);
    expect(error.message).toContain(message);
    expect(text).toContain(error.text);
  });
});

describe("formatMapsLine", () => {
  it("writes lines as the kernel does, so they read back the same", () => {
    const lines = SAMPLE.trimEnd().split("\n");
    const entries = parseMaps(SAMPLE);
    entries.forEach((entry, index) => {
      expect(formatMapsLine(entry)).toBe(lines[index]);
    });
  });
});
