// SPDX-License-Identifier: GPL-2.0
/*
 * poison_maps - poison pages of files that many VMAs and processes map,
 * one command at a time (the fault-injection scenarios drive it through a
 * FIFO and arm the injection between commands).
 *
 *   poison_maps             commands on stdin, one answer line each:
 *
 *   map FILE FIRST COUNT N   map pages [FIRST, FIRST + COUNT) of FILE N
 *                       times (MAP_SHARED, read-only: N VMAs of this
 *                       process, none touched)
 *                       -> map first=FIRST count=COUNT vmas=N
 *   fork FILE FIRST COUNT P  P child processes, each mapping those pages
 *                       once, reading every one, with early kill
 *                       (PR_MCE_KILL_EARLY) and a SIGBUS handler that
 *                       counts; answered once all are ready
 *                       -> fork procs=P
 *   poison FILE PAGE    madvise(MADV_HWPOISON) on PAGE through the first
 *                       VMA of this process that maps it
 *                       -> poison page=PAGE madvise=0 sigbus=N code=C
 *                          (or madvise=-1 errno=ENAME ...): N SIGBUSes
 *                          this process got meanwhile, C the last si_code
 *   count               -> count children=P sigbus=N min=A max=B: the
 *                          SIGBUSes the children got so far, all together,
 *                          and the fewest and most one child got
 *   quit                SIGTERM to the children, reaped
 *                       -> quit children=P
 *
 * Errors go to stderr as `error: ...` and end the program.
 * Exit status: 0 after quit or end of input, 1 usage, 2 an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

#define MAX_REGIONS 64
#define MAX_CHILDREN 256
#define MAX_PATH 256

struct region {
	char path[MAX_PATH];
	long first, count;
	char *addr;
};

/* Shared with the children: their SIGBUSes and how many are ready. */
struct shared {
	volatile int ready;
	volatile int sigbus[MAX_CHILDREN];
};

static struct region regions[MAX_REGIONS];
static int nregions;
static pid_t children[MAX_CHILDREN];
static int nchildren;
static int child_index;
static struct shared *shared;
static long psz;
static volatile sig_atomic_t own_sigbus;
static volatile sig_atomic_t own_code;

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)uctx;
	own_code = si->si_code;
	own_sigbus++;
}

static void on_child_sigbus(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)si;
	(void)uctx;
	__atomic_add_fetch(&shared->sigbus[child_index], 1, __ATOMIC_SEQ_CST);
}

static void fail(const char *what)
{
	fprintf(stderr, "error: %s: %s\n", what, strerror(errno));
	exit(2);
}

static char *map_pages(const char *path, long first, long count)
{
	int fd = open(path, O_RDONLY);
	char *p;

	if (fd < 0)
		fail(path);
	p = mmap(NULL, count * psz, PROT_READ, MAP_SHARED, fd, first * psz);
	if (p == MAP_FAILED)
		fail("mmap");
	close(fd);
	return p;
}

static void handle(void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(SIGBUS, &sa, NULL))
		fail("sigaction");
}

static void cmd_map(const char *path, long first, long count, long n)
{
	struct region *r;
	long i;

	if (nregions == MAX_REGIONS) {
		errno = ENOSPC;
		fail("map: regions");
	}
	r = &regions[nregions++];
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->first = first;
	r->count = count;
	for (i = 0; i < n; i++) {
		char *p = map_pages(path, first, count);

		if (i == 0)
			r->addr = p;
	}
	printf("map first=%ld count=%ld vmas=%ld\n", first, count, n);
}

static void child(const char *path, long first, long count)
{
	volatile char sink;
	char *p;
	long i;

	handle(on_child_sigbus);
	if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0))
		fail("prctl(PR_MCE_KILL_EARLY)");
	p = map_pages(path, first, count);
	for (i = 0; i < count; i++)
		sink = p[i * psz];
	(void)sink;
	__atomic_add_fetch(&shared->ready, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
}

static void cmd_fork(const char *path, long first, long count, long n)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int want = shared->ready + (int)n, tries;
	long i;

	for (i = 0; i < n; i++) {
		pid_t pid;

		if (nchildren == MAX_CHILDREN) {
			errno = ENOSPC;
			fail("fork: children");
		}
		pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			child_index = nchildren;
			child(path, first, count);
		}
		children[nchildren++] = pid;
	}
	for (tries = 0; shared->ready < want; tries++) {
		if (tries == 6000) {
			errno = ETIMEDOUT;
			fail("fork: children not ready");
		}
		nanosleep(&ts, NULL);
	}
	printf("fork procs=%ld\n", n);
}

static char *page_addr(const char *path, long page)
{
	int i;

	for (i = 0; i < nregions; i++)
		if (!strcmp(regions[i].path, path) && page >= regions[i].first &&
		    page < regions[i].first + regions[i].count)
			return regions[i].addr + (page - regions[i].first) * psz;
	errno = EINVAL;
	fail("poison: page not mapped");
	return NULL;
}

static void cmd_poison(const char *path, long page)
{
	char *p = page_addr(path, page);
	int rc, err;

	own_sigbus = 0;
	own_code = 0;
	rc = madvise(p, psz, MADV_HWPOISON);
	err = errno;
	if (rc)
		printf("poison page=%ld madvise=-1 errno=%s sigbus=%d code=%d\n",
		       page, strerrorname_np(err) ?: "?", (int)own_sigbus,
		       (int)own_code);
	else
		printf("poison page=%ld madvise=0 sigbus=%d code=%d\n", page,
		       (int)own_sigbus, (int)own_code);
}

static void cmd_count(void)
{
	int i, total = 0, min = 0, max = 0;

	for (i = 0; i < nchildren; i++) {
		int n = shared->sigbus[i];

		total += n;
		if (i == 0 || n < min)
			min = n;
		if (i == 0 || n > max)
			max = n;
	}
	printf("count children=%d sigbus=%d min=%d max=%d\n", nchildren, total,
	       min, max);
}

static void cmd_quit(void)
{
	int i;

	for (i = 0; i < nchildren; i++)
		kill(children[i], SIGTERM);
	for (i = 0; i < nchildren; i++)
		waitpid(children[i], NULL, 0);
	printf("quit children=%d\n", nchildren);
}

int main(int argc, char **argv)
{
	char line[512], cmd[16], path[MAX_PATH];
	long a, b, c;
	int n;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: poison_maps < commands\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	psz = sysconf(_SC_PAGESIZE);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		fail("mmap shared");
	handle(on_sigbus);
	while (fgets(line, sizeof(line), stdin)) {
		n = sscanf(line, "%15s %255s %ld %ld %ld", cmd, path, &a, &b,
			   &c);
		if (n == 5 && !strcmp(cmd, "map")) {
			cmd_map(path, a, b, c);
		} else if (n == 5 && !strcmp(cmd, "fork")) {
			cmd_fork(path, a, b, c);
		} else if (n == 3 && !strcmp(cmd, "poison")) {
			cmd_poison(path, a);
		} else if (n == 1 && !strcmp(cmd, "count")) {
			cmd_count();
		} else if (n == 1 && !strcmp(cmd, "quit")) {
			cmd_quit();
			return 0;
		} else {
			fprintf(stderr, "error: bad command: %s", line);
			return 2;
		}
	}
	cmd_quit();
	return 0;
}
