/*
 * Experiment 2: the very first malloc of a process (malloc(16)).
 * "cold": only getrusage/write/open/read are warmed; libc's malloc code and
 *         libc's malloc state (main_arena, mp_) have not been touched yet.
 * "warm": every existing mapping (libc text and data included) is populated
 *         first, so only faults on new memory (the heap) remain.
 * No stdio is used before the measurement.  Also checks whether snprintf
 * mallocs (it does not for a plain integer format; checked via the heap
 * appearing or not in /proc/self/maps).
 */
#include "common.h"
#include <stdio.h>
#include <stdlib.h>

static char sbuf[256];

int main(int argc, char **argv)
{
	int cold = argc > 1 && strcmp(argv[1], "cold") == 0;
	int snp = argc > 1 && strcmp(argv[1], "snprintf") == 0;
	int *volatile a = 0;
	unsigned long hlo = 0, hhi = 0, brk0;

	if (cold) {
		(void)flt_now();
		(void)flt_now();
		read_maps();
		ps("");
		flush_out();
	} else {
		warmup(PF_SKIP_HEAP, 0, 0);
	}
	if (snp) {
		/* Does snprintf malloc?  No malloc has run yet in this process,
		 * so a [heap] mapping after the call means it did. */
		header("exp02b does snprintf malloc? (fresh process, no malloc yet)");
		MEASURE("snprintf(\"%d %ld %s %f\") first call", snprintf(sbuf, sizeof sbuf, "%d %ld %s %f", 42, 123456789L, "str", 1.5));
		MEASURE("snprintf second call", snprintf(sbuf, sizeof sbuf, "%d %ld %s %f", 43, 123456780L, "str", 2.5));
		ps("  [heap] present after snprintf: ");
		ps(find_named("[heap]", &hlo, &hhi) ? "yes (snprintf malloc'ed)\n" : "no (snprintf did not malloc)\n");
		flush_out();
		return 0;
	}
	header(cold ? "exp02 first malloc, cold (libc not prefaulted)"
		    : "exp02 first malloc, warm (libc prefaulted)");
	null_check();
	ps("  [heap] present before malloc: ");
	ps(find_named("[heap]", &hlo, &hhi) ? "yes\n" : "no\n");
	brk0 = (unsigned long)sbrk(0);
	ps("  sbrk(0) before = ");
	px(brk0);
	pc('\n');

	MEASURE("first malloc(16)", a = malloc(16));
	ps("  pointer = ");
	px((unsigned long)a);
	ps(", offset from initial brk = ");
	pu((unsigned long)a - brk0);
	pc('\n');
	if (find_named("[heap]", &hlo, &hhi)) {
		ps("  [heap] = ");
		px(hlo);
		pc('-');
		px(hhi);
		ps(", size = ");
		pu(hhi - hlo);
		ps(" bytes (");
		pu((hhi - hlo) / 1024);
		ps(" KiB)\n");
	}
	MEASURE("*a = 10", *a = 10);
	MEASURE("second malloc(16)", a = malloc(16));
	MEASURE("*a = 11 (second block)", *a = 11);
	MEASURE("malloc(1000)", a = malloc(1000));
	MEASURE("malloc(4000)", a = malloc(4000));
	MEASURE("malloc(4000)", a = malloc(4000));
	flush_out();

	return 0;
}
