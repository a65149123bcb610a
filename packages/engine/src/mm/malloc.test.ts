import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MMAP_THRESHOLD,
  DEFAULT_TRIM_THRESHOLD,
  type FreeResult,
  GlibcMalloc,
  type MallocHost,
} from "./malloc.js";

const PAGE = 4096;
/** A page-aligned initial break, like a real process's end of bss. */
const BRK0 = 0x5555_5555_9000;

type HostEvent =
  | { kind: "brk"; arg: number; result: number }
  | { kind: "mmap"; length: number; result: number }
  | { kind: "munmap"; address: number; length: number }
  | { kind: "store"; address: number; size: number };

/** Records every brk/mmap/munmap/store and checks that stores land in memory obtained so far. */
class FakeHost implements MallocHost {
  readonly events: HostEvent[] = [];
  readonly maps = new Map<number, number>();
  readonly badStores: string[] = [];
  current = BRK0;
  /** brk fails above this break (to model a blocked heap). */
  brkLimit = Number.POSITIVE_INFINITY;
  mmapFails = false;
  private nextMmap = 0x7fff_f700_0000;

  brk(newBreak: number): number {
    if (newBreak >= BRK0 && newBreak <= this.brkLimit) this.current = newBreak;
    this.events.push({ kind: "brk", arg: newBreak, result: this.current });
    return this.current;
  }

  mmapAnonymous(length: number): number {
    let result = -1;
    if (!this.mmapFails) {
      this.nextMmap -= length;
      result = this.nextMmap;
      this.maps.set(result, length);
    }
    this.events.push({ kind: "mmap", length, result });
    return result;
  }

  munmap(address: number, length: number): void {
    if (this.maps.get(address) !== length) this.badStores.push(`munmap of unknown ${address}`);
    this.maps.delete(address);
    this.events.push({ kind: "munmap", address, length });
  }

  store(address: number, size: number): void {
    this.events.push({ kind: "store", address, size });
    if (!this.inside(address, size)) {
      this.badStores.push(`store of ${size} at 0x${address.toString(16)}`);
    }
  }

  inside(address: number, size: number): boolean {
    if (address >= BRK0 && address + size <= this.current) return true;
    for (const [start, length] of this.maps) {
      if (address >= start && address + size <= start + length) return true;
    }
    return false;
  }

  take(): HostEvent[] {
    return this.events.splice(0);
  }
}

const stores = (events: HostEvent[]) =>
  events.flatMap((e) => (e.kind === "store" ? [{ address: e.address, size: e.size }] : []));
const syscalls = (events: HostEvent[]) => events.filter((e) => e.kind !== "store");
const pagesOf = (events: HostEvent[]) => {
  const pages = new Set<number>();
  for (const s of stores(events)) {
    for (
      let p = Math.floor(s.address / PAGE);
      p <= Math.floor((s.address + s.size - 1) / PAGE);
      p++
    ) {
      pages.add(p);
    }
  }
  return [...pages].sort((a, b) => a - b);
};

function fresh(): { host: FakeHost; m: GlibcMalloc } {
  const host = new FakeHost();
  return { host, m: new GlibcMalloc(host, BRK0) };
}

/**
 * Replays a trace recorded from the real glibc 2.36 (Debian 2.36-9+deb12u14, x86-64) with a small
 * C program: per line `op arg|result`, where op is m (malloc), c (calloc) or f (free of the n-th
 * allocation) and the result is `h OFFSET USABLE BRK` (a heap pointer, as an offset from the initial
 * break, its malloc_usable_size and the break afterwards), `M PAGEOFFSET USABLE BRK` (an mmapped
 * block) or `f BRK`.  Offsets in hex.
 */
function replayGolden(trace: string): void {
  const { host, m } = fresh();
  const pointers: number[] = [];
  const hex = (n: number) => n.toString(16);
  for (const line of trace.trim().split("\n")) {
    const [call, expected] = line.split("|");
    const [op, argText] = (call ?? "").split(" ");
    const arg = Number(argText);
    let got: string;
    if (op === "f") {
      expect(m.free(pointers[arg] ?? -1), line).toBe("ok");
      pointers[arg] = 0;
      got = `f ${hex(host.current - BRK0)}`;
    } else {
      const p = op === "m" ? m.malloc(arg) : m.calloc(arg);
      pointers.push(p);
      const where = p >= BRK0 && p < host.current ? `h ${hex(p - BRK0)}` : `M ${hex(p % PAGE)}`;
      got = `${where} ${m.usableSize(p)} ${hex(host.current - BRK0)}`;
    }
    expect(got, line).toBe(expected);
    expect(m.checkInvariants(), line).toEqual([]);
  }
  expect(host.badStores).toEqual([]);
}

const GOLDEN_MIXED = `
m 143006|M 10 143344 21000
f 0|f 21000
m 917756|M 10 921584 21000
f 1|f 21000
m 1347280|M 10 1347568 21000
m 54|h 2a0 56 21000
f 3|f 21000
f 2|f 21000
m 111989|h 2e0 111992 21000
f 4|f 21000
m 162020|h 2e0 162024 48000
f 5|f 48000
m 3079|h 2e0 3080 48000
f 6|f 48000
m 31584|h 2e0 31592 48000
m 35|h 7e50 40 48000
f 7|f 48000
m 159|h 2e0 168 48000
m 1004274|h 7e80 1004280 11e000
m 18970|h 390 18984 11e000
m 112514|h fd180 112520 11e000
m 878|h 4dc0 888 11e000
m 40|h 5140 40 11e000
m 492994|h 118910 493000 1b1000
f 9|f 1b1000
f 11|f 1b1000
m 844|h 5170 856 1b1000
f 8|f 1b1000
f 12|f 1b1000
f 16|f 1b1000
f 14|f 1b1000
f 15|f 1b1000
f 13|f 1b1000
m 96126|h fd180 96136 1b1000
f 17|f 1b1000
f 10|f 1b1000
m 1490384|h 7e80 1490392 1b1000
m 29|h 5140 40 1b1000
m 590|h 54d0 600 1b1000
m 52874|h 173c60 52888 1b1000
m 1047|h 5730 1048 1b1000
m 499|h 5b50 504 1b1000
f 22|f 1b1000
c 0|h 5730 24 1b1000
c 823|h 5750 824 1b1000
f 21|f 1b1000
m 107316|h 173c60 107320 1b1000
m 5|h 5a90 24 1b1000
m 322|h 5d50 328 1b1000
f 24|f 1b1000
c 528|h 5ea0 536 1b1000
f 19|f 1b1000
m 159453|h 18dfa0 159464 1d5000
m 308246|h 1b4e90 308248 221000
m 617|h 60c0 632 221000
c 165049|h 2002b0 165064 249000
f 31|f 249000
f 20|f 249000
f 25|f 249000
m 13997|h 390 14008 249000
m 1184420|h 228780 1184424 36a000
m 17317|h 1b4e90 17320 36a000
m 587179|h 349a30 587192 3f9000
m 52|h 2a0 56 3f9000
f 37|f 3f9000
f 26|f 3f9000
m 1317432|h 349a30 1317432 4ac000
m 1459478|M 10 1462256 4ac000
c 56039|h 173c60 56040 4ac000
m 32|h 5140 40 4ac000
`;

const GOLDEN_SMALL = `
c 20|h 2a0 24 21000
m 70000|h 2c0 70008 21000
f 1|f 21000
f 0|f 21000
m 8|h 2a0 24 21000
c 1091|h 2c0 1096 21000
f 2|f 21000
f 3|f 21000
m 74|h 2c0 88 21000
m 70000|h 320 70008 21000
m 70000|h 114a0 70008 43000
f 6|f 32000
m 47|h 114a0 56 32000
f 7|f 32000
f 5|f 32000
m 94|h 320 104 32000
f 8|f 32000
f 4|f 32000
m 70000|h 114e0 70008 32000
m 41|h 114a0 56 32000
m 59|h 390 72 32000
f 11|f 32000
f 10|f 32000
m 88|h 2c0 88 32000
m 45|h 114a0 56 32000
f 9|f 32000
f 13|f 32000
f 12|f 32000
m 118|h 3e0 120 32000
f 14|f 32000
m 70000|h 114e0 70008 32000
f 15|f 32000
m 49|h 114a0 56 32000
f 16|f 32000
m 107|h 3e0 120 32000
f 17|f 32000
m 70000|h 114e0 70008 32000
m 70000|h 22660 70008 54000
f 18|f 54000
f 19|f 32000
m 9|h 2a0 24 32000
m 14|h 460 24 32000
m 79|h 2c0 88 32000
f 21|f 32000
m 78|h 480 88 32000
f 22|f 32000
f 23|f 32000
f 20|f 32000
m 95|h 320 104 32000
f 24|f 32000
m 70000|h 114e0 70008 32000
m 12|h 2a0 24 32000
m 70000|h 22660 70008 54000
m 82|h 480 88 54000
m 95|h 320 104 54000
f 25|f 54000
m 102|h 4e0 104 54000
m 45|h 114a0 56 54000
f 27|f 32000
f 30|f 32000
f 28|f 32000
f 31|f 32000
m 62|h 390 72 32000
f 32|f 32000
f 29|f 32000
m 97|h 320 104 32000
m 941|h 550 952 32000
m 11|h 460 24 32000
f 35|f 32000
m 2792|h 910 2792 32000
f 33|f 32000
f 36|f 32000
m 888|h 910 888 32000
f 26|f 32000
f 34|f 32000
f 37|f 32000
m 386|h c90 392 32000
f 38|f 32000
m 70000|h 114e0 70008 32000
m 65|h 390 72 32000
f 40|f 32000
m 78|h 480 88 32000
f 39|f 32000
m 70000|h 114e0 70008 32000
m 14|h 2a0 24 32000
f 41|f 32000
m 72|h 390 72 32000
m 65|h e20 72 32000
f 45|f 32000
m 32|h e70 40 32000
`;
describe("GlibcMalloc: sizes", () => {
  it("rounds requests like request2size and reports malloc_usable_size", () => {
    const { m } = fresh();
    const cases: [number, number][] = [
      [0, 24],
      [1, 24],
      [24, 24],
      [25, 40],
      [100, 104],
      [1032, 1032],
      [1033, 1048],
    ];
    for (const [request, usable] of cases) {
      const p = m.malloc(request);
      expect(p % 16).toBe(0);
      expect(m.usableSize(p)).toBe(usable);
    }
    expect(m.usableSize(BRK0 + 0x10)).toBe(-1); // the tcache struct is not the user's
    expect(m.usableSize(12345)).toBe(-1);
  });

  it("uses the documented defaults", () => {
    const { m } = fresh();
    expect(DEFAULT_MMAP_THRESHOLD).toBe(128 * 1024);
    expect(DEFAULT_TRIM_THRESHOLD).toBe(128 * 1024);
    const s = m.stats();
    expect(s.mmapThreshold).toBe(128 * 1024);
    expect(s.trimThreshold).toBe(128 * 1024);
    expect(s.heapStart).toBe(BRK0);
    expect(s.inUseBytes).toBe(0);
  });
});

describe("GlibcMalloc: the first malloc sets the heap up", () => {
  it("malloc(16): brk grows by 0x21000, tcache struct first, stores in the first heap page only", () => {
    const { host, m } = fresh();
    const p = m.malloc(16);
    // glibc's sbrk first reads the break with brk(0), then asks for nb + top_pad + MINSIZE =
    // 0x290 + 0x20000 + 0x20, rounded up to a page: 0x21000 (the real first [heap] is 132 KiB).
    const events = host.take();
    expect(syscalls(events)).toEqual([
      { kind: "brk", arg: 0, result: BRK0 },
      { kind: "brk", arg: BRK0 + 0x21000, result: BRK0 + 0x21000 },
    ]);
    expect(p).toBe(BRK0 + 0x2a0); // after the 0x290-byte tcache_perthread_struct chunk
    expect(stores(events)).toEqual([
      { address: BRK0 + 8, size: 8 }, // sysmalloc: set_head (top)
      { address: BRK0 + 8, size: 8 }, // the tcache chunk's size
      { address: BRK0 + 0x290 + 8, size: 8 }, // the new top's size
      { address: BRK0 + 0x10, size: 0x280 }, // memset (tcache, 0, sizeof *tcache)
      { address: BRK0 + 0x290 + 8, size: 8 }, // malloc(16)'s chunk size
      { address: BRK0 + 0x2b0 + 8, size: 8 }, // the new top's size
    ]);
    expect(pagesOf(events)).toEqual([BRK0 / PAGE]);
    const s = m.stats();
    expect(s.heapStart).toBe(BRK0);
    expect(s.top).toBe(BRK0 + 0x2b0);
    expect(s.topSize).toBe(0x21000 - 0x2b0);
    expect(s.inUseBytes).toBe(32);
    expect(s.systemMem).toBe(0x21000);
  });

  it("malloc(1 MiB) first: the heap is still set up (tcache), then one mmap of 1 MiB + 4 KiB", () => {
    const { host, m } = fresh();
    const p = m.malloc(1024 * 1024);
    const events = host.take();
    const calls = syscalls(events);
    expect(calls).toHaveLength(3);
    expect(calls[1]).toEqual({ kind: "brk", arg: BRK0 + 0x21000, result: BRK0 + 0x21000 });
    const map = calls[2];
    expect(map?.kind === "mmap" && map.length).toBe(1024 * 1024 + 4096);
    const start = map?.kind === "mmap" ? map.result : 0;
    expect(p).toBe(start + 16);
    expect(p % PAGE).toBe(16);
    expect(m.usableSize(p)).toBe(1024 * 1024 + 4096 - 16);
    // Inside the mapping malloc writes only the chunk header (prev_size, size): one page.
    const inMapping = stores(events).filter((s) => s.address >= start);
    expect(inMapping).toEqual([{ address: start, size: 16 }]);
    expect(m.stats().mmappedChunks).toBe(1);

    // free: munmap of the whole mapping, no stores; the dynamic threshold rises.
    expect(m.free(p)).toBe("ok");
    expect(host.take()).toEqual([{ kind: "munmap", address: start, length: 0x101000 }]);
    expect(m.stats().mmapThreshold).toBe(0x101000);
    expect(m.stats().trimThreshold).toBe(0x202000);
    expect(m.stats().mmappedChunks).toBe(0);

    // The next 1 MiB request comes from the brk heap (real glibc: offset 0x2a0, break +0x121000).
    const q = m.malloc(1024 * 1024);
    expect(q).toBe(BRK0 + 0x2a0);
    expect(syscalls(host.take())).toEqual([
      { kind: "brk", arg: BRK0 + 0x121000, result: BRK0 + 0x121000 },
    ]);
    expect(m.usableSize(q)).toBe(1048584);
  });

  it("reproduces a real run: malloc 16, 128K (from top), 1M (mmap), free, 1M (brk)", () => {
    // Measured on this machine's glibc 2.36 (sbrk(0) before and after, malloc_usable_size).
    const { host, m } = fresh();
    expect(m.malloc(16)).toBe(BRK0 + 0x2a0);
    // 128 KiB is >= the mmap threshold, but sysmalloc is only reached when top cannot serve it.
    expect(m.malloc(131072)).toBe(BRK0 + 0x2c0);
    const r = m.malloc(1 << 20);
    expect(m.isMmapped(r)).toBe(true);
    expect(m.free(r)).toBe("ok");
    expect(m.malloc(1 << 20)).toBe(BRK0 + 0x202d0);
    expect(host.current - BRK0).toBe(0x141000);
  });
});

describe("GlibcMalloc: carving the top chunk", () => {
  it("writes each chunk's size and the new top's size, so heap pages fault in order inside malloc", () => {
    const { host, m } = fresh();
    m.malloc(16);
    host.take();
    const seen = new Set<number>();
    let previousTop = m.stats().top;
    for (let i = 0; i < 60; i++) {
      const p = m.malloc(1000); // 1008-byte chunks
      const events = host.take();
      expect(syscalls(events)).toEqual([]);
      expect(p - 16).toBe(previousTop);
      expect(stores(events)).toEqual([
        { address: p - 8, size: 8 },
        { address: p - 16 + 1008 + 8, size: 8 },
      ]);
      for (const page of pagesOf(events)) seen.add(page);
      previousTop = m.stats().top;
    }
    // 60 * 1008 bytes: headers on every page from the first to the one holding the top header.
    const pages = [...seen].sort((a, b) => a - b);
    const first = pages[0] ?? 0;
    expect(pages).toEqual(pages.map((_, i) => first + i));
    expect(pages.at(-1)).toBe(Math.floor((previousTop + 8) / PAGE));
  });

  it("grows brk when top is too small, contiguously, by nb - top + top_pad + MINSIZE", () => {
    const { host, m } = fresh();
    m.malloc(16);
    m.malloc(100000);
    host.take();
    const topSize = m.stats().topSize; // 0x21000 - 0x2b0 - 100016
    const p = m.malloc(100000);
    const growth = Math.ceil((100016 - topSize + 128 * 1024 + 32) / PAGE) * PAGE;
    expect(syscalls(host.take())).toEqual([
      { kind: "brk", arg: BRK0 + 0x21000 + growth, result: BRK0 + 0x21000 + growth },
    ]);
    expect(p).toBe(BRK0 + 0x18970); // real glibc
    expect(host.current - BRK0).toBe(0x52000); // real glibc
  });
});

describe("GlibcMalloc: free", () => {
  it("free + malloc of the same size returns the same pointer through the tcache", () => {
    const { host, m } = fresh();
    const p = m.malloc(100); // chunk 112: tcache bin 5
    m.malloc(100);
    host.take();
    expect(m.free(p)).toBe("ok");
    const tcache = BRK0 + 0x10;
    expect(host.take()).toEqual([
      { kind: "store", address: p + 8, size: 8 }, // e->key
      { kind: "store", address: p, size: 8 }, // e->next
      { kind: "store", address: tcache + 128 + 8 * 5, size: 8 }, // entries[5]
      { kind: "store", address: tcache + 2 * 5, size: 2 }, // counts[5]
    ]);
    expect(m.usableSize(p)).toBe(-1);
    expect(m.malloc(100)).toBe(p);
    expect(host.take()).toEqual([
      { kind: "store", address: tcache + 128 + 8 * 5, size: 8 },
      { kind: "store", address: tcache + 2 * 5, size: 2 },
      { kind: "store", address: p + 8, size: 8 }, // e->key = 0
    ]);
  });

  it("reports double frees and invalid pointers as glibc would abort", () => {
    const { host, m } = fresh();
    const p = m.malloc(100);
    expect(m.free(0)).toBe("ok");
    host.take();
    expect(m.free(p)).toBe("ok");
    host.take();
    expect(m.free(p)).toBe<FreeResult>("double-free");
    expect(m.lastAbortMessage()).toBe("free(): double free detected in tcache 2");
    expect(m.free(p + 8)).toBe<FreeResult>("invalid-pointer");
    expect(m.lastAbortMessage()).toBe("free(): invalid pointer");
    expect(m.free(0x1234)).toBe<FreeResult>("invalid-pointer");
    expect(m.free(BRK0 + 0x10)).toBe<FreeResult>("invalid-pointer"); // the tcache struct
    expect(host.take()).toEqual([]); // nothing changed

    // A second free of a chunk at the head of its fastbin (tcache bin full).
    const q = Array.from({ length: 8 }, () => m.malloc(40));
    for (const x of q) expect(m.free(x)).toBe("ok");
    expect(m.free(q[7] ?? 0)).toBe("double-free");
    expect(m.lastAbortMessage()).toBe("double free or corruption (fasttop)");
    const big = m.malloc(5000);
    m.malloc(16);
    expect(m.free(big)).toBe("ok");
    expect(m.free(big)).toBe("double-free");
    expect(m.lastAbortMessage()).toBe("double free or corruption (!prev)");
    expect(m.checkInvariants()).toEqual([]);
  });

  it("fills 7 tcache entries, then fastbins; reuses them in glibc's order (real run)", () => {
    const { m } = fresh();
    const p = Array.from({ length: 9 }, () => m.malloc(64));
    expect(p.map((x) => x - BRK0)).toEqual([
      0x2a0, 0x2f0, 0x340, 0x390, 0x3e0, 0x430, 0x480, 0x4d0, 0x520,
    ]);
    for (const x of p) m.free(x);
    const again = Array.from({ length: 10 }, () => m.malloc(64));
    // tcache LIFO (6..0), then the fastbin head (8) while 7 is stashed into the tcache, then top.
    expect(again.map((x) => x - BRK0)).toEqual([
      0x480, 0x430, 0x3e0, 0x390, 0x340, 0x2f0, 0x2a0, 0x520, 0x4d0, 0x570,
    ]);
  });

  it("coalesces free neighbours (clearing PREV_INUSE, writing the foot) and splits (real run)", () => {
    const { host, m } = fresh();
    m.malloc(16);
    const a = m.malloc(2000); // chunk 2016: beyond the tcache and fastbins
    const b = m.malloc(2000);
    const c = m.malloc(2000);
    m.malloc(16);
    host.take();
    expect(m.free(a)).toBe("ok");
    const chunkA = a - 16;
    const chunkB = b - 16;
    expect(stores(host.take())).toEqual([
      { address: chunkB + 8, size: 8 }, // clear_inuse_bit_at_offset (nextchunk, 0)
      { address: chunkA + 16, size: 8 }, // fd
      { address: chunkA + 24, size: 8 }, // bk
      { address: chunkA + 32, size: 8 }, // fd_nextsize = NULL (a large chunk)
      { address: chunkA + 40, size: 8 }, // bk_nextsize = NULL
      { address: chunkA + 8, size: 8 }, // set_head
      { address: chunkB, size: 8 }, // set_foot: the next chunk's prev_size
    ]);
    expect(m.free(c)).toBe("ok");
    expect(m.free(b)).toBe("ok"); // merges with both neighbours
    expect(m.checkInvariants()).toEqual([]);
    expect(m.malloc(6000)).toBe(BRK0 + 0x2c0);
    expect(m.usableSize(BRK0 + 0x2c0)).toBe(6008);
    expect(m.malloc(10)).toBe(BRK0 + 0x1a40); // the 32-byte remainder, via the tcache
  });

  it("coalesces into top and trims the heap above trim_threshold + top_pad (real run)", () => {
    const { host, m } = fresh();
    m.malloc(16);
    const p = [m.malloc(100000), m.malloc(100000), m.malloc(100000)];
    expect(host.current - BRK0).toBe(0x52000);
    host.take();
    m.free(p[2] ?? 0);
    expect(host.current - BRK0).toBe(0x52000); // top 0x20ff0: nothing to release beyond top_pad
    m.free(p[1] ?? 0);
    expect(syscalls(host.take())).toEqual([
      { kind: "brk", arg: BRK0 + 0x39000, result: BRK0 + 0x39000 },
    ]);
    m.free(p[0] ?? 0);
    expect(host.current - BRK0).toBe(0x21000);
    const s = m.stats();
    expect(s.top).toBe(BRK0 + 0x2b0);
    expect(s.top + s.topSize).toBe(host.current);
    expect(s.inUseBytes).toBe(32);
  });

  it("keeps the dynamic threshold at or below 32 MiB", () => {
    const { m } = fresh();
    const huge = m.malloc(40 * 1024 * 1024);
    expect(m.isMmapped(huge)).toBe(true);
    m.free(huge);
    expect(m.stats().mmapThreshold).toBe(DEFAULT_MMAP_THRESHOLD);
    const q = m.malloc(200000);
    expect(m.isMmapped(q)).toBe(true); // real glibc: still mmapped
  });
});

describe("GlibcMalloc: calloc", () => {
  it("clears chunksize - 8 bytes of a reused or carved chunk, bypassing the tcache", () => {
    const { host, m } = fresh();
    const p = m.malloc(100);
    m.free(p); // into the tcache
    host.take();
    const q = m.calloc(100);
    expect(q).not.toBe(p); // calloc does not look at the tcache
    expect(stores(host.take())).toEqual([
      { address: q - 8, size: 8 },
      { address: q - 16 + 112 + 8, size: 8 },
      { address: q, size: 104 },
    ]);
    expect(m.calloc(25, 4)).toBeGreaterThan(q);
  });

  it("does not touch a fresh mmapped chunk beyond its header", () => {
    const { host, m } = fresh();
    m.malloc(16);
    host.take();
    const p = m.calloc(1 << 20);
    expect(stores(host.take())).toEqual([{ address: p - 16, size: 16 }]);
  });

  it("clears only the part of a chunk that was inside the old top chunk", () => {
    const { host, m } = fresh();
    m.malloc(16);
    m.calloc(120000); // from top, fully cleared
    host.take();
    const oldTopSize = m.stats().topSize;
    const p = m.calloc(50000); // top too small: brk grows; the new part is known zero
    const events = host.take();
    expect(syscalls(events)).toHaveLength(1);
    expect(stores(events).at(-1)).toEqual({ address: p, size: oldTopSize - 8 });
  });
});

describe("GlibcMalloc: when brk or mmap fail", () => {
  it("falls back to a 1 MiB mmap as a non-contiguous heap when brk cannot grow (real run)", () => {
    const { host, m } = fresh();
    host.brkLimit = BRK0; // something is mapped right at the break
    const p0 = m.malloc(16);
    const calls = syscalls(host.take());
    expect(calls.map((e) => e.kind)).toEqual(["brk", "brk", "mmap"]);
    const map = calls[2];
    const base = map?.kind === "mmap" ? map.result : 0;
    expect(map?.kind === "mmap" && map.length).toBe(1 << 20);
    expect(p0).toBe(base + 0x2a0);
    expect(m.stats().heapStart).toBe(base);
    const p1 = m.malloc(500000);
    const p2 = m.malloc(100000);
    const p3 = m.malloc(900000);
    expect(p1 - p0).toBe(32);
    expect(p2 - p0).toBe(500048);
    expect(m.isMmapped(p3)).toBe(true);
    expect(m.usableSize(p3)).toBe(901104);
    m.free(p2);
    expect(m.malloc(50000) - p0).toBe(500048);
    expect(host.current).toBe(BRK0);
    expect(host.badStores).toEqual([]);
  });

  it("returns 0 when neither brk nor mmap can provide memory", () => {
    const { host, m } = fresh();
    host.brkLimit = BRK0;
    host.mmapFails = true;
    expect(m.malloc(16)).toBe(0);
    expect(m.calloc(16)).toBe(0);
    host.mmapFails = false;
    expect(m.malloc(16)).not.toBe(0); // the tcache is set up on a later call
  });

  it("uses the brk heap when the mmap for a large request fails", () => {
    const { host, m } = fresh();
    m.malloc(16);
    host.mmapFails = true;
    const p = m.malloc(1 << 20);
    expect(p).toBe(BRK0 + 0x2c0);
    expect(m.isMmapped(p)).toBe(false);
  });
});

describe("GlibcMalloc: fork", () => {
  it("cloneFor gives the child an independent copy bound to the child's host", () => {
    const { host, m } = fresh();
    const p = m.malloc(100);
    const childHost = new FakeHost();
    childHost.current = host.current;
    const child = m.cloneFor(childHost);
    expect(child.stats()).toEqual(m.stats());
    host.take();
    expect(child.free(p)).toBe("ok");
    expect(stores(childHost.take())).toHaveLength(4);
    expect(host.take()).toEqual([]);
    expect(child.malloc(100)).toBe(p);
    expect(m.malloc(100)).not.toBe(p);
    expect(m.usableSize(p)).toBe(104);
    expect(child.usableSize(p)).toBe(104);
  });
});

describe("GlibcMalloc: traces recorded from the real glibc 2.36", () => {
  it("mixed small, large and mmapped requests, with trims", () => {
    replayGolden(GOLDEN_MIXED);
  });
  it("small requests: tcache, fastbins, consolidation, last remainder", () => {
    replayGolden(GOLDEN_SMALL);
  });
});

describe("GlibcMalloc: properties", () => {
  const sizeArb = fc.oneof(
    fc.integer({ min: 0, max: 128 }),
    fc.integer({ min: 0, max: 1100 }),
    fc.integer({ min: 1000, max: 70000 }),
    fc.integer({ min: 60000, max: 300000 }),
    fc.integer({ min: 0, max: 3_000_000 }),
  );
  const opArb = fc.oneof(
    fc.record({ kind: fc.constant("malloc" as const), size: sizeArb }),
    fc.record({ kind: fc.constant("calloc" as const), size: sizeArb }),
    fc.record({ kind: fc.constant("free" as const), index: fc.nat() }),
    fc.record({ kind: fc.constant("free" as const), index: fc.nat() }),
  );

  it("never hands out overlapping blocks; aligned; big enough; stores only in obtained memory and never in other live blocks", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 150 }), (ops) => {
        const { host, m } = fresh();
        const live: { p: number; end: number }[] = [];
        for (const op of ops) {
          host.take();
          let mine = 0;
          if (op.kind === "free") {
            if (live.length === 0) continue;
            const [block] = live.splice(op.index % live.length, 1);
            expect(m.free(block?.p ?? 0)).toBe("ok");
          } else {
            const p = op.kind === "malloc" ? m.malloc(op.size) : m.calloc(op.size);
            expect(p).not.toBe(0);
            expect(p % 16).toBe(0);
            const usable = m.usableSize(p);
            expect(usable).toBeGreaterThanOrEqual(op.size);
            for (const b of live) expect(p + usable <= b.p || b.end <= p).toBe(true);
            live.push({ p, end: p + usable });
            mine = p;
          }
          for (const s of stores(host.events)) {
            for (const b of live) {
              if (b.p === mine) continue;
              expect(s.address + s.size <= b.p || b.end <= s.address).toBe(true);
            }
          }
          expect(host.badStores).toEqual([]);
          expect(m.checkInvariants()).toEqual([]);
        }
        for (const b of live) expect(m.free(b.p)).toBe("ok");
        expect(m.stats().inUseBytes).toBe(0);
        expect(m.stats().mmappedChunks).toBe(0);
        expect(m.checkInvariants()).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
