/*
 * Experiment 13: read faults on a 4 MiB file that is fully in the page cache
 * (read once with read(2) first).  mmap PROT_READ, MAP_SHARED and, on a fresh
 * mapping, MAP_PRIVATE; read one byte per page in order.
 * Checks fault-around (do_read_fault -> do_fault_around -> filemap_map_pages):
 * a read fault maps the already-cached pages of its 16-page (64 KiB) window,
 * so 1024 pages should cost 64 minor faults.  On 6.x the size of the page
 * cache folios changes that, so the cache is filled three ways (one per run):
 *   4k-writes  file written with 4 KiB write(2)s: single-page folios
 *   readahead  file made cold, then read(2) 4 KiB at a time: readahead
 *              allocates large folios of growing size
 *   1-write    file written with one 4 MiB write(2): 2 MiB folios
 * Then a per-page trace on a fresh MAP_SHARED mapping at the address mmap
 * picked, and one on a mapping placed 64 KiB past a 2 MiB boundary.
 */
#include "filecache.h"

static char buf[PAGE];

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "4k-writes";
	volatile char *p;
	off_t off;
	int fd;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp13 read faults on a cached 4 MiB file");
	ps("  mode: ");
	ps(mode);
	pc('\n');
	null_check();
	fc_setup();
	fc_create(FSZ, strcmp(mode, "1-write") == 0 ? FSZ : PAGE);
	fd = fc_open(O_RDONLY);
	if (strcmp(mode, "readahead") == 0) {
		fc_cold(fd);
		fc_show_resident("after fsync + POSIX_FADV_DONTNEED", fd, FSZ);
	}
	for (off = 0; off < (off_t)FSZ; off += PAGE)
		if (pread(fd, buf, PAGE, off) != PAGE)
			ps("  short read\n");
	fc_show_resident("after reading the file once with read(2)", fd, FSZ);

	p = mmap(0, FSZ, PROT_READ, MAP_SHARED, fd, 0);
	fc_show_addr(p);
	MEASURE("MAP_SHARED: read 1 byte per page", fc_read_pages(p, FNP));
	MEASURE("MAP_SHARED: read again", fc_read_pages(p, FNP));
	fc_folios(p, FNP);
	munmap((void *)p, FSZ);

	p = mmap(0, FSZ, PROT_READ, MAP_PRIVATE, fd, 0);
	fc_show_addr(p);
	MEASURE("MAP_PRIVATE: read 1 byte per page", fc_read_pages(p, FNP));
	MEASURE("MAP_PRIVATE: read again", fc_read_pages(p, FNP));
	munmap((void *)p, FSZ);

	ps("  MAP_SHARED, fresh mapping where mmap puts it:\n");
	p = mmap(0, FSZ, PROT_READ, MAP_SHARED, fd, 0);
	fc_show_addr(p);
	fc_trace(p, FNP);
	munmap((void *)p, FSZ);

	ps("  MAP_SHARED, fresh mapping 64 KiB past a 2 MiB boundary:\n");
	p = fc_map_off2m(fd, FSZ, PROT_READ, MAP_SHARED);
	fc_show_addr(p);
	fc_trace(p, FNP);
	munmap((void *)p, FSZ);

	close(fd);
	fc_done();
	flush_out();
	return 0;
}
