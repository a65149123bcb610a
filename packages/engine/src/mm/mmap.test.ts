import { describe, expect, it } from "vitest";
import { Machine } from "../machine.js";
import { doMmap } from "./mmap.js";
import { PROT_READ, PROT_WRITE } from "./vma.js";

const RW = PROT_READ | PROT_WRITE;
const M = 1024 * 1024;
const TWO_MIB = 2 * M;

/** The sequence of tools/kernel-checks/exp19_anon_thp_align.c: [length, shared]. */
const EXP19_SEQUENCE: readonly [number, boolean][] = [
  [1 * M, false],
  [2 * M, false],
  [3 * M, false],
  [4 * M, false],
  [4 * M + 4096, false],
  [4 * M, true],
  [40 * M, false],
  [2 * M, false],
];

/**
 * Two runs of exp19 on Linux 6.18 (ASLR on, so the top of the gap differs modulo 2 MiB): the
 * top's residue and each mapping's distance below the top (docs/kernel-measurements.md).
 */
const EXP19_RUNS = [
  {
    topModulo: 0x4a000,
    belowTop: [0x100000, 0x44a000, 0x74a000, 0xc4a000, 0x104b000, 0x144b000, 0x3e4a000, 0x404a000],
  },
  {
    topModulo: 0x1b2000,
    belowTop: [0x100000, 0x3b2000, 0x6b2000, 0xbb2000, 0xfb3000, 0x13b3000, 0x3db2000, 0x3fb2000],
  },
];

describe("mmap placement of anonymous mappings", () => {
  for (const { topModulo, belowTop } of EXP19_RUNS) {
    it(`places exp19's mappings where Linux 6.18 did (top ≡ 0x${topModulo.toString(16)} mod 2 MiB)`, () => {
      const machine = new Machine();
      const app = machine.spawn("app");
      // A first mapping lowers the top of the free gap to the kernel run's residue.
      const base = app.mm.mmapBase;
      const filler = (((base - topModulo) % TWO_MIB) + TWO_MIB) % TWO_MIB;
      const top = doMmap(machine, app, filler, RW, false, false);
      expect(top % TWO_MIB).toBe(topModulo);
      const placed = EXP19_SEQUENCE.map(([length, shared]) =>
        doMmap(machine, app, length, RW, shared, false),
      );
      expect(placed.map((address) => top - address)).toEqual(belowTop);
    });
  }

  it("aligns private mappings that are a multiple of 2 MiB, and only those", () => {
    const machine = new Machine();
    const app = machine.spawn("app");
    expect(doMmap(machine, app, 6 * M, RW, false, false) % TWO_MIB).toBe(0);
    expect(doMmap(machine, app, 4096, RW, false, false) % TWO_MIB).not.toBe(0);
    expect(doMmap(machine, app, 3 * M, RW, false, false) % TWO_MIB).not.toBe(0);
  });
});
