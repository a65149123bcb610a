import { describe, expect, it } from "vitest";
import { LACKEY_INSTRUCTION, LACKEY_LOAD, LACKEY_STORE } from "../trace/lackey.js";
import { formatMapsLine, parseMaps } from "./maps_file.js";
import { guestMappings, isValgrindMapping, mergeMapsSamples } from "./recorded_maps.js";
import { TouchedPages } from "./touched_pages.js";

/**
 * /proc/<pid>/maps of `valgrind --tool=lackey ./t` (valgrind 3.19, Linux 6.18) while the guest
 * ran, shortened: the guest's executable, loader and libc, its brk heap (rwx) and stack, next
 * to valgrind's tool, its heap and translation caches, the vgdb pipe and the host's own stack.
 */
const VALGRIND_SAMPLE = `00108000-00109000 r--p 00000000 fe:00 2238420                            /tmp/rp/t
00109000-0010a000 r-xp 00001000 fe:00 2238420                            /tmp/rp/t
0010a000-0010b000 r--p 00002000 fe:00 2238420                            /tmp/rp/t
04000000-04001000 r--p 00000000 fe:00 338944                             /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
04001000-04027000 r-xp 00001000 fe:00 338944                             /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
04035000-04056000 rwxp 00000000 00:00 0 
04837000-04838000 r--p 00000000 fe:00 341694                             /usr/libexec/valgrind/vgpreload_core-amd64-linux.so
04838000-04839000 r-xp 00001000 fe:00 341694                             /usr/libexec/valgrind/vgpreload_core-amd64-linux.so
58000000-58001000 r--p 00000000 fe:00 341618                             /usr/libexec/valgrind/lackey-amd64-linux
58001000-5819a000 r-xp 00001000 fe:00 341618                             /usr/libexec/valgrind/lackey-amd64-linux
58232000-58c25000 rw-p 00000000 00:00 0 
1002001000-100278c000 rwxp 00000000 00:00 0 
1002890000-1002891000 rw-s 00000000 fe:00 2147622                        /tmp/vgdb-pipe-shared-mem-vgdb-10339-by-???-on-???
1ffeffe000-1fff001000 rw-p 00000000 00:00 0 
7f86e4f1a000-7f86e4f1e000 r--p 00000000 00:00 0                          [vvar]
7ffca1880000-7ffca18a1000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
`;

function touch(pages: TouchedPages, kind: number, address: number): void {
  pages.access(kind, Math.floor(address / 2 ** 32), address >>> 0, 1);
}

describe("mergeMapsSamples", () => {
  it("lets later samples win where they overlap and keeps the rest", () => {
    const early = parseMaps(
      "00400000-00404000 r--p 00002000 08:01 7 /lib/x.so\n00500000-00501000 rw-p 00000000 00:00 0\n",
    );
    const late = parseMaps("00401000-00402000 r-xp 00003000 08:01 7 /lib/x.so\n");
    const merged = mergeMapsSamples([early, late]).map(formatMapsLine);
    expect(merged.map((line) => line.replace(/ +/g, " "))).toEqual([
      "00400000-00401000 r--p 00002000 08:01 7 /lib/x.so",
      "00401000-00402000 r-xp 00003000 08:01 7 /lib/x.so",
      // The right-hand remainder keeps its place in the file: offset 0x2000 + 0x2000.
      "00402000-00404000 r--p 00004000 08:01 7 /lib/x.so",
      "00500000-00501000 rw-p 00000000 00:00 0 ",
    ]);
  });

  it("leaves a single sample as it is", () => {
    const sample = parseMaps(VALGRIND_SAMPLE);
    expect(mergeMapsSamples([sample])).toEqual(sample);
  });
});

describe("the guest's mappings in valgrind's process", () => {
  it("drops valgrind's files, the vgdb pipe and the host's pseudo-mappings by name", () => {
    const named = parseMaps(VALGRIND_SAMPLE).filter(isValgrindMapping);
    expect(named.map((entry) => entry.path)).toEqual([
      "/usr/libexec/valgrind/lackey-amd64-linux",
      "/usr/libexec/valgrind/lackey-amd64-linux",
      "/tmp/vgdb-pipe-shared-mem-vgdb-10339-by-???-on-???",
      "[vvar]",
      "[stack]",
      "[vsyscall]",
    ]);
  });

  it("keeps what the trace touches, and the untouched segments next to a kept file segment", () => {
    const pages = new TouchedPages();
    touch(pages, LACKEY_INSTRUCTION, 0x109010); // t's text
    touch(pages, LACKEY_LOAD, 0x4001000); // the loader's text
    touch(pages, LACKEY_STORE, 0x4035008); // the brk heap
    touch(pages, LACKEY_INSTRUCTION, 0x4838000); // vgpreload, run by the guest
    touch(pages, LACKEY_STORE, 0x1fff000ff0); // the guest's stack
    const outcome = guestMappings(mergeMapsSamples([parseMaps(VALGRIND_SAMPLE)]), pages.sorted());
    expect(outcome.kept.map((entry) => entry.start.toString(16))).toEqual([
      "108000",
      "109000",
      "10a000",
      "4000000",
      "4001000",
      "4035000",
      "4837000",
      "4838000",
      "1ffeffe000",
    ]);
    expect(outcome.droppedByName).toBe(6);
    // Valgrind's own heap and translation cache: anonymous, never touched by the guest.
    expect(outcome.droppedUntouched).toBe(2);
  });
});
