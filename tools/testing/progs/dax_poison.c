// SPDX-License-Identifier: GPL-2.0
/*
 * dax_poison - poison one page of a mapped file and report what happened.
 *
 *   dax_poison FILE PAGE_INDEX [--early-kill] [--no-poison] [--wait SEC]
 *                              [--access] [--read-only] [--also FILE2]
 *                              [--linger SEC] [--gate]
 *
 * Maps FILE (MAP_SHARED, read/write), touches every page, finds where page
 * PAGE_INDEX lives on the file system's block device (FS_IOC_FIEMAP) and in
 * physical memory (/proc/self/pagemap, needs CAP_SYS_ADMIN), installs a
 * SA_SIGINFO SIGBUS handler and calls madvise(MADV_HWPOISON) on that page.
 *
 *   --early-kill   prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY)
 *                  first, so action-optional errors signal this process too
 *   --no-poison    skip madvise(); useful with --wait while something else
 *                  (QEMU's `mce`, another process) poisons the page
 *   --wait SEC     after poisoning (or not), wait up to SEC seconds for a
 *                  SIGBUS if none has arrived yet
 *   --access       afterwards, read the page again and report the outcome
 *   --read-only    open and map FILE read-only and touch pages by reading:
 *                  a write would unshare a reflinked block (copy on write)
 *   --also FILE2   map and touch FILE2 as well (e.g. a reflink copy of
 *                  FILE: one process mapping both owners of a shared page)
 *   --linger SEC   after the first SIGBUS, keep counting for SEC seconds
 *                  (sigbus_count then says how many arrived)
 *   --gate         after `ready`, wait for a SIGUSR1 before poisoning (or
 *                  waiting): a race can then start both sides at once
 *
 * A SIGUSR1 (after the gate's, with --gate) ends --wait early: a caller
 * that knows no more SIGBUS can come (its injection returned) need not
 * wait the whole time.
 *
 * Output: `key=value` lines on stdout, line buffered, in this order:
 *   file=PATH page_size=N map=0x.. vaddr=0x.. file_offset=0x..
 *   fs_offset=0x.. (byte offset on the block device)  extent_flags=0x..
 *   pfn=0x.. phys=0x..  [vaddr2=0x.. pfn2=0x..]  [early_kill=1]  pid=N
 *   ready
 *   madvise=0 | madvise=-1 errno=ENAME        (unless --no-poison)
 *   sigbus si_code=N (NAME) si_addr=0x.. si_addr_lsb=N | nosignal
 *   sigbus_count=N
 *   present=0|1 [present2=0|1]  (pagemap: page PAGE_INDEX still mapped)
 *   access=ok | access=sigbus si_code=N (NAME) si_addr=0x.. si_addr_lsb=N
 * Errors go to stderr as `error: ...`.
 *
 * A SIGBUS raised by madvise() itself is recorded and the handler returns,
 * so madvise()'s own result is still seen; a SIGBUS raised by touching a
 * page (a real fault) is left with siglongjmp().
 *
 * Exit status:
 *   0  a SIGBUS arrived (or neither poisoning nor waiting was asked for)
 *   1  usage
 *   2  setup failed (open, size, mmap, FIEMAP, pagemap, or touching the
 *      pages already raised SIGBUS)
 *   3  no SIGBUS although the page was poisoned or --wait was given
 *   4  madvise() failed and no SIGBUS arrived
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR 4
#define BUS_MCEERR_AO 5
#endif

struct sigrec {
	int code;
	void *addr;
	int lsb;
};

static sigjmp_buf jump_env;
static volatile sig_atomic_t jump_armed;
static volatile sig_atomic_t sig_count;
static volatile sig_atomic_t usr1_count;
static int usr1_stop = 1;	/* SIGUSR1s that end --wait (2 with --gate) */
static struct sigrec last_sig;

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)uctx;
	last_sig.code = si->si_code;
	last_sig.addr = si->si_addr;
	last_sig.lsb = si->si_addr_lsb;
	sig_count++;
	if (jump_armed) {
		jump_armed = 0;
		siglongjmp(jump_env, 1);
	}
}

static void on_sigusr1(int sig)
{
	(void)sig;
	usr1_count++;
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "UNKNOWN";
}

static const char *code_name(int code)
{
	switch (code) {
	case BUS_ADRALN: return "BUS_ADRALN";
	case BUS_ADRERR: return "BUS_ADRERR";
	case BUS_OBJERR: return "BUS_OBJERR";
	case BUS_MCEERR_AR: return "BUS_MCEERR_AR";
	case BUS_MCEERR_AO: return "BUS_MCEERR_AO";
	default: return "OTHER";
	}
}

static void print_sig(const char *prefix)
{
	printf("%ssigbus si_code=%d (%s) si_addr=%p si_addr_lsb=%d\n", prefix,
	       last_sig.code, code_name(last_sig.code), last_sig.addr,
	       last_sig.lsb);
}

static int die(const char *what)
{
	fprintf(stderr, "error: %s: %s\n", what, strerror(errno));
	return 2;
}

/* Byte offset on the file system's block device of FILE_OFF. */
static int fs_offset(int fd, uint64_t file_off, uint64_t len,
		     uint64_t *dev_off, uint32_t *flags)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent fe[1];
	} req;
	struct fiemap_extent *fe = &req.fm.fm_extents[0];

	memset(&req, 0, sizeof(req));
	req.fm.fm_start = file_off;
	req.fm.fm_length = len;
	req.fm.fm_flags = FIEMAP_FLAG_SYNC;
	req.fm.fm_extent_count = 1;
	if (ioctl(fd, FS_IOC_FIEMAP, &req.fm))
		return die("FS_IOC_FIEMAP");
	if (req.fm.fm_mapped_extents < 1 || fe->fe_logical > file_off ||
	    fe->fe_logical + fe->fe_length <= file_off) {
		fprintf(stderr, "error: FIEMAP: no extent covers 0x%llx\n",
			(unsigned long long)file_off);
		return 2;
	}
	if (fe->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_ENCODED |
			    FIEMAP_EXTENT_DATA_INLINE)) {
		fprintf(stderr, "error: FIEMAP: extent flags 0x%x give no "
			"usable address\n", fe->fe_flags);
		return 2;
	}
	*dev_off = fe->fe_physical + (file_off - fe->fe_logical);
	*flags = fe->fe_flags;
	return 0;
}

/* Physical address of the page at VADDR, from /proc/self/pagemap. */
static int phys_addr(void *vaddr, long pgsz, uint64_t *pfn)
{
	uint64_t ent;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t at = (off_t)((uintptr_t)vaddr / pgsz) * sizeof(ent);

	if (fd < 0)
		return die("open /proc/self/pagemap");
	if (pread(fd, &ent, sizeof(ent), at) != sizeof(ent)) {
		close(fd);
		return die("read /proc/self/pagemap");
	}
	close(fd);
	*pfn = ent & ((1ULL << 55) - 1);
	if (!(ent & (1ULL << 63)) || !*pfn) {
		fprintf(stderr, "error: pagemap entry 0x%llx: page not present "
			"or PFN hidden (needs CAP_SYS_ADMIN)\n",
			(unsigned long long)ent);
		return 2;
	}
	return 0;
}

/* 1 if the page at VADDR is present in /proc/self/pagemap, 0 if not. */
static int page_present(const volatile void *vaddr, long pgsz)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t at = (off_t)((uintptr_t)vaddr / pgsz) * sizeof(ent);

	if (fd < 0)
		return -1;
	if (pread(fd, &ent, sizeof(ent), at) != sizeof(ent))
		ent = 0;
	close(fd);
	return !!(ent & (1ULL << 63));
}

/* Map FILE whole (read-only or not) and touch each page; NULL on error. */
static volatile char *map_touch(const char *file, int rdonly, long pgsz,
				off_t *size)
{
	struct stat st;
	volatile char *m;
	int fd = open(file, rdonly ? O_RDONLY : O_RDWR);

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	m = mmap(NULL, st.st_size, rdonly ? PROT_READ : PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return NULL;
	for (off_t o = 0; o < st.st_size; o += pgsz) {
		char c = m[o];

		if (!rdonly)
			m[o] = c;
	}
	*size = st.st_size;
	return m;
}

static void wait_for_sigbus(double secs)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	long n = (long)(secs * 50);

	while (!sig_count && usr1_count < usr1_stop && n-- > 0)
		nanosleep(&tick, NULL);
}

int main(int argc, char **argv)
{
	int early = 0, poison = 1, access = 0, rdonly = 0, gate = 0;
	int fd, ret = 0, err, i;
	double wait_secs = -1, linger = 0;
	const char *also = NULL;
	volatile char *target2 = NULL;
	long pgsz = sysconf(_SC_PAGESIZE);
	uint64_t page, dev_off, pfn;
	uint32_t ext_flags;
	struct sigaction sa;
	sigset_t usr1, unblocked;
	struct stat st;
	volatile char *map, *target;
	char *end;

	if (argc < 3)
		goto usage;
	page = strtoull(argv[2], &end, 0);
	if (*end || !*argv[2])
		goto usage;
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--early-kill"))
			early = 1;
		else if (!strcmp(argv[i], "--no-poison"))
			poison = 0;
		else if (!strcmp(argv[i], "--access"))
			access = 1;
		else if (!strcmp(argv[i], "--read-only"))
			rdonly = 1;
		else if (!strcmp(argv[i], "--gate"))
			gate = 1;
		else if (!strcmp(argv[i], "--wait") && i + 1 < argc)
			wait_secs = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--also") && i + 1 < argc)
			also = argv[++i];
		else if (!strcmp(argv[i], "--linger") && i + 1 < argc)
			linger = strtod(argv[++i], NULL);
		else
			goto usage;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = open(argv[1], rdonly ? O_RDONLY : O_RDWR);
	if (fd < 0)
		return die(argv[1]);
	if (fstat(fd, &st))
		return die("fstat");
	if ((uint64_t)st.st_size < (page + 1) * pgsz) {
		fprintf(stderr, "error: %s has %lld bytes, page %llu is "
			"beyond the end\n", argv[1], (long long)st.st_size,
			(unsigned long long)page);
		return 2;
	}
	map = mmap(NULL, st.st_size, rdonly ? PROT_READ : PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return die("mmap");
	target = map + page * pgsz;
	printf("file=%s\npage_size=%ld\nmap=%p\nvaddr=%p\nfile_offset=0x%llx\n",
	       argv[1], pgsz, (void *)map, (void *)target,
	       (unsigned long long)(page * pgsz));

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL))
		return die("sigaction");
	/* SIGUSR1 stays blocked until the gate (or the wait) looks for it. */
	sa.sa_handler = on_sigusr1;
	sa.sa_flags = 0;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigaction(SIGUSR1, &sa, NULL) ||
	    sigprocmask(SIG_BLOCK, &usr1, &unblocked))
		return die("SIGUSR1");
	sigdelset(&unblocked, SIGUSR1);

	/* Touch every page: a read and (unless read-only) a write of it. */
	if (sigsetjmp(jump_env, 1)) {
		print_sig("touch=");
		return 2;
	}
	jump_armed = 1;
	for (off_t o = 0; o < st.st_size; o += pgsz) {
		char c = map[o];

		if (!rdonly)
			map[o] = c;
	}
	jump_armed = 0;

	ret = fs_offset(fd, page * pgsz, pgsz, &dev_off, &ext_flags);
	if (ret)
		return ret;
	printf("fs_offset=0x%llx\nextent_flags=0x%x\n",
	       (unsigned long long)dev_off, ext_flags);
	ret = phys_addr((void *)target, pgsz, &pfn);
	if (ret)
		return ret;
	printf("pfn=0x%llx\nphys=0x%llx\n", (unsigned long long)pfn,
	       (unsigned long long)(pfn * pgsz));
	if (also) {
		off_t size2 = 0;
		uint64_t pfn2;
		volatile char *m2;

		if (sigsetjmp(jump_env, 1)) {
			print_sig("touch2=");
			return 2;
		}
		jump_armed = 1;
		m2 = map_touch(also, rdonly, pgsz, &size2);
		jump_armed = 0;
		if (!m2)
			return die(also);
		if ((uint64_t)size2 < (page + 1) * pgsz) {
			fprintf(stderr, "error: %s: page %llu beyond the end\n",
				also, (unsigned long long)page);
			return 2;
		}
		target2 = m2 + page * pgsz;
		ret = phys_addr((void *)target2, pgsz, &pfn2);
		if (ret)
			return ret;
		printf("vaddr2=%p\npfn2=0x%llx\n", (void *)target2,
		       (unsigned long long)pfn2);
	}

	if (early) {
		if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0))
			return die("prctl(PR_MCE_KILL)");
		printf("early_kill=1\n");
	}
	printf("pid=%d\nready\n", (int)getpid());
	if (gate) {
		usr1_stop = 2;
		while (!usr1_count)
			sigsuspend(&unblocked);
	}
	sigprocmask(SIG_SETMASK, &unblocked, NULL);

	if (poison) {
		/* The handler records a SIGBUS sent by madvise() and returns. */
		ret = madvise((void *)target, pgsz, MADV_HWPOISON);
		err = errno;
		if (ret)
			printf("madvise=%d errno=%s\n", ret, ename(err));
		else
			printf("madvise=0\n");
	}
	if (wait_secs > 0 && !sig_count)
		wait_for_sigbus(wait_secs);
	if (sig_count && linger > 0) {
		struct timespec t = { (time_t)linger,
			(long)((linger - (time_t)linger) * 1e9) };

		while (nanosleep(&t, &t) && errno == EINTR)
			;
	}

	if (sig_count)
		print_sig("");
	else
		printf("nosignal\n");
	printf("sigbus_count=%d\n", (int)sig_count);
	printf("present=%d\n", page_present(target, pgsz));
	if (target2)
		printf("present2=%d\n", page_present(target2, pgsz));

	if (access) {
		if (sigsetjmp(jump_env, 1)) {
			print_sig("access=");
		} else {
			jump_armed = 1;
			(void)target[0];
			jump_armed = 0;
			printf("access=ok\n");
		}
	}

	if (sig_count)
		return 0;
	if (poison && ret)
		return 4;
	if (poison || wait_secs > 0)
		return 3;
	return 0;

usage:
	fprintf(stderr, "usage: dax_poison FILE PAGE_INDEX [--early-kill] "
		"[--no-poison] [--wait SEC] [--access] [--read-only] "
		"[--also FILE2] [--linger SEC] [--gate]\n");
	return 1;
}
