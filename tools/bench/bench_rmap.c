// SPDX-License-Identifier: GPL-2.0
/*
 * bench_rmap - scale benchmarks of daxhold's reverse-map path (issue 4):
 * many mapped DAX files, many processes mapping the poisoned file.
 *
 *   bench_rmap populate DIR FROM TO [--unmap]
 *   bench_rmap poison FILE PAGES [PROCS]
 *
 * populate: create the files DIR/dK/fI for I in [FROM, TO) (K = I / 1000,
 * so no directory holds more than 1,000 files; DIR is created if needed),
 * each one 4 KiB page: open(O_CREAT), ftruncate(4096), mmap(MAP_SHARED,
 * read/write), write one byte into the page (a DAX write fault: the
 * filesystem allocates the block and the kernel inserts the file's DAX
 * entry, which daxhold's fault probe queues for its index), close().  The
 * first file must be a DAX file (statx STATX_ATTR_DAX).  The work is done
 * by a child process which keeps every mapping and stays alive (in pause())
 * after it is done, so that the files stay mapped; the command itself
 * returns once the child is done and prints:
 *   populate files=N ns=N us_per_file=X holder=PID
 * Kill PID (SIGTERM) to unmap them.  More than vm.max_map_count (65530 by
 * default) mappings need the sysctl raised first.  With --unmap each page
 * is unmapped again after its fault (map-touch-unmap) and no process is
 * left behind (holder=0): the DAX entries, and daxhold's records of them,
 * stay as long as the inode is in core.
 *
 * poison: FILE must be a DAX file.  Fork PROCS children (default 0) that
 * each map FILE (MAP_SHARED, read-only, a mapping of their own), read
 * every page of it, set early kill off (prctl(PR_MCE_KILL, PR_MCE_KILL_SET,
 * PR_MCE_KILL_LATE)) and wait.  Then map the first PAGES pages of FILE
 * read/write, read each, install a SA_SIGINFO SIGBUS handler and poison
 * the pages one after the other with madvise(MADV_HWPOISON), timing each
 * from just before the madvise() to the SIGBUS handler (CLOCK_MONOTONIC),
 * as bench_poison does.  Page 0 is the warm-up (caches, the first kill
 * set allocation); it is printed apart.  Pages 1 to PAGES - 1 are the
 * measurements, each a fresh page.
 * Then every child gets SIGTERM; each must die of it (early kill is off,
 * so none may have got SIGBUS).
 * Output on stdout:
 *   setup_ns=N procs=N          (forking and mapping, until all are ready)
 *   warmup_ns=N
 *   lat_ns=N page=I             (one per measured page)
 *   pages=N sigbus=N missing=N wrong=N procs=N survived=N
 * "missing" counts pages whose madvise() returned without a SIGBUS,
 * "wrong" SIGBUSes with another si_code than BUS_MCEERR_AR or another
 * address than the page, "survived" children that were still waiting and
 * died of the SIGTERM.
 *
 * Exit status: 0 done; 1 usage; 2 setup failed (files, mmap, fork, a
 * SIGBUS while reading a page); 3 a SIGBUS was missing or wrong, or a
 * child died of something else than the SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sigbus_timer.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif
#ifndef PR_MCE_KILL
#define PR_MCE_KILL 33
#define PR_MCE_KILL_SET 1
#define PR_MCE_KILL_LATE 0
#endif

#define PER_DIR 1000

static long psz;

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_rmap populate DIR FROM TO [--unmap]\n"
		"       bench_rmap poison FILE PAGES [PROCS]\n");
	return 1;
}

static int err(const char *what, const char *arg)
{
	fprintf(stderr, "error: %s%s%s: %s\n", what, arg ? " " : "",
		arg ? arg : "", strerror(errno));
	return 2;
}

/* Write all of buf to fd. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* The file at fd is a DAX file (statx's STATX_ATTR_DAX); 0 or exit 2. */
static int need_dax(int fd, const char *path)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx))
		return err("statx", path);
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX) ||
	    !(stx.stx_attributes & STATX_ATTR_DAX)) {
		fprintf(stderr, "error: %s is not a DAX file\n", path);
		return 2;
	}
	return 0;
}

/* ------------------------------------------------------------ populate */

/* Create, map and touch files [from, to) of dir; 0 or an exit status. */
static int populate_files(const char *dir, unsigned long from,
			  unsigned long to, int unmap)
{
	char path[4096];
	unsigned long i;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return err("mkdir", dir);
	for (i = from; i < to; i++) {
		char *p;
		int fd;

		if (i == from || i % PER_DIR == 0) {
			snprintf(path, sizeof(path), "%s/d%lu", dir, i / PER_DIR);
			if (mkdir(path, 0755) && errno != EEXIST)
				return err("mkdir", path);
		}
		snprintf(path, sizeof(path), "%s/d%lu/f%lu", dir, i / PER_DIR, i);
		fd = open(path, O_RDWR | O_CREAT, 0644);
		if (fd < 0)
			return err("open", path);
		if (i == from && need_dax(fd, path))
			return 2;
		if (ftruncate(fd, psz))
			return err("ftruncate", path);
		p = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return err("mmap (vm.max_map_count?)", path);
		*(volatile char *)p = 1;
		close(fd);
		if (unmap && munmap(p, psz))
			return err("munmap", path);
	}
	return 0;
}

static int populate(int argc, char **argv)
{
	unsigned long from, to;
	int unmap = 0, fds[2], rc;
	int64_t t0, ns;
	char buf[64];
	pid_t pid;
	ssize_t n;

	if (argc == 6 && !strcmp(argv[5], "--unmap"))
		unmap = 1;
	else if (argc != 5)
		return usage();
	from = strtoul(argv[3], NULL, 0);
	to = strtoul(argv[4], NULL, 0);
	if (to < from)
		return usage();

	if (unmap) {
		t0 = now_ns();
		rc = populate_files(argv[2], from, to, 1);
		if (rc)
			return rc;
		ns = now_ns() - t0;
		pid = 0;
		goto done;
	}

	/*
	 * The child does the work and keeps the mappings; it tells the parent
	 * "ok NS" or "error" through the pipe, then waits to be killed.
	 */
	if (pipe(fds))
		return err("pipe", NULL);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return err("fork", NULL);
	if (pid == 0) {
		int null;

		close(fds[0]);
		t0 = now_ns();
		rc = populate_files(argv[2], from, to, 0);
		snprintf(buf, sizeof(buf), rc ? "error\n" : "ok %lld\n",
			 (long long)(now_ns() - t0));
		write_all(fds[1], buf, strlen(buf));
		close(fds[1]);
		if (rc)
			_exit(rc);
		/* Let whoever waits for our output (a shell) go on. */
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			close(null);
		}
		for (;;)
			pause();
	}
	close(fds[1]);
	n = 0;
	for (;;) {
		ssize_t r = read(fds[0], buf + n, sizeof(buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	buf[n] = 0;
	if (strncmp(buf, "ok ", 3)) {
		waitpid(pid, &rc, 0);
		fprintf(stderr, "error: the populating child failed (%s)\n",
			WIFEXITED(rc) ? "exit status" : "signal");
		return 2;
	}
	ns = strtoll(buf + 3, NULL, 10);
done:
	printf("populate files=%lu ns=%lld us_per_file=%.1f holder=%d\n",
	       to - from, (long long)ns,
	       to > from ? (double)ns / 1e3 / (to - from) : 0.0, (int)pid);
	return 0;
}

/* -------------------------------------------------------------- poison */

/* A child: map the file, read every page, say so, wait for SIGTERM. */
static void child(const char *file, unsigned long pages, int ready)
{
	unsigned long i;
	char *map;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_LATE, 0, 0))
		_exit(err("prctl(PR_MCE_KILL)", NULL));
	fd = open(file, O_RDONLY);
	if (fd < 0)
		_exit(err("child open", file));
	map = mmap(NULL, pages * psz, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		_exit(err("child mmap", file));
	close(fd);
	for (i = 0; i < pages; i++)
		(void)*(volatile char *)(map + i * psz);
	if (write_all(ready, "r", 1))
		_exit(2);
	close(ready);
	for (;;)
		pause();
}

static int poison(int argc, char **argv)
{
	unsigned long pages, procs = 0, i;
	struct poison_tally t = { 0 };
	unsigned long survived = 0, nready = 0;
	struct stat st;
	int64_t t0;
	pid_t *kids;
	char *map;
	int fd, fds[2];

	if (argc < 4 || argc > 5)
		return usage();
	pages = strtoul(argv[3], NULL, 0);
	if (argc == 5)
		procs = strtoul(argv[4], NULL, 0);
	fd = open(argv[2], O_RDWR);
	if (fd < 0 || fstat(fd, &st))
		return err("open", argv[2]);
	if (need_dax(fd, argv[2]))
		return 2;
	if (pages < 2 || pages * psz > (unsigned long)st.st_size) {
		fprintf(stderr, "error: %s has %lld bytes, not %lu pages (at least 2)\n",
			argv[2], (long long)st.st_size, pages);
		return 2;
	}
	kids = calloc(procs + 1, sizeof(*kids));
	if (!kids || pipe(fds))
		return err("calloc/pipe", NULL);

	t0 = now_ns();
	fflush(stdout);
	for (i = 0; i < procs; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			int e = err("fork", NULL);

			while (i--)
				kill(kids[i], SIGKILL);
			return e;
		}
		if (kids[i] == 0) {
			close(fds[0]);
			close(fd);
			child(argv[2], pages, fds[1]);
		}
	}
	close(fds[1]);
	while (nready < procs) {
		char buf[256];
		ssize_t r = read(fds[0], buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		nready += r;
	}
	close(fds[0]);
	if (nready < procs) {
		fprintf(stderr, "error: only %lu of %lu children mapped the file\n",
			nready, procs);
		for (i = 0; i < procs; i++)
			kill(kids[i], SIGKILL);
		return 2;
	}

	map = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return err("mmap", argv[2]);
	if (sigbus_timer_install())
		return err("sigaction", NULL);
	if (touch_pages(map, pages, psz))
		return 2;
	printf("setup_ns=%lld procs=%lu\n", (long long)(now_ns() - t0), procs);

	poison_pages(map, pages, psz, 1, &t);

	for (i = 0; i < procs; i++)
		kill(kids[i], SIGTERM);
	for (i = 0; i < procs; i++) {
		int status;

		if (waitpid(kids[i], &status, 0) < 0)
			continue;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
			survived++;
		else
			fprintf(stderr, "error: child %d: %s %d\n", (int)kids[i],
				WIFSIGNALED(status) ? "killed by signal" : "exit status",
				WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	printf("pages=%lu sigbus=%lu missing=%lu wrong=%lu procs=%lu survived=%lu\n",
	       pages, t.got, t.missing, t.wrong, procs, survived);
	return t.missing || t.wrong || survived != procs ? 3 : 0;
}

int main(int argc, char **argv)
{
	psz = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "populate"))
		return populate(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "poison"))
		return poison(argc, argv);
	return usage();
}
