/*
 * Experiment 17: read(2) of a cold 4 MiB file into a buffer that is already
 * present (.bss, populated by the warm-up).  A page-cache miss in read(2) is
 * I/O done by the kernel (filemap_read -> page_cache_sync_ra), not a page
 * fault: minflt and majflt must both stay 0.  Then the readahead window of
 * read(2), seen with mincore: the pages cached after reading only the first
 * 4 KiB of a cold file (initial window, get_init_ra_size), after each of the
 * next three 4 KiB reads, and after every later read (up to 1 MiB) that
 * added pages (async readahead, triggered when a read reaches the page
 * carrying the PG_readahead marker).  Right after a read, cachestat(2)
 * counts the pages it added; mincore sees a page only once its I/O has
 * completed, so the ranges are printed after waiting for that.
 */
#include "filecache.h"

static char buf[PAGE];

int main(void)
{
	off_t off;
	long bad = 0, cached = 0;
	int fd, i;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp17 read(2) of a cold 4 MiB file");
	null_check();
	fc_setup();
	fc_create(FSZ, PAGE);

	fd = fc_open(O_RDONLY);
	fc_cold(fd);
	fc_show_resident("after fsync + POSIX_FADV_DONTNEED", fd, FSZ);
	MEASURE("read(2) the whole file, 4 KiB per call",
		for (off = 0; off < (off_t)FSZ; off += PAGE) bad += read(fd, buf, PAGE) != PAGE);
	if (bad)
		ps("  short reads!\n");
	fc_show_resident("after reading it all", fd, FSZ);
	close(fd);

	fd = fc_open(O_RDONLY);
	fc_cold(fd);
	fc_show_resident("cold again (fresh open file)", fd, FSZ);
	for (i = 1; i <= 256; i++) {
		long now;
		if (read(fd, buf, PAGE) != PAGE)
			ps("  short read\n");
		now = fc_cached(fd, FSZ);
		/* reads 1-4 always, later ones only if the read added pages */
		if (i <= 4 || now != cached) {
			char what[64], n[24];
			ps("  after 4 KiB read #");
			pd(i);
			ps(": in page cache (cachestat) = ");
			pd(now);
			ps(", uptodate at once (mincore) = ");
			pd(fc_resident(fd, FSZ));
			pc('\n');
			fc_settle(fd, FSZ, now);
			fc_cat3(what, "  read #", fc_utoa(n, (unsigned long)i), ", once its I/O completed");
			fc_show_ranges(what, fd, FNP);
		}
		cached = now;
	}
	close(fd);
	fc_done();
	flush_out();
	return 0;
}
