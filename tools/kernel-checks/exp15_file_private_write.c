/*
 * Experiment 15: writes to a MAP_PRIVATE PROT_READ|PROT_WRITE mapping of a
 * cached 4 MiB file (single-page folios, see exp13), one byte per page.
 *  a) write first: every write fault is do_cow_fault (copy the file page
 *     into a new anonymous page); write faults use no fault-around: 1024
 *  b) read all first (do_read_fault with fault-around maps the file pages
 *     read-only: 64), then write all (do_wp_page -> wp_page_copy per page)
 * The file itself must not change (checked with pread).
 */
#include "filecache.h"

int main(void)
{
	volatile char *p;
	char c = 0;
	int fd;

	warmup(PF_SKIP_HEAP, 0, 0);
	header("exp15 MAP_PRIVATE writes to a cached 4 MiB file");
	null_check();
	fc_setup();
	fc_create(FSZ, PAGE);
	fd = fc_open(O_RDWR);
	fc_show_resident("file", fd, FSZ);

	ps(" a) fresh mapping, write first\n");
	p = mmap(0, FSZ, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	fc_show_addr(p);
	MEASURE("write 1 byte per page", fc_write_pages(p, FNP));
	MEASURE("write again", fc_write_pages(p, FNP));
	MEASURE("read", fc_read_pages(p, FNP));
	munmap((void *)p, FSZ);

	ps(" b) fresh mapping, read all, then write all\n");
	p = mmap(0, FSZ, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	MEASURE("read 1 byte per page", fc_read_pages(p, FNP));
	MEASURE("write 1 byte per page", fc_write_pages(p, FNP));
	MEASURE("write again", fc_write_pages(p, FNP));
	munmap((void *)p, FSZ);

	if (pread(fd, &c, 1, 0) != 1 || c != 'a')
		ps("  the file changed!\n");
	else
		ps("  file byte 0 after the private writes: 'a' (unchanged)\n");
	close(fd);
	fc_done();
	flush_out();
	return 0;
}
