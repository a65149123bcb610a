/**
 * The page's recording of a page-table design's walk reads (the probe's designRead) and of 2 MiB
 * TLB hits, checked against the engine's own probe and counters; the diagram's parts and the
 * address split for each design, checked against the hops' own numbers.
 */
import {
  type AccessProbe,
  BUILTIN_SCENARIOS,
  type DesignRead,
  explainHop,
  HOP_L1_TLB,
  HOP_WALK_PGD,
  HOP_WALK_PTE,
  type JourneyHop,
  journeyHopName,
  type Machine,
  parseScenario,
  READ_ANCHOR,
  READ_REFILL_ANCHOR,
  runScenario,
  walkTermsOf,
} from "@vmscope/engine";
import { describe, expect, it } from "vitest";
import { addressFields } from "../src/address_split.js";
import { diagramState, litParts, partsOfHop, walkerParts } from "../src/diagram/model.js";
import { designTerms } from "../src/explain.js";
import { type AccessRecord, type Recording, recordScenario } from "../src/recording.js";

/** A small run that walks, faults, forks (two tags for one frame: an inverted refill) and walks again. */
function scenario(pagetable: string): string {
  return [
    `machine ram=64M pagetable=${pagetable}`,
    "spawn app",
    "app: p = mmap 64K",
    "app: write p 8",
    "app: read p+4096 8",
    "app: write p+8192 8",
    "child = app: fork",
    "child: read p 8",
    "app: read p 8",
    "app: read p+8192 8",
    "",
  ].join("\n");
}

/** The engine's run with a probe that keeps each hop and the design read before it, as `vmscope explain` does. */
function engineHops(source: string): { hops: JourneyHop[][]; pagetable: string } {
  const accesses: JourneyHop[][] = [];
  let pending: DesignRead | null = null;
  const probe: AccessProbe = {
    accessStart() {
      accesses.push([]);
    },
    designRead(kind, level, last) {
      pending = { kind, level, last };
    },
    hop(hop, outcome, cycles, a, b) {
      const read = pending;
      pending = null;
      accesses
        .at(-1)
        ?.push(
          read === null ? { hop, outcome, cycles, a, b } : { hop, outcome, cycles, a, b, read },
        );
    },
    accessEnd() {},
  };
  let machine: Machine | null = null;
  runScenario(parseScenario(source, "design.vms"), {
    probe,
    onMachine: (built) => {
      machine = built;
    },
  });
  return { hops: accesses, pagetable: (machine as Machine | null)?.config.pagetable ?? "" };
}

const recordings = new Map<string, Recording>();
function recordingOf(pagetable: string): Recording {
  let recording = recordings.get(pagetable);
  if (recording === undefined) {
    recording = recordScenario(scenario(pagetable), "design.vms");
    recordings.set(pagetable, recording);
  }
  return recording;
}

const designReads = (access: AccessRecord) => access.hops.filter((hop) => hop.read !== undefined);

describe("recording a design's walk reads", () => {
  it.each(["la57", "inverted", "linear", "multilevel:10,10,15"])(
    "%s: every hop and the read before it equal the engine's probe",
    (pagetable) => {
      const recording = recordingOf(pagetable);
      const engine = engineHops(scenario(pagetable));
      expect(recording.hardware.pagetable).toBe(engine.pagetable);
      expect(recording.accesses.length).toBe(engine.hops.length);
      recording.accesses.forEach((access, index) => {
        expect({ index, hops: access.hops }).toEqual({ index, hops: engine.hops[index] });
      });
      expect(recording.accesses.some((access) => designReads(access).length > 0)).toBe(true);
    },
  );

  it("records no design reads on x86-64, and the engine's x86 words stay", () => {
    const recording = recordingOf("x86-64");
    expect(recording.hardware.pagetable).toBe("x86-64");
    expect(recording.accesses.flatMap(designReads)).toEqual([]);
    expect(designTerms("x86-64")).toBeNull();
    expect(walkerParts(null)).toEqual(["walk-pgd", "walk-pud", "walk-pmd", "walk-pte"]);
  });

  it("la57: the PML5 read lights its own box with CR3, and the PGD read no longer takes CR3", () => {
    const recording = recordingOf("la57");
    const terms = designTerms("la57");
    expect(walkerParts(terms)).toEqual([
      "walk-pml5",
      "walk-pgd",
      "walk-pud",
      "walk-pmd",
      "walk-pte",
    ]);
    const access = recording.accesses[0] as AccessRecord;
    const pml5 = access.hops.findIndex((hop) => hop.read !== undefined);
    const pml5Hop = access.hops[pml5] as JourneyHop;
    expect(journeyHopName(pml5Hop, terms)).toBe("walk PML5");
    expect(litParts(diagramState(access, pml5, terms))).toEqual(["mmu", "walk-pml5"]);
    const pgd = access.hops.findIndex((hop) => hop.hop === HOP_WALK_PGD && hop.read === undefined);
    expect(pgd).toBeGreaterThan(pml5);
    expect(litParts(diagramState(access, pgd, terms))).toEqual(["walk-pgd"]);
    // The address split: the PML5 index is the entry the read took.
    const fields = addressFields(access.address, terms, access.pid, recording.hardware.ramFrames);
    expect(fields.map((field) => field.label)).toEqual(["PML5", "PGD", "PUD", "PMD", "PTE"]);
    expect(fields[0]?.value).toBe(String(pml5Hop.b));
  });

  it("inverted: anchor, chain and refill reads light their boxes; the bucket is the anchor's", () => {
    const recording = recordingOf("inverted");
    const terms = designTerms("inverted");
    expect(walkerParts(terms)).toEqual(["walk-anchor", "walk-chain", "walk-refill"]);
    const names = new Set<string>();
    let refills = 0;
    for (const access of recording.accesses) {
      access.hops.forEach((hop, index) => {
        if (hop.read === undefined) return;
        const name = journeyHopName(hop, terms);
        names.add(name.replace(/ \d+$/, ""));
        const lit = litParts(diagramState(access, index, terms));
        if (hop.read.kind === READ_ANCHOR) expect(lit).toEqual(["mmu", "walk-anchor"]);
        else if (hop.read.kind === READ_REFILL_ANCHOR) {
          refills++;
          expect(lit).toEqual(["walk-anchor", "walk-refill"]);
        } else expect(lit).toContain("walk-chain");
        if (hop.read.kind === READ_ANCHOR || hop.read.kind === READ_REFILL_ANCHOR) {
          const fields = addressFields(
            access.address,
            terms,
            access.pid,
            recording.hardware.ramFrames,
          );
          expect(fields.find((field) => field.label === "bucket")?.value).toBe(String(hop.b));
        }
      });
    }
    expect([...names].sort()).toEqual([
      "refill anchor",
      "refill chain",
      "walk anchor",
      "walk chain",
    ]);
    expect(refills).toBeGreaterThan(0);
  });

  it("multilevel: one box per level, each read in its level's box, the split gives each read's index", () => {
    const recording = recordingOf("multilevel:10,10,15");
    const terms = designTerms("multilevel:10,10,15");
    expect(walkerParts(terms)).toEqual(["walk-l1", "walk-l2", "walk-l3"]);
    let checked = 0;
    for (const access of recording.accesses) {
      const fields = addressFields(access.address, terms, access.pid, recording.hardware.ramFrames);
      expect(fields.map((field) => field.bits)).toEqual(["46-37", "36-27", "26-12"]);
      access.hops.forEach((hop, index) => {
        if (hop.read === undefined) return;
        const level = hop.read.level;
        expect(partsOfHop(hop, access, terms)[0]).toBe(`walk-l${level + 1}`);
        expect(fields[level]?.value).toBe(String(hop.b));
        expect(litParts(diagramState(access, index, terms))).toEqual(
          level === 0 ? ["mmu", "walk-l1"] : [`walk-l${level + 1}`],
        );
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(6);
  });

  it("linear: the one read lights the linear table's box; its index is the page number", () => {
    const recording = recordingOf("linear");
    const terms = designTerms("linear");
    expect(walkerParts(terms)).toEqual(["walk-entry"]);
    const access = recording.accesses[0] as AccessRecord;
    const read = access.hops.findIndex((hop) => hop.read !== undefined);
    const hop = access.hops[read] as JourneyHop;
    expect(hop.hop).toBe(HOP_WALK_PTE);
    expect(journeyHopName(hop, terms)).toBe("walk entry");
    expect(litParts(diagramState(access, read, terms))).toEqual(["mmu", "walk-entry"]);
    expect(explainHop(hop, access, walkTermsOf("linear"))).toContain("linear table's entry");
    const fields = addressFields(access.address, terms, access.pid, recording.hardware.ramFrames);
    expect(fields).toEqual([
      { label: "page", value: `0x${hop.b.toString(16)}`, bits: "46-12", part: "walk-entry" },
    ]);
  });
});

describe("2 MiB TLB arrays", () => {
  const huge = BUILTIN_SCENARIOS.find((candidate) => candidate.name === "huge-pages");
  if (huge === undefined) throw new Error("huge-pages is missing");
  let hugeRecording: Recording | null = null;
  const recordHuge = (): Recording => {
    hugeRecording ??= recordScenario(huge.source, "huge-pages.vms");
    return hugeRecording;
  };

  it("lists dTLB 2M and iTLB 2M when the machine can map 2 MiB pages, and only then", () => {
    const recording = recordHuge();
    expect(recording.hardware.tlbs.dtlb2m).toEqual({ entries: 32, ways: 4 });
    expect(recording.hardware.tlbs.itlb2m).toEqual({ entries: 8, ways: 8 });
    const never = recordScenario(
      scenario("x86-64").replace("machine ", "machine thp=never "),
      "n.vms",
    );
    expect(never.hardware.tlbs.dtlb2m).toBeUndefined();
    expect(never.hardware.tlbs.itlb2m).toBeUndefined();
  });

  it("marks exactly the L1 hits the 2 MiB arrays served, and lights dTLB 2M for them", () => {
    let machine: Machine | null = null;
    const recording = recordHuge();
    runScenario(parseScenario(huge.source, "huge-pages.vms"), {
      onMachine: (built) => {
        machine = built;
      },
    });
    const cpu = (machine as unknown as Machine).cpu;
    const hugeL1Hits = recording.accesses.flatMap((access) =>
      access.hops.filter((hop) => hop.hop === HOP_L1_TLB && hop.huge === true),
    );
    // Each 2 MiB array counts a hit per lookup that finds the page, even one whose rights do not
    // allow the access: the 4 first writes to the read-only huge zero page (the L1 hop is a
    // miss there). Every other 2 MiB lookup hit is an L1 hit hop marked huge.
    expect(cpu.dtlb2m.hits + cpu.itlb2m.hits - hugeL1Hits.length).toBe(4);
    expect(hugeL1Hits.length).toBeGreaterThan(1000);
    // The process without madvise hugepage maps 4 KiB pages only: none of its hops is huge.
    const small = recording.final.processes.find((process) => process.name === "small");
    const smallAccesses = recording.accesses.filter((access) => access.pid === small?.pid);
    expect(smallAccesses.length).toBeGreaterThan(4000);
    expect(smallAccesses.flatMap((access) => access.hops).filter((hop) => hop.huge)).toEqual([]);
    const access = recording.accesses.find(
      (candidate) => candidate.hops[0]?.hop === HOP_L1_TLB && candidate.hops[0].huge === true,
    ) as AccessRecord;
    expect(litParts(diagramState(access, 0, null))).toEqual(["dtlb2m"]);
  });
});
