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
];

export function findBuiltin(name: string): BuiltinScenario | undefined {
  return BUILTIN_SCENARIOS.find((scenario) => scenario.name === name);
}
