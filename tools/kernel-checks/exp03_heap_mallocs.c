/*
 * Experiment 3: brk-heap allocations and the dynamic mmap threshold.
 *  a) malloc(100000) x 10 on a fresh heap (after one malloc(16) that sets
 *     up the heap): faults of each malloc, brk and top-chunk space after it;
 *     then the faults of memset over each block.
 *  b) malloc(200 KiB): mmapped?  free it, malloc(200 KiB) again: heap?
 *  c) where malloc(128 KiB) and malloc(300 KiB) go after that.
 */
#include "common.h"
#include <stdlib.h>

#define N 10
#define SZ 100000UL

static unsigned long heap_lo, heap_hi;

static void where(const char *what, void *p)
{
	unsigned long a = (unsigned long)p;
	unsigned long brk = (unsigned long)sbrk(0);
	find_named("[heap]", &heap_lo, &heap_hi);
	ps("  ");
	ps(what);
	ps(" = ");
	px(a);
	if (a >= heap_lo && a < heap_hi) {
		ps(" -> in [heap] (brk ");
		px(brk);
		ps(", heap size ");
		pu((heap_hi - heap_lo) / 1024);
		ps(" KiB)");
	} else {
		ps(" -> NOT in [heap] (mmapped chunk)");
	}
	ps(", chunk size field = ");
	px(*(unsigned long *)(a - 8));
	pc('\n');
}

int main(void)
{
	volatile char *blk[N];
	void *first;
	volatile char *q;
	int i;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp03 heap mallocs and the dynamic mmap threshold");
	null_check();
	MEASURE("malloc(16) (first malloc: heap + tcache set up)", first = malloc(16));
	where("malloc(16)", first);

	ps(" a) malloc(100000) x 10\n");
	for (i = 0; i < N; i++) {
		struct flt a = flt_now();
		blk[i] = malloc(SZ);
		struct flt b = flt_now();
		unsigned long brk = (unsigned long)sbrk(0);
		unsigned long end = (unsigned long)blk[i] + SZ;
		ps("  malloc #");
		pd(i);
		ps(": minflt=");
		pd(b.mn - a.mn);
		ps(" majflt=");
		pd(b.mj - a.mj);
		ps("  p=");
		px((unsigned long)blk[i]);
		ps(" brk=");
		px(brk);
		ps(" top free~");
		pu(brk - end);
		pc('\n');
	}
	for (i = 0; i < N; i++) {
		struct flt a = flt_now();
		memset((char *)blk[i], 1, SZ);
		struct flt b = flt_now();
		unsigned long lo = (unsigned long)blk[i] & ~(PAGE - 1);
		unsigned long hi = ((unsigned long)blk[i] + SZ + PAGE - 1) & ~(PAGE - 1);
		ps("  memset block #");
		pd(i);
		ps(": minflt=");
		pd(b.mn - a.mn);
		ps(" majflt=");
		pd(b.mj - a.mj);
		ps("  (block spans ");
		pu((hi - lo) / PAGE);
		ps(" pages)\n");
	}

	ps(" b) dynamic mmap threshold (default M_MMAP_THRESHOLD = 128 KiB)\n");
	MEASURE("malloc(200 KiB) #1", q = malloc(200 * 1024));
	where("malloc(200 KiB) #1", (void *)q);
	MEASURE("memset #1", memset((char *)q, 1, 200 * 1024));
	MEASURE("free #1", free((void *)q));
	MEASURE("malloc(200 KiB) #2", q = malloc(200 * 1024));
	where("malloc(200 KiB) #2", (void *)q);
	MEASURE("memset #2", memset((char *)q, 1, 200 * 1024));

	ps(" c) after the threshold was raised to the freed chunk size (~204 KiB)\n");
	MEASURE("malloc(128 KiB)", q = malloc(128 * 1024));
	where("malloc(128 KiB)", (void *)q);
	MEASURE("malloc(300 KiB)", q = malloc(300 * 1024));
	where("malloc(300 KiB)", (void *)q);
	flush_out();
	return 0;
}
