/*
 * Experiment 12: malloc(1 MiB) immediately followed by memset(p, 0, 1 MiB).
 * At -O2 gcc may turn the pair into calloc(1, 1 MiB); calloc knows a fresh
 * mmapped chunk is already zero and does not touch it.  run.sh shows with
 * objdump whether the -O2 binary calls calloc.  Also: calloc(1 MiB) called
 * explicitly, and reads/writes of the block afterwards.
 */
#include "common.h"
#include <stdlib.h>

#define NP 256

static void read_pages(volatile char *p)
{
	volatile char sink;
	int i;
	for (i = 0; i < NP; i++)
		sink = p[i * PAGE];
	(void)sink;
}

static void write_pages(volatile char *p)
{
	int i;
	for (i = 0; i < NP; i++)
		p[i * PAGE] = 1;
}

/* noinline so the malloc+memset pair is alone in one function */
static char *__attribute__((noinline)) alloc_zeroed(size_t n)
{
	char *p = malloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

int main(void)
{
	volatile char *p;
	void *volatile w; /* volatile: -O2 would delete an unused malloc/free pair */

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp12 malloc + memset(0) (calloc at -O2?) and calloc");
	null_check();
	w = malloc(16); /* set the heap up first */
	free(w);

	MEASURE("malloc(1 MiB) + memset(p, 0, 1 MiB)", p = alloc_zeroed(MIB));
	MEASURE("read 1 byte per page", read_pages(p));
	MEASURE("write 1 byte per page", write_pages(p));
	free((void *)p);

	MEASURE("calloc(1, 1 MiB)", p = calloc(1, MIB));
	MEASURE("read 1 byte per page", read_pages(p));
	MEASURE("write 1 byte per page", write_pages(p));
	free((void *)p);
	flush_out();
	return 0;
}
