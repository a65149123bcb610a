/*
 * Experiment 21: faults of anonymous memory with and without transparent huge
 * pages.  An 8 MiB private anonymous mapping (2 MiB-aligned on Linux 6.7+,
 * exp19) is written one byte per 4 KiB page:
 *   - after madvise(MADV_HUGEPAGE): one fault per 2 MiB (do_huge_pmd_anonymous_page);
 *   - without it (THP "madvise" here): one fault per 4 KiB page;
 *   - after madvise(MADV_HUGEPAGE), read first: the huge zero page maps each
 *     2 MiB on the first read; the writes that follow split it into 4 KiB pages;
 *   - fork after the huge writes, then the child writes one byte: the PMD is
 *     split and one 4 KiB page copied (do_huge_pmd_wp_page falls back, 5.8+).
 * Each case prints minflt (getrusage), AnonHugePages of the mapping
 * (/proc/self/smaps), VmPTE (/proc/self/status) and the deltas of
 * thp_fault_alloc, thp_fault_fallback, thp_split_pmd, thp_zero_page_alloc
 * (/proc/vmstat).  vmscope's test (packages/engine/src/mm/huge_memory.test.ts)
 * and the huge-pages scenario reproduce the figures.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)
#define SIZE (8 * MIB)
#define PAGE 4096UL

static const char *counters[] = {"thp_fault_alloc", "thp_fault_fallback", "thp_split_pmd",
				 "thp_zero_page_alloc"};
#define NCOUNTERS (sizeof counters / sizeof counters[0])

static void read_vmstat(long *values)
{
	char name[64];
	long value;
	FILE *f = fopen("/proc/vmstat", "r");
	for (size_t i = 0; i < NCOUNTERS; i++)
		values[i] = 0;
	if (f == NULL)
		return;
	while (fscanf(f, "%63s %ld", name, &value) == 2)
		for (size_t i = 0; i < NCOUNTERS; i++)
			if (strcmp(name, counters[i]) == 0)
				values[i] = value;
	fclose(f);
}

static long minflt(void)
{
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	return usage.ru_minflt;
}

/* AnonHugePages of the smaps block that starts at `start`, in kB. */
static long anon_huge_kb(char *start)
{
	char line[256], want[32];
	long kb = -1;
	int inside = 0;
	FILE *f = fopen("/proc/self/smaps", "r");
	if (f == NULL)
		return -1;
	snprintf(want, sizeof want, "%lx-", (unsigned long)start);
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long from, to;
		/* A VMA's header line: "start-end perms ...". */
		if (sscanf(line, "%lx-%lx ", &from, &to) == 2)
			inside = strncmp(line, want, strlen(want)) == 0;
		if (inside && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static long vm_pte_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static char *map8(void)
{
	char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void report(const char *what, char *p, long faults, const long *before)
{
	long after[NCOUNTERS];
	read_vmstat(after);
	printf("exp21 %-22s at %p%s minflt %5ld  AnonHugePages %5ld kB  VmPTE %4ld kB ", what,
	       (void *)p, ((unsigned long)p & (2 * MIB - 1)) ? "" : " (2M-aligned)", faults,
	       anon_huge_kb(p), vm_pte_kb());
	for (size_t i = 0; i < NCOUNTERS; i++)
		printf(" %s +%ld", counters[i], after[i] - before[i]);
	printf("\n");
	fflush(stdout);
}

static void touch(char *p, int write)
{
	for (unsigned long off = 0; off < SIZE; off += PAGE) {
		if (write)
			p[off] = 1;
		else
			(void)*(volatile char *)(p + off);
	}
}

static void run(const char *what, int hugepage, int read_first)
{
	long before[NCOUNTERS];
	char *p = map8();
	if (hugepage && madvise(p, SIZE, MADV_HUGEPAGE) != 0)
		perror("madvise");
	read_vmstat(before);
	long start = minflt();
	if (read_first) {
		touch(p, 0);
		report("  (reads only)", p, minflt() - start, before);
	}
	touch(p, 1);
	report(what, p, minflt() - start, before);
	munmap(p, SIZE);
}

static void fork_write(void)
{
	long before[NCOUNTERS];
	char *p = map8();
	madvise(p, SIZE, MADV_HUGEPAGE);
	touch(p, 1);
	fflush(stdout);
	read_vmstat(before);
	pid_t child = fork();
	if (child == 0) {
		long start = minflt();
		p[3 * PAGE] = 2;
		report("fork, child writes 1B", p, minflt() - start, before);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	long start = minflt();
	p[5 * PAGE] = 3;
	report("parent writes after", p, minflt() - start, before);
	munmap(p, SIZE);
}

int main(void)
{
	run("madvise hugepage", 1, 0);
	run("no madvise", 0, 0);
	run("hugepage, read first", 1, 1);
	fork_write();
	return 0;
}
