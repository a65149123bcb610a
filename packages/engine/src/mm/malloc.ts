/**
 * A model of glibc 2.36's malloc (ptmalloc2) on x86-64: the main arena of a single-threaded
 * process, with its tcache.  It drives a simulated process through {@link MallocHost}: it asks for
 * memory with brk/mmap, gives it back with brk/munmap, and reports every store that malloc, free
 * and calloc themselves make into heap or mmapped memory (chunk headers, free-list links, tcache
 * entries, calloc's clearing), since each such store may page-fault (or break copy-on-write after
 * fork) in the simulated process.
 *
 * The code follows glibc's malloc/malloc.c (sysmalloc, _int_malloc, _int_free, malloc_consolidate,
 * systrim, munmap_chunk, __libc_malloc/__libc_free/__libc_calloc, tcache_put/tcache_get/tcache_init)
 * step by step, with the same constants and the same list disciplines, so it hands out the same
 * addresses as the real allocator for the same sequence of calls:
 *
 * - request2size: (req + 8 + 15) & ~15, at least 32 (SIZE_SZ 8, MALLOC_ALIGNMENT 16, MINSIZE 32);
 *   the user pointer is chunk + 16.
 * - tcache (64 bins, chunk sizes 32..1040 i.e. requests up to 1032 bytes, 7 entries each),
 *   tried first by malloc (not by calloc, which calls _int_malloc directly) and by free.  The
 *   tcache_perthread_struct (0x280 bytes, a 0x290 chunk) is the first chunk of the heap, allocated
 *   and memset by the first malloc/calloc (or by a free that finds no tcache yet).
 * - fastbins (chunks <= 0x80, LIFO, singly linked, never coalesced until malloc_consolidate),
 *   smallbins (< 1024, FIFO), largebins (sorted, with the fd_nextsize skip list and
 *   "insert equal sizes second"), the unsorted bin, last_remainder, the binmap search for the next
 *   larger non-empty bin, and the consolidation of fastbins on large requests, on an exhausted top
 *   and when free makes a chunk of 64 KiB or more (FASTBIN_CONSOLIDATION_THRESHOLD).
 * - sysmalloc: requests with nb >= mmap_threshold (initially 128 KiB; only reached when neither
 *   the bins nor the top chunk can serve them) get their own mapping of ALIGN_UP(nb + 8, 4096)
 *   bytes, with the chunk at its start; otherwise brk grows by ALIGN_UP(nb + top_pad + MINSIZE -
 *   old_top_size, 4096) (top_pad = DEFAULT_TOP_PAD = 128 KiB), which on the first call gives the
 *   familiar 0x21000-byte [heap].  If brk fails, an mmap of at least 1 MiB becomes the new top and
 *   the arena turns non-contiguous (with the old top fenced off and freed, as glibc does).
 *   The first sbrk of the process calls brk(0) to learn the break (glibc's __sbrk does so when its
 *   __curbrk is still unset; strace shows this `brk(NULL)` right before the first heap growth).
 * - free of an mmapped chunk: the dynamic threshold (if chunksize|IS_MMAPPED > mmap_threshold and
 *   <= 32 MiB: mmap_threshold = chunksize, trim_threshold = 2 * mmap_threshold), then munmap.
 * - systrim when free leaves top >= trim_threshold (and the freed, coalesced chunk is >= 64 KiB):
 *   brk shrinks by ALIGN_DOWN(top - MINSIZE - 1 - top_pad, 4096).
 * - calloc: no clearing for an mmapped chunk; for a chunk carved from the old top chunk, only the
 *   part that lay inside the old top is cleared (the rest was just obtained from brk and is
 *   zero); otherwise chunksize - 8 bytes are cleared (memset, or glibc's unrolled stores for small
 *   chunks — the same bytes).  malloc.c's source would also clear memory below the highest break
 *   ever reached ("MORECORE_CLEARS < 2"), but the __libc_calloc of Debian's glibc 2.36 binary
 *   does not (checked by disassembly and with mincore after a systrim); we follow the binary.
 *
 * Stores reported (all 8 bytes unless said): set_head (chunk + 8), set_foot (next chunk's
 * prev_size), the PREV_INUSE bit of the next chunk (next + 8), free-list links (fd at +16, bk at
 * +24, fd_nextsize at +32, bk_nextsize at +40) of every chunk touched by a list operation, tcache
 * entries (key at mem + 8, next at mem) and the tcache_perthread_struct (entries[i] at +128 + 8i,
 * counts[i], 2 bytes, at +2i), the header of an mmapped chunk (prev_size and size: 16 bytes at the
 * mapping's start), memset of the tcache struct and calloc's clearing.
 *
 * Checked against the real allocator (glibc 2.36-9+deb12u14, Linux 6.18, x86-64) with C programs
 * that replay the same random malloc/calloc/free sequences (about 1,600 sequences of up to 3000
 * calls, 0 bytes to 33 MiB): the returned addresses (as offsets from the initial break),
 * malloc_usable_size, every brk change, the minor-fault count of every call (also in a forked child,
 * where each store to a shared page is a copy-on-write fault) and the resident heap pages (mincore)
 * all agree.  malloc.test.ts replays two of those recorded traces.
 *
 * Simplifications (deliberate):
 * - Stores into libc's own data (main_arena's bins and top pointer, mp_, the tcache pointer) are not
 *   reported: they live in libc's .data/.bss, not in memory this allocator obtained.  Loads are not
 *   reported either; malloc only reads memory it wrote before, so they cannot cause a fresh fault.
 * - No threads or other arenas, no hooks, no mallopt/tunables (no M_MMAP_THRESHOLD, so the
 *   dynamic threshold is always on), no MALLOC_PERTURB_, no transparent-huge-page tunables, no
 *   realloc/memalign/malloc_trim.  Safe-linking pointer mangling only changes stored values, not
 *   where they are stored, so it is not modelled.
 * - Misuse: free of a pointer this allocator did not hand out returns "invalid-pointer" (glibc:
 *   "free(): invalid pointer" for misaligned pointers; an aligned stray pointer makes glibc read a
 *   bogus header and abort with some other message, or crash; a second free of an mmapped block
 *   reads its unmapped header and takes SIGSEGV).  A second free of a chunk returns
 *   "double-free" and changes nothing; {@link GlibcMalloc.lastAbortMessage} tells what glibc would
 *   print.  glibc detects the double free of a chunk sitting in the tcache ("free(): double free
 *   detected in tcache 2"), at the head of its fastbin ("double free or corruption (fasttop)") or
 *   in a regular bin when the free reaches the coalescing path ("double free or corruption
 *   (!prev)"); in the remaining cases real glibc silently corrupts its lists, which is not modelled.
 * - Failure of brk/mmap is modelled (malloc returns 0); glibc's "break adjusted to free malloc
 *   space" abort (someone shrank the break under the heap) is treated as an allocation failure.
 */

/** What the allocator needs from the simulated process (the runner implements it on the machine). */
export interface MallocHost {
  /** brk(2): ask for a new program break; returns the resulting break (unchanged on failure). */
  brk(newBreak: number): number;
  /** mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS): address, or -1 for ENOMEM. */
  mmapAnonymous(length: number): number;
  munmap(address: number, length: number): void;
  /** A store of `size` bytes by malloc itself (chunk headers, tcache pointers); may fault in the simulated process. */
  store(address: number, size: number): void;
}

/** M_MMAP_THRESHOLD's default (DEFAULT_MMAP_THRESHOLD_MIN). */
export const DEFAULT_MMAP_THRESHOLD = 128 * 1024;
/** Upper bound of the dynamic mmap threshold on 64-bit: 4 MiB * sizeof(long). */
export const DEFAULT_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024;
/** M_TRIM_THRESHOLD's default. */
export const DEFAULT_TRIM_THRESHOLD = 128 * 1024;
/** M_TOP_PAD's default in glibc (DEFAULT_TOP_PAD, malloc-internal): extra bytes asked of sbrk. */
export const DEFAULT_TOP_PAD = 128 * 1024;
/** M_MMAP_MAX's default: at most this many mmapped chunks at a time. */
export const DEFAULT_MMAP_MAX = 65536;

/** glibc aborts (SIGABRT) with "free(): invalid pointer" / "free(): double free detected in tcache 2". */
export type FreeResult = "ok" | "invalid-pointer" | "double-free";

export interface MallocStats {
  mmapThreshold: number;
  trimThreshold: number;
  /** Where the brk heap starts (mp_.sbrk_base), or the initial break before the first heap growth. */
  heapStart: number;
  /** Address of the top chunk (0 before the heap exists). */
  top: number;
  topSize: number;
  mmappedChunks: number;
  /** Sum of the chunk sizes of the blocks handed out and not yet freed (brk heap and mmapped). */
  inUseBytes: number;
  /** Bytes obtained with brk (av->system_mem). */
  systemMem: number;
  /** Bytes in mmapped chunks (mp_.mmapped_mem). */
  mmappedBytes: number;
  /** The program break as malloc last saw it. */
  brk: number;
}

// ---------------------------------------------------------------------------------------------
// Constants (x86-64)

const SIZE_SZ = 8;
const MALLOC_ALIGNMENT = 16;
const CHUNK_HDR_SZ = 16;
const MINSIZE = 32;
const PAGE_SIZE = 4096;
/** PTRDIFF_MAX in glibc; here the largest request we can still represent exactly. */
const MAX_REQUEST = 2 ** 52;
const IS_MMAPPED = 2;

const TCACHE_MAX_BINS = 64;
const TCACHE_FILL_COUNT = 7;
/** sizeof (tcache_perthread_struct): uint16_t counts[64] + tcache_entry *entries[64]. */
const TCACHE_STRUCT_SIZE = 2 * TCACHE_MAX_BINS + 8 * TCACHE_MAX_BINS;
const TCACHE_ENTRIES_OFFSET = 2 * TCACHE_MAX_BINS;

/** global_max_fast = set_max_fast (DEFAULT_MXFAST = 64 * SIZE_SZ / 4). */
const MAX_FAST = 128;
/** fastbin_index (request2size (MAX_FAST_SIZE = 80 * SIZE_SZ / 4)) + 1. */
const NFASTBINS = 10;
const NBINS = 128;
const MIN_LARGE_SIZE = 1024;
const FASTBIN_CONSOLIDATION_THRESHOLD = 65536;
const MMAP_AS_MORECORE_SIZE = 1024 * 1024;
const MAX_ITERS = 10000;
/** Bin 1 is the unsorted bin. */
const UNSORTED = 1;
/** Failure value of our sbrk (glibc's MORECORE_FAILURE). */
const FAIL = -1;
/** av->top before the first sysmalloc (glibc: initial_top (av), a pseudo-chunk inside main_arena). */
const INITIAL_TOP = 0;

type ChunkState =
  /** Handed out by malloc/calloc. */
  | "inuse"
  /** The tcache_perthread_struct. */
  | "internal"
  /** In a tcache bin (in use as far as the heap is concerned). */
  | "tcache"
  /** In a fastbin (in use as far as the heap is concerned). */
  | "fast"
  /** In the unsorted, a small or a large bin: the next chunk's PREV_INUSE bit is clear. */
  | "free"
  /** A fencepost or leftover of a top chunk abandoned by sysmalloc; never freed. */
  | "fence";

/** A chunk of the brk heap (or of an mmapped top, after brk failed), other than the top chunk. */
interface Chunk {
  size: number;
  state: ChunkState;
  /** fd link (also tcache/fastbin `next`): a chunk address, a bin id (< 0) or 0 (NULL). */
  fd: number;
  bk: number;
  fdNextsize: number;
  bkNextsize: number;
}

// Address arithmetic on plain numbers (addresses exceed 2^32: no bitwise operators).
const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;
const alignDown = (x: number, a: number): number => Math.floor(x / a) * a;

function request2size(req: number): number {
  const padded = req + SIZE_SZ + MALLOC_ALIGNMENT - 1;
  return padded < MINSIZE ? MINSIZE : alignDown(padded, MALLOC_ALIGNMENT);
}

/** csize2tidx: tcache bin of a chunk size. */
const csize2tidx = (size: number): number =>
  Math.floor((size - MINSIZE + MALLOC_ALIGNMENT - 1) / MALLOC_ALIGNMENT);
const fastbinIndex = (size: number): number => Math.floor(size / 16) - 2;
const inSmallbinRange = (size: number): boolean => size < MIN_LARGE_SIZE;
const smallbinIndex = (size: number): number => Math.floor(size / 16);

/** largebin_index_64. */
function largebinIndex(size: number): number {
  if (Math.floor(size / 64) <= 48) return 48 + Math.floor(size / 64);
  if (Math.floor(size / 512) <= 20) return 91 + Math.floor(size / 512);
  if (Math.floor(size / 4096) <= 10) return 110 + Math.floor(size / 4096);
  if (Math.floor(size / 32768) <= 4) return 119 + Math.floor(size / 32768);
  if (Math.floor(size / 262144) <= 2) return 124 + Math.floor(size / 262144);
  return 126;
}

const binIndex = (size: number): number =>
  inSmallbinRange(size) ? smallbinIndex(size) : largebinIndex(size);

/** The list node id of bin i's header (headers live in main_arena, not in simulated memory). */
const binId = (i: number): number => -i;

function at(array: readonly number[], i: number): number {
  const v = array[i];
  if (v === undefined) throw new Error(`malloc model: index ${i} out of range`);
  return v;
}

export class GlibcMalloc {
  private host: MallocHost;
  private readonly initialBreak: number;

  // mp_
  private mmapThreshold = DEFAULT_MMAP_THRESHOLD;
  private trimThreshold = DEFAULT_TRIM_THRESHOLD;
  private readonly topPad = DEFAULT_TOP_PAD;
  private readonly nMmapsMax = DEFAULT_MMAP_MAX;
  private nMmaps = 0;
  private mmappedMem = 0;
  private sbrkBase = 0;

  // glibc's __curbrk (0 = not yet read from the kernel)
  private curbrk = 0;

  // main_arena
  private top = INITIAL_TOP;
  private topSize = 0;
  private contiguous = true;
  private haveFastchunks = false;
  private lastRemainder = 0;
  private systemMem = 0;
  private fastbins: number[] = new Array<number>(NFASTBINS).fill(0);
  /** bins[i].fd / .bk for i in 1..NBINS-1 (an empty bin points to itself). */
  private binFd: number[] = Array.from({ length: NBINS }, (_, i) => binId(i));
  private binBk: number[] = Array.from({ length: NBINS }, (_, i) => binId(i));

  // tcache (the struct's user address, 0 = not yet set up)
  private tcache = 0;
  private tcacheEntries: number[] = new Array<number>(TCACHE_MAX_BINS).fill(0);
  private tcacheCounts: number[] = new Array<number>(TCACHE_MAX_BINS).fill(0);

  // Our bookkeeping of memory contents.
  /** Every chunk of the heap except the top chunk, by chunk address. */
  private chunks = new Map<number, Chunk>();
  /** End address -> chunk address, for chunks in state "free" (to find a free predecessor). */
  private freeByEnd = new Map<number, number>();
  /** mmapped chunks: chunk address (= mapping start) -> chunk size (= mapping length). */
  private mmapped = new Map<number, number>();
  private inUseBytes = 0;
  private abortMessage: string | undefined = undefined;

  constructor(host: MallocHost, initialBreak: number) {
    this.host = host;
    this.initialBreak = initialBreak;
  }

  // -------------------------------------------------------------------------------------------
  // Public API

  /** malloc(3): the user pointer, or 0 on failure (ENOMEM). */
  malloc(size: number): number {
    const nb = this.checkedRequest2size(size);
    if (nb < 0) return 0;
    const tcIdx = csize2tidx(nb);
    this.maybeInitTcache();
    if (tcIdx < TCACHE_MAX_BINS && this.tcache !== 0 && at(this.tcacheCounts, tcIdx) > 0) {
      const p = this.tcacheGet(tcIdx);
      return this.handOut(p);
    }
    const p = this.intMalloc(nb);
    return p === 0 ? 0 : this.handOut(p);
  }

  /**
   * calloc(3) of `size` bytes (or of `size` elements of `elementSize` bytes): like malloc, but
   * also zeroes, as glibc's __libc_calloc does: it bypasses the tcache, reports no clearing for
   * mmapped chunks, and clears only the non-fresh part of a chunk carved from the top chunk.
   */
  calloc(size: number, elementSize = 1): number {
    const bytes = size * elementSize;
    if (!Number.isFinite(bytes) || bytes < 0 || bytes > MAX_REQUEST) return 0;
    const nb = this.checkedRequest2size(bytes);
    if (nb < 0) return 0;
    this.maybeInitTcache();
    // Memory beyond the current top chunk comes fresh (zeroed) from brk.  (malloc.c also raises
    // oldtopsize to the highest break ever reached, under "MORECORE_CLEARS < 2"; the compiled
    // __libc_calloc of Debian's glibc 2.36 has no such step, and mincore shows that memory
    // given back by systrim and regained is not cleared; we follow the binary.)
    const oldTop = this.top;
    const oldTopSize = this.topSize;
    const p = this.intMalloc(nb);
    if (p === 0) return 0;
    const mem = this.handOut(p);
    if (this.mmapped.has(p)) return mem;
    let csz = this.chunk(p).size;
    if (p === oldTop && csz > oldTopSize) csz = oldTopSize;
    // memset (mem, 0, csz - SIZE_SZ), or the unrolled 3/5/7/9 word stores: the same bytes.
    this.store(mem, csz - SIZE_SZ);
    return mem;
  }

  /** free(3).  free(0) is "ok" and does nothing. */
  free(pointer: number): FreeResult {
    this.abortMessage = undefined;
    if (pointer === 0) return "ok";
    const p = pointer - CHUNK_HDR_SZ;
    const mapped = this.mmapped.get(p);
    if (mapped !== undefined) {
      // chunksize_nomask includes the IS_MMAPPED bit.
      const nomask = mapped + IS_MMAPPED;
      if (nomask > this.mmapThreshold && nomask <= DEFAULT_MMAP_THRESHOLD_MAX) {
        this.mmapThreshold = mapped;
        this.trimThreshold = 2 * this.mmapThreshold;
      }
      this.inUseBytes -= mapped;
      this.munmapChunk(p, mapped);
      return "ok";
    }
    const c = this.chunks.get(p);
    if (c === undefined || c.state === "internal" || c.state === "fence") {
      this.abortMessage = "free(): invalid pointer";
      return "invalid-pointer";
    }
    if (c.state !== "inuse") {
      this.abortMessage = this.doubleFreeMessage(p, c);
      return "double-free";
    }
    this.maybeInitTcache();
    this.inUseBytes -= c.size;
    this.intFree(p);
    return "ok";
  }

  /** What glibc prints before aborting, for the last free that did not return "ok". */
  lastAbortMessage(): string | undefined {
    return this.abortMessage;
  }

  /** The allocator state after fork: a deep copy bound to the child's host. */
  cloneFor(host: MallocHost): GlibcMalloc {
    const m = new GlibcMalloc(host, this.initialBreak);
    m.mmapThreshold = this.mmapThreshold;
    m.trimThreshold = this.trimThreshold;
    m.nMmaps = this.nMmaps;
    m.mmappedMem = this.mmappedMem;
    m.sbrkBase = this.sbrkBase;
    m.curbrk = this.curbrk;
    m.top = this.top;
    m.topSize = this.topSize;
    m.contiguous = this.contiguous;
    m.haveFastchunks = this.haveFastchunks;
    m.lastRemainder = this.lastRemainder;
    m.systemMem = this.systemMem;
    m.fastbins = [...this.fastbins];
    m.binFd = [...this.binFd];
    m.binBk = [...this.binBk];
    m.tcache = this.tcache;
    m.tcacheEntries = [...this.tcacheEntries];
    m.tcacheCounts = [...this.tcacheCounts];
    for (const [a, c] of this.chunks) m.chunks.set(a, { ...c });
    m.freeByEnd = new Map(this.freeByEnd);
    m.mmapped = new Map(this.mmapped);
    m.inUseBytes = this.inUseBytes;
    m.abortMessage = this.abortMessage;
    return m;
  }

  /** For views: thresholds, where the heap and its top chunk are, how much is in use. */
  stats(): MallocStats {
    return {
      mmapThreshold: this.mmapThreshold,
      trimThreshold: this.trimThreshold,
      heapStart: this.sbrkBase !== 0 ? this.sbrkBase : this.initialBreak,
      top: this.top,
      topSize: this.topSize,
      mmappedChunks: this.nMmaps,
      inUseBytes: this.inUseBytes,
      systemMem: this.systemMem,
      mmappedBytes: this.mmappedMem,
      brk: this.curbrk !== 0 ? this.curbrk : this.initialBreak,
    };
  }

  /** The usable size of an allocated pointer (malloc_usable_size), or -1. */
  usableSize(pointer: number): number {
    const p = pointer - CHUNK_HDR_SZ;
    const mapped = this.mmapped.get(p);
    if (mapped !== undefined) return mapped - CHUNK_HDR_SZ;
    const c = this.chunks.get(p);
    if (c === undefined || c.state !== "inuse") return -1;
    return c.size - SIZE_SZ;
  }

  /** Whether a user pointer came from its own mmap (for views). */
  isMmapped(pointer: number): boolean {
    return this.mmapped.has(pointer - CHUNK_HDR_SZ);
  }

  /**
   * Consistency check of the model (for tests): the chunks tile the heap up to the top chunk, the
   * bins, fastbins and tcache hold exactly the chunks in the matching state, and no two free
   * chunks are adjacent.  Returns the problems found (empty when consistent).
   */
  checkInvariants(): string[] {
    const problems: string[] = [];
    const listed = new Map<number, string>();
    const note = (a: number, where: string): void => {
      const before = listed.get(a);
      if (before !== undefined) problems.push(`chunk ${a.toString(16)} in ${before} and ${where}`);
      listed.set(a, where);
    };
    for (let i = 0; i < TCACHE_MAX_BINS; i++) {
      let n = 0;
      for (let e = at(this.tcacheEntries, i); e !== 0; e = this.chunk(e).fd) {
        const c = this.chunk(e);
        if (c.state !== "tcache") problems.push(`tcache ${i}: ${e.toString(16)} is ${c.state}`);
        if (csize2tidx(c.size) !== i) problems.push(`tcache ${i}: size ${c.size}`);
        note(e, `tcache ${i}`);
        if (++n > TCACHE_FILL_COUNT) {
          problems.push(`tcache ${i}: too long`);
          break;
        }
      }
      if (n !== at(this.tcacheCounts, i)) problems.push(`tcache ${i}: count ${n}`);
    }
    for (let i = 0; i < NFASTBINS; i++) {
      for (let p = at(this.fastbins, i); p !== 0; p = this.chunk(p).fd) {
        const c = this.chunk(p);
        if (c.state !== "fast" || fastbinIndex(c.size) !== i) problems.push(`fastbin ${i}: bad`);
        note(p, `fastbin ${i}`);
      }
    }
    for (let i = 1; i < NBINS; i++) {
      let prev = binId(i);
      for (let p = at(this.binFd, i); p !== binId(i); p = this.chunk(p).fd) {
        const c = this.chunk(p);
        if (c.state !== "free") problems.push(`bin ${i}: ${p.toString(16)} is ${c.state}`);
        if (c.bk !== prev) problems.push(`bin ${i}: broken bk at ${p.toString(16)}`);
        if (i !== UNSORTED && binIndex(c.size) !== i) problems.push(`bin ${i}: size ${c.size}`);
        note(p, `bin ${i}`);
        prev = p;
      }
      if (at(this.binBk, i) !== prev) problems.push(`bin ${i}: broken tail`);
    }
    for (const [a, c] of this.chunks) {
      const inList = c.state === "tcache" || c.state === "fast" || c.state === "free";
      if (inList !== listed.has(a)) problems.push(`chunk ${a.toString(16)} (${c.state}) listing`);
      if (c.state === "free" && this.freeByEnd.get(a + c.size) !== a) {
        problems.push(`chunk ${a.toString(16)} missing from freeByEnd`);
      }
    }
    for (const [end, a] of this.freeByEnd) {
      const c = this.chunks.get(a);
      if (c === undefined || c.state !== "free" || a + c.size !== end) {
        problems.push(`stale freeByEnd ${end.toString(16)}`);
      }
    }
    if (this.top !== INITIAL_TOP && this.contiguous) {
      // Walk the heap from its start: chunks must tile it exactly up to the top chunk.
      let p =
        this.sbrkBase +
        ((MALLOC_ALIGNMENT - ((this.sbrkBase + CHUNK_HDR_SZ) % MALLOC_ALIGNMENT)) %
          MALLOC_ALIGNMENT);
      let prevFree = false;
      let n = 0;
      while (p !== this.top) {
        const c = this.chunks.get(p);
        if (c === undefined) {
          problems.push(`no chunk at ${p.toString(16)} (top ${this.top.toString(16)})`);
          break;
        }
        if (prevFree && c.state === "free")
          problems.push(`adjacent free chunks at ${p.toString(16)}`);
        prevFree = c.state === "free";
        p += c.size;
        n++;
      }
      if (prevFree) problems.push("free chunk before top");
      if (n !== this.chunks.size) problems.push(`${this.chunks.size - n} chunks outside the heap`);
      if (this.top + this.topSize !== this.curbrk) problems.push("top does not end at the break");
    }
    return problems;
  }

  // -------------------------------------------------------------------------------------------
  // Helpers: memory, chunks, list links

  private store(address: number, size: number): void {
    this.host.store(address, size);
  }

  private chunk(p: number): Chunk {
    const c = this.chunks.get(p);
    if (c === undefined) throw new Error(`malloc model: no chunk at 0x${p.toString(16)}`);
    return c;
  }

  private checkedRequest2size(req: number): number {
    if (!Number.isFinite(req) || req < 0 || req > MAX_REQUEST) return -1;
    return request2size(Math.floor(req));
  }

  /** Record a chunk handed out to the user; returns its user pointer. */
  private handOut(p: number): number {
    const mapped = this.mmapped.get(p);
    this.inUseBytes += mapped ?? this.chunk(p).size;
    return p + CHUNK_HDR_SZ;
  }

  private newChunk(p: number, size: number, state: ChunkState): Chunk {
    const c: Chunk = { size, state, fd: 0, bk: 0, fdNextsize: 0, bkNextsize: 0 };
    this.chunks.set(p, c);
    return c;
  }

  /** Mark a chunk as being in a regular bin (clears the next chunk's PREV_INUSE, in our books). */
  private markFree(p: number, c: Chunk): void {
    c.state = "free";
    this.freeByEnd.set(p + c.size, p);
  }

  /** A chunk leaves the regular bins (before its size or state changes). */
  private unmarkFree(p: number, c: Chunk): void {
    this.freeByEnd.delete(p + c.size);
  }

  /** !prev_inuse (p): the free chunk just before p, or 0. */
  private freePrev(p: number): number {
    return this.freeByEnd.get(p) ?? 0;
  }

  private fdOf(id: number): number {
    return id < 0 ? at(this.binFd, -id) : this.chunk(id).fd;
  }

  private bkOf(id: number): number {
    return id < 0 ? at(this.binBk, -id) : this.chunk(id).bk;
  }

  private setFd(id: number, value: number): void {
    if (id < 0) {
      this.binFd[-id] = value;
    } else {
      this.chunk(id).fd = value;
      this.store(id + 16, 8);
    }
  }

  private setBk(id: number, value: number): void {
    if (id < 0) {
      this.binBk[-id] = value;
    } else {
      this.chunk(id).bk = value;
      this.store(id + 24, 8);
    }
  }

  private setFdNextsize(id: number, value: number): void {
    this.chunk(id).fdNextsize = value;
    this.store(id + 32, 8);
  }

  private setBkNextsize(id: number, value: number): void {
    this.chunk(id).bkNextsize = value;
    this.store(id + 40, 8);
  }

  /** set_head (p, ...): the size field. */
  private setHead(p: number): void {
    this.store(p + SIZE_SZ, 8);
  }

  /** set_foot (p, size): the next chunk's prev_size. */
  private setFoot(p: number, size: number): void {
    this.store(p + size, 8);
  }

  /** set_inuse_bit_at_offset / clear_inuse_bit_at_offset (p, off): the size field at p + off. */
  private touchSizeAt(p: number, offset: number): void {
    this.store(p + offset + SIZE_SZ, 8);
  }

  // -------------------------------------------------------------------------------------------
  // tcache

  private maybeInitTcache(): void {
    if (this.tcache === 0) this.tcacheInit();
  }

  private tcacheInit(): void {
    const p = this.intMalloc(request2size(TCACHE_STRUCT_SIZE));
    if (p === 0) return; // low memory: try again later, as glibc does
    this.chunk(p).state = "internal";
    this.tcache = p + CHUNK_HDR_SZ;
    this.store(this.tcache, TCACHE_STRUCT_SIZE); // memset (tcache, 0, sizeof (...))
  }

  private tcachePut(p: number, idx: number): void {
    const c = this.chunk(p);
    const e = p + CHUNK_HDR_SZ;
    c.state = "tcache";
    this.store(e + 8, 8); // e->key = tcache_key
    c.fd = at(this.tcacheEntries, idx);
    this.store(e, 8); // e->next = PROTECT_PTR (&e->next, tcache->entries[tc_idx])
    this.tcacheEntries[idx] = p;
    this.store(this.tcache + TCACHE_ENTRIES_OFFSET + 8 * idx, 8);
    this.tcacheCounts[idx] = at(this.tcacheCounts, idx) + 1;
    this.store(this.tcache + 2 * idx, 2);
  }

  private tcacheGet(idx: number): number {
    const p = at(this.tcacheEntries, idx);
    const c = this.chunk(p);
    this.tcacheEntries[idx] = c.fd;
    this.store(this.tcache + TCACHE_ENTRIES_OFFSET + 8 * idx, 8);
    this.tcacheCounts[idx] = at(this.tcacheCounts, idx) - 1;
    this.store(this.tcache + 2 * idx, 2);
    c.fd = 0;
    c.state = "inuse";
    this.store(p + CHUNK_HDR_SZ + 8, 8); // e->key = 0
    return p;
  }

  // -------------------------------------------------------------------------------------------
  // Bins

  /** unlink_chunk (av, p). */
  private unlinkChunk(p: number): void {
    const c = this.chunk(p);
    const fd = c.fd;
    const bk = c.bk;
    this.setBk(fd, bk);
    this.setFd(bk, fd);
    if (!inSmallbinRange(c.size) && c.fdNextsize !== 0) {
      // A bin header's "fd_nextsize" overlays the next bin's fd: never NULL.
      if (fd > 0 && this.chunk(fd).fdNextsize === 0) {
        if (c.fdNextsize === p) {
          this.setBkNextsize(fd, fd);
          this.setFdNextsize(fd, fd);
        } else {
          this.setFdNextsize(fd, c.fdNextsize);
          this.setBkNextsize(fd, c.bkNextsize);
          this.setBkNextsize(c.fdNextsize, fd);
          this.setFdNextsize(c.bkNextsize, fd);
        }
      } else {
        this.setBkNextsize(c.fdNextsize, c.bkNextsize);
        this.setFdNextsize(c.bkNextsize, c.fdNextsize);
      }
    }
    c.fd = 0;
    c.bk = 0;
    c.fdNextsize = 0;
    c.bkNextsize = 0;
    this.unmarkFree(p, c);
  }

  /** Place a chunk taken off the unsorted list into its small or large bin (_int_malloc). */
  private placeInBin(victim: number): void {
    const v = this.chunk(victim);
    const size = v.size;
    let bck: number;
    let fwd: number;
    if (inSmallbinRange(size)) {
      bck = binId(smallbinIndex(size));
      fwd = this.fdOf(bck);
    } else {
      bck = binId(largebinIndex(size));
      fwd = this.fdOf(bck);
      if (fwd !== bck) {
        // Maintain large bins in sorted order (largest first), with the nextsize skip list.
        const last = this.bkOf(bck);
        if (size < this.chunk(last).size) {
          fwd = bck;
          bck = last;
          const first = this.fdOf(fwd);
          this.setFdNextsize(victim, first);
          this.setBkNextsize(victim, this.chunk(first).bkNextsize);
          this.setFdNextsize(v.bkNextsize, victim);
          this.setBkNextsize(first, victim);
        } else {
          while (size < this.chunk(fwd).size) fwd = this.chunk(fwd).fdNextsize;
          if (size === this.chunk(fwd).size) {
            fwd = this.fdOf(fwd); // always insert in the second position
          } else {
            this.setFdNextsize(victim, fwd);
            this.setBkNextsize(victim, this.chunk(fwd).bkNextsize);
            this.setBkNextsize(fwd, victim);
            this.setFdNextsize(v.bkNextsize, victim);
          }
          bck = this.bkOf(fwd);
        }
      } else {
        this.setFdNextsize(victim, victim);
        this.setBkNextsize(victim, victim);
      }
    }
    this.setBk(victim, bck);
    this.setFd(victim, fwd);
    this.setBk(fwd, victim);
    this.setFd(bck, victim);
  }

  /**
   * Split `nb` off the front of a free chunk just unlinked from a bin (large-bin best fit and the
   * binmap search), or hand it out whole when the rest would be smaller than MINSIZE.
   */
  private takeFromBin(victim: number, nb: number, advertise: boolean): number {
    const v = this.chunk(victim);
    const size = v.size;
    const remainderSize = size - nb;
    this.unlinkChunk(victim);
    if (remainderSize < MINSIZE) {
      this.touchSizeAt(victim, size); // set_inuse_bit_at_offset (victim, size)
      v.state = "inuse";
    } else {
      const remainder = victim + nb;
      v.size = nb;
      v.state = "inuse";
      const r = this.newChunk(remainder, remainderSize, "inuse");
      // We cannot assume the unsorted list is empty: a complete insert.
      const bck = binId(UNSORTED);
      const fwd = this.fdOf(bck);
      this.setBk(remainder, bck);
      this.setFd(remainder, fwd);
      this.setFd(bck, remainder);
      this.setBk(fwd, remainder);
      if (advertise) this.lastRemainder = remainder;
      if (!inSmallbinRange(remainderSize)) {
        this.setFdNextsize(remainder, 0);
        this.setBkNextsize(remainder, 0);
      }
      this.setHead(victim);
      this.setHead(remainder);
      this.setFoot(remainder, remainderSize);
      this.markFree(remainder, r);
    }
    return victim;
  }

  // -------------------------------------------------------------------------------------------
  // _int_malloc

  /** _int_malloc (av, bytes) for a normalized size: the chunk address, or 0. */
  private intMalloc(nb: number): number {
    // Fastbins: exact size, LIFO; stash further chunks of that size into the tcache.
    if (nb <= MAX_FAST) {
      const idx = fastbinIndex(nb);
      const victim = at(this.fastbins, idx);
      if (victim !== 0) {
        const v = this.chunk(victim);
        this.fastbins[idx] = v.fd;
        v.fd = 0;
        v.state = "inuse";
        const tcIdx = csize2tidx(nb);
        if (this.tcache !== 0 && tcIdx < TCACHE_MAX_BINS) {
          while (at(this.tcacheCounts, tcIdx) < TCACHE_FILL_COUNT) {
            const tcVictim = at(this.fastbins, idx);
            if (tcVictim === 0) break;
            this.fastbins[idx] = this.chunk(tcVictim).fd;
            this.tcachePut(tcVictim, tcIdx);
          }
        }
        return victim;
      }
    }

    let idx: number;
    if (inSmallbinRange(nb)) {
      // Smallbins: exact size, taken from the tail (FIFO); stash the rest into the tcache.
      idx = smallbinIndex(nb);
      const bin = binId(idx);
      const victim = this.bkOf(bin);
      if (victim !== bin) {
        this.takeFromSmallbin(victim, nb, bin);
        const tcIdx = csize2tidx(nb);
        if (this.tcache !== 0 && tcIdx < TCACHE_MAX_BINS) {
          while (at(this.tcacheCounts, tcIdx) < TCACHE_FILL_COUNT) {
            const tcVictim = this.bkOf(bin);
            if (tcVictim === bin) break;
            this.takeFromSmallbin(tcVictim, nb, bin);
            this.tcachePut(tcVictim, tcIdx);
          }
        }
        return victim;
      }
    } else {
      idx = largebinIndex(nb);
      if (this.haveFastchunks) this.mallocConsolidate();
    }

    const tcIdx = csize2tidx(nb);
    const tcacheNb = this.tcache !== 0 && tcIdx < TCACHE_MAX_BINS;
    let returnCached = false;

    for (;;) {
      // Process the unsorted chunks, oldest first.
      let iters = 0;
      const unsorted = binId(UNSORTED);
      for (;;) {
        const victim = this.bkOf(unsorted);
        if (victim === unsorted) break;
        const v = this.chunk(victim);
        const bck = v.bk;
        const size = v.size;

        // A small request takes the last remainder if it is the only unsorted chunk.
        if (
          inSmallbinRange(nb) &&
          bck === unsorted &&
          victim === this.lastRemainder &&
          size > nb + MINSIZE
        ) {
          const remainderSize = size - nb;
          const remainder = victim + nb;
          this.unmarkFree(victim, v);
          v.size = nb;
          v.state = "inuse";
          v.fd = 0;
          v.bk = 0;
          const r = this.newChunk(remainder, remainderSize, "inuse");
          this.binBk[UNSORTED] = remainder;
          this.binFd[UNSORTED] = remainder;
          this.lastRemainder = remainder;
          this.setBk(remainder, unsorted);
          this.setFd(remainder, unsorted);
          if (!inSmallbinRange(remainderSize)) {
            this.setFdNextsize(remainder, 0);
            this.setBkNextsize(remainder, 0);
          }
          this.setHead(victim);
          this.setHead(remainder);
          this.setFoot(remainder, remainderSize);
          this.markFree(remainder, r);
          return victim;
        }

        // Remove from the unsorted list.
        this.setBk(unsorted, bck);
        this.setFd(bck, unsorted);
        v.fd = 0;
        v.bk = 0;

        // Take now instead of binning if exact fit (first filling the tcache).
        if (size === nb) {
          this.unmarkFree(victim, v);
          v.state = "inuse";
          this.touchSizeAt(victim, size); // set_inuse_bit_at_offset (victim, size)
          if (tcacheNb && at(this.tcacheCounts, tcIdx) < TCACHE_FILL_COUNT) {
            this.tcachePut(victim, tcIdx);
            returnCached = true;
            continue;
          }
          return victim;
        }

        this.placeInBin(victim);
        // (mp_.tcache_unsorted_limit is 0 by default: no early return of a cached chunk.)
        if (++iters >= MAX_ITERS) break;
      }

      // If all the small chunks we found ended up cached, return one now.
      if (returnCached) return this.tcacheGet(tcIdx);

      // A large request: best fit within its own bin, using the skip list.
      if (!inSmallbinRange(nb)) {
        const bin = binId(idx);
        const first = this.fdOf(bin);
        if (first !== bin && this.chunk(first).size >= nb) {
          let victim = this.chunk(first).bkNextsize;
          while (this.chunk(victim).size < nb) victim = this.chunk(victim).bkNextsize;
          // Avoid removing the first entry for a size so that the skip list does not have to be
          // rerouted.
          const vfd = this.chunk(victim).fd;
          if (
            victim !== this.bkOf(bin) &&
            vfd > 0 &&
            this.chunk(vfd).size === this.chunk(victim).size
          ) {
            victim = vfd;
          }
          return this.takeFromBin(victim, nb, false);
        }
      }

      // Scan the following bins (the binmap search): the smallest chunk in the first non-empty
      // bin above idx.
      let found = 0;
      for (let i = idx + 1; i < NBINS; i++) {
        const bin = binId(i);
        const last = this.bkOf(bin);
        if (last !== bin) {
          found = last;
          break;
        }
      }
      if (found !== 0) return this.takeFromBin(found, nb, inSmallbinRange(nb));

      // use_top
      if (this.top !== INITIAL_TOP && this.topSize >= nb + MINSIZE) {
        const victim = this.top;
        this.top = victim + nb;
        this.topSize -= nb;
        this.newChunk(victim, nb, "inuse");
        this.setHead(victim);
        this.setHead(this.top);
        return victim;
      }
      if (this.haveFastchunks) {
        this.mallocConsolidate();
        idx = inSmallbinRange(nb) ? smallbinIndex(nb) : largebinIndex(nb);
        continue;
      }
      return this.sysmalloc(nb);
    }
  }

  /** Unlink the tail chunk of a smallbin for allocation (the smallbin path of _int_malloc). */
  private takeFromSmallbin(victim: number, nb: number, bin: number): void {
    const v = this.chunk(victim);
    const bck = v.bk;
    this.touchSizeAt(victim, nb); // set_inuse_bit_at_offset (victim, nb)
    this.setBk(bin, bck);
    this.setFd(bck, bin);
    this.unmarkFree(victim, v);
    v.fd = 0;
    v.bk = 0;
    v.state = "inuse";
  }

  // -------------------------------------------------------------------------------------------
  // _int_free and malloc_consolidate

  /** _int_free (av, p, have_lock) for a heap chunk in state "inuse". */
  private intFree(p0: number): void {
    let p = p0;
    const c0 = this.chunk(p);
    let size = c0.size;

    const tcIdx = csize2tidx(size);
    if (this.tcache !== 0 && tcIdx < TCACHE_MAX_BINS) {
      if (at(this.tcacheCounts, tcIdx) < TCACHE_FILL_COUNT) {
        this.tcachePut(p, tcIdx);
        return;
      }
    }

    if (size <= MAX_FAST) {
      this.haveFastchunks = true;
      const idx = fastbinIndex(size);
      c0.fd = at(this.fastbins, idx);
      this.store(p + 16, 8); // p->fd = PROTECT_PTR (&p->fd, old)
      this.fastbins[idx] = p;
      c0.state = "fast";
      return;
    }

    const nextchunk = p + size;
    // Consolidate backward.
    const prev = this.freePrev(p);
    if (prev !== 0) {
      this.chunks.delete(p);
      p = prev;
      this.unlinkChunk(p);
      size += this.chunk(p).size;
    }
    const c = this.chunk(p);
    if (nextchunk !== this.top) {
      const next = this.chunk(nextchunk);
      if (next.state === "free") {
        this.unlinkChunk(nextchunk);
        size += next.size;
        this.chunks.delete(nextchunk);
      } else {
        this.touchSizeAt(nextchunk, 0); // clear_inuse_bit_at_offset (nextchunk, 0)
      }
      c.size = size;
      c.state = "inuse";
      const bck = binId(UNSORTED);
      const fwd = this.fdOf(bck);
      this.setFd(p, fwd);
      this.setBk(p, bck);
      if (!inSmallbinRange(size)) {
        this.setFdNextsize(p, 0);
        this.setBkNextsize(p, 0);
      }
      this.setFd(bck, p);
      this.setBk(fwd, p);
      this.setHead(p);
      this.setFoot(p, size);
      this.markFree(p, c);
    } else {
      // Borders the top chunk: consolidate into top.
      size += this.topSize;
      this.chunks.delete(p);
      this.top = p;
      this.topSize = size;
      this.setHead(p);
    }

    if (size >= FASTBIN_CONSOLIDATION_THRESHOLD) {
      if (this.haveFastchunks) this.mallocConsolidate();
      if (this.topSize >= this.trimThreshold) this.systrim(this.topPad);
    }
  }

  /** malloc_consolidate: tear down the fastbins, coalescing their chunks. */
  private mallocConsolidate(): void {
    this.haveFastchunks = false;
    const unsorted = binId(UNSORTED);
    for (let i = 0; i < NFASTBINS; i++) {
      let p = at(this.fastbins, i);
      this.fastbins[i] = 0;
      while (p !== 0) {
        const pc = this.chunk(p);
        const nextp = pc.fd;
        pc.fd = 0;
        let size = pc.size;
        const nextchunk = p + size;
        const prev = this.freePrev(p);
        if (prev !== 0) {
          this.chunks.delete(p);
          p = prev;
          this.unlinkChunk(p);
          size += this.chunk(p).size;
        }
        const c = this.chunk(p);
        if (nextchunk !== this.top) {
          const next = this.chunk(nextchunk);
          if (next.state === "free") {
            size += next.size;
            this.unlinkChunk(nextchunk);
            this.chunks.delete(nextchunk);
          } else {
            this.touchSizeAt(nextchunk, 0);
          }
          c.size = size;
          c.state = "inuse";
          const firstUnsorted = this.fdOf(unsorted);
          this.setFd(unsorted, p);
          this.setBk(firstUnsorted, p);
          if (!inSmallbinRange(size)) {
            this.setFdNextsize(p, 0);
            this.setBkNextsize(p, 0);
          }
          this.setHead(p);
          this.setBk(p, unsorted);
          this.setFd(p, firstUnsorted);
          this.setFoot(p, size);
          this.markFree(p, c);
        } else {
          size += this.topSize;
          this.chunks.delete(p);
          this.top = p;
          this.topSize = size;
          this.setHead(p);
        }
        p = nextp;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // System memory: sbrk, sysmalloc, systrim, munmap_chunk

  /** glibc's __sbrk (through __glibc_morecore): the old break, or FAIL. */
  private sbrk(increment: number): number {
    if (this.curbrk === 0) {
      // __curbrk not yet known in libc: __brk (0).
      this.curbrk = this.host.brk(0);
    }
    if (increment === 0) return this.curbrk;
    const old = this.curbrk;
    const want = old + increment;
    if (want < 0) return FAIL;
    const result = this.host.brk(want);
    this.curbrk = result;
    if (result < want) return FAIL; // __brk: ENOMEM
    return old;
  }

  /** sysmalloc (nb, av) for the main arena: the chunk address, or 0 (ENOMEM). */
  private sysmalloc(nb: number): number {
    if (nb >= this.mmapThreshold && this.nMmaps < this.nMmapsMax) {
      const p = this.sysmallocMmap(nb);
      if (p !== 0) return p;
    }

    const oldTop = this.top;
    let oldSize = this.topSize;
    const oldEnd = oldTop + oldSize;
    let brk = FAIL;
    let sndBrk = FAIL;

    let size = nb + this.topPad + MINSIZE;
    if (this.contiguous) size -= oldSize;
    size = alignUp(size, PAGE_SIZE);
    if (size > 0) brk = this.sbrk(size);

    if (brk === FAIL) {
      // mmap as a backup for brk (sysmalloc_mmap_fallback): the arena becomes non-contiguous.
      let s = size;
      if (this.contiguous) s = alignUp(s + oldSize, PAGE_SIZE);
      if (s < MMAP_AS_MORECORE_SIZE) s = MMAP_AS_MORECORE_SIZE;
      if (s > nb) {
        const mbrk = this.host.mmapAnonymous(s);
        if (mbrk !== -1) {
          this.contiguous = false;
          size = s;
          brk = mbrk;
          sndBrk = brk + size;
        }
      }
    }

    if (brk !== FAIL) {
      if (this.sbrkBase === 0) this.sbrkBase = brk;
      this.systemMem += size;

      if (oldTop !== INITIAL_TOP && brk === oldEnd && sndBrk === FAIL) {
        // MORECORE extended the previous space: extend top.
        this.topSize = size + oldSize;
        this.setHead(oldTop);
      } else if (this.contiguous && oldSize !== 0 && brk < oldEnd) {
        // glibc: malloc_printerr ("break adjusted to free malloc space").
        this.systemMem -= size;
        return 0;
      } else {
        let correction = 0;
        let alignedBrk = brk;
        if (this.contiguous) {
          // Foreign sbrk (or the first time): count the gap, realign, and page-align the end.
          if (oldSize !== 0) this.systemMem += brk - oldEnd;
          const frontMisalign = (brk + CHUNK_HDR_SZ) % MALLOC_ALIGNMENT;
          if (frontMisalign > 0) {
            correction = MALLOC_ALIGNMENT - frontMisalign;
            alignedBrk += correction;
          }
          correction += oldSize;
          const endMisalign = brk + size + correction;
          correction += alignUp(endMisalign, PAGE_SIZE) - endMisalign;
          sndBrk = this.sbrk(correction);
          if (sndBrk === FAIL) {
            correction = 0;
            sndBrk = this.sbrk(0);
          }
        } else if (sndBrk === FAIL) {
          sndBrk = this.sbrk(0);
        }

        if (sndBrk !== FAIL) {
          this.top = alignedBrk;
          this.topSize = sndBrk - alignedBrk + correction;
          this.setHead(this.top);
          this.systemMem += correction;

          if (oldSize !== 0) {
            // Fence off the old top (two CHUNK_HDR_SZ fenceposts) and free what remains of it.
            oldSize = alignDown(oldSize - 2 * CHUNK_HDR_SZ, MALLOC_ALIGNMENT);
            this.setHead(oldTop);
            this.setHead(oldTop + oldSize);
            this.setHead(oldTop + oldSize + CHUNK_HDR_SZ);
            this.newChunk(oldTop + oldSize, CHUNK_HDR_SZ, "fence");
            this.newChunk(oldTop + oldSize + CHUNK_HDR_SZ, CHUNK_HDR_SZ, "fence");
            if (oldSize >= MINSIZE) {
              this.newChunk(oldTop, oldSize, "inuse");
              this.intFree(oldTop);
            } else if (oldSize > 0) {
              this.newChunk(oldTop, oldSize, "fence");
            }
          }
        }
      }
    }

    // Finally, do the allocation.
    if (this.top !== INITIAL_TOP && this.topSize >= nb + MINSIZE) {
      const p = this.top;
      this.top = p + nb;
      this.topSize -= nb;
      this.newChunk(p, nb, "inuse");
      this.setHead(p);
      this.setHead(this.top);
      return p;
    }
    return 0;
  }

  /** sysmalloc_mmap: a chunk in its own mapping; the chunk address, or 0. */
  private sysmallocMmap(nb: number): number {
    const size = alignUp(nb + SIZE_SZ, PAGE_SIZE);
    if (size <= nb) return 0;
    const mm = this.host.mmapAnonymous(size);
    if (mm === -1) return 0;
    // set_prev_size (p, 0); set_head (p, size | IS_MMAPPED): the first 16 bytes of the mapping.
    this.store(mm, 16);
    this.mmapped.set(mm, size);
    this.nMmaps++;
    this.mmappedMem += size;
    return mm;
  }

  /** munmap_chunk (p). */
  private munmapChunk(p: number, size: number): void {
    this.mmapped.delete(p);
    this.nMmaps--;
    this.mmappedMem -= size;
    this.host.munmap(p, size);
  }

  /** systrim (pad, av): give the top of the heap back with a negative sbrk. */
  private systrim(pad: number): boolean {
    const topSize = this.topSize;
    const topArea = topSize - MINSIZE - 1;
    if (topArea <= pad) return false;
    const extra = alignDown(topArea - pad, PAGE_SIZE);
    if (extra === 0) return false;
    // Only proceed if the end of memory is where we last set it (no foreign sbrk).
    const currentBrk = this.sbrk(0);
    if (currentBrk !== this.top + topSize) return false;
    this.sbrk(-extra);
    const newBrk = this.sbrk(0);
    if (newBrk === FAIL) return false;
    const released = currentBrk - newBrk;
    if (released === 0) return false;
    this.systemMem -= released;
    this.topSize = topSize - released;
    this.setHead(this.top);
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Diagnostics

  private doubleFreeMessage(p: number, c: Chunk): string {
    if (c.state === "tcache") return "free(): double free detected in tcache 2";
    const tcIdx = csize2tidx(c.size);
    const tcacheTakes =
      this.tcache !== 0 &&
      tcIdx < TCACHE_MAX_BINS &&
      at(this.tcacheCounts, tcIdx) < TCACHE_FILL_COUNT;
    const undetected = "double free not detected by glibc (its free lists would now be corrupt)";
    if (tcacheTakes) return undetected;
    if (c.size <= MAX_FAST) {
      return at(this.fastbins, fastbinIndex(c.size)) === p
        ? "double free or corruption (fasttop)"
        : undetected;
    }
    return "double free or corruption (!prev)";
  }
}
