// SPDX-License-Identifier: GPL-2.0
/*
 * poison_recover - an application that survives pmem poison in a file it
 * maps, by rewriting the damaged range from data it can regenerate.
 *
 *   poison_recover [--create PAGES] [--early-kill] [--go FIFO] FILE
 *
 * FILE lives on a file system mounted -o dax (ext4 or XFS, on a pmem, a
 * partition of one or a dm volume over them).  Its contents are a pattern
 * the program can compute for any byte offset (pattern() below), so it
 * always has the good data at hand; a real application would use a
 * replica, a log or a checksum-protected copy instead.
 *
 *   --create PAGES  first write FILE as PAGES pages of the pattern
 *   --early-kill    prctl(PR_MCE_KILL_EARLY): also be told about poison
 *                   under pages this process maps but is not touching
 *                   (SIGBUS BUS_MCEERR_AO), not only when it touches it
 *   --go FIFO       after the first pass, print `ready` and wait for a
 *                   line on FIFO (recovering any BUS_MCEERR_AO that comes
 *                   meanwhile), then read the whole file again
 *
 * It maps FILE MAP_SHARED and reads it through the mapping, checking every
 * byte against the pattern.  A SIGBUS with si_code BUS_MCEERR_AR (the read
 * hit poison) or BUS_MCEERR_AO (the kernel found poison under a mapped
 * page) names the damaged range: si_addr rounded down to 1 << si_addr_lsb
 * bytes.  The program writes the good data over that range of the file
 * with pwrite(2), reads the range back through the mapping, checks it and
 * carries on.
 *
 * Why pwrite(2) and not a store through the mapping: a store would fault
 * on the poisoned page again.  pwrite(2) on a DAX file goes to
 * dax_iomap_iter(), which asks the pmem driver for direct access to the
 * range; the driver answers -EHWPOISON when the range is in the disk's
 * badblocks list, and the write is then retried as a recovery write
 * (DAX_RECOVERY_WRITE, passed down through dm-linear, to
 * pmem_recovery_write()).  That clears the poison (the NVDIMM firmware's
 * clear-error command; nothing to ask for a legacy memmap= pmem) and the
 * badblocks entry, gives the page back its kernel mapping and clears its
 * HWPoison flag if a machine check had taken them, and only then writes
 * the data.  Rules, as of Linux 6.12:
 *   - the write must cover whole pages: pmem_recovery_write() refuses a
 *     partial one and pwrite(2) fails with EFAULT;
 *   - the page must stay on its block: punching a hole and rewriting may
 *     move the data to another block and leave the bad one in badblocks;
 *   - if the poison cannot be cleared, pwrite(2) fails and nothing was
 *     written: EFAULT when the recovery write was tried and the driver
 *     could not clear it (an NVDIMM whose firmware offers no clear-error
 *     command, such as QEMU's emulated one), EIO when the driver never
 *     offered the recovery write (the kernel's nfit_test emulation, whose
 *     direct access answers -EIO rather than -EHWPOISON for a bad range).
 *     The program then says so and exits 4: the data has to be restored
 *     some other way (a write through the block device, see
 *     Documentation/testing.rst, "Known poison").
 *
 * Reading the range again: on 6.12 the existing mapping is enough.  The
 * poisoned page is not mapped any more when the program gets here: a
 * BUS_MCEERR_AR comes from a DAX fault that failed (no page table entry
 * was made), and whoever sends a BUS_MCEERR_AO (memory_failure(), or
 * daxhold for known poison) has first unmapped the page from every
 * mapping of the file.  The next access faults again and, the badblocks entry
 * gone, maps the rewritten page.  Should the access still raise SIGBUS,
 * the program drops the whole mapping and maps the file again, once
 * (`via=remap` below), and gives up (exit 5) if that does not help either.
 *
 * Output: one event per line on stdout, `word key=value...`, line buffered:
 *   created pages=N                        (--create)
 *   mapped file=PATH pages=N page_size=N map=0x.. dax=0|1 early_kill=0|1
 *   sigbus code=AR|AO addr=0x.. lsb=N offset=0x.. len=0x..
 *                                          (the damaged range as file bytes)
 *   recovered offset=0x.. len=0x..         (pwrite(2) of the range succeeded)
 *   reread offset=0x.. len=0x.. via=mapping|remap  (it reads back correctly)
 *   verified pass=N pages=N                (a whole pass checked out)
 *   ready pid=N                            (--go: waiting for the go line)
 *   done recovered=N
 * and on failure, on stdout, before the exit:
 *   sigbus code=NAME addr=0x.. lsb=N       (a SIGBUS that is not poison)
 *   recover offset=0x.. len=0x.. error=ENAME
 *   mismatch offset=0x..
 * with a sentence on stderr (`error: ...`).
 *
 * Exit status: 0 every byte verified (after any recovery), 1 usage, 2 setup
 * failed, 3 FILE does not hold the pattern, 4 the rewrite failed (EIO or
 * EFAULT: the poison could not be cleared), 5 the range still raised SIGBUS after the
 * rewrite, 6 a SIGBUS that is not a memory error (e.g. BUS_ADRERR: the
 * file cannot be mapped at all, as on nfit_test).
 *
 * Static, libc only: make -C samples.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR 4
#define BUS_MCEERR_AO 5
#endif
#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

enum {
	EXIT_USAGE = 1,
	EXIT_SETUP = 2,
	EXIT_MISMATCH = 3,
	EXIT_REWRITE = 4,
	EXIT_STILL_BAD = 5,
	EXIT_NOT_POISON = 6,
};

/* What the SIGBUS handler saw; filled in before nrecs counts it. */
struct sigrec {
	int code;
	uintptr_t addr;
	int lsb;
};

#define MAX_RECS 64

static struct sigrec recs[MAX_RECS];
static volatile sig_atomic_t nrecs;	/* records written by the handler */
static int ndone;			/* records main has dealt with */

/*
 * Where a synchronous SIGBUS (our own access faulted) jumps to, or NULL
 * while the program is not reading the mapping.
 */
static sigjmp_buf *volatile jump_to;

static const char *file;
static int fd = -1;
static uint8_t *map;
static size_t size;
static long pgsz;
static int recovered;

/* The good contents: the 64-bit word at byte offset OFF (a multiple of 8). */
static uint64_t pattern(uint64_t off)
{
	return (off + 1) * 0x9e3779b97f4a7c15ULL ^ 0x706d656d706f6973ULL;
}

static void fill(uint8_t *buf, uint64_t off, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = pattern(off + i);

		memcpy(buf + i, &w, 8);
	}
}

static const char *code_name(int code)
{
	switch (code) {
	case BUS_MCEERR_AR: return "AR";
	case BUS_MCEERR_AO: return "AO";
	case BUS_ADRERR: return "ADRERR";
	case BUS_ADRALN: return "ADRALN";
	case BUS_OBJERR: return "OBJERR";
	default: return "OTHER";
	}
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "UNKNOWN";
}

static int die(const char *what)
{
	fprintf(stderr, "error: %s: %s\n", what, strerror(errno));
	return EXIT_SETUP;
}

/*
 * Record the signal.  BUS_MCEERR_AO is asynchronous (the kernel found
 * poison under a page we map, we were doing something else): return and
 * let the main flow deal with it.  Anything else was raised by our own
 * access to the mapping and returning would fault again: jump back to the
 * reader, or give up if nobody is reading.
 */
static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	int n = nrecs;

	(void)sig;
	(void)uctx;
	if (n < MAX_RECS) {
		recs[n].code = si->si_code;
		recs[n].addr = (uintptr_t)si->si_addr;
		recs[n].lsb = si->si_addr_lsb;
		nrecs = n + 1;
	}
	if (si->si_code == BUS_MCEERR_AO)
		return;
	if (jump_to)
		siglongjmp(*jump_to, 1);
	/* Not from a read we protect: nothing sensible to return to. */
	write(2, "error: SIGBUS outside a read of the mapping\n", 44);
	_exit(EXIT_NOT_POISON);
}

/*
 * Compare [off, off + len) of the mapping with the pattern: 0 or 1.  Not
 * inlined, so that nothing of it lives in check_range()'s frame across
 * the siglongjmp().
 */
static __attribute__((noinline)) int compare(uint64_t off, uint64_t len, uint64_t *bad)
{
	for (uint64_t at = off; at < off + len; at += 8) {
		uint64_t w;

		memcpy(&w, map + at, 8);
		if (w != pattern(at)) {
			*bad = at;
			return 1;
		}
	}
	return 0;
}

/*
 * Check [off, off + len) of the mapping against the pattern.  0 if it
 * matches, 1 if it does not (*bad is the first bad byte's offset), -1 if
 * the access raised SIGBUS (the record is the latest one).
 */
static int check_range(uint64_t off, uint64_t len, uint64_t *bad)
{
	sigjmp_buf env;
	int rc;

	if (sigsetjmp(env, 1)) {
		jump_to = NULL;
		return -1;
	}
	jump_to = &env;
	rc = compare(off, len, bad);
	jump_to = NULL;
	return rc;
}

/* Map FILE (again); 0 or an exit status. */
static int map_file(void)
{
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		return die("mmap");
	map = m;
	return 0;
}

/* pwrite(2) all of BUF at OFF; 0 or the errno. */
static int write_all(const uint8_t *buf, uint64_t off, size_t len)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EIO;
		buf += n;
		off += n;
		len -= n;
	}
	/*
	 * On DAX the data is durable when pwrite() returns; fdatasync()
	 * commits whatever metadata the file system changed with it.
	 */
	return fdatasync(fd) ? errno : 0;
}

/*
 * Deal with one memory-error SIGBUS: work out the damaged range, rewrite
 * it with the good data, read it back through the mapping.  0 or an exit
 * status.
 */
static int recover(const struct sigrec *r)
{
	uintptr_t base = (uintptr_t)map, start, end;
	int lsb = r->lsb ? r->lsb : __builtin_ctzl(pgsz);
	uint64_t off, len, bad;
	const char *via = "mapping";
	uint8_t *buf;
	int rc, err;

	if (r->code != BUS_MCEERR_AR && r->code != BUS_MCEERR_AO) {
		/* Not poison: a mapping that cannot be faulted in at all. */
		printf("sigbus code=%s addr=0x%lx lsb=%d\n", code_name(r->code),
		       (unsigned long)r->addr, r->lsb);
		fprintf(stderr, "error: %s: SIGBUS si_code %d (%s) is not a "
			"memory error: the file cannot be mapped here\n",
			file, r->code, code_name(r->code));
		return EXIT_NOT_POISON;
	}
	if (r->addr < base || r->addr >= base + size) {
		printf("sigbus code=%s addr=0x%lx lsb=%d\n", code_name(r->code),
		       (unsigned long)r->addr, r->lsb);
		fprintf(stderr, "error: poison at 0x%lx, outside the mapping "
			"of %s\n", (unsigned long)r->addr, file);
		return EXIT_NOT_POISON;
	}
	/*
	 * si_addr_lsb is the size of what was lost: 12 for a page, 21 for a
	 * PMD mapping.  The damaged bytes are si_addr rounded down to that
	 * size, clamped to the mapping, which starts at file offset 0.
	 */
	start = r->addr & ~((1UL << lsb) - 1);
	end = start + (1UL << lsb);
	if (start < base)
		start = base;
	if (end > base + size)
		end = base + size;
	off = start - base;
	len = end - start;
	printf("sigbus code=%s addr=0x%lx lsb=%d offset=0x%llx len=0x%llx\n",
	       code_name(r->code), (unsigned long)r->addr, r->lsb,
	       (unsigned long long)off, (unsigned long long)len);

	buf = aligned_alloc(pgsz, (len + pgsz - 1) / pgsz * pgsz);
	if (!buf)
		return die("aligned_alloc");
	fill(buf, off, len);
	err = write_all(buf, off, len);
	free(buf);
	if (err) {
		printf("recover offset=0x%llx len=0x%llx error=%s\n",
		       (unsigned long long)off, (unsigned long long)len,
		       ename(err));
		fprintf(stderr, "error: %s: rewriting bytes 0x%llx-0x%llx failed: %s%s\n",
			file, (unsigned long long)off,
			(unsigned long long)(off + len - 1), strerror(err),
			err == EIO || err == EFAULT ?
			": the pmem driver could not clear the poison; restore the data some other way" :
			"");
		return EXIT_REWRITE;
	}
	printf("recovered offset=0x%llx len=0x%llx\n",
	       (unsigned long long)off, (unsigned long long)len);
	recovered++;

	rc = check_range(off, len, &bad);
	if (rc < 0) {
		/* Not expected on 6.12 (see the top): map the file afresh. */
		via = "remap";
		munmap(map, size);
		rc = map_file();
		if (rc)
			return rc;
		rc = check_range(off, len, &bad);
	}
	if (rc < 0) {
		const struct sigrec *s = &recs[nrecs - 1];

		printf("sigbus code=%s addr=0x%lx lsb=%d\n", code_name(s->code),
		       (unsigned long)s->addr, s->lsb);
		fprintf(stderr,
			"error: %s: bytes 0x%llx-0x%llx still raise SIGBUS after the rewrite\n",
			file,
			(unsigned long long)off,
			(unsigned long long)(off + len - 1));
		return EXIT_STILL_BAD;
	}
	if (rc > 0) {
		printf("mismatch offset=0x%llx\n", (unsigned long long)bad);
		fprintf(stderr, "error: %s: byte 0x%llx reads back wrong after "
			"the rewrite\n", file, (unsigned long long)bad);
		return EXIT_MISMATCH;
	}
	printf("reread offset=0x%llx len=0x%llx via=%s\n",
	       (unsigned long long)off, (unsigned long long)len, via);
	return 0;
}

/* Recover what the handler recorded since last time; 0 or an exit status. */
static int recover_pending(void)
{
	while (ndone < nrecs) {
		int rc = recover(&recs[ndone++]);

		if (rc)
			return rc;
	}
	if (nrecs == MAX_RECS) {
		fprintf(stderr, "error: more than %d SIGBUS\n", MAX_RECS);
		return EXIT_STILL_BAD;
	}
	return 0;
}

/*
 * Read the whole file through the mapping, page by page, checking it.  A
 * SIGBUS on a page is recovered and the pass goes on with that page.
 */
static int read_pass(int pass)
{
	uint64_t off, bad;
	int rc;

	for (off = 0; off < size; off += pgsz) {
		uint64_t len = size - off;

		if (len > (uint64_t)pgsz)
			len = pgsz;

		rc = check_range(off, len, &bad);
		if (rc < 0) {
			rc = recover_pending();
			if (rc)
				return rc;
			off -= pgsz;	/* check this page again */
			continue;
		}
		if (rc > 0) {
			printf("mismatch offset=0x%llx\n",
			       (unsigned long long)bad);
			fprintf(stderr, "error: %s: byte 0x%llx is not the "
				"pattern (not a file --create wrote?)\n",
				file, (unsigned long long)bad);
			return EXIT_MISMATCH;
		}
	}
	rc = recover_pending();
	if (rc)
		return rc;
	printf("verified pass=%d pages=%zu\n", pass, size / pgsz);
	return 0;
}

/*
 * --go: wait for a line on FIFO.  SIGBUS stays blocked except inside
 * ppoll(), so a BUS_MCEERR_AO that comes between a check and the wait
 * still wakes the wait; each one is recovered at once.
 */
static int wait_go(const char *fifo)
{
	sigset_t bus, old;
	struct pollfd p;
	char line[64];
	int rc = 0;

	p.fd = open(fifo, O_RDWR);	/* O_RDWR: do not wait for a writer */
	if (p.fd < 0)
		return die(fifo);
	p.events = POLLIN;
	sigemptyset(&bus);
	sigaddset(&bus, SIGBUS);
	sigprocmask(SIG_BLOCK, &bus, &old);
	printf("ready pid=%d\n", (int)getpid());
	for (;;) {
		if (ndone < nrecs) {
			/* The reread touches the mapping: SIGBUS unblocked. */
			sigprocmask(SIG_SETMASK, &old, NULL);
			rc = recover_pending();
			sigprocmask(SIG_BLOCK, &bus, NULL);
			if (rc)
				break;
		}
		if (ppoll(&p, 1, NULL, &old) < 0) {
			if (errno == EINTR)
				continue;
			rc = die("ppoll");
			break;
		}
		if (read(p.fd, line, sizeof(line)) > 0)
			break;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p.fd);
	return rc;
}

static int create(long pages)
{
	size_t len = (size_t)pages * pgsz;
	uint8_t *buf = malloc(len);
	int err;

	if (!buf)
		return die("malloc");
	fill(buf, 0, len);
	if (ftruncate(fd, 0))
		return die("ftruncate");
	err = write_all(buf, 0, len);
	free(buf);
	if (err) {
		errno = err;
		return die("writing the pattern");
	}
	printf("created pages=%ld\n", pages);
	return 0;
}

int main(int argc, char **argv)
{
	const char *go = NULL;
	long create_pages = 0;
	int early = 0, rc, i;
	struct sigaction sa;
	struct statx stx;
	char *end;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--early-kill")) {
			early = 1;
		} else if (!strcmp(argv[i], "--go") && i + 1 < argc) {
			go = argv[++i];
		} else if (!strcmp(argv[i], "--create") && i + 1 < argc) {
			create_pages = strtol(argv[++i], &end, 0);
			if (*end || create_pages <= 0)
				goto usage;
		} else if (argv[i][0] == '-' || file) {
			goto usage;
		} else {
			file = argv[i];
		}
	}
	if (!file)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pgsz = sysconf(_SC_PAGESIZE);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;	/* no SA_RESTART: AO ends a wait */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL))
		return die("sigaction");
	if (early && prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY,
			   0, 0))
		return die("prctl(PR_MCE_KILL)");

	fd = open(file, O_RDWR | (create_pages ? O_CREAT : 0), 0644);
	if (fd < 0)
		return die(file);
	if (create_pages) {
		rc = create(create_pages);
		if (rc)
			return rc;
	}
	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx))
		return die("statx");
	size = stx.stx_size;
	if (!size || size % 8) {
		fprintf(stderr, "error: %s: %zu bytes, not a multiple of 8\n",
			file, size);
		return EXIT_MISMATCH;
	}
	rc = map_file();
	if (rc)
		return rc;
	printf("mapped file=%s pages=%zu page_size=%ld map=%p dax=%d "
	       "early_kill=%d\n", file, (size + pgsz - 1) / pgsz, pgsz,
	       (void *)map, !!(stx.stx_attributes & STATX_ATTR_DAX), early);

	rc = read_pass(1);
	if (!rc && go) {
		rc = wait_go(go);
		if (!rc)
			rc = read_pass(2);
	}
	if (rc)
		return rc;
	printf("done recovered=%d\n", recovered);
	return 0;

usage:
	fprintf(stderr, "usage: poison_recover [--create PAGES] [--early-kill] "
		"[--go FIFO] FILE\n");
	return EXIT_USAGE;
}
