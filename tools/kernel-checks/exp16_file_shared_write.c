/*
 * Experiment 16: writes to a MAP_SHARED PROT_READ|PROT_WRITE mapping of a
 * cached 4 MiB file (single-page folios), one byte per page.  ext4 has
 * ->page_mkwrite, so the mapping needs write-notify: clean pages are mapped
 * read-only and the first write to each is a fault that dirties it.
 *  a) write first: do_shared_fault per page (no fault-around for writes)
 *  b) after fsync (writeback write-protects the PTEs again, folio_mkclean):
 *     write all again
 *  c) fresh mapping: read all (fault-around maps the pages read-only), then
 *     write all (do_wp_page -> wp_page_shared per page)
 */
#include "filecache.h"

int main(void)
{
	volatile char *p;
	char c = 0;
	int fd;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp16 MAP_SHARED writes to a cached 4 MiB file");
	null_check();
	fc_setup();
	fc_create(FSZ, PAGE);
	fd = fc_open(O_RDWR);
	fc_show_resident("file", fd, FSZ);

	ps(" a) fresh mapping, write first\n");
	p = mmap(0, FSZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	fc_show_addr(p);
	MEASURE("write 1 byte per page", fc_write_pages(p, FNP));
	MEASURE("write again", fc_write_pages(p, FNP));
	MEASURE("read", fc_read_pages(p, FNP));
	ps(" b) same mapping after fsync (pages written back, clean)\n");
	MEASURE("fsync", fsync(fd));
	MEASURE("read", fc_read_pages(p, FNP));
	MEASURE("write 1 byte per page", fc_write_pages(p, FNP));
	MEASURE("write again", fc_write_pages(p, FNP));
	munmap((void *)p, FSZ);
	fsync(fd);

	ps(" c) fresh mapping, read all, then write all\n");
	p = mmap(0, FSZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	MEASURE("read 1 byte per page", fc_read_pages(p, FNP));
	MEASURE("write 1 byte per page", fc_write_pages(p, FNP));
	MEASURE("write again", fc_write_pages(p, FNP));
	munmap((void *)p, FSZ);

	if (pread(fd, &c, 1, 0) == 1 && c == 'w')
		ps("  file byte 0 after the shared writes: 'w' (written through)\n");
	else
		ps("  the file did not change!\n");
	close(fd);
	fc_done();
	flush_out();
	return 0;
}
