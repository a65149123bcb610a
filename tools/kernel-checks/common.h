/*
 * Shared helpers for the vmscope kernel checks.
 *
 * Everything here avoids stdio and malloc so that the measured fault deltas
 * contain only the operation under test:
 *   - output goes into a static buffer (in .bss) and is flushed with write(2);
 *   - numbers are formatted by hand;
 *   - prefault_all() uses MADV_POPULATE_READ/WRITE on every mapping that
 *     already exists (program, libc, ld.so text and data, stack) so that the
 *     first call of a libc function or the first write to a libc variable
 *     does not show up as a fault inside a measurement.
 * Fault counts come from getrusage(RUSAGE_SELF): ru_minflt and ru_majflt.
 */
#ifndef KC_COMMON_H
#define KC_COMMON_H

#pragma GCC diagnostic ignored "-Wunused-function"

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE 4096UL
#define MIB (1024UL * 1024UL)

/* ---------- output without stdio ---------- */

static char kc_out[1 << 16];
static size_t kc_outn;

static void flush_out(void)
{
	size_t off = 0;
	while (off < kc_outn) {
		ssize_t w = write(1, kc_out + off, kc_outn - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	kc_outn = 0;
}

static void pc(char c)
{
	if (kc_outn == sizeof kc_out)
		flush_out();
	kc_out[kc_outn++] = c;
}

static void ps(const char *s)
{
	while (*s)
		pc(*s++);
}

static void pu(unsigned long v)
{
	char t[24];
	int i = 0;
	do {
		t[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		pc(t[--i]);
}

static void pd(long v)
{
	if (v < 0) {
		pc('-');
		pu((unsigned long)-v);
	} else {
		pu((unsigned long)v);
	}
}

static void px(unsigned long v)
{
	char t[20];
	int i = 0;
	ps("0x");
	do {
		t[i++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (i)
		pc(t[--i]);
}

/* ---------- fault counters ---------- */

struct flt {
	long mn;
	long mj;
};

static struct flt flt_now(void)
{
	struct rusage r;
	struct flt f;
	getrusage(RUSAGE_SELF, &r);
	f.mn = r.ru_minflt;
	f.mj = r.ru_majflt;
	return f;
}

/* Print "  <label>: minflt=N majflt=M" for the delta b - a. */
static void report(const char *label, struct flt a, struct flt b)
{
	ps("  ");
	ps(label);
	ps(": minflt=");
	pd(b.mn - a.mn);
	ps(" majflt=");
	pd(b.mj - a.mj);
	pc('\n');
}

#define MEASURE(label, stmt)                      \
	do {                                      \
		struct flt kc_a_ = flt_now();     \
		stmt;                             \
		struct flt kc_b_ = flt_now();     \
		report(label, kc_a_, kc_b_);      \
	} while (0)

/* ---------- /proc/self/maps ---------- */

static char kc_maps[1 << 16];

static size_t read_maps(void)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	size_t n = 0;
	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t r = read(fd, kc_maps + n, sizeof kc_maps - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	kc_maps[n] = 0;
	return n;
}

static unsigned long parse_hex(const char **sp)
{
	const char *s = *sp;
	unsigned long v = 0;
	for (;;) {
		char c = *s;
		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned long)(c - 'a' + 10);
		else
			break;
		s++;
	}
	*sp = s;
	return v;
}

struct map_line {
	unsigned long lo, hi;
	char perms[5];
	const char *text; /* start of the line in kc_maps */
	const char *name; /* path or [tag], "" if anonymous */
	size_t len;       /* line length without '\n' */
};

/* Iterate over kc_maps; returns 0 at the end. *pos is a cursor. */
static int next_map(size_t *pos, struct map_line *m)
{
	const char *s = kc_maps + *pos;
	const char *e;
	int i, field;
	if (!*s)
		return 0;
	m->text = s;
	m->lo = parse_hex(&s);
	s++; /* '-' */
	m->hi = parse_hex(&s);
	s++; /* ' ' */
	for (i = 0; i < 4; i++)
		m->perms[i] = s[i];
	m->perms[4] = 0;
	e = s;
	while (*e && *e != '\n')
		e++;
	/* skip perms, offset, dev, inode: name = sixth field */
	field = 1;
	while (s < e && field < 5) {
		while (s < e && *s != ' ')
			s++;
		while (s < e && *s == ' ')
			s++;
		field++;
	}
	/* after the loop s is at the sixth field (path or [tag]) */
	m->name = s;
	m->len = (size_t)(e - m->text);
	*pos = (size_t)(e - kc_maps) + (*e ? 1 : 0);
	return 1;
}

static int name_is(const struct map_line *m, const char *tag)
{
	size_t n = strlen(tag);
	return strncmp(m->name, tag, n) == 0 &&
	       (m->name[n] == '\n' || m->name[n] == 0);
}

/* Print the maps line that contains addr (and its size). Returns size. */
static unsigned long show_mapping(unsigned long addr)
{
	size_t pos = 0;
	struct map_line m;
	read_maps();
	while (next_map(&pos, &m)) {
		if (addr >= m.lo && addr < m.hi) {
			size_t i;
			ps("  maps: ");
			for (i = 0; i < m.len; i++)
				pc(m.text[i]);
			ps("\n  mapping size = ");
			pu(m.hi - m.lo);
			ps(" bytes (");
			pu((m.hi - m.lo) / 1024);
			ps(" KiB)\n");
			return m.hi - m.lo;
		}
	}
	ps("  maps: no mapping contains ");
	px(addr);
	pc('\n');
	return 0;
}

/* Snapshot of the maps text, to print the lines a step added or changed. */
static char kc_maps_prev[1 << 16];

static void maps_snapshot(void)
{
	read_maps();
	memcpy(kc_maps_prev, kc_maps, sizeof kc_maps);
}

static int line_in_prev(const char *l, size_t n)
{
	const char *s = kc_maps_prev;
	while (*s) {
		const char *e = s;
		while (*e && *e != '\n')
			e++;
		if ((size_t)(e - s) == n && memcmp(s, l, n) == 0)
			return 1;
		s = *e ? e + 1 : e;
	}
	return 0;
}

/* Print maps lines that are not in the last snapshot. */
static void maps_diff(void)
{
	size_t pos = 0;
	struct map_line m;
	read_maps();
	while (next_map(&pos, &m)) {
		if (!line_in_prev(m.text, m.len)) {
			size_t i;
			ps("  maps new/changed: ");
			for (i = 0; i < m.len; i++)
				pc(m.text[i]);
			ps("  (");
			pu((m.hi - m.lo) / 1024);
			ps(" KiB)\n");
		}
	}
}

/* Find a mapping by tag ("[heap]", "[stack]"); returns 1 if found. */
static int find_named(const char *tag, unsigned long *lo, unsigned long *hi)
{
	size_t pos = 0;
	struct map_line m;
	read_maps();
	while (next_map(&pos, &m)) {
		if (name_is(&m, tag)) {
			*lo = m.lo;
			*hi = m.hi;
			return 1;
		}
	}
	return 0;
}

/* ---------- isolated mappings ---------- */

/*
 * mmap `len` bytes with a PROT_NONE guard page on each side.  The guards
 * have different flags, so the kernel cannot merge the new VMA with a
 * neighbouring anonymous VMA (a merge would make it share the neighbour's
 * anon_vma, which changes what fork copies).
 */
static void *map_isolated(size_t len, int prot, int flags)
{
	char *g = mmap(0, len + 2 * PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g == MAP_FAILED)
		return MAP_FAILED;
	return mmap(g + PAGE, len, prot, flags | MAP_FIXED, -1, 0);
}

/* ---------- /proc/self/pagemap ---------- */

/*
 * Page frame number of the page holding addr, from /proc/self/pagemap
 * (bits 0-54; needs CAP_SYS_ADMIN, otherwise reads as 0).  Returns
 * 0 if the page is not present.  Used to tell "COW reused the page" (same
 * PFN) from "COW copied it" (new PFN).
 */
static unsigned long pfn_of(unsigned long addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof e, (off_t)(addr / PAGE * sizeof e)) != sizeof e)
		e = 0;
	close(fd);
	if (!(e >> 63 & 1))
		return 0;
	return (unsigned long)(e & ((1ULL << 55) - 1));
}

/* ---------- warm-up ---------- */

#define PF_SKIP_STACK 1
#define PF_SKIP_HEAP 2

/*
 * Populate the page tables of every existing mapping: private writable ones
 * with MADV_POPULATE_WRITE (breaks COW, keeps contents), the rest with
 * MADV_POPULATE_READ.  [vvar]/[vdso]/[vsyscall] are left alone, and so is
 * any mapping that overlaps [ex_lo, ex_hi) (the memory under test).
 */
static void prefault_all(int flags, unsigned long ex_lo, unsigned long ex_hi)
{
	size_t pos = 0;
	struct map_line m;
	read_maps();
	while (next_map(&pos, &m)) {
		int adv;
		if (m.name[0] == '[' && !name_is(&m, "[stack]") &&
		    !name_is(&m, "[heap]"))
			continue;
		if ((flags & PF_SKIP_STACK) && name_is(&m, "[stack]"))
			continue;
		if ((flags & PF_SKIP_HEAP) && name_is(&m, "[heap]"))
			continue;
		if (m.lo < ex_hi && ex_lo < m.hi)
			continue;
		if (m.perms[0] != 'r')
			continue;
		adv = (m.perms[1] == 'w' && m.perms[3] == 'p')
			      ? MADV_POPULATE_WRITE
			      : MADV_POPULATE_READ;
		madvise((void *)m.lo, m.hi - m.lo, adv);
	}
}

/* Write to `bytes` of stack below the caller so those pages are present. */
static void __attribute__((noinline)) touch_stack(unsigned long bytes)
{
	volatile char buf[64 * 1024];
	unsigned long i;
	if (bytes > sizeof buf)
		bytes = sizeof buf;
	for (i = 0; i < bytes; i += 512)
		buf[sizeof buf - 1 - i] = 0;
}

/*
 * Standard warm-up: call every helper once (getrusage, write, open/read of
 * /proc/self/maps), touch 64 KiB of stack, then populate every mapping.
 */
static void warmup(int flags, unsigned long ex_lo, unsigned long ex_hi)
{
	struct flt a, b;
	if (!(flags & PF_SKIP_STACK))
		touch_stack(64 * 1024);
	a = flt_now();
	b = flt_now();
	(void)a;
	(void)b;
	read_maps();
	prefault_all(flags, ex_lo, ex_hi);
	ps("");
	flush_out();
	a = flt_now();
	b = flt_now();
	if (b.mn != a.mn)
		ps("  WARNING: getrusage itself faults\n");
}

/* After fork both sides' private pages are write-protected: redo warm-up. */
static void post_fork_warmup(unsigned long ex_lo, unsigned long ex_hi)
{
	touch_stack(64 * 1024);
	prefault_all(PF_SKIP_HEAP, ex_lo, ex_hi);
	(void)flt_now();
}

/* Null measurement, printed once per program, to show the noise floor. */
static void null_check(void)
{
	MEASURE("null measurement (nothing between the two getrusage calls)", (void)0);
}

static void header(const char *title)
{
	ps("\n=== ");
	ps(title);
	ps(" ===\n");
}

#endif
