/**
 * Built-in scenarios, runnable by name (`vmscope run heap-write`) and shown in the web page.
 * Their `expect` lines hold the numbers the real kernel gives: docs/kernel-measurements.md has
 * the C programs and measurements behind each.
 */
export interface BuiltinScenario {
  name: string;
  title: string;
  /** One paragraph: what to watch for. */
  description: string;
  source: string;
}

const LAZY_ALLOC = `# The lazy-allocation program: malloc 1 MiB, then fill it twice with memset.
# malloc only reserves address space; the pages arrive one fault at a time when first written.
spawn app
report "start"
app: buf = malloc 1M
report "after malloc"
# The first malloc sets up the brk heap (tcache) and writes the 1 MiB chunk's header into
# its own mmap: two faults (measured on Linux 6.18 / glibc 2.36).
expect app.minflt == 2 since "start"
app: memset buf 0x42 1M
report "after memset"
# 257 pages hold the chunk; the first was faulted in by malloc's header write.
expect app.minflt == 256 since "after malloc"
app: memset buf 0x42 1M
report "after 2nd memset"
expect app.minflt == 0 since "after memset"
expect app.rss_kb == 1032
show maps app
`;

const HEAP_WRITE = `# int *a = malloc(sizeof(int)); *a = 10;
# The first malloc of a process sets up the heap: brk grows by 132 KiB and malloc writes the
# tcache and the chunk headers into the heap's first page, which takes the minor fault.
# The store *a = 10 then finds the page mapped: a TLB hit, no fault.
spawn app
report "start"
app: a = malloc 4
report "after malloc"
expect app.minflt == 1 since "start"
expect app.rss_kb == 4
app: write a 4
report "after *a = 10"
expect app.minflt == 0 since "after malloc"
show pagetable app a
show maps app
`;

const ZERO_PAGE_COW = `# Read fresh anonymous memory, then write it.
# A read of an untouched private page maps the shared zero page read-only (no memory used);
# the first write then takes a copy-on-write fault for a private zeroed page: two faults a page.
spawn app
app: m = mmap 1M
report "mapped"
app: touch m 1M read
report "after reads"
expect app.minflt == 256 since "mapped"
expect app.rss_kb == 0
app: touch m 1M write
report "after writes"
expect app.minflt == 256 since "after reads"
expect app.cow_faults == 256
expect app.rss_kb == 1024
app: touch m 1M write
report "written again"
expect app.minflt == 0 since "after writes"
`;

const HUGE_PAGES = `# Transparent huge pages: 8 MiB written one byte per 4 KiB page, with and without
# madvise(MADV_HUGEPAGE). With it, each 2 MiB takes one fault that maps an order-9 block
# with one PMD entry (PS bit); without it (THP "madvise", Debian's default), 2048 faults.
# A 2 MiB TLB entry covers 512 pages, so reading it all again walks no page table at all.
# Figures measured on Linux 6.18 (docs/kernel-measurements.md, exp21).
spawn huge
huge: m = mmap 8M
huge: madvise m 8M hugepage
report "start"
huge: touch m 8M write
report "huge written"
expect huge.minflt == 4 since "start"
expect vmstat.thp_fault_alloc == 4
expect vmstat.nr_anon_transparent_hugepages == 4
expect huge.rss_anon_kb == 8192
huge: touch m 8M read
report "huge read"
expect tlb.page_walks == 0 since "huge written"
spawn small
small: n = mmap 8M
report "small start"
small: touch n 8M write
report "small written"
expect small.minflt == 2048 since "small start"
small: touch n 8M read
report "small read"
expect tlb.page_walks >= 2048 since "small written"
# fork shares the huge page write-protected; the child's write splits its PMD into 512 PTEs
# and copies one 4 KiB page (do_huge_pmd_wp_page falls back since Linux 5.8).
child = huge: fork
report "forked"
child: write m+0x3000
report "child wrote"
expect child.minflt == 1 since "forked"
expect vmstat.thp_split_pmd == 1
expect vmstat.nr_anon_transparent_hugepages == 4
# Reads first (use_zero_page, Linux's default): each 2 MiB read fault maps the shared huge zero
# page read-only with one PMD, so no memory becomes the reader's. The first write to each 2 MiB
# faults again and replaces it with a fresh huge page (do_huge_zero_wp_pmd): 8 faults in all.
spawn reader
reader: z = mmap 8M
reader: madvise z 8M hugepage
report "reader start"
reader: touch z 8M read
report "reader read"
expect reader.minflt == 4 since "reader start"
expect reader.rss_anon_kb == 0
expect vmstat.thp_fault_alloc == 0 since "reader start"
expect vmstat.thp_zero_page_alloc == 1
expect vmstat.nr_anon_transparent_hugepages == 0 since "reader start"
reader: touch z 8M write
report "reader wrote"
expect reader.minflt == 8 since "reader start"
expect reader.rss_anon_kb == 8192
expect vmstat.thp_fault_alloc == 4 since "reader read"
expect vmstat.nr_anon_transparent_hugepages == 4 since "reader read"
expect vmstat.thp_split_pmd == 0 since "reader start"
show smaps child
`;

const FORK_COW = `# fork and copy-on-write.
# fork copies the page tables and write-protects private pages in both processes; the first
# write on either side copies the page. Once the other side is gone, the page is reused
# without a copy, but the write still faults.
spawn parent
parent: buf = mmap 1M
parent: touch buf 1M write
report "before fork"
child = parent: fork
report "after fork"
expect child.minflt == 0
expect child.rss_kb == 1024
child: touch buf 1M write
report "child wrote"
expect child.minflt == 256 since "after fork"
expect child.cow_faults == 256
expect parent.minflt == 0 since "after fork"
child: exit
parent: touch buf 1M write
report "parent wrote"
expect parent.minflt == 256 since "child wrote"
expect parent.rss_kb == 1024
`;

const SEGFAULT = `# Two ways to die: a store to read-only memory (SEGV_ACCERR) and a load from an address no
# mapping covers (SEGV_MAPERR). Neither counts as a page fault in getrusage.
spawn writer
writer: m = mmap 64K
writer: touch m 64K write
writer: mprotect m 64K r
report "protected"
writer: write m+8
expect writer.minflt == 0 since "protected"
spawn reader
reader: read 0x1000
show vmstat
`;

const STACK_GROWTH = `# The stack grows down on demand: touching pages below the initial 132 KiB stack VMA
# extends it (up to the 8 MiB limit), one fault per page.
spawn app
report "start"
app: touch 0x7fffffedf000 1M write
report "after 1 MiB of stack"
expect app.minflt == 256 since "start"
show maps app
`;

const COLD_FILE_READ = `# Reading a file that is not in the page cache, twice.
# The first read(2) misses the cache: the kernel reads the file from the disk (with readahead:
# the initial window, then ever larger asynchronous windows). That wait is I/O, not a page
# fault. The second read finds every page cached. Then the same file mapped with mmap: its
# pages are cached, so each fault is minor, and fault-around maps 16 pages per fault (the
# 2 MiB mapping is placed on a 2 MiB boundary, as Linux 6.x places large file mappings).
machine ram=64M disk=nvme
file data.bin size=2M
spawn app
app: f = open data.bin
report "opened"
app: fread f 2M
report "first read"
expect app.majflt == 0 since "opened"
expect app.minflt == 0 since "opened"
expect app.read_bytes == 2097152 since "opened"
app: close f
app: g = open data.bin
app: fread g 2M
report "second read"
expect app.read_bytes == 0 since "first read"
app: m = mmap 2M file=data.bin private prot=r
app: touch m 2M read
report "mapped and read"
expect app.minflt == 32 since "second read"
expect app.majflt == 0 since "second read"
show meminfo
`;

const COLD_MMAP = `# A file mapped with mmap and read one byte per page, cold and cached.
# With madvise random every page of a cold file is one major fault (no readahead, and
# fault-around finds nothing cached). Once cached, a fresh mapping costs one minor fault per
# 16 pages (fault-around). A private write costs one copy-on-write fault per page.
file cold.dat size=4M
file warm.dat size=4M cached
spawn app
app: c = mmap 4M file=cold.dat prot=r
app: madvise c 4M random
report "mapped"
app: touch c 4M read
report "cold, random"
expect app.majflt == 1024 since "mapped"
expect app.minflt == 0 since "mapped"
app: w = mmap 4M file=warm.dat prot=r
report "warm mapped"
app: touch w 4M read
report "warm"
expect app.minflt == 64 since "warm mapped"
expect app.majflt == 0 since "warm mapped"
app: p = mmap 4M file=warm.dat private prot=rw
report "private mapped"
app: touch p 4M write
report "private writes"
expect app.minflt == 1024 since "private mapped"
`;

const SWAP_IN = `# An array pushed out to swap, then touched again.
# app fills 24 MiB on a 32 MiB machine; hog then needs 24 MiB more, so reclaim moves app's
# pages (not touched since) to swap. When app reads its array again, each missing page is a
# major fault that reads 8 slots at once (swap readahead, page-cluster 3): the next seven
# pages are found in the swap cache, minor faults.
machine ram=32M swap=64M
spawn app
app: a = mmap 24M
app: touch a 24M write
spawn hog
hog: h = mmap 24M
hog: touch h 24M write
report "pushed out"
expect vmstat.pswpout > 0
app: touch a 24M read
report "read back"
expect app.majflt > 0 since "pushed out"
expect vmstat.pswpin > 0 since "pushed out"
show swaps
show meminfo
`;

const THRASHING = `# Thrashing: the fault rate climbs once the working set outgrows RAM.
# Three sweeps over 24 MiB on a 32 MiB machine cost nothing once the pages are in. Three sweeps
# over 40 MiB find every page gone: each sweep evicts the pages the next one needs first (LRU's
# worst case), so nearly every access faults and waits for the swap device. RAM shrinking under
# a fixed working set does the same.
machine ram=32M swap=128M
spawn app
app: a = mmap 40M
app: touch a 24M write
report "24M filled"
repeat 3:
  app: touch a 24M read
report "24M swept"
expect app.majflt == 0 since "24M filled"
app: touch a 40M write
report "40M filled"
repeat 3:
  app: touch a 40M read
report "40M swept"
expect app.majflt > 1000 since "40M filled"
expect vmstat.pswpin > 5000 since "40M filled"
show vmstat
`;

const OOM_KILL = `# The OOM killer. No swap, and two processes that want more than RAM: when reclaim finds
# nothing to free, the kernel kills the process with the highest badness (resident pages +
# swap entries + page tables, adjusted by oom_score_adj) and the other goes on.
machine ram=32M
spawn small
small: s = mmap 8M
small: touch s 8M write
spawn big
big: b = mmap 28M
big: touch b 28M write
report "after big"
expect vmstat.oom_kill == 1
expect big.rss_kb == 0
expect small.rss_kb == 8192
`;

const TEXTBOOK_POLICY = `# A textbook policy runs the machine: policy=fifo puts FIFO in place of Linux's lists.
# The program fills 4800 KiB of an 8 MiB machine, reads its first 400 KiB again, then grows by
# as much again, so reclaim must evict. FIFO evicts the oldest pages, the ones just read again,
# and reading them once more costs 100 major faults. With policy=lru or policy=clock they stay.
# Linux's own lists (no policy=) lose them too: the accessed bit the first write set cannot tell
# a page used twice from a page used once.
machine ram=8M swap=32M page_cluster=0 policy=fifo
spawn app
app: a = mmap 10M
app: touch a 4800K write
app: touch a 400K read
report "filled"
app: touch a+4800K 4800K write
report "grown"
show lru
app: touch a 400K read
report "first pages again"
expect app.majflt == 100 since "grown"
`;

export const BUILTIN_SCENARIOS: readonly BuiltinScenario[] = [
  {
    name: "lazy-alloc",
    title: "Lazy allocation: malloc 1 MiB, memset twice",
    description:
      "malloc reserves address space; memory arrives a page at a time on the first memset (256 minor faults); the second memset costs nothing.",
    source: LAZY_ALLOC,
  },
  {
    name: "heap-write",
    title: "Heap write: *a = 10 after malloc",
    description:
      "The first malloc grows the heap with brk and faults its first page in while writing chunk headers; the store then hits.",
    source: HEAP_WRITE,
  },
  {
    name: "zero-page-cow",
    title: "Read, then write, fresh memory: the zero page and copy-on-write",
    description:
      "Reads map the shared zero page (RSS stays 0); the first write to each page copies it: 256 + 256 faults for 1 MiB.",
    source: ZERO_PAGE_COW,
  },
  {
    name: "fork-cow",
    title: "fork and copy-on-write",
    description:
      "After fork, a child writing 256 inherited pages takes 256 COW faults; the parent writing afterwards reuses its pages but still faults.",
    source: FORK_COW,
  },
  {
    name: "segfault",
    title: "SIGSEGV: SEGV_ACCERR and SEGV_MAPERR",
    description:
      "A store to read-only memory and a load from an unmapped address each kill their process; no fault is counted.",
    source: SEGFAULT,
  },
  {
    name: "stack-growth",
    title: "Stack growth",
    description: "Touching below the stack VMA grows it a page at a time, one fault per page.",
    source: STACK_GROWTH,
  },
  {
    name: "cold-file-read",
    title: "Reading a cold file",
    description:
      "The first read of a file waits for the disk (readahead fetches ahead of the reader) but takes no page fault; the second read is served from the page cache; mapping the cached file costs one minor fault per 16 pages.",
    source: COLD_FILE_READ,
  },
  {
    name: "file-mmap",
    title: "File mappings: major, minor and COW faults",
    description:
      "A cold file read through mmap with madvise random costs one major fault per page; a cached one costs one minor fault per 16 pages (fault-around); private writes copy each page.",
    source: COLD_MMAP,
  },
  {
    name: "swap-in",
    title: "Swapped out and back in",
    description:
      "Memory pressure from a second process pushes an idle array to swap; touching it again takes major faults, each reading a cluster of 8 slots so that neighbours come back as minor faults.",
    source: SWAP_IN,
  },
  {
    name: "huge-pages",
    title: "Transparent huge pages",
    description:
      "madvise hugepage: 8 MiB of writes take 4 faults instead of 2048, each mapping 2 MiB with one PMD entry; one 2 MiB TLB entry serves 512 pages, so a second pass walks no page table. After fork, a write splits the shared huge PMD and copies 4 KiB. Reads first map the shared huge zero page; the first writes then take 4 more faults.",
    source: HUGE_PAGES,
  },
  {
    name: "thrashing",
    title: "Thrashing",
    description:
      "A working set swept repeatedly: no faults while it fits in RAM; once it is larger, every sweep evicts what the next one needs first, so almost every page access is a major fault.",
    source: THRASHING,
  },
  {
    name: "textbook-policy",
    title: "FIFO runs the machine",
    description:
      "machine policy=fifo: a replacement policy from the registry picks reclaim's victims. FIFO evicts the oldest pages even though they were just used again; LRU and Clock keep them.",
    source: TEXTBOOK_POLICY,
  },
  {
    name: "oom-kill",
    title: "The OOM killer",
    description:
      "Without swap, a process that wants more than RAM leaves reclaim nothing to free: the kernel kills the process with the highest badness, and the other one runs on.",
    source: OOM_KILL,
  },
];

export function findBuiltin(name: string): BuiltinScenario | undefined {
  return BUILTIN_SCENARIOS.find((scenario) => scenario.name === name);
}
