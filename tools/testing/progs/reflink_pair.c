// SPDX-License-Identifier: GPL-2.0
/*
 * reflink_pair - a parent maps one file, its child maps another (a reflink
 * copy sharing the block) and poisons it.
 *
 *   reflink_pair FILE_A FILE_B [--early-kill] [--wait SEC]
 *
 * The parent opens FILE_A read-only, maps it MAP_SHARED PROT_READ and reads
 * every page, then forks.  The child does the same with FILE_B (reading, so
 * a reflinked block stays shared) and tells the parent; the parent reads
 * whether the PTE of its page 0 is present (/proc/self/pagemap) and lets
 * the child go on; the child calls madvise(MADV_HWPOISON) on its page 0
 * and waits for its SIGBUS.  The parent then waits up to SEC seconds
 * (default 3) for a SIGBUS of its own.  --early-kill: the parent (not the
 * child) asks for early kill, prctl(PR_MCE_KILL_EARLY), after the fork.
 *
 * Output: `key=value` lines on stdout, line buffered:
 *   parent_pid=N parent_vaddr=0x.. parent_pfn=0x.. [early_kill=1]
 *   child_pid=N child_vaddr=0x.. child_pfn=0x..
 *   parent_present=0|1     (its page 0 PTE, right before the poison)
 *   child sigbus si_code=N si_addr=0x.. si_addr_lsb=N | child nosignal
 *   child_exit=N
 *   parent sigbus si_code=N si_addr=0x.. si_addr_lsb=N | parent nosignal
 * Errors go to stderr as `error: ...`.
 *
 * Exit status: 0 done (whatever the signals were: the caller judges);
 * 1 usage; 2 a setup step failed (open, mmap, pagemap, fork, a pipe).
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

static volatile sig_atomic_t sig_count;
static volatile int sig_code;
static void *volatile sig_addr;
static volatile int sig_lsb;

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)uctx;
	sig_code = si->si_code;
	sig_addr = si->si_addr;
	sig_lsb = si->si_addr_lsb;
	sig_count++;
}

static int die(const char *what)
{
	fprintf(stderr, "error: %s: %s\n", what, strerror(errno));
	return 2;
}

/* Map FILE read-only and shared, read one byte of every page. */
static volatile char *map_read(const char *file, long pgsz)
{
	struct stat st;
	volatile char *m;
	off_t off;
	int fd = open(file, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	m = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	for (off = 0; off < st.st_size; off += pgsz)
		(void)m[off];
	return m;
}

/* The pagemap entry of VADDR: bit 63 present, bits 0-54 the pfn. */
static int pagemap(const volatile void *vaddr, long pgsz, uint64_t *ent)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t at = (off_t)((uintptr_t)vaddr / pgsz) * sizeof(*ent);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, ent, sizeof(*ent), at);
	close(fd);
	return n == sizeof(*ent) ? 0 : -1;
}

static void print_sig(const char *who)
{
	if (!sig_count) {
		printf("%s nosignal\n", who);
		return;
	}
	printf("%s sigbus si_code=%d si_addr=%p si_addr_lsb=%d\n", who,
	       sig_code, sig_addr, sig_lsb);
}

/* Wait up to SEC seconds for a SIGBUS. */
static void wait_sig(int sec)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < sec * 100 && !sig_count; i++)
		nanosleep(&ts, NULL);
}

static int child(const char *file, long pgsz, int ready, int go)
{
	volatile char *m = map_read(file, pgsz);
	uint64_t ent;
	char c;

	if (!m)
		return die(file);
	if (pagemap(m, pgsz, &ent))
		return die("pagemap");
	printf("child_pid=%d\nchild_vaddr=%p\nchild_pfn=0x%llx\n", getpid(),
	       (void *)m, (unsigned long long)(ent & ((1ULL << 55) - 1)));
	if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 1)
		return die("pipe");
	if (madvise((void *)m, pgsz, MADV_HWPOISON))
		printf("madvise=-1 errno=%d\n", errno);
	wait_sig(3);
	print_sig("child");
	return 0;
}

static int parent(volatile char *m, long pgsz, pid_t pid, int ready, int go,
		  int early, int sec)
{
	uint64_t ent;
	int status;
	char c;

	if (early) {
		if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0))
			return die("prctl(PR_MCE_KILL)");
		printf("early_kill=1\n");
	}
	if (read(ready, &c, 1) != 1)
		return die("pipe");
	if (pagemap(m, pgsz, &ent))
		return die("pagemap");
	printf("parent_present=%d\n", (int)(ent >> 63));
	if (write(go, "g", 1) != 1)
		return die("pipe");
	/* SA_RESTART covers read() and waitpid(); loop anyway. */
	while (waitpid(pid, &status, 0) != pid)
		if (errno != EINTR)
			return die("waitpid");
	printf("child_exit=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	wait_sig(sec);
	print_sig("parent");
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {
		.sa_sigaction = on_sigbus,
		.sa_flags = SA_SIGINFO | SA_RESTART,
	};
	long pgsz = sysconf(_SC_PAGESIZE);
	int early = 0, sec = 3, i, ready[2], go[2];
	volatile char *m;
	uint64_t ent;
	pid_t pid;

	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--early-kill"))
			early = 1;
		else if (!strcmp(argv[i], "--wait") && i + 1 < argc)
			sec = atoi(argv[++i]);
		else
			argc = 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: reflink_pair FILE_A FILE_B [--early-kill] [--wait SEC]\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sigaction(SIGBUS, &sa, NULL))
		return die("sigaction");
	m = map_read(argv[1], pgsz);
	if (!m)
		return die(argv[1]);
	if (pagemap(m, pgsz, &ent))
		return die("pagemap");
	printf("parent_pid=%d\nparent_vaddr=%p\nparent_pfn=0x%llx\n", getpid(),
	       (void *)m, (unsigned long long)(ent & ((1ULL << 55) - 1)));
	if (pipe(ready) || pipe(go))
		return die("pipe");
	pid = fork();
	if (pid < 0)
		return die("fork");
	if (pid == 0)
		return child(argv[2], pgsz, ready[1], go[0]);
	return parent(m, pgsz, pid, ready[0], go[1], early, sec);
}
