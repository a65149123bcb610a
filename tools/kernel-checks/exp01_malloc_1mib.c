/*
 * Experiment 1: malloc(1 MiB) -> own mmap.  Faults of the malloc call alone,
 * of the first memset over the block and of a second memset.
 * Run twice: "first" = this malloc is the first one of the process,
 * "warm" = a malloc(16)/free pair ran before (heap and tcache set up).
 */
#include "common.h"
#include <stdlib.h>

int main(int argc, char **argv)
{
	int warm = argc > 1 && strcmp(argv[1], "warm") == 0;
	volatile char *p = 0;
	unsigned long addr;

	warmup(PF_SKIP_HEAP, 0, 0);
	header(warm ? "exp01 malloc(1 MiB) after a warm-up malloc(16)/free"
		    : "exp01 malloc(1 MiB) as the first malloc of the process");
	null_check();
	if (warm) {
		void *volatile w; /* volatile: -O2 could delete the pair */
		MEASURE("warm-up malloc(16) (first malloc of process)", w = malloc(16));
		MEASURE("warm-up free(16)", free(w));
	}
	maps_snapshot();
	MEASURE("malloc(1 MiB)", p = malloc(MIB));
	addr = (unsigned long)p;
	ps("  pointer = ");
	px(addr);
	ps(", offset within page = ");
	pu(addr & (PAGE - 1));
	pc('\n');
	ps("  chunk size field at p-8 = ");
	px(*(volatile unsigned long *)(addr - 8));
	ps(" (low bits: 2 = IS_MMAPPED; size = ");
	pu(*(volatile unsigned long *)(addr - 8) & ~7UL);
	ps(" bytes = 1 MiB + ");
	pu((*(volatile unsigned long *)(addr - 8) & ~7UL) - MIB);
	ps(")\n");
	show_mapping(addr);
	ps("  (the maps line can be larger than the chunk when the kernel merged\n"
	   "   the new anonymous mmap with an adjacent anonymous mapping)\n");
	maps_diff();
	MEASURE("first memset(p, 1, 1 MiB)", memset((char *)p, 1, MIB));
	MEASURE("second memset(p, 2, 1 MiB)", memset((char *)p, 2, MIB));
	MEASURE("free(p) (munmap)", free((void *)p));
	flush_out();
	return 0;
}
