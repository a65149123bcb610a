/*
 * Experiment 18: a 10000-byte file (3 pages: EOF in page 2) mapped with 4
 * pages, PROT_READ MAP_SHARED.  A read of offset 12288 (page 3: inside the
 * mapping, wholly beyond EOF) gets SIGBUS with si_code BUS_ADRERR (2):
 * filemap_fault returns VM_FAULT_SIGBUS, and mm_account_fault does not count
 * error results.  Checks too: whether that fault's fault-around mapped the
 * cached pages 0-2 (reads afterwards fault or not), that a read in page 2
 * past EOF (offset 10000, 12287) gives 0 without a signal, and the same
 * SIGBUS on a cold file (no I/O: the page index is checked against i_size
 * first).  The handler records si_code/si_addr and siglongjmps back.
 */
#include "filecache.h"
#include <setjmp.h>
#include <signal.h>

#define FLEN 10000

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static volatile unsigned long got_addr;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (unsigned long)si->si_addr;
	siglongjmp(jb, 1);
}

/* Read one byte at p + off; print faults, the signal or the value read. */
static void touch(const char *label, volatile char *p, unsigned long off)
{
	struct flt a, b;
	volatile char v = 0;
	got_sig = got_code = 0;
	got_addr = 0;
	a = flt_now();
	if (sigsetjmp(jb, 1) == 0)
		v = p[off];
	b = flt_now();
	ps("  ");
	ps(label);
	ps(": minflt=");
	pd(b.mn - a.mn);
	ps(" majflt=");
	pd(b.mj - a.mj);
	if (got_sig) {
		ps(got_sig == SIGBUS ? "  SIGBUS" : "  other signal");
		ps(" si_code=");
		pd(got_code);
		ps(got_code == BUS_ADRERR ? " (BUS_ADRERR)" : " (?)");
		ps(got_addr == (unsigned long)(p + off) ? " si_addr = address\n" : " si_addr != address\n");
	} else {
		ps("  no signal, value ");
		pd(v);
		pc('\n');
	}
}

/* Which of the 4 pages have a PTE (pagemap). */
static void show_present(volatile char *p)
{
	int i;
	ps("  pages with a PTE now (pagemap):");
	for (i = 0; i < 4; i++)
		if (pfn_of((unsigned long)p + (unsigned long)i * PAGE)) {
			pc(' ');
			pd(i);
		}
	pc('\n');
}

int main(void)
{
	struct sigaction sa;
	volatile char *p;
	int fd, cold;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, 0);

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp18 SIGBUS beyond EOF: 10000-byte file mapped with 4 pages");
	null_check();
	fc_setup();
	fc_create(FLEN, FLEN);
	for (cold = 0; cold < 2; cold++) {
		fd = fc_open(O_RDONLY);
		ps(cold ? " b) cold file\n" : " a) cached file\n");
		if (cold)
			fc_cold(fd);
		fc_show_resident("file", fd, FLEN);
		p = fc_map_off2m(fd, 4 * PAGE, PROT_READ, MAP_SHARED);
		touch("read offset 12288 (page 3, beyond EOF)", p, 12288);
		touch("read offset 12288 again", p, 12288);
		show_present(p);
		fc_show_resident("file after the SIGBUS", fd, FLEN);
		touch("read offset 0 (page 0)", p, 0);
		touch("read offset 4096 (page 1)", p, 4096);
		touch("read offset 10000 (page 2, past EOF)", p, 10000);
		touch("read offset 12287 (last byte of page 2)", p, 12287);
		touch("read offset 9999 (last byte of the file)", p, 9999);
		fc_show_resident("file afterwards", fd, FLEN);
		munmap((void *)p, 4 * PAGE);
		close(fd);
	}
	fc_done();
	flush_out();
	return 0;
}
