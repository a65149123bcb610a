import { describe, expect, test } from "vitest";
import { Machine } from "../machine.js";
import { doMmap, doMprotect } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_WRITE } from "../probe.js";
import { renderMaps } from "./maps.js";

const RW = PROT_READ | PROT_WRITE;

function lines(text: string): string[] {
  expect(text.endsWith("\n")).toBe(true);
  return text.slice(0, -1).split("\n");
}

describe("renderMaps", () => {
  test("a fresh process: the five segments of its executable and the stack", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    expect(lines(renderMaps(machine, app))).toEqual([
      "555555554000-555555555000 r--p 00000000 08:01 1001                       /usr/bin/app",
      "555555555000-555555556000 r-xp 00001000 08:01 1001                       /usr/bin/app",
      "555555556000-555555557000 r--p 00002000 08:01 1001                       /usr/bin/app",
      "555555557000-555555558000 r--p 00002000 08:01 1001                       /usr/bin/app",
      "555555558000-555555559000 rw-p 00003000 08:01 1001                       /usr/bin/app",
      "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]",
    ]);
  });

  test("names start after padding to 72 columns and one space, as seq_pad leaves them", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    for (const line of lines(renderMaps(machine, app))) {
      expect(line.indexOf("/") === 73 || line.indexOf("[") === 73).toBe(true);
    }
  });

  test("an anonymous private mapping has no name and keeps the trailing space", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 64 * 1024, RW, false, false);
    expect(address).toBe(0x7ffff7fef000);
    expect(lines(renderMaps(machine, app))).toContain(
      "7ffff7fef000-7ffff7fff000 rw-p 00000000 00:00 0 ",
    );
  });

  test("shared anonymous memory shows its shmem object, /dev/zero (deleted)", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    doMmap(machine, app, 8192, RW, true, false);
    expect(lines(renderMaps(machine, app))).toContain(
      "7ffff7ffd000-7ffff7fff000 rw-s 00000000 00:01 1002                       /dev/zero (deleted)",
    );
  });

  test("[heap] appears once the break has moved", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    expect(renderMaps(machine, app)).not.toContain("[heap]");
    const pointer = machine.malloc(app, 100);
    machine.access(app, pointer, 8, ACCESS_WRITE);
    expect(lines(renderMaps(machine, app))).toContain(
      "555555559000-55555557a000 rw-p 00000000 00:00 0                          [heap]",
    );
  });

  test("mprotect of the middle page splits the mapping into three lines", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 3 * 4096, RW, false, false);
    expect(doMprotect(machine, app, address + 4096, 4096, PROT_READ)).toBe(0);
    const text = renderMaps(machine, app);
    expect(text).toContain("7ffff7ffc000-7ffff7ffd000 rw-p 00000000 00:00 0 \n");
    expect(text).toContain("7ffff7ffd000-7ffff7ffe000 r--p 00000000 00:00 0 \n");
    expect(text).toContain("7ffff7ffe000-7ffff7fff000 rw-p 00000000 00:00 0 \n");
  });

  test("a process that exited has an empty maps file", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    machine.exit(app);
    expect(renderMaps(machine, app)).toBe("");
  });
});
