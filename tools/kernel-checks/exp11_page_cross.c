/*
 * Experiment 11: one unaligned 8-byte access that crosses a page boundary
 * (page offset 4092) on fresh private anonymous memory.
 *  a) 8-byte store, both pages fresh
 *  b) 8-byte load, both pages fresh
 *  c) 8-byte store, first page already written, second fresh
 *  d) 8-byte store, both pages read before (zero page, write-protected)
 *  e) 8-byte store at offset 4088 (does not cross) for comparison
 * Stores go through a volatile uint64_t pointer (one mov at -O0 and -O2).
 */
#include "common.h"

static volatile char *fresh(void)
{
	return map_isolated(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
}

int main(void)
{
	volatile char *p;
	volatile uint64_t *q;
	volatile uint64_t v;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp11 8-byte access crossing a page boundary (offset 4092)");
	null_check();

	p = fresh();
	q = (volatile uint64_t *)(p + 4092);
	MEASURE("a) 8-byte store at 4092, both pages fresh", *q = 0x1122334455667788ULL);
	MEASURE("   same store again", *q = 1);

	p = fresh();
	q = (volatile uint64_t *)(p + 4092);
	MEASURE("b) 8-byte load at 4092, both pages fresh", v = *q);
	MEASURE("   then 8-byte store at 4092", *q = 2);

	p = fresh();
	q = (volatile uint64_t *)(p + 4092);
	MEASURE("c) write byte 0 of page 0", p[0] = 1);
	MEASURE("   8-byte store at 4092 (page 1 fresh)", *q = 3);

	p = fresh();
	q = (volatile uint64_t *)(p + 4092);
	MEASURE("d) read byte 0 of page 0 and 1 (zero page)", (v = p[0], v = p[PAGE]));
	MEASURE("   8-byte store at 4092", *q = 4);

	p = fresh();
	q = (volatile uint64_t *)(p + 4088);
	MEASURE("e) 8-byte store at 4088 (no crossing)", *q = 5);

	p = fresh();
	MEASURE("f) memcpy 16 bytes at 4090 (crossing)", memcpy((char *)p + 4090, "0123456789abcdef", 16));
	(void)v;
	flush_out();
	return 0;
}
