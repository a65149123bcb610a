import { describe, expect, it } from "vitest";
import { DEFAULT_MACHINE_CONFIG, type MachineConfig, machineConfigFrom } from "../config.js";
import { assertInvariants } from "../invariants/index.js";
import { PROT_READ, PROT_WRITE } from "../mm/vma.js";
import { renderMaps } from "../proc/maps.js";
import { processCounters } from "../proc/status.js";
import { tlbCounters } from "../proc/tlb.js";
import { LackeyAccessParser } from "../trace/lackey.js";
import { createTraceParser } from "../trace/reader.js";
import { parseMaps } from "./maps_file.js";
import { TraceReplay } from "./replay.js";

/** Both passes of a replay of lackey text, laid out from `maps` when given. */
function replay(trace: string, maps?: string, config: MachineConfig = DEFAULT_MACHINE_CONFIG) {
  const run = new TraceReplay("prog", config);
  const bytes = new TextEncoder().encode(trace);
  const scan = new LackeyAccessParser(run.collector);
  scan.push(bytes);
  scan.end();
  const layout = maps === undefined ? run.layOutFromTrace() : run.layOutFromMaps(parseMaps(maps));
  const play = new LackeyAccessParser(run.player);
  play.push(bytes);
  play.end();
  assertInvariants(run.machine, "after the replay");
  return {
    run,
    layout,
    outcome: run.outcome(),
    counters: processCounters(run.process),
    tlb: tlbCounters(run.machine),
    maps: renderMaps(run.machine, run.process),
  };
}

/** One lackey record per page: `kind` at offset 8 of pages first..first+count-1. */
function perPage(kind: string, first: number, count: number): string {
  let text = "";
  for (let page = first; page < first + count; page++) {
    text += `${kind === "I" ? "I " : ` ${kind}`} ${(page * 4096 + 8).toString(16)},8\n`;
  }
  return text;
}

describe("replay laid out from the trace", () => {
  it("starts with an empty address space: nothing mapped, nothing cached", () => {
    const run = new TraceReplay("prog", DEFAULT_MACHINE_CONFIG);
    expect(run.process.mm.vmas).toHaveLength(0);
    const images = [...run.machine.cachedImages()];
    expect(images.map((image) => image.pages.size)).toEqual([0]);
    expect(run.machine.phys.freeFrames).toBe(
      new TraceReplay("other", DEFAULT_MACHINE_CONFIG).machine.phys.freeFrames,
    );
  });

  it("N distinct pages written cost N minor faults; writing them again costs none", () => {
    const { counters, outcome, layout } = replay(perPage("S", 0x600, 40) + perPage("S", 0x600, 40));
    expect(counters.minflt).toBe(40);
    expect(counters.majflt).toBe(0);
    expect(counters.rss_anon_kb).toBe(160);
    expect(outcome).toMatchObject({ records: 80, replayed: 80, beyondUserSpace: 0 });
    expect(layout).toMatchObject({ source: "trace", vmas: 1, fromTrace: 1 });
  });

  it("a read maps the zero page, a later write to it copies: two faults, one of them COW", () => {
    const { counters } = replay(" L 600010,8\n S 600010,8\n");
    expect(counters).toMatchObject({ minflt: 2, cow_faults: 1, rss_anon_kb: 4 });
  });

  it("an M record is a load then a store of the same bytes", () => {
    const { counters, tlb } = replay(" M 600010,4\n");
    expect(counters).toMatchObject({ minflt: 2, cow_faults: 1 });
    // Two walks for the load (before and after its fault), two for the store (it finds the
    // read-only entry, faults, and walks again after the copy).
    expect(tlb.page_walks).toBe(4);
  });

  it("code pages are fetched through the iTLB from an r-x mapping", () => {
    const { counters, tlb, maps } = replay(`${perPage("I", 0x400, 3)}I  400010,4\n`);
    expect(counters.minflt).toBe(3);
    expect(tlb.itlb_hits).toBe(1);
    expect([tlb.dtlb_hits, tlb.dtlb_misses]).toEqual([0, 0]);
    expect(maps).toBe("00400000-00403000 r-xp 00000000 00:00 0 \n");
  });

  it("an access across a page boundary touches both pages", () => {
    const { counters, maps } = replay(" S 600ffc,8\n");
    expect(counters.minflt).toBe(2);
    expect(maps).toBe("00600000-00602000 rw-p 00000000 00:00 0 \n");
  });

  it("skips and counts accesses beyond user space", () => {
    const { outcome, counters } = replay("I  ffffffffff600000,4\n L 600000,8\n");
    expect(outcome).toMatchObject({ records: 2, replayed: 1, beyondUserSpace: 1 });
    expect(counters.minflt).toBe(1);
  });

  it("stops at the record that kills the process and counts the rest", () => {
    // 2000 pages written on a machine of 4 MiB without swap: the OOM killer ends it.
    const { outcome, run } = replay(
      perPage("S", 0x1000, 2000),
      undefined,
      machineConfigFrom([{ key: "ram", value: "4M" }]),
    );
    expect(outcome.signal?.signal).toBe("SIGKILL");
    expect(outcome.killedAtRecord).toBeGreaterThan(0);
    expect(outcome.killedAtRecord).toBeLessThan(2000);
    expect(outcome.afterDeath).toBe(2000 - outcome.killedAtRecord);
    expect(run.process.alive).toBe(false);
  });

  it("replays the page references of the other address formats as one-byte accesses", () => {
    const run = new TraceReplay("prog", DEFAULT_MACHINE_CONFIG);
    const text = new TextEncoder().encode("0x600000 R\n0x601000 W\n0x600008 W\n");
    const scan = createTraceParser("vmsim", { pageSize: 4096 }, run.collector);
    scan.push(text);
    scan.end();
    run.layOutFromTrace();
    const play = createTraceParser("vmsim", { pageSize: 4096 }, run.player);
    play.push(text);
    play.end();
    // 0x600000: zero page, then a COW copy; 0x601000: a fresh page.
    expect(processCounters(run.process)).toMatchObject({ minflt: 3, cow_faults: 1 });
    expect(run.outcome().replayed).toBe(3);
  });
});

describe("replay laid out from a maps file", () => {
  const MAPS = `00400000-00401000 r--p 00000000 08:01 77 /usr/bin/prog
00401000-00402000 r-xp 00001000 08:01 77 /usr/bin/prog
00403000-00404000 r--p 00002000 08:01 77 /usr/bin/prog
00404000-00405000 rw-p 00003000 08:01 77 /usr/bin/prog
00405000-00426000 rw-p 00000000 00:00 0 [heap]
7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]
`;

  it("maps each entry: files (cached, so minor faults), [heap], a growing [stack]", () => {
    const trace =
      "I  401000,4\n L 400040,8\n M 404010,8\n S 405000,8\n S 7fffffffe000,8\n S 7ffffffdd000,8\n";
    const { counters, layout, maps, run } = replay(trace, MAPS);
    expect(layout).toMatchObject({
      source: "maps",
      fromMaps: 6,
      mapsBeyondUserSpace: 1,
      fromTrace: 0,
      outsidePages: 0,
      files: 1,
      cachedFiles: 1,
    });
    // text, rodata: one file fault each; data: a read fault then a COW copy; heap and stack:
    // one each; the last store grows the stack by a page.
    expect(counters).toMatchObject({ minflt: 7, majflt: 0, rss_file_kb: 8 });
    expect(maps).toContain("00405000-00426000 rw-p 00000000 00:00 0");
    expect(maps).toMatch(/00405000-00426000 .* \[heap\]\n/);
    expect(maps).toMatch(/7ffffffdd000-7ffffffff000 rw-p .* \[stack\]\n/);
    expect(maps).toMatch(/00401000-00402000 r-xp 00001000 08:01 \d+ +\/usr\/bin\/prog\n/);
    expect(run.machine.files.get("/usr/bin/prog")?.size).toBe(4 * 4096);
  });

  it("widens a mapping the trace wrote before it was made read-only (RELRO)", () => {
    const { counters, layout, outcome } = replay(" S 403008,8\n L 403010,8\n", MAPS);
    expect(layout.widened).toEqual([
      { start: 0x403000, end: 0x404000, from: PROT_READ, to: PROT_READ | PROT_WRITE, line: 3 },
    ]);
    expect(outcome.signal).toBeNull();
    expect(counters.minflt).toBe(1);
  });

  it("gives pages outside every entry anonymous mappings, without spanning an entry", () => {
    const trace = " S 300000,8\n S 301000,8\n L 402000,8\n S 500000,8\n S 500008,8\n";
    const { layout, counters, maps } = replay(trace, MAPS);
    expect(layout).toMatchObject({ fromTrace: 3, outsidePages: 4, outsideRecords: 5 });
    expect(counters.minflt).toBe(4);
    expect(maps).toContain("00300000-00302000 rw-p 00000000 00:00 0 \n");
    expect(maps).toContain("00402000-00403000 r--p 00000000 00:00 0 \n");
    expect(maps).toContain("00500000-00501000 rw-p 00000000 00:00 0 \n");
  });

  it("maps shared anonymous memory to a shmem object, and files beyond half the RAM uncached", () => {
    const maps =
      "10000000-10001000 rw-s 00000000 00:01 5 \n20000000-23000000 r--p 00000000 08:01 9 /big\n";
    const { counters, layout } = replay(
      " S 10000000,8\n L 20000000,8\n",
      maps,
      machineConfigFrom([{ key: "ram", value: "64M" }]),
    );
    expect(layout).toMatchObject({ files: 1, cachedFiles: 0 });
    expect(counters).toMatchObject({ minflt: 1, majflt: 1, rss_shmem_kb: 4 });
  });
});
