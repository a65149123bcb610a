import { describe, expect, test } from "vitest";
import { DEFAULT_MACHINE_CONFIG } from "../config.js";
import { Machine } from "../machine.js";
import { doMmap } from "../mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { ACCESS_WRITE } from "../probe.js";
import { renderBuddyinfo } from "./buddyinfo.js";

const PREFIX = "Node 0, zone   Normal ";

/** The counts of the line, order 0 first; each field must be `%6lu ` (7 columns). */
function counts(text: string): number[] {
  expect(text.startsWith(PREFIX)).toBe(true);
  expect(text.endsWith(" \n")).toBe(true);
  const fields = text.slice(PREFIX.length, -1).match(/.{7}/g) ?? [];
  expect(fields.join("")).toBe(text.slice(PREFIX.length, -1));
  for (const field of fields) expect(field).toMatch(/^ *\d+ $/);
  return fields.map((field) => Number.parseInt(field, 10));
}

describe("renderBuddyinfo", () => {
  test("a fresh 16 MiB machine, in frag_show_print's `zone %8s ` and `%6lu ` layout", () => {
    const machine = new Machine({ ...DEFAULT_MACHINE_CONFIG, ramBytes: 16 * 1024 * 1024 });
    // Frames 256..4095 are usable; the zero page took frame 256, leaving one block of each
    // order from 0 to 7 up to 512, one of order 9 and three of order 10.
    expect(renderBuddyinfo(machine)).toBe(
      "Node 0, zone   Normal      1      1      1      1      1      1      1      1      0      1      3 \n",
    );
  });

  test("the blocks add up to the free pages as allocations split them", () => {
    const machine = new Machine({ ...DEFAULT_MACHINE_CONFIG, ramBytes: 16 * 1024 * 1024 });
    const app = machine.spawn("app");
    const address = doMmap(machine, app, 64 * 4096, PROT_READ | PROT_WRITE, false, false);
    for (let page = 0; page < 64; page++)
      machine.access(app, address + page * 4096, 8, ACCESS_WRITE);
    const text = renderBuddyinfo(machine);
    const blocks = counts(text);
    expect(blocks).toHaveLength(11);
    expect(blocks).toEqual(machine.phys.buddy.freeBlocksPerOrder());
    expect(blocks.reduce((sum, count, order) => sum + count * 2 ** order, 0)).toBe(
      machine.phys.freeFrames,
    );
  });
});
