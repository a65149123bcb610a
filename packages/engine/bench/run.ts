/**
 * `npm run bench`: accesses per second of the engine's main paths, with no probe attached.
 * Prints one line per benchmark; the README quotes these figures.
 */
import { machineConfigFrom } from "../src/config.js";
import { Machine } from "../src/machine.js";
import { doMmap, doMunmap } from "../src/mm/mmap.js";
import { PROT_READ, PROT_WRITE } from "../src/mm/vma.js";
import { ACCESS_READ, ACCESS_WRITE } from "../src/probe.js";

declare const performance: { now(): number };
declare const console: { log(text: string): void };

const RW = PROT_READ | PROT_WRITE;
const PAGE = 4096;

interface Figure {
  name: string;
  operations: number;
  seconds: number;
  unit: string;
}

function measure(name: string, unit: string, body: () => number): Figure {
  body(); // warm-up run: let the JIT settle
  const start = performance.now();
  const operations = body();
  const seconds = (performance.now() - start) / 1000;
  return { name, operations, seconds, unit };
}

/** Loads and stores over 32 pages already mapped: every access an L1 dTLB hit. */
function tlbHitLoop(): number {
  const machine = new Machine();
  const process = machine.spawn("bench");
  const base = doMmap(machine, process, 32 * PAGE, RW, false, false);
  for (let page = 0; page < 32; page++)
    machine.access(process, base + page * PAGE, 8, ACCESS_WRITE);
  const count = 20_000_000;
  for (let index = 0; index < count; index++) {
    const address = base + ((index * 8) & (32 * PAGE - 1));
    machine.access(process, address, 8, (index & 3) === 0 ? ACCESS_WRITE : ACCESS_READ);
  }
  return count;
}

/** Reads scattered over 64 MiB of mapped memory: mostly L1 and STLB misses and page walks. */
function walkLoop(): number {
  const machine = new Machine(machineConfigFrom([{ key: "ram", value: "1G" }]));
  const process = machine.spawn("bench");
  const size = 64 * 1024 * 1024;
  const base = doMmap(machine, process, size, RW, false, true);
  const pages = size / PAGE;
  const count = 5_000_000;
  let state = 12345;
  for (let index = 0; index < count; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    machine.access(process, base + (state % pages) * PAGE, 8, ACCESS_READ);
  }
  return count;
}

/** One write per fresh page: every access a demand-zero fault, then munmap and again. */
function faultLoop(): number {
  const machine = new Machine(machineConfigFrom([{ key: "ram", value: "1G" }]));
  const process = machine.spawn("bench");
  const size = 256 * 1024 * 1024;
  let faults = 0;
  for (let round = 0; round < 4; round++) {
    const base = doMmap(machine, process, size, RW, false, false);
    for (let offset = 0; offset < size; offset += PAGE) {
      machine.access(process, base + offset, 8, ACCESS_WRITE);
    }
    faults += size / PAGE;
    doMunmap(machine, process, base, size);
  }
  return faults;
}

/**
 * Random reads and writes over 96 MiB on a 64 MiB machine with swap: a quarter of the accesses
 * miss RAM, so the loop runs reclaim, swap-out and swap-in (with readahead) all the time.
 */
function swapLoop(): number {
  const machine = new Machine(
    machineConfigFrom([
      { key: "ram", value: "64M" },
      { key: "swap", value: "256M" },
    ]),
  );
  const process = machine.spawn("bench");
  const size = 96 * 1024 * 1024;
  const base = doMmap(machine, process, size, RW, false, false);
  const pages = size / PAGE;
  for (let page = 0; page < pages; page++)
    machine.access(process, base + page * PAGE, 8, ACCESS_WRITE);
  const count = 2_000_000;
  let state = 12345;
  for (let index = 0; index < count; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const kind = (index & 3) === 0 ? ACCESS_WRITE : ACCESS_READ;
    machine.access(process, base + (state % pages) * PAGE, 8, kind);
    if ((index & 1023) === 0) machine.runBackgroundWork();
  }
  return count;
}

/**
 * The full journey, mixed as a program might mix it: 15 of every 16 accesses sweep a 1 MiB
 * buffer 8 bytes at a time (L1 TLB and L1/L2 cache hits, an L1 miss per 64-byte line, an STLB
 * miss per page), the 16th reads or writes a random page of a 64 MiB region that starts
 * unmapped (STLB misses, walks shortened by the paging-structure caches, L3 and DRAM reads, and
 * a demand-zero fault the first time each of its 16384 pages is touched).
 */
function fullJourneyLoop(): number {
  const machine = new Machine(machineConfigFrom([{ key: "ram", value: "1G" }]));
  const process = machine.spawn("bench");
  const bufferSize = 1024 * 1024;
  const buffer = doMmap(machine, process, bufferSize, RW, false, true);
  const regionSize = 64 * 1024 * 1024;
  const region = doMmap(machine, process, regionSize, RW, false, false);
  const regionPages = regionSize / PAGE;
  const count = 10_000_000;
  let state = 12345;
  let sweep = 0;
  for (let index = 0; index < count; index++) {
    const kind = (index & 3) === 0 ? ACCESS_WRITE : ACCESS_READ;
    if ((index & 15) === 15) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      machine.access(process, region + (state % regionPages) * PAGE + (index & 4088), 8, kind);
    } else {
      machine.access(process, buffer + sweep, 8, kind);
      sweep = (sweep + 8) & (bufferSize - 1);
    }
  }
  return count;
}

const figures = [
  measure("TLB-hit loop (L1 dTLB hits)", "accesses", tlbHitLoop),
  measure("page-walk loop (random pages over 64 MiB)", "accesses", walkLoop),
  measure("fault-heavy loop (demand-zero faults)", "faults", faultLoop),
  measure("swapping loop (96 MiB random on 64 MiB RAM)", "accesses", swapLoop),
  measure("full journey (TLB, walk, caches, faults)", "accesses", fullJourneyLoop),
];
for (const figure of figures) {
  const rate = figure.operations / figure.seconds / 1e6;
  console.log(
    `${figure.name.padEnd(44)} ${rate.toFixed(2).padStart(7)} M ${figure.unit}/s  (${figure.operations.toLocaleString("en-US")} in ${figure.seconds.toFixed(2)} s)`,
  );
}
