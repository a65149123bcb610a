/*
 * Experiment 20 (built with gcc -m32): the address space of a 32-bit process
 * on this 64-bit kernel (a compat task: TASK_SIZE is IA32_PAGE_OFFSET,
 * 0xffffe000), with randomisation off (run.sh runs it under setarch -R).
 * Shows where the executable, the brk heap, the stack and the first mmap go,
 * what malloc(1 MiB) + memset fault, and that the space ends at TASK_SIZE:
 * a fixed mapping crossing it, or a mapping bigger than the free space,
 * fails with ENOMEM.  vmscope's multilevel:10,10 layout is checked against it.
 */
#include "common.h"
#include <errno.h>
#include <stdlib.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static void show_named(const char *tag)
{
	unsigned long lo, hi;
	ps("  ");
	ps(tag);
	if (find_named(tag, &lo, &hi)) {
		ps(" ");
		px(lo);
		ps("-");
		px(hi);
	} else {
		ps(" (none)");
	}
	pc('\n');
}

static void try_mmap(const char *label, unsigned long hint, unsigned long len, int flags)
{
	void *p = mmap((void *)hint, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	ps("  ");
	ps(label);
	if (p == MAP_FAILED) {
		ps(": failed, errno ");
		pu((unsigned long)errno);
		ps(errno == ENOMEM ? " (ENOMEM)\n" : "\n");
		return;
	}
	ps(": ");
	px((unsigned long)p);
	pc('\n');
	munmap(p, len);
}

int main(void)
{
	volatile char *p;
	unsigned long lo, hi;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp20 a 32-bit (compat) process: layout and malloc(1 MiB)");
	ps("  sizeof(void *) = ");
	pu(sizeof(void *));
	pc('\n');
	null_check();
	read_maps();
	{
		size_t pos = 0;
		struct map_line m;
		if (next_map(&pos, &m)) {
			ps("  executable starts at ");
			px(m.lo);
			pc('\n');
		}
	}
	show_named("[stack]");
	MEASURE("malloc(1 MiB) (first malloc of the process)", p = malloc(MIB));
	ps("  pointer = ");
	px((unsigned long)p);
	ps(", chunk size field at p-4 = ");
	px(*(volatile unsigned long *)((unsigned long)p - 4));
	pc('\n');
	show_mapping((unsigned long)p);
	MEASURE("first memset(p, 1, 1 MiB)", memset((char *)p, 1, MIB));
	MEASURE("second memset(p, 2, 1 MiB)", memset((char *)p, 2, MIB));
	MEASURE("free(p) (munmap)", free((void *)p));
	MEASURE("malloc(16)", p = malloc(16));
	read_maps();
	show_named("[heap]");
	if (find_named("[heap]", &lo, &hi)) {
		ps("  heap size ");
		px(hi - lo);
		pc('\n');
	}
	try_mmap("mmap(4 KiB), no hint", 0, PAGE, 0);
	try_mmap("mmap(4 KiB) fixed at 0xffffe000 (TASK_SIZE)", 0xffffe000UL, PAGE,
		 MAP_FIXED_NOREPLACE);
	try_mmap("mmap(4 KiB) fixed at 0xffffd000 (just below)", 0xffffd000UL, PAGE,
		 MAP_FIXED_NOREPLACE);
	try_mmap("mmap(3.75 GiB)", 0, 0xf0000000UL, 0);
	flush_out();
	return 0;
}
