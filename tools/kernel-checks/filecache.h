/*
 * Helpers for the page-cache experiments (exp13 onwards), on top of
 * common.h (no stdio, no malloc):
 *   - fc_setup(): a temporary directory on a disk-backed filesystem (tmpfs
 *     and overlayfs are avoided: tmpfs pages are shmem and never "cold"),
 *     printing the filesystem type, the device and its read_ahead_kb;
 *   - fc_create(): a test file written in `chunk`-sized write(2) calls and
 *     fsynced.  The chunk size decides the page-cache folio size (ext4 on
 *     6.x uses large folios for large writes), which changes the fault
 *     counts of read faults: see exp13;
 *   - fc_cold(): fsync + POSIX_FADV_DONTNEED, which drops the file's clean,
 *     unmapped pages from the page cache (no root-only drop_caches needed);
 *   - fc_resident(): pages of the file in the page cache, counted with
 *     mincore() on a separate mapping (mincore does not fault).  mincore
 *     counts only uptodate pages: pages whose readahead I/O is still in
 *     flight are not counted yet;
 *   - fc_cached(): the same count from cachestat(2), which also counts the
 *     pages still under I/O (what the last read(2) added to the cache);
 *   - fc_folios(): how the pages behind a mapping are grouped into folios
 *     (/proc/self/pagemap + /proc/kpageflags, needs root);
 *   - fc_map_off2m(): a mapping 64 KiB past a 2 MiB boundary (no PMD);
 *   - fc_trace(): one getrusage pair per page: which pages faulted.
 * Apart from fc_trace, every helper runs outside the measured steps.
 */
#ifndef KC_FILECACHE_H
#define KC_FILECACHE_H

#include "common.h"
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>

#ifndef SYS_cachestat
#define SYS_cachestat 451 /* Linux 6.5+, same number on every architecture */
#endif

#define FSZ (4 * MIB)
#define FNP ((int)(FSZ / PAGE)) /* 1024 pages */

static char fc_dir[64];
static char fc_file[96];

/* dst = a + b (+ c), for paths without snprintf */
static char *fc_cat3(char *dst, const char *a, const char *b, const char *c)
{
	char *d = dst;
	while (*a)
		*d++ = *a++;
	while (b && *b)
		*d++ = *b++;
	while (c && *c)
		*d++ = *c++;
	*d = 0;
	return dst;
}

static const char *fc_utoa(char *t, unsigned long v)
{
	char r[24];
	int i = 0, j = 0;
	do {
		r[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		t[j++] = r[--i];
	t[j] = 0;
	return t;
}

/* First line of a small (sysfs) file, or 0 if it cannot be read. */
static const char *fc_read_line(const char *path)
{
	static char line[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;
	if (fd < 0)
		return 0;
	n = read(fd, line, sizeof line - 1);
	close(fd);
	if (n <= 0)
		return 0;
	line[n] = 0;
	line[strcspn(line, "\n")] = 0;
	return line;
}

static const char *fc_fs_name(unsigned long magic)
{
	switch (magic) {
	case 0xef53: return "ext2/3/4";
	case 0x58465342: return "xfs";
	case 0x9123683e: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0x858458f6: return "ramfs";
	case 0x794c7630: return "overlayfs";
	default: return "other";
	}
}

static int fc_is_memfs(unsigned long magic)
{
	return magic == 0x01021994 || magic == 0x858458f6 || magic == 0x794c7630;
}

/*
 * Make the test directory under /var/tmp or /tmp (the first that is not
 * tmpfs/ramfs/overlayfs) and print where it is and the readahead settings.
 */
static void fc_setup(void)
{
	static const char *bases[] = {"/var/tmp", "/tmp"};
	struct statfs sf;
	struct stat st;
	const char *base = "/tmp", *ra;
	char dev[48], path[128], n[24];
	unsigned i;

	for (i = 0; i < 2; i++)
		if (statfs(bases[i], &sf) == 0 && !fc_is_memfs((unsigned long)sf.f_type)) {
			base = bases[i];
			break;
		}
	fc_cat3(fc_dir, base, "/kc-file-XXXXXX", 0);
	if (!mkdtemp(fc_dir)) {
		ps("  mkdtemp failed\n");
		flush_out();
		exit(1);
	}
	fc_cat3(fc_file, fc_dir, "/f", 0);
	statfs(fc_dir, &sf);
	stat(fc_dir, &st);
	fc_cat3(dev, fc_utoa(n, major(st.st_dev)), ":", 0);
	fc_cat3(dev + strlen(dev), fc_utoa(n, minor(st.st_dev)), 0, 0);
	ps("  test dir on ");
	ps(base);
	ps(": ");
	ps(fc_fs_name((unsigned long)sf.f_type));
	ps(" (f_type ");
	px((unsigned long)sf.f_type);
	ps("), device ");
	ps(dev);
	/* whole disk: <dev>/queue; partition: <dev>/../queue */
	ra = fc_read_line(fc_cat3(path, "/sys/dev/block/", dev, "/queue/read_ahead_kb"));
	if (!ra)
		ra = fc_read_line(fc_cat3(path, "/sys/dev/block/", dev, "/../queue/read_ahead_kb"));
	ps(", read_ahead_kb ");
	ps(ra ? ra : "n/a");
	ra = fc_read_line("/sys/kernel/debug/fault_around_bytes");
	ps(", fault_around_bytes ");
	ps(ra ? ra : "not readable");
	pc('\n');
}

/* Remove the test file and directory. */
static void fc_done(void)
{
	unlink(fc_file);
	rmdir(fc_dir);
}

/*
 * (Re)create fc_file with `size` bytes written in `chunk`-byte write(2)
 * calls, fsync it, close it.  The pages stay in the page cache.
 */
static void fc_create(size_t size, size_t chunk)
{
	int fd = open(fc_file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char *b = mmap(0, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t off;
	memset(b, 'a', chunk);
	for (off = 0; off < size; off += chunk)
		if (pwrite(fd, b, size - off < chunk ? size - off : chunk, (off_t)off) <= 0)
			ps("  short write\n");
	munmap(b, chunk);
	fsync(fd);
	close(fd);
}

/* A fresh open file description (fresh readahead state). */
static int fc_open(int flags)
{
	return open(fc_file, flags);
}

/* Drop the file's pages from the page cache. */
static void fc_cold(int fd)
{
	fsync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

static unsigned char fc_vec[FNP];

/* Pages of the first `size` bytes of fd that are in the page cache. */
static long fc_resident(int fd, size_t size)
{
	void *m = mmap(0, size, PROT_READ, MAP_SHARED, fd, 0);
	size_t i, np = (size + PAGE - 1) / PAGE;
	long n = 0;
	if (m == MAP_FAILED || np > sizeof fc_vec || mincore(m, size, fc_vec))
		n = -1;
	for (i = 0; n >= 0 && i < np; i++)
		n += fc_vec[i] & 1;
	if (m != MAP_FAILED)
		munmap(m, size);
	return n;
}

/* Pages of the first `size` bytes of fd in the page cache, uptodate or not
 * (cachestat, Linux 6.5+); -1 if the syscall is missing. */
static long fc_cached(int fd, size_t size)
{
	struct { uint64_t off, len; } r = {0, size};
	struct { uint64_t cache, dirty, writeback, evicted, recently_evicted; } c;
	if (syscall(SYS_cachestat, fd, &r, &c, 0))
		return -1;
	return (long)c.cache;
}

/* Wait (up to 1 s) until mincore sees `want` pages: readahead I/O done. */
static void fc_settle(int fd, size_t size, long want)
{
	struct timespec ts = {0, 1000000};
	int i;
	for (i = 0; i < 1000 && fc_resident(fd, size) < want; i++)
		nanosleep(&ts, 0);
}

static void fc_show_resident(const char *what, int fd, size_t size)
{
	ps("  ");
	ps(what);
	ps(": resident pages (mincore) = ");
	pd(fc_resident(fd, size));
	ps(" of ");
	pu((size + PAGE - 1) / PAGE);
	pc('\n');
}

/* Resident pages of fd (first np pages) as ranges: "0-3 8-11". */
static void fc_show_ranges(const char *what, int fd, int np)
{
	int i, start = -1;
	fc_resident(fd, (size_t)np * PAGE);
	ps("  ");
	ps(what);
	ps(": resident pages (mincore) =");
	for (i = 0; i <= np; i++) {
		int in = i < np && (fc_vec[i] & 1);
		if (in && start < 0)
			start = i;
		if (!in && start >= 0) {
			pc(' ');
			pd(start);
			if (i - 1 > start) {
				pc('-');
				pd(i - 1);
			}
			start = -1;
		}
	}
	pc('\n');
}

/*
 * Folios behind the np pages mapped at p (only pages present in the page
 * tables are seen), from /proc/self/pagemap and /proc/kpageflags
 * (KPF_COMPOUND_HEAD = 15, KPF_COMPOUND_TAIL = 16): the folio sizes in
 * pages, in file order, run-length encoded ("1x4 4x2" = four single pages,
 * then two 4-page folios); "-" = page not mapped.
 */
static void fc_folios(volatile char *p, int np)
{
	int kf = open("/proc/kpageflags", O_RDONLY), i;
	long cur = 0, run = 0, runs = 0;
	ps("  folio sizes behind the mapping (pages):");
	for (i = 0; i <= np; i++) {
		unsigned long pfn = 0;
		uint64_t f = 0;
		long size = 0; /* size of the folio that ended at page i */
		if (i < np) {
			pfn = pfn_of((unsigned long)p + (unsigned long)i * PAGE);
			if (pfn && kf >= 0 &&
			    pread(kf, &f, sizeof f, (off_t)(pfn * sizeof f)) != sizeof f)
				f = 0;
			if (pfn && (f >> 16 & 1)) {
				cur++; /* tail: same folio */
				continue;
			}
		}
		size = cur;
		cur = !pfn ? -1 : 1; /* head, single page, or unmapped (-1) */
		if (i == np)
			cur = 0;
		if (size == 0)
			continue;
		if (run && size != runs) {
			pc(' ');
			if (runs < 0)
				pc('-');
			else
				pd(runs);
			pc('x');
			pd(run);
			run = 0;
		}
		runs = size;
		run++;
	}
	if (run) {
		pc(' ');
		if (runs < 0)
			pc('-');
		else
			pd(runs);
		pc('x');
		pd(run);
	}
	pc('\n');
	if (kf >= 0)
		close(kf);
}

/* Mapping start modulo 2 MiB (PMD) and 64 KiB (fault-around window). */
static void fc_show_addr(volatile char *p)
{
	ps("  mapping start mod 2 MiB = ");
	pu((unsigned long)p % (2 * MIB) / 1024);
	ps(" KiB, mod 64 KiB = ");
	pu((unsigned long)p % (64 * 1024) / 1024);
	ps(" KiB\n");
}

/*
 * Map len bytes of fd at an address 64 KiB past a 2 MiB boundary (inside a
 * PROT_NONE reservation): 64 KiB aligned, but no PMD can map it.
 */
static volatile char *fc_map_off2m(int fd, size_t len, int prot, int flags)
{
	char *g = mmap(0, len + 2 * MIB + 128 * 1024, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	unsigned long a = ((unsigned long)g + 2 * MIB - 1) & ~(2 * MIB - 1);
	return mmap((void *)(a + 64 * 1024), len, prot, flags | MAP_FIXED, fd, 0);
}

static void fc_read_pages(volatile char *p, int n)
{
	volatile char sink;
	int i;
	for (i = 0; i < n; i++)
		sink = p[(unsigned long)i * PAGE];
	(void)sink;
}

static void fc_write_pages(volatile char *p, int n)
{
	int i;
	for (i = 0; i < n; i++)
		p[(unsigned long)i * PAGE] = 'w';
}

/*
 * Read one byte per page with one getrusage pair per page; print the pages
 * whose read faulted ("M" after a major fault) and the totals.
 */
static void fc_trace(volatile char *p, int n)
{
	volatile char sink;
	int i, shown = 0;
	long mn = 0, mj = 0;
	ps("  pages whose read faulted (M = major):");
	for (i = 0; i < n; i++) {
		struct flt a = flt_now();
		sink = p[(unsigned long)i * PAGE];
		struct flt b = flt_now();
		if (b.mn != a.mn || b.mj != a.mj) {
			mn += b.mn - a.mn;
			mj += b.mj - a.mj;
			if (shown++ < 72) {
				if (shown > 1 && shown % 16 == 1)
					ps("\n   ");
				pc(' ');
				pd(i);
				if (b.mj != a.mj)
					pc('M');
			}
		}
	}
	(void)sink;
	ps(shown > 72 ? " ...\n" : "\n");
	ps("  per-page trace totals: minflt=");
	pd(mn);
	ps(" majflt=");
	pd(mj);
	ps(", faulting pages=");
	pd(shown);
	pc('\n');
}

#endif
