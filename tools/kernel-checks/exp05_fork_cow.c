/*
 * Experiment 5: copy-on-write after fork on 1 MiB of private anonymous
 * memory that the parent has fully written before fork.
 *  A) child writes all 256 pages; child exits; parent writes all 256.
 *  B) parent writes all 256 first (child alive, untouched), then child
 *     writes all 256.
 *  C) child only reads all 256 pages and exits; parent then writes.
 *  D) same as A with the block from malloc(1 MiB) instead of mmap.
 * Each side measures itself with getrusage(RUSAGE_SELF); the child warms up
 * (stack, .bss, libc data) after fork, since fork write-protected those too.
 */
#include "common.h"
#include <stdlib.h>

#define NP 256

static void write_pages(volatile char *p, char v)
{
	int i;
	for (i = 0; i < NP; i++)
		p[i * PAGE] = v;
}

static void read_pages(volatile char *p)
{
	volatile char sink;
	int i;
	for (i = 0; i < NP; i++)
		sink = p[i * PAGE];
	(void)sink;
}

static void wait_byte(int fd)
{
	char c;
	while (read(fd, &c, 1) != 1)
		;
}

static void send_byte(int fd)
{
	char c = 'x';
	while (write(fd, &c, 1) != 1)
		;
}

/*
 * mode: 1 = child writes first (A, D), 0 = parent writes first (B),
 * 2 = child reads only, then writes (C).  PFNs are of page 1 (page 0 of a
 * malloc block shares its page with the chunk header).
 */
static void run(const char *title, volatile char *p, int mode)
{
	int to_child[2], to_parent[2];
	pid_t pid;
	unsigned long lo = (unsigned long)p & ~(PAGE - 1);
	unsigned long hi = lo + MIB + PAGE;
	unsigned long pfn0, pfn1;

	ps(title);
	pc('\n');
	MEASURE("parent: write all 256 pages before fork", write_pages(p, 1));
	pfn0 = pfn_of(lo + PAGE);
	ps("  parent: PFN of page 1 before fork ");
	px(pfn0);
	pc('\n');
	if (pipe(to_child) || pipe(to_parent))
		_exit(1);
	flush_out();
	pid = fork();
	if (pid == 0) {
		post_fork_warmup(lo, hi);
		if (mode == 0)
			wait_byte(to_child[0]);
		if (mode == 2)
			MEASURE("child: read all 256 pages", read_pages(p));
		if (mode == 2)
			MEASURE("child: write all 256 pages (first write)", write_pages(p, 2));
		else
			MEASURE(mode == 0 ? "child: write all 256 pages (after parent wrote them)"
					  : "child: write all 256 pages",
				write_pages(p, 2));
		MEASURE("child: write all 256 pages again", write_pages(p, 3));
		ps("  child: PFN of page 1 now ");
		px(pfn_of(lo + PAGE));
		pc('\n');
		flush_out();
		_exit(0);
	}
	post_fork_warmup(lo, hi);
	if (mode == 0) {
		MEASURE("parent: write all 256 pages (child alive, has not written)",
			write_pages(p, 4));
		MEASURE("parent: write again", write_pages(p, 5));
		pfn1 = pfn_of(lo + PAGE);
		ps("  parent: PFN of page 1 after its write ");
		px(pfn1);
		ps(pfn1 == pfn0 ? " (same page: reused)\n" : " (new page: copied)\n");
		flush_out();
		send_byte(to_child[1]);
		waitpid(pid, 0, 0);
	} else {
		waitpid(pid, 0, 0);
		MEASURE("parent: read all 256 pages (child exited)", read_pages(p));
		MEASURE("parent: write all 256 pages (child exited)", write_pages(p, 4));
		MEASURE("parent: write again", write_pages(p, 5));
		pfn1 = pfn_of(lo + PAGE);
		ps("  parent: PFN of page 1 after its write ");
		px(pfn1);
		ps(pfn1 == pfn0 ? " (same page: reused)\n" : " (new page: copied)\n");
	}
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	flush_out();
}

int main(void)
{
	volatile char *p;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp05 fork copy-on-write, 1 MiB private anonymous");
	null_check();

	p = map_isolated(MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	run(" A) mmap: child writes first, then parent after child exit", p, 1);
	munmap((void *)p, MIB);

	p = map_isolated(MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	run(" B) mmap: parent writes first (child alive), then child", p, 0);
	munmap((void *)p, MIB);

	p = map_isolated(MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	run(" C) mmap: child only reads, then parent writes after child exit", p, 2);
	munmap((void *)p, MIB);

	p = malloc(MIB);
	run(" D) malloc(1 MiB): child writes first, then parent after child exit", p, 1);
	free((void *)p);
	flush_out();
	return 0;
}
