/*
 * Experiment 7: accesses that end in SIGSEGV.  The handler records si_code
 * and si_addr and siglongjmps back; minflt is measured around the whole
 * access + signal delivery + longjmp.  Every case runs 3 times: the first
 * run can include one-time costs (first signal delivery), so look at the
 * later ones.  64 KiB of stack is pre-touched, so the signal frame does not
 * fault.
 *  a) write to a page that was written, then mprotect(PROT_READ)
 *  b) write to a never-touched page of a PROT_READ mapping
 *  c) read of a never-touched page of a PROT_READ mapping (no signal)
 *  d) read / write of a PROT_NONE page
 *  e) read of an unmapped address (SEGV_MAPERR)
 *  f) write to a read-only page of the program's own text
 *  g) read past EOF of a 1-page file mapped with 2 pages (SIGBUS) and a read
 *     of the file's page inside EOF for comparison
 */
#include "common.h"
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>

static sigjmp_buf jb;
static volatile int got_code, got_sig;
static volatile unsigned long got_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (unsigned long)si->si_addr;
	siglongjmp(jb, 1);
}

static const char *code_name(int sig, int c)
{
	if (sig == SIGSEGV && c == SEGV_MAPERR)
		return "SEGV_MAPERR";
	if (sig == SIGSEGV && c == SEGV_ACCERR)
		return "SEGV_ACCERR";
	if (sig == SIGBUS && c == BUS_ADRERR)
		return "BUS_ADRERR";
	return "?";
}

/* op: 0 = read, 1 = write */
static void trial(const char *label, volatile char *addr, int op)
{
	int t;
	for (t = 0; t < 3; t++) {
		struct flt a, b;
		got_sig = 0;
		got_code = 0;
		got_addr = 0;
		a = flt_now();
		if (sigsetjmp(jb, 1) == 0) {
			if (op)
				*addr = 1;
			else
				(void)*addr;
		}
		b = flt_now();
		ps("  ");
		ps(label);
		ps(" [run ");
		pd(t + 1);
		ps("]: minflt=");
		pd(b.mn - a.mn);
		ps(" majflt=");
		pd(b.mj - a.mj);
		if (got_sig) {
			ps(got_sig == SIGSEGV ? "  SIGSEGV si_code=" : "  SIGBUS si_code=");
			pd(got_code);
			ps(" (");
			ps(code_name(got_sig, got_code));
			ps(") si_addr ");
			ps(got_addr == (unsigned long)addr ? "= address" : "!= address");
		} else {
			ps("  no signal");
		}
		pc('\n');
	}
}

int main(void)
{
	struct sigaction sa;
	volatile char *p;
	int r;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, 0);
	sigaction(SIGBUS, &sa, 0);

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp07 SIGSEGV: si_code and fault counts");
	null_check();

	p = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	MEASURE("write page 0 (present, writable)", p[0] = 1);
	MEASURE("mprotect(4 pages, PROT_READ)", r = mprotect((void *)p, 4 * PAGE, PROT_READ));
	(void)r;
	trial("a) write to written page, now PROT_READ", p, 1);
	trial("b) write to untouched page of PROT_READ mapping", p + PAGE, 1);
	trial("c) read of untouched page of PROT_READ mapping", p + 2 * PAGE, 0);
	trial("c') then write to that (zero-page mapped) page", p + 2 * PAGE, 1);
	mprotect((void *)p, 4 * PAGE, PROT_NONE);
	trial("d) read of PROT_NONE page (was present)", p, 0);
	trial("d) write of PROT_NONE page (never touched)", p + 3 * PAGE, 1);
	munmap((void *)p, 4 * PAGE);
	trial("e) read of unmapped address (just munmapped)", p, 0);
	trial("e) write to address 0x10 (NULL page)", (volatile char *)0x10, 1);
	trial("f) write to own text (main)", (volatile char *)(unsigned long)main, 1);
	{
		char tmpl[] = "/tmp/kc-exp07-XXXXXX";
		static char one[PAGE];
		int fd = mkstemp(tmpl);
		if (fd >= 0) {
			unlink(tmpl);
			memset(one, 'a', sizeof one);
			if (write(fd, one, sizeof one) != (ssize_t)sizeof one)
				ps("  short write\n");
			p = mmap(0, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
			trial("g) read of file page 0 (inside EOF, page cache hit)", p, 0);
			trial("g) read of file page 1 (beyond EOF)", p + PAGE, 0);
			munmap((void *)p, 2 * PAGE);
			close(fd);
		}
	}
	flush_out();
	return 0;
}
