/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sigbus_timer.h - what bench_poison and bench_rmap share: a SIGBUS
 * handler that records when and where the signal came, one timed
 * madvise(MADV_HWPOISON) checked against it, and the loops around it
 * (read every page in, poison every page in turn and print the times).
 * Header-only (static), as each benchmark is one static program.
 */
#ifndef SIGBUS_TIMER_H
#define SIGBUS_TIMER_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR 4
#endif

static volatile sig_atomic_t sig_count;
static struct timespec sig_time;
static volatile int sig_code;
static void *volatile sig_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)uctx;
	clock_gettime(CLOCK_MONOTONIC, &sig_time);
	sig_code = si->si_code;
	sig_addr = si->si_addr;
	sig_count++;
}

/* Install on_sigbus for SIGBUS: 0, or -1 with errno set. */
static int sigbus_timer_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, NULL);
}

enum poison_result { POISON_OK, POISON_NO_SIGBUS, POISON_WRONG_SIGBUS };

/*
 * madvise(MADV_HWPOISON) on page number i at page (psz bytes), timed from
 * just before the call to the handler.  POISON_OK with the nanoseconds in
 * *ns if BUS_MCEERR_AR arrived at page; otherwise what went wrong, said on
 * stderr.
 */
static enum poison_result poison_timed(char *page, size_t psz,
				       unsigned long i, int64_t *ns)
{
	sig_atomic_t before = sig_count;
	struct timespec t0;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = madvise(page, psz, MADV_HWPOISON);
	if (sig_count == before) {
		fprintf(stderr, "error: page %lu: no SIGBUS (madvise=%d %s)\n",
			i, r, r ? strerror(errno) : "");
		return POISON_NO_SIGBUS;
	}
	if (sig_code != BUS_MCEERR_AR || sig_addr != page) {
		fprintf(stderr, "error: page %lu: si_code=%d si_addr=%p, "
			"expected %d at %p\n", i, sig_code, sig_addr,
			BUS_MCEERR_AR, (void *)page);
		return POISON_WRONG_SIGBUS;
	}
	*ns = (int64_t)(sig_time.tv_sec - t0.tv_sec) * 1000000000 +
	      (sig_time.tv_nsec - t0.tv_nsec);
	return POISON_OK;
}

/*
 * Read one byte of each of the count pages at map (psz bytes each), so
 * that only the poisoning is timed: 0, or -1 (said on stderr) if that
 * raised SIGBUS.  Call after sigbus_timer_install().
 */
static int touch_pages(const char *map, unsigned long count, size_t psz)
{
	unsigned long i;

	for (i = 0; i < count; i++)
		(void)*(const volatile char *)(map + i * psz);
	if (sig_count) {
		fprintf(stderr, "error: reading the pages raised SIGBUS\n");
		return -1;
	}
	return 0;
}

/* What poison_pages() saw. */
struct poison_tally {
	unsigned long got;	/* SIGBUSes that came */
	unsigned long missing;	/* madvise() returned without one */
	unsigned long wrong;	/* another si_code or address */
};

/*
 * Poison the count pages at map one after the other, each timed by
 * poison_timed(), and print a line per page on stdout: "warmup_ns=N" for
 * page 0 if warmup (its failure is the first of the run: whatever is
 * cold is paid there), "lat_ns=N page=I" for the others.  Counts in *t.
 */
static void poison_pages(char *map, unsigned long count, size_t psz,
			 int warmup, struct poison_tally *t)
{
	unsigned long i;

	for (i = 0; i < count; i++) {
		int64_t ns;

		switch (poison_timed(map + i * psz, psz, i, &ns)) {
		case POISON_NO_SIGBUS:
			t->missing++;
			continue;
		case POISON_WRONG_SIGBUS:
			t->got++;
			t->wrong++;
			continue;
		case POISON_OK:
			t->got++;
			break;
		}
		if (i == 0 && warmup)
			printf("warmup_ns=%lld\n", (long long)ns);
		else
			printf("lat_ns=%lld page=%lu\n", (long long)ns, i);
	}
}

#endif /* SIGBUS_TIMER_H */
