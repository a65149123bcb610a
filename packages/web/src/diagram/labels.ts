/**
 * The words on the machine diagram, with no DOM: each part's title, the latency it is labelled
 * with (from the machine's own timing and disk model), what it holds at the step shown, and a
 * sentence on what it does for whoever selects it.
 */
import { bucketCount, REFILL_CYCLES } from "@vmscope/engine";
import { designTerms } from "../explain.js";
import { framesByKind, type HardwareInfo, hex, type MachineSnapshot } from "../recording.js";
import { durationText, sizeText } from "../units.js";
import { CACHES_SIMULATED, type PartId, PSC_REPORTED } from "./model.js";

export interface PartLabel {
  title: string;
  /** Its cost or size: "9 cyc", "8 ms per 4 KiB read". */
  latency: string;
  /** What it holds now: "1848 pages", "12 of 16383 slots used"; "" when nothing to say. */
  holds: string;
  /** What it does, for the caption. */
  about: string;
}

/** Nanoseconds one 4 KiB request takes on the disk: its latency, then the bytes. */
export function pageReadNs(disk: HardwareInfo["disk"]): number {
  return disk.requestLatencyNs + (4096 * 1e9) / disk.bytesPerSecond;
}

function count(value: number, one: string, many = `${one}s`): string {
  return `${value.toLocaleString("en-US")} ${value === 1 ? one : many}`;
}

function cycles(value: number | undefined): string {
  return value === undefined ? "" : `${value} cyc`;
}

function tlbLabel(
  title: string,
  geometry: { entries: number; ways: number },
  cost: string,
  about: string,
): PartLabel {
  const ways = geometry.ways === geometry.entries ? "fully assoc." : `${geometry.ways}-way`;
  return { title, latency: cost, holds: `${geometry.entries} × ${ways}`, about };
}

function cacheLabel(part: PartId, hardware: HardwareInfo): PartLabel {
  const names: Record<string, string> = { l1d: "L1d", l1i: "L1i", l2: "L2", l3: "L3" };
  const name = names[part] ?? part;
  const title = `${name} cache`;
  const about: Record<string, string> = {
    l1d: "The level-1 data cache: loads, stores and the page walker's reads look here first.",
    l1i: "The level-1 instruction cache: instruction fetches look here first.",
    l2: "The unified level-2 cache: what the L1 caches miss.",
    l3: "The shared last-level cache: what L2 misses; beyond it is DRAM.",
  };
  const level = hardware.caches?.levels.find((candidate) => candidate.name === name);
  if (!CACHES_SIMULATED || level === undefined) {
    return {
      title,
      latency: "not simulated",
      holds: "",
      about: `${about[part] ?? ""} This engine does not simulate the CPU caches: every access is charged as one cost.`,
    };
  }
  return {
    title,
    latency: `${level.latency} cyc`,
    holds: `${sizeText(level.sizeBytes)}, ${level.ways}-way`,
    about: about[part] ?? "",
  };
}

/** Every part's words, for one machine at one step. */
export function partLabel(
  part: PartId,
  hardware: HardwareInfo,
  snapshot: MachineSnapshot | null,
  process: { name: string; pid: number; pgd: number } | null,
): PartLabel {
  const timing = hardware.timing;
  const vmstat = snapshot?.vmstat ?? {};
  switch (part) {
    case "process":
      return {
        title: process === null ? "process" : `${process.name} (pid ${process.pid})`,
        latency: "user space",
        holds: "",
        about:
          "The program runs in user space (ring 3): its instruction names a virtual address, and it never sees physical memory.",
      };
    case "core": {
      const ghz = timing.cyclesPerNs;
      return {
        title: "CPU core",
        latency: ghz === undefined ? "" : `${ghz} GHz`,
        holds: hardware.model === null ? "" : hardware.model,
        about:
          "The core executes the instruction; its load/store unit hands the virtual address to the MMU.",
      };
    }
    case "dtlb":
      return tlbLabel(
        "L1 dTLB",
        hardware.tlbs.dtlb,
        cycles(timing.l1TlbHit),
        "The first-level data TLB: recent translations for loads and stores, looked up alongside the L1 cache.",
      );
    case "itlb":
      return tlbLabel(
        "L1 iTLB",
        hardware.tlbs.itlb,
        cycles(timing.l1TlbHit),
        "The first-level instruction TLB: translations for instruction fetches.",
      );
    case "dtlb2m":
    case "itlb2m": {
      const data = part === "dtlb2m";
      const geometry = hardware.tlbs[part] ?? { entries: 0, ways: 0 };
      return tlbLabel(
        data ? "L1 dTLB 2M" : "L1 iTLB 2M",
        geometry,
        cycles(timing.l1TlbHit),
        `The first-level ${data ? "data" : "instruction"} TLB's array of 2 MiB entries, looked up beside the 4 KiB one: one entry translates the 512 pages of a huge page.`,
      );
    }
    case "stlb":
      return tlbLabel(
        "L2 STLB",
        hardware.tlbs.stlb,
        timing.stlbHit === undefined ? "" : `+${timing.stlbHit} cyc`,
        "The second-level TLB, shared by data and instructions: asked when an L1 TLB misses.",
      );
    case "mmu":
      return {
        title: "MMU · CR3",
        latency: hardware.pcid ? "PCID on" : "PCID off",
        holds:
          hardware.pagetable !== "x86-64"
            ? `pagetable ${hardware.pagetable}`
            : process === null || process.pgd < 0
              ? ""
              : `CR3: PGD at ${hex(process.pgd)}`,
        about:
          "The memory-management unit translates virtual to physical addresses and enforces the rights; CR3 holds the frame of the running process's top-level table (PGD).",
      };
    case "psc":
      return {
        title: "Walk caches (PSC)",
        latency: !PSC_REPORTED
          ? "not simulated"
          : hardware.pagingStructureCaches === false
            ? "off"
            : "PML4E, PDPTE, PDE",
        holds: "",
        about:
          "Caches of upper-level table entries: a hit lets the walker skip the levels above the cached entry.",
      };
    case "walk-pgd":
    case "walk-pud":
    case "walk-pmd":
    case "walk-pte": {
      const level = part.slice(5).toUpperCase();
      return {
        title: level,
        latency: timing.walkRead !== undefined ? `${timing.walkRead} cyc` : "",
        holds: "",
        about: `The page walker reads the ${level} entry: nine bits of the virtual address pick one of the table's 512 entries.${timing.walkRead === undefined ? " The read goes through the data caches, which charge for it." : ""}`,
      };
    }
    case "walk-pml5":
    case "walk-l1":
    case "walk-l2":
    case "walk-l3":
    case "walk-l4":
    case "walk-l5":
    case "walk-l6":
    case "walk-entry":
    case "walk-anchor":
    case "walk-chain":
    case "walk-refill":
      return designWalkLabel(part, hardware, timing.walkRead);
    case "l1d":
    case "l1i":
    case "l2":
    case "l3":
      return cacheLabel(part, hardware);
    case "dram": {
      const caches = hardware.caches;
      if (CACHES_SIMULATED && caches !== null)
        return {
          title: "DRAM",
          latency: `${caches.dramLatency} cyc`,
          holds: `${count(hardware.ramFrames, "frame")}`,
          about: "Main memory: what every cache level missed is read from here.",
        };
      return {
        title: "Memory",
        latency: timing.memoryAccess === undefined ? "" : `${timing.memoryAccess} cyc`,
        holds: `${count(hardware.ramFrames, "frame")}`,
        about:
          "Physical memory. This engine charges every load and store one cost, as if each hit the L1 cache.",
      };
    }
    case "fault": {
      const extra = [
        timing.zeroPage === undefined ? "" : `zero ${timing.zeroPage}`,
        timing.copyPage === undefined ? "" : `copy ${timing.copyPage}`,
      ]
        .filter((part) => part !== "")
        .join(", ");
      return {
        title: "Page-fault handler",
        latency: `${cycles(timing.faultOverhead)}${extra === "" ? "" : ` + ${extra}`}`,
        holds: "handle_mm_fault",
        about:
          "The kernel's page-fault handler: finds the VMA, checks the access, and fills the PTE (a zeroed page, a copy, a page-cache or swap-cache page), or sends a signal.",
      };
    }
    case "frames": {
      const frames = snapshot === null ? null : framesByKind(snapshot);
      return {
        title: "Physical frames",
        latency: `${count(hardware.ramFrames, "frame")} of 4 KiB`,
        holds:
          frames === null
            ? ""
            : `page cache ${frames.file ?? 0} · anon ${frames.anon ?? 0} · page tables ${frames.pagetable ?? 0} · free ${frames.free ?? 0}`,
        about:
          "RAM as the kernel sees it: 4 KiB frames holding file pages (the page cache), anonymous pages, page tables, or free.",
      };
    }
    case "kswapd": {
      const lists = `inactive anon ${vmstat.nr_inactive_anon ?? 0} · active anon ${vmstat.nr_active_anon ?? 0} · inactive file ${vmstat.nr_inactive_file ?? 0} · active file ${vmstat.nr_active_file ?? 0}`;
      return {
        title: "kswapd · LRU lists",
        latency: hardware.policy === null ? "Linux's lists" : `policy ${hardware.policy}`,
        holds: lists,
        about:
          "Reclaim: kswapd wakes when free memory falls below the low watermark and frees pages from the tail of the inactive lists; a process that finds memory below the min watermark reclaims directly.",
      };
    }
    case "swapcache":
      return {
        title: "Swap cache",
        latency: "minor fault",
        holds: count(vmstat.nr_swapcached ?? 0, "page"),
        about:
          "Pages that have a copy in a swap slot and are still in memory: a fault that finds its page here maps it without waiting (a minor fault).",
      };
    case "swaparea": {
      const used = snapshot?.swapUsed ?? -1;
      return {
        title: "Swap area",
        latency: hardware.swapSlots === 0 ? "no swap" : `${sizeText(hardware.swapSlots * 4096)}`,
        holds:
          hardware.swapSlots === 0 || used < 0
            ? ""
            : `${used.toLocaleString("en-US")} of ${hardware.swapSlots.toLocaleString("en-US")} slots used`,
        about:
          "The swap device's slots: anonymous pages written out by reclaim wait here until a fault reads them back (a major fault).",
      };
    }
    case "disk": {
      const ns = pageReadNs(hardware.disk);
      const perNs = timing.cyclesPerNs ?? 0;
      return {
        title: `Disk · ${hardware.disk.name}`,
        latency: `${durationText(ns)} per 4 KiB`,
        holds: perNs > 0 ? `≈ ${Math.round(ns * perNs).toLocaleString("en-US")} cyc` : "",
        about: `${hardware.disk.description}. Files and the swap area live here; a major fault waits for it.`,
      };
    }
  }
}

/**
 * A page-table design's walker box: la57's PML5, a multilevel level with its index bits, the
 * linear table's entry, the inverted table's hash anchor, chain and software refill.
 */
function designWalkLabel(
  part: PartId,
  hardware: HardwareInfo,
  walkRead: number | undefined,
): PartLabel {
  const latency = walkRead === undefined ? "" : `${walkRead} cyc`;
  const terms = designTerms(hardware.pagetable);
  if (part === "walk-pml5")
    return {
      title: "PML5",
      latency,
      holds: "bits 56-48",
      about:
        "la57's fifth level, above the PGD (PML4): nine more bits of the virtual address pick one of its 512 entries, which points to the PGD.",
    };
  if (part === "walk-entry")
    return {
      title: "Linear table",
      latency,
      holds: "bits 46-12",
      about:
        "One table indexed by the whole virtual page number: one read finds the page's entry (the table is counted, not allocated, here).",
    };
  if (part === "walk-anchor")
    return {
      title: "Hash anchor",
      latency,
      holds: `${bucketCount(hardware.ramFrames).toLocaleString("en-US")} buckets`,
      about:
        "The inverted table's anchors: the hash of (PID, page number) picks a bucket, whose anchor points to the first entry of its chain.",
    };
  if (part === "walk-chain")
    return {
      title: "Chain",
      latency,
      holds: "one entry per frame",
      about:
        "The inverted table has one entry per physical frame, tagged with the (PID, page) it maps; the walker follows the bucket's chain until a tag matches.",
    };
  if (part === "walk-refill")
    return {
      title: "Refill · hash_page",
      latency: `${REFILL_CYCLES} cyc`,
      holds: "software",
      about:
        "When the chain holds no entry but the kernel's PTE maps the page, software (PowerPC's hash_page) puts the frame's entry at the head of the chain and the walk is retried.",
    };
  const level = Number(part.slice("walk-l".length)) - 1;
  const levels = terms?.kind === "multilevel" ? terms.levels : 0;
  return {
    title: `L${level + 1}`,
    latency,
    holds: `bits ${terms?.bitRanges[level] ?? "?"}`,
    about: `Level ${level + 1} of ${levels} of the ${terms?.design ?? "multilevel"} radix tree: the index bits ${terms?.bitRanges[level] ?? "?"} of the virtual address pick its entry${level + 1 < levels ? ", which points to the next level's table" : ", which maps the page"}.`,
  };
}
