/**
 * The TLBs as grids of sets × ways: each valid entry's virtual page number, PCID and flags. The
 * entry of the page the current access touches is lit, with what the access did to it.
 *
 * A 2 MiB entry is stored under a negative key (hugeTlbKey: -2 - the 2 MiB page number), in
 * the STLB beside 4 KiB entries and in the L1 TLBs' own 2 MiB arrays; it is shown by its 2 MiB
 * page number and start address, marked "2M", never as the raw key.
 */
import {
  ACCESS_EXEC,
  HOP_L1_TLB,
  HOP_STLB,
  hugeTlbKey,
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

const HUGE_PAGE_BYTES = 2 * 1024 * 1024;

/** The page a TLB key names: a 4 KiB page number, or (negative key) a 2 MiB page's. */
export function pageOfTlbKey(key: number): { huge: boolean; page: number; address: number } {
  if (key >= 0) return { huge: false, page: key, address: key * 4096 };
  const page = -2 - key;
  return { huge: true, page, address: page * HUGE_PAGE_BYTES };
}

/** How a grid finds the current access's entry: by its 4 KiB page, its 2 MiB page, or either. */
type Lookup = "4k" | "2m" | "both";

/** The slot holding the access's page in `tlb` (-1 when none) and the set it lives or would live in. */
function currentEntry(tlb: Tlb, lookup: Lookup, vpn: number, asid: number): [number, number] {
  const hugeKey = hugeTlbKey(vpn);
  const small = lookup === "2m" ? -1 : tlb.peek(vpn, asid);
  const slot = small >= 0 || lookup === "4k" ? small : tlb.peek(hugeKey, asid);
  if (slot >= 0) return [slot, Math.floor(slot / tlb.ways)];
  return [-1, tlb.setIndex(lookup === "2m" ? hugeKey : vpn)];
}

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
  const exec = access !== null && access.kind === ACCESS_EXEC;
  const levels: [string, string, Tlb, "l1" | "stlb" | null, Lookup][] = [
    ["dTLB", "L1 data, 4K", cpu.dtlb, exec ? null : "l1", "4k"],
    ["iTLB", "L1 instruction, 4K", cpu.itlb, exec ? "l1" : null, "4k"],
  ];
  if (machine.hugePages) {
    levels.push(
      ["dTLB 2M", "L1 data, 2M pages", cpu.dtlb2m, exec ? null : "l1", "2m"],
      ["iTLB 2M", "L1 instruction, 2M pages", cpu.itlb2m, exec ? "l1" : null, "2m"],
    );
  }
  levels.push(["STLB", "L2 shared, 4K and 2M", cpu.stlb, "stlb", "both"]);
  return (
    <div className="tlbs" data-testid="tlbs">
      {access !== null && (
        <p className="tlb-key">
          Current access: page <code>0x{vpn.toString(16)}</code>
          {asid >= 0 && cpu.pcid ? `, PCID ${asid}` : ""}; its set is lit, its entry outlined.
          {cpu.pcid ? "" : " PCID is off: every switch flushes the TLBs."}
        </p>
      )}
      {levels.map(([name, title, tlb, role, lookup]) => {
        const [slot, currentSet] =
          role !== null && vpn >= 0 ? currentEntry(tlb, lookup, vpn, asid) : [-1, -1];
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
                  const { huge, page, address } = pageOfTlbKey(tlb.vpn[slot] as number);
                  return (
                    <td
                      key={way}
                      className={current ? "lit" : undefined}
                      data-testid={current ? `tlb-current-${name}` : undefined}
                      data-vpn={page.toString(16)}
                      data-size={huge ? "2M" : "4K"}
                    >
                      <span className="tlb-vpn">
                        {page.toString(16)}
                        {huge && <span className="tlb-size"> 2M</span>}
                      </span>
                      {huge && <span className="tlb-meta">at 0x{address.toString(16)}</span>}
                      <span className="tlb-meta">
                        PCID {tlb.asid[slot]} · {flagText(flags)}
                      </span>
                      <span className="tlb-meta">
                        → pfn {(tlb.pfn[slot] as number).toString(16)}
                        {huge ? ` – ${((tlb.pfn[slot] as number) + 511).toString(16)}` : ""}
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
