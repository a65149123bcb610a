/**
 * The TLBs as grids of sets × ways: each valid entry's virtual page number, PCID and flags. The
 * entry of the page the current access touches is lit, with what the access did to it.
 */
import {
  ACCESS_EXEC,
  HOP_L1_TLB,
  HOP_STLB,
  OUTCOME_HIT,
  TLB_DIRTY,
  TLB_GLOBAL,
  TLB_NX,
  TLB_USER,
  TLB_WRITABLE,
  type Tlb,
} from "@vmscope/engine";
import type { MachineView } from "../machine_view.js";
import type { AccessRecord } from "../recording.js";

/** A TLB with at most this many sets shows all of them; a bigger one only the sets in use. */
const ALL_SETS_UP_TO = 16;

function flagText(flags: number): string {
  const parts: string[] = [];
  parts.push(flags & TLB_WRITABLE ? "RW" : "RO");
  if (flags & TLB_USER) parts.push("US");
  if (flags & TLB_DIRTY) parts.push("D");
  if (flags & TLB_NX) parts.push("NX");
  if (flags & TLB_GLOBAL) parts.push("G");
  return parts.join(" ");
}

/** What the current access did to this TLB's entry for its page. */
function entryState(
  which: "l1" | "stlb",
  access: AccessRecord,
  after: boolean,
  slot: number,
): string {
  if (slot < 0) return after ? "holds no entry for this page" : "holds no entry for this page yet";
  if (!after) return "holds this page: the access will find it";
  const hops = access.hops;
  if (which === "l1") {
    return hops[0]?.hop === HOP_L1_TLB && hops[0].outcome === OUTCOME_HIT
      ? "hit"
      : "filled by this access";
  }
  const stlb = hops.filter((hop) => hop.hop === HOP_STLB);
  if (stlb.some((hop) => hop.outcome === OUTCOME_HIT)) return "hit";
  return stlb.length > 0 ? "filled by this access" : "holds this page (not looked up)";
}

export function TlbPanel({
  machine,
  access,
  after,
}: {
  machine: MachineView;
  access: AccessRecord | null;
  /** Whether the machine is the state after `access` completed (else before it started). */
  after: boolean;
}) {
  const cpu = { ...machine.tlbs, pcid: machine.pcid };
  const process =
    access === null
      ? undefined
      : machine.processes.find((candidate) => candidate.pid === access.pid);
  const asid = process === undefined ? -1 : process.asid;
  const vpn = access === null ? -1 : Math.floor(access.address / 4096);
  const l1 = access !== null && access.kind === ACCESS_EXEC ? cpu.itlb : cpu.dtlb;
  const levels: [string, string, Tlb, "l1" | "stlb" | null][] = [
    ["dTLB", "L1 data", cpu.dtlb, l1 === cpu.dtlb ? "l1" : null],
    ["iTLB", "L1 instruction", cpu.itlb, l1 === cpu.itlb ? "l1" : null],
    ["STLB", "L2 shared", cpu.stlb, "stlb"],
  ];
  return (
    <div className="tlbs" data-testid="tlbs">
      {access !== null && (
        <p className="tlb-key">
          Current access: page <code>0x{vpn.toString(16)}</code>
          {asid >= 0 && cpu.pcid ? `, PCID ${asid}` : ""}; its set is lit, its entry outlined.
          {cpu.pcid ? "" : " PCID is off: every switch flushes the TLBs."}
        </p>
      )}
      {levels.map(([name, title, tlb, role]) => {
        const slot = role !== null && asid >= 0 && vpn >= 0 ? tlb.peek(vpn, asid) : -1;
        const currentSet = role !== null && vpn >= 0 ? tlb.setIndex(vpn) : -1;
        return (
          <TlbGrid
            key={name}
            name={name}
            title={title}
            tlb={tlb}
            currentSet={currentSet}
            currentSlot={slot}
            state={role !== null && access !== null ? entryState(role, access, after, slot) : null}
          />
        );
      })}
    </div>
  );
}

function TlbGrid({
  name,
  title,
  tlb,
  currentSet,
  currentSlot,
  state,
}: {
  name: string;
  title: string;
  tlb: Tlb;
  currentSet: number;
  currentSlot: number;
  state: string | null;
}) {
  const sets: number[] = [];
  for (let set = 0; set < tlb.sets; set++) {
    if (tlb.sets <= ALL_SETS_UP_TO || set === currentSet) {
      sets.push(set);
      continue;
    }
    for (let way = 0; way < tlb.ways; way++) {
      if (tlb.flags[set * tlb.ways + way] !== 0) {
        sets.push(set);
        break;
      }
    }
  }
  const ways = Array.from({ length: tlb.ways }, (_, way) => way);
  return (
    <section className="tlb" data-tlb={name} aria-label={`${name} (${title})`}>
      <h3>
        {name} <span className="muted">{title}</span>{" "}
        <span className="muted">
          · {tlb.sets} sets × {tlb.ways} ways · {tlb.validCount()} of {tlb.entries} valid
          {sets.length < tlb.sets ? ` · showing the ${sets.length} sets in use` : ""}
        </span>
      </h3>
      {state !== null && (
        <p className="tlb-state" data-testid={`tlb-state-${name}`}>
          This access: {state}
          {currentSlot >= 0
            ? ` (set ${currentSet}, way ${currentSlot - currentSet * tlb.ways})`
            : currentSet >= 0
              ? ` (its set is ${currentSet})`
              : ""}
        </p>
      )}
      <div className="tlb-scroll">
        <table className="tlb-grid">
          <thead>
            <tr>
              <th scope="col">set</th>
              {ways.map((way) => (
                <th scope="col" key={way}>
                  way {way}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sets.map((set) => (
              <tr key={set} className={set === currentSet ? "current-set" : undefined}>
                <th scope="row">{set}</th>
                {ways.map((way) => {
                  const slot = set * tlb.ways + way;
                  const flags = tlb.flags[slot] as number;
                  if (flags === 0)
                    return (
                      <td key={way} className="empty">
                        ·
                      </td>
                    );
                  const current = slot === currentSlot;
                  return (
                    <td
                      key={way}
                      className={current ? "lit" : undefined}
                      data-testid={current ? `tlb-current-${name}` : undefined}
                      data-vpn={(tlb.vpn[slot] as number).toString(16)}
                    >
                      <span className="tlb-vpn">{(tlb.vpn[slot] as number).toString(16)}</span>
                      <span className="tlb-meta">
                        PCID {tlb.asid[slot]} · {flagText(flags)}
                      </span>
                      <span className="tlb-meta">
                        → pfn {(tlb.pfn[slot] as number).toString(16)}
                      </span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
