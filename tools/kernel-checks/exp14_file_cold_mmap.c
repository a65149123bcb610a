/*
 * Experiment 14: read faults on a cold 4 MiB file (none of it in the page
 * cache), mmap PROT_READ MAP_SHARED, read one byte per page in order.  One
 * run per madvise advice:
 *   random      MADV_RANDOM: filemap_fault reads only the faulting page (no
 *               readahead) and fault-around finds nothing cached: 1024 major
 *   normal      no advice: the first fault is a major fault whose read-around
 *               (do_sync_mmap_readahead) reads ra_pages (read_ahead_kb)
 *               around it; later faults find the pages cached (minor, with
 *               fault-around) or trigger async readahead
 *   sequential  MADV_SEQUENTIAL: sync readahead from the faulting page on
 * The file is written with 4 KiB writes and made cold with fsync +
 * POSIX_FADV_DONTNEED (checked with mincore).  Twice: totals with one
 * getrusage pair around all reads, then (cold again, fresh mapping) a
 * per-page trace showing which pages faulted and which were major.
 */
#include "filecache.h"

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "normal";
	int adv = MADV_NORMAL, run;

	if (strcmp(mode, "random") == 0)
		adv = MADV_RANDOM;
	else if (strcmp(mode, "sequential") == 0)
		adv = MADV_SEQUENTIAL;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp14 read faults on a cold 4 MiB file");
	ps("  mode: ");
	ps(mode);
	pc('\n');
	null_check();
	fc_setup();
	fc_create(FSZ, PAGE);
	for (run = 0; run < 2; run++) {
		int fd = fc_open(O_RDONLY);
		volatile char *p;
		fc_cold(fd);
		fc_show_resident("after fsync + POSIX_FADV_DONTNEED", fd, FSZ);
		p = mmap(0, FSZ, PROT_READ, MAP_SHARED, fd, 0);
		madvise((void *)p, FSZ, adv);
		if (run == 0) {
			fc_show_addr(p);
			MEASURE("read 1 byte per page", fc_read_pages(p, FNP));
			MEASURE("read again", fc_read_pages(p, FNP));
			fc_folios(p, FNP);
		} else {
			ps("  cold again, fresh mapping, one getrusage pair per page:\n");
			fc_trace(p, FNP);
		}
		fc_show_resident("after the reads", fd, FSZ);
		munmap((void *)p, FSZ);
		close(fd);
	}
	fc_done();
	flush_out();
	return 0;
}
