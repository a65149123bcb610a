/*
 * Experiment 6: MAP_POPULATE on 1 MiB private anonymous memory.
 *  a) PROT_READ|PROT_WRITE: faults charged inside mmap(), then reads and
 *     writes afterwards.
 *  b) PROT_READ only: faults inside mmap(), reads afterwards, then
 *     mprotect(PROT_READ|PROT_WRITE) and writes.
 *  c) for comparison: MADV_POPULATE_WRITE and mlock on a plain mapping.
 */
#include "common.h"

#define NP 256

static void write_pages(volatile char *p, char v)
{
	int i;
	for (i = 0; i < NP; i++)
		p[i * PAGE] = v;
}

static void read_pages(volatile char *p)
{
	volatile char sink;
	int i;
	for (i = 0; i < NP; i++)
		sink = p[i * PAGE];
	(void)sink;
}

static unsigned long present_pages(volatile char *p)
{
	unsigned char vec[NP];
	unsigned long n = 0;
	int i;
	if (mincore((void *)p, MIB, vec))
		return (unsigned long)-1;
	for (i = 0; i < NP; i++)
		n += vec[i] & 1;
	return n;
}

static void show_pfn(const char *what, volatile char *p)
{
	ps("  ");
	ps(what);
	ps(": PFN of page 0 = ");
	px(pfn_of((unsigned long)p));
	ps(", of page 1 = ");
	px(pfn_of((unsigned long)p + PAGE));
	ps(", mincore resident pages = ");
	pu(present_pages(p));
	pc('\n');
}

int main(void)
{
	volatile char *p;
	int r;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp06 MAP_POPULATE, 1 MiB private anonymous");
	null_check();

	ps(" a) PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE\n");
	MEASURE("mmap with MAP_POPULATE", p = mmap(0, MIB, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0));
	show_pfn("after mmap", p);
	MEASURE("read 1 byte per page", read_pages(p));
	MEASURE("write 1 byte per page", write_pages(p, 1));
	munmap((void *)p, MIB);

	ps(" b) PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE\n");
	MEASURE("mmap with MAP_POPULATE", p = mmap(0, MIB, PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0));
	show_pfn("after mmap (zero page PFN if populated read-only)", p);
	MEASURE("read 1 byte per page", read_pages(p));
	MEASURE("mprotect(PROT_READ|PROT_WRITE)", r = mprotect((void *)p, MIB, PROT_READ | PROT_WRITE));
	(void)r;
	MEASURE("write 1 byte per page", write_pages(p, 1));
	munmap((void *)p, MIB);

	ps(" c) other ways to prefault a plain 1 MiB mapping\n");
	p = mmap(0, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	MEASURE("madvise(MADV_POPULATE_WRITE)", r = madvise((void *)p, MIB, MADV_POPULATE_WRITE));
	MEASURE("write 1 byte per page", write_pages(p, 1));
	munmap((void *)p, MIB);
	p = mmap(0, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	MEASURE("madvise(MADV_POPULATE_READ)", r = madvise((void *)p, MIB, MADV_POPULATE_READ));
	MEASURE("read 1 byte per page", read_pages(p));
	MEASURE("write 1 byte per page", write_pages(p, 1));
	munmap((void *)p, MIB);
	p = mmap(0, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	MEASURE("mlock(1 MiB)", r = mlock((void *)p, MIB));
	if (r)
		ps("  (mlock failed)\n");
	MEASURE("write 1 byte per page", write_pages(p, 1));
	munmap((void *)p, MIB);
	flush_out();
	return 0;
}
