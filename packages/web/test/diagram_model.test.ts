/**
 * The diagram's model and the page's extra words, on a recorded run of textbook-policy (reclaim
 * in faults, kswapd between statements, major swap-ins): what each says must follow the events
 * the engine counted during and before each access.
 */
import { BUILTIN_SCENARIOS, HOP_FAULT, OUTCOME_SWAP_IN } from "@vmscope/engine";
import { describe, expect, it } from "vitest";
import { diagramState, eventNotes, litParts } from "../src/diagram/model.js";
import { explainDetail } from "../src/explain.js";
import { type AccessRecord, recordScenario } from "../src/recording.js";

const textbook = BUILTIN_SCENARIOS.find((scenario) => scenario.name === "textbook-policy");
if (textbook === undefined) throw new Error("textbook-policy is missing");
const recording = recordScenario(textbook.source, "textbook-policy.vms");
const faultAt = (access: AccessRecord) => access.hops.findIndex((hop) => hop.hop === HOP_FAULT);

describe("diagram model and event notes", () => {
  it("counts what happened during and before each access", () => {
    const reclaimed = recording.accesses.filter(
      (access) => (access.during?.pgsteal_direct ?? 0) > 0,
    );
    expect(reclaimed.length).toBeGreaterThan(0);
    const kswapd = recording.accesses.filter((access) => (access.before?.pgscan_kswapd ?? 0) > 0);
    expect(kswapd.length).toBeGreaterThan(0);
    // The first access of the run has no statement before it that moved a page.
    expect(recording.accesses[0]?.before).toBeNull();
    let stolen = 0;
    for (const access of recording.accesses)
      stolen += (access.during?.pgsteal_direct ?? 0) + (access.before?.pgsteal_direct ?? 0);
    // Everything up to the end of the last access, counted once.
    expect(stolen).toBe(recording.after.at(-1)?.vmstat.pgsteal_direct);
  });

  it("tells of direct reclaim from the fault hop on, and of kswapd from the start", () => {
    const access = recording.accesses.find(
      (candidate) => (candidate.during?.pgsteal_direct ?? 0) > 0,
    );
    if (access === undefined) throw new Error("no direct reclaim");
    const fault = faultAt(access);
    expect(eventNotes(access, fault - 1).some((note) => note.startsWith("Direct reclaim"))).toBe(
      false,
    );
    const notes = eventNotes(access, fault);
    expect(notes.some((note) => note.includes(`reclaimed ${access.during?.pgsteal_direct}`))).toBe(
      true,
    );
    // The fault lights the handler, the frames and kswapd (reclaim ran in it), and the swap
    // area and the disk when reclaim wrote pages out.
    const wroteOut = (access.during?.pswpout ?? 0) > 0;
    expect(litParts(diagramState(access, fault))).toEqual([
      "fault",
      "frames",
      "kswapd",
      ...(wroteOut ? ["swaparea", "disk"] : []),
    ]);
    const kswapd = recording.accesses.find(
      (candidate) => (candidate.before?.pgscan_kswapd ?? 0) > 0,
    );
    if (kswapd === undefined) throw new Error("no kswapd run");
    expect(eventNotes(kswapd, -1)[0]).toMatch(/^Before this access kswapd ran/);
    expect(diagramState(kswapd, -1).kswapd.visits).toHaveLength(1);
  });

  it("calls a swap-in major when the disk was read, and says how long it waited", () => {
    const swapIns = recording.accesses.filter((access) =>
      access.hops.some((hop) => hop.hop === HOP_FAULT && hop.outcome === OUTCOME_SWAP_IN),
    );
    expect(swapIns.length).toBe(100);
    for (const access of swapIns) {
      const fault = faultAt(access);
      const hop = access.hops[fault];
      if (hop === undefined) throw new Error("no fault hop");
      const major = (access.during?.pgmajfault ?? 0) > 0;
      expect(major).toBe(true);
      const detail = explainDetail(hop, access, 3);
      expect(detail).toContain("a major fault");
      expect(detail).toContain(`The disk read ${access.during?.disk_pages_read} page`);
      expect(detail).toContain(`${hop.cycles.toLocaleString("en-US")} cycles`);
      const state = diagramState(access, fault);
      const reclaimed = (access.during?.pgsteal_direct ?? 0) > 0;
      expect(litParts(state)).toEqual([
        "fault",
        "frames",
        ...(reclaimed ? ["kswapd"] : []),
        "swapcache",
        "swaparea",
        "disk",
      ]);
      expect(state.fault.visits.at(-1)?.outcome).toBe("swapped in, major");
    }
  });
});
