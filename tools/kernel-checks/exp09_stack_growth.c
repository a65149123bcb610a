/*
 * Experiment 9: stack growth.  Touch 1 MiB of stack below the current stack
 * pointer, one page at a time, top page first.  The stack is NOT prefaulted
 * here (only 16 KiB below main's frame is touched so the getrusage calls
 * themselves do not fault).  Pages already present before the test (one,
 * about 64 KiB below main, is touched during process start-up) are counted
 * with /proc/self/pagemap before and after.  Three ways, one per process:
 *   direct  - write through a pointer below %rsp (Linux >= 4.20 allows
 *             accesses below the stack pointer)
 *   alloca  - alloca(1 MiB + 16 KiB), then write one byte per page from the
 *             top of the block down
 *   recurse - recursion, each frame holds a 4096-byte volatile array and
 *             writes its first byte
 *   read    - like direct but read each page first, then write
 */
#include "common.h"
#include <alloca.h>

#define NP 256

static volatile char *g_base;

static void stack_vma(const char *when)
{
	unsigned long lo, hi;
	if (find_named("[stack]", &lo, &hi)) {
		ps("  [stack] ");
		ps(when);
		ps(": ");
		px(lo);
		pc('-');
		px(hi);
		ps(" = ");
		pu((hi - lo) / 1024);
		ps(" KiB\n");
	}
}

/* Pages present (pagemap) in the 1100 KiB below addr. */
static unsigned long present_below(unsigned long addr)
{
	unsigned long a, n = 0;
	addr &= ~(PAGE - 1);
	for (a = addr - PAGE; a >= addr - 1100 * 1024; a -= PAGE)
		n += pfn_of(a) != 0;
	return n;
}

static void show_present(const char *when, unsigned long sp)
{
	ps("  pages present in the 1100 KiB below main's frame ");
	ps(when);
	ps(": ");
	pu(present_below(sp));
	pc('\n');
}

static int __attribute__((noinline)) recurse(int n)
{
	volatile char frame[4096];
	frame[0] = (char)n;
	if (n <= 1)
		return frame[0];
	return recurse(n - 1) + frame[0];
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "direct";
	unsigned long sp = (unsigned long)__builtin_frame_address(0);
	volatile char *base;
	int i;

	touch_stack(16 * 1024);
	warmup(PF_SKIP_STACK | PF_SKIP_HEAP, 0, 0);
	header("exp09 stack growth, 1 MiB below the stack pointer");
	ps("  mode: ");
	ps(mode);
	pc('\n');
	null_check();
	stack_vma("before");
	show_present("before", sp);
	base = (volatile char *)((sp & ~(PAGE - 1)) - 8 * PAGE);
	g_base = base;
	if (strcmp(mode, "direct") == 0) {
		MEASURE("write 1 byte per page, 256 pages below %rsp",
			for (i = 0; i < NP; i++) base[-(long)i * (long)PAGE] = 1);
		MEASURE("write again", for (i = 0; i < NP; i++) base[-(long)i * (long)PAGE] = 2);
	} else if (strcmp(mode, "read") == 0) {
		volatile char sink;
		MEASURE("read 1 byte per page, 256 pages below %rsp",
			for (i = 0; i < NP; i++) sink = base[-(long)i * (long)PAGE]);
		MEASURE("then write 1 byte per page",
			for (i = 0; i < NP; i++) base[-(long)i * (long)PAGE] = 1);
		(void)sink;
	} else if (strcmp(mode, "alloca") == 0) {
		volatile char *a;
		MEASURE("alloca(1 MiB + 16 KiB)", a = alloca(MIB + 16 * 1024));
		ps("  alloca block top is ");
		pu((sp - ((unsigned long)a + MIB + 16 * 1024)));
		ps(" bytes below main's frame\n");
		base = (volatile char *)(((unsigned long)a + MIB) & ~(PAGE - 1));
		MEASURE("write 1 byte per page, 256 pages, top down",
			for (i = 0; i < NP; i++) base[-(long)i * (long)PAGE] = 1);
		base = a;
	} else if (strcmp(mode, "recurse") == 0) {
		volatile int r;
		MEASURE("recurse(256), 4 KiB array per frame", r = recurse(NP));
		MEASURE("recurse(256) again", r = recurse(NP));
		(void)r;
	}
	stack_vma("after");
	show_present("after", sp);
	(void)g_base;
	flush_out();
	return 0;
}
