/*
 * Experiment 10: MAP_SHARED|MAP_ANONYMOUS (shmem) 1 MiB.
 *  a) fresh: read one byte per page, read again, write one byte per page
 *  b) fresh: write one byte per page first
 *  c) after (a): fork, child reads all pages (page tables are not copied
 *     for shared mappings; shmem read faults use fault-around), child then
 *     writes all pages; parent reads/writes after the child exited
 *  d) after (a): fork, child writes all pages first
 *  e) a 1 MiB shared mapping starting 4 pages past a 64 KiB boundary: child
 *     read faults after fork (fault-around windows are aligned)
 * Fault-around needs the pages in the page cache: a fresh shmem mapping has
 * none, so its first touches cannot use it.
 */
#include "common.h"

#define NP 256

static void write_pages(volatile char *p, int n, char v)
{
	int i;
	for (i = 0; i < n; i++)
		p[i * PAGE] = v;
}

static void read_pages(volatile char *p, int n)
{
	volatile char sink;
	int i;
	for (i = 0; i < n; i++)
		sink = p[i * PAGE];
	(void)sink;
}

/* Read pages one by one; print the page indexes where a fault happened. */
static void read_trace(volatile char *p, int n)
{
	volatile char sink;
	int i, shown = 0;
	long faults = 0;
	ps("  child: pages whose read faulted:");
	for (i = 0; i < n; i++) {
		struct flt a = flt_now();
		sink = p[i * PAGE];
		struct flt b = flt_now();
		if (b.mn != a.mn) {
			faults += b.mn - a.mn;
			if (shown++ < 20) {
				pc(' ');
				pd(i);
			}
		}
	}
	(void)sink;
	ps(shown > 20 ? " ...\n" : "\n");
	ps("  child: total read faults with per-page getrusage: ");
	pd(faults);
	pc('\n');
}

/* 1 MiB shared anonymous mapping whose start is `skew` pages past a
 * 64 KiB-aligned address (guard pages around it). */
static volatile char *map_shared(int skew)
{
	char *g = mmap(0, MIB + 64 * 1024 + 2 * PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	unsigned long a = ((unsigned long)g + PAGE + 64 * 1024 - 1) & ~(64 * 1024UL - 1);
	a += (unsigned long)skew * PAGE;
	return mmap((void *)a, MIB, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

static void fork_child(volatile char *p, int child_writes_first, int trace)
{
	pid_t pid;
	unsigned long lo = (unsigned long)p, hi = lo + MIB;
	flush_out();
	pid = fork();
	if (pid == 0) {
		post_fork_warmup(lo, hi);
		if (trace) {
			read_trace(p, NP);
		} else if (child_writes_first) {
			MEASURE("child: write all 256 pages", write_pages(p, NP, 7));
			MEASURE("child: read all 256 pages", read_pages(p, NP));
		} else {
			MEASURE("child: read all 256 pages", read_pages(p, NP));
			MEASURE("child: read again", read_pages(p, NP));
			MEASURE("child: write all 256 pages", write_pages(p, NP, 7));
		}
		flush_out();
		_exit(0);
	}
	waitpid(pid, 0, 0);
	post_fork_warmup(lo, hi);
}

int main(void)
{
	volatile char *p;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp10 MAP_SHARED|MAP_ANONYMOUS 1 MiB");
	null_check();

	ps(" a) fresh mapping (64 KiB aligned): read, read, write\n");
	MEASURE("mmap", p = map_shared(0));
	show_mapping((unsigned long)p);
	MEASURE("read 1 byte per page", read_pages(p, NP));
	MEASURE("read again", read_pages(p, NP));
	MEASURE("write 1 byte per page", write_pages(p, NP, 1));
	MEASURE("write again", write_pages(p, NP, 2));

	ps(" c) fork; child reads, then writes; parent after child exit\n");
	fork_child(p, 0, 0);
	MEASURE("parent: read all 256 pages", read_pages(p, NP));
	MEASURE("parent: write all 256 pages", write_pages(p, NP, 3));

	ps(" d) fork; child writes first\n");
	fork_child(p, 1, 0);
	munmap((void *)p, MIB);

	ps(" b) fresh mapping: write first\n");
	p = map_shared(0);
	MEASURE("write 1 byte per page", write_pages(p, NP, 1));
	MEASURE("read 1 byte per page", read_pages(p, NP));
	munmap((void *)p, MIB);

	ps(" e) pages populated, mapping 64 KiB aligned: child read faults per page\n");
	p = map_shared(0);
	write_pages(p, NP, 1);
	fork_child(p, 0, 1);
	munmap((void *)p, MIB);
	ps(" e) pages populated, mapping starts 4 pages past a 64 KiB boundary\n");
	p = map_shared(4);
	ps("  mapping start mod 64 KiB = ");
	pu(((unsigned long)p & 0xffff) / 1024);
	ps(" KiB\n");
	write_pages(p, NP, 1);
	fork_child(p, 0, 1);
	munmap((void *)p, MIB);

	ps(" f) only every other 16-page block populated before fork (fault-around maps\n"
	   "    only pages already in the page cache)\n");
	p = map_shared(0);
	{
		int i;
		for (i = 0; i < NP; i++)
			if ((i / 16) % 2 == 0)
				p[i * PAGE] = 1;
	}
	fork_child(p, 0, 0);
	munmap((void *)p, MIB);
	flush_out();
	return 0;
}
