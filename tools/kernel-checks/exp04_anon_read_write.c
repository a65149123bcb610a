/*
 * Experiment 4: private anonymous mmap of 1 MiB.
 *  a) read one byte per page, then write one byte per page.
 *  b) fresh region, read one byte per page (zero page), fork, child reads
 *     the same pages again.  Also: parent reads them again after fork.
 *     Run as "isolated" (default: guard pages, a VMA of its own) and as
 *     "plain" (plain mmap, which the kernel may merge with an adjacent
 *     anonymous VMA that already has an anon_vma).
 *  c) fresh region, write all pages, fork, child reads them (anon_vma
 *     exists, page tables are copied).
 */
#include "common.h"

#define NP 256

static void read_pages(volatile char *p)
{
	volatile char sink;
	int i;
	for (i = 0; i < NP; i++)
		sink = p[i * PAGE];
	(void)sink;
}

static void write_pages(volatile char *p, char v)
{
	int i;
	for (i = 0; i < NP; i++)
		p[i * PAGE] = v;
}

static int isolated = 1;

/* 1 MiB private anonymous; isolated = guard pages around it (no VMA merge) */
static volatile char *map1m(void)
{
	volatile char *p;
	if (isolated)
		p = map_isolated(MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	else
		p = mmap(0, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p;
}

/* fork; in the child warm up, measure read_pages, print, exit. */
static void child_reads(volatile char *p, const char *label)
{
	pid_t pid;
	flush_out();
	pid = fork();
	if (pid == 0) {
		post_fork_warmup((unsigned long)p, (unsigned long)p + MIB);
		MEASURE(label, read_pages(p));
		flush_out();
		_exit(0);
	}
	waitpid(pid, 0, 0);
	post_fork_warmup((unsigned long)p, (unsigned long)p + MIB);
}

int main(int argc, char **argv)
{
	volatile char *p;

	isolated = !(argc > 1 && strcmp(argv[1], "plain") == 0);
	warmup(PF_SKIP_HEAP, 0, 0);
	header(isolated ? "exp04 private anonymous 1 MiB (isolated VMA, guard pages): read, write, fork"
			: "exp04 private anonymous 1 MiB (plain mmap, may merge with a neighbour VMA)");
	null_check();

	ps(" a) read then write\n");
	MEASURE("mmap(1 MiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)", p = map1m());
	show_mapping((unsigned long)p);
	MEASURE("read 1 byte per page (256 pages)", read_pages(p));
	MEASURE("read again", read_pages(p));
	MEASURE("write 1 byte per page", write_pages(p, 1));
	MEASURE("write again", write_pages(p, 2));
	MEASURE("read after write", read_pages(p));
	munmap((void *)p, MIB);

	ps(" b) read (zero page), then fork: child reads\n");
	p = map1m();
	show_mapping((unsigned long)p);
	MEASURE("parent: read 1 byte per page", read_pages(p));
	child_reads(p, "child: read the same 256 pages");
	MEASURE("parent after fork: read again", read_pages(p));
	MEASURE("parent after fork: write", write_pages(p, 3));
	munmap((void *)p, MIB);

	ps(" c) write, then fork: child reads\n");
	p = map1m();
	show_mapping((unsigned long)p);
	MEASURE("parent: write 1 byte per page", write_pages(p, 4));
	child_reads(p, "child: read the same 256 pages");
	MEASURE("parent after fork (child exited): read", read_pages(p));
	munmap((void *)p, MIB);

	ps(" d) write only the first page, read the rest, fork: child reads all\n");
	p = map1m();
	show_mapping((unsigned long)p);
	MEASURE("parent: write page 0", p[0] = 1);
	MEASURE("parent: read 1 byte per page", read_pages(p));
	child_reads(p, "child: read the same 256 pages");
	munmap((void *)p, MIB);
	flush_out();
	return 0;
}
