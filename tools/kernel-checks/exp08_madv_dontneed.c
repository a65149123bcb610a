/*
 * Experiment 8: madvise(MADV_DONTNEED) on 256 written private anonymous
 * pages.
 *  a) write all, DONTNEED, write all again
 *  b) write all, DONTNEED, read all (zero page?), then write all
 *  c) MADV_FREE for comparison: write all, MADV_FREE, write all again (no
 *     memory pressure, so the pages are still there)
 */
#include "common.h"

#define NP 256

static void write_pages(volatile char *p, char v)
{
	int i;
	for (i = 0; i < NP; i++)
		p[i * PAGE] = v;
}

static long sum_pages(volatile char *p)
{
	long s = 0;
	int i;
	for (i = 0; i < NP; i++)
		s += p[i * PAGE];
	return s;
}

int main(void)
{
	volatile char *p;
	volatile long s;
	int r;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp08 MADV_DONTNEED on 256 written private anonymous pages");
	null_check();

	p = map_isolated(MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	ps(" a) write, DONTNEED, write\n");
	MEASURE("write all 256 pages", write_pages(p, 1));
	MEASURE("madvise(MADV_DONTNEED)", r = madvise((void *)p, MIB, MADV_DONTNEED));
	MEASURE("write all 256 pages again", write_pages(p, 2));

	ps(" b) DONTNEED, read, write\n");
	MEASURE("madvise(MADV_DONTNEED)", r = madvise((void *)p, MIB, MADV_DONTNEED));
	MEASURE("read all 256 pages", s = sum_pages(p));
	ps("  sum of bytes read = ");
	pd(s);
	ps(" (0 = zero-filled)\n  PFN of page 0 and 1 after the reads: ");
	px(pfn_of((unsigned long)p));
	ps(" ");
	px(pfn_of((unsigned long)p + PAGE));
	ps(" (equal = shared zero page)\n");
	MEASURE("write all 256 pages", write_pages(p, 3));

	ps(" c) MADV_FREE, then write (no memory pressure)\n");
	MEASURE("madvise(MADV_FREE)", r = madvise((void *)p, MIB, MADV_FREE));
	MEASURE("read all 256 pages", s = sum_pages(p));
	ps("  sum of bytes read = ");
	pd(s);
	ps(" (3*256 = data still there)\n");
	MEASURE("write all 256 pages", write_pages(p, 4));
	(void)r;
	flush_out();
	return 0;
}
