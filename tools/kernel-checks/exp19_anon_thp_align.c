/*
 * Experiment 19: where mmap places anonymous mappings whose length is a
 * multiple of 2 MiB.  Since Linux 6.7 a private anonymous mapping of such a
 * length gets a 2 MiB-aligned address (thp_get_unmapped_area_vmflags: search
 * for length + 2 MiB, round up to 2 MiB; when the padded start already is
 * aligned, the top of the padded area is taken, as top-down placement
 * prefers).  Shared anonymous mappings go through shmem and are not aligned.
 * Prints each mapping's address and, for the first, the top of the gap it
 * was placed in, so the sequence can be replayed from the same top modulo
 * 2 MiB (packages/engine/src/mm/mmap.test.ts).
 */
#include <stdio.h>
#include <sys/mman.h>

static char *top;

static void *map(size_t length, int flags, const char *what)
{
	void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	printf("exp19 %-14s length %#10zx at %p, top - %#9lx%s\n", what, length, p,
	       (unsigned long)(top - (char *)p),
	       ((unsigned long)p & ((2UL << 20) - 1)) ? "" : "  (2 MiB-aligned)");
	return p;
}

int main(void)
{
	/* The gap the first mapping lands in ends where a 1 MiB probe ends. */
	char *probe = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	top = probe + (1 << 20);
	munmap(probe, 1 << 20);
	printf("exp19 top of the first gap: %p (%#lx modulo 2 MiB)\n", top,
	       (unsigned long)top & ((2UL << 20) - 1));
	map(1 << 20, MAP_PRIVATE, "private 1M");
	map(2 << 20, MAP_PRIVATE, "private 2M");
	map(3 << 20, MAP_PRIVATE, "private 3M");
	map(4 << 20, MAP_PRIVATE, "private 4M");
	map((4 << 20) + 4096, MAP_PRIVATE, "private 4M+4K");
	map(4 << 20, MAP_SHARED, "shared 4M");
	map(40 << 20, MAP_PRIVATE, "private 40M");
	map(2 << 20, MAP_PRIVATE, "private 2M");
	return 0;
}
