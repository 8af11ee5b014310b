// SPDX-License-Identifier: GPL-2.0
/*
 * bench_poison - time madvise(MADV_HWPOISON) to the SIGBUS handler.
 *
 *   bench_poison FILE [COUNT]
 *
 * Maps the first COUNT pages of FILE (default: all of it; MAP_SHARED,
 * read/write), installs a SA_SIGINFO SIGBUS handler, touches each page by
 * reading, then for each page in turn:
 *
 *   t0 = clock_gettime(CLOCK_MONOTONIC);
 *   madvise(page, 4096, MADV_HWPOISON);   -> memory_failure() -> holder
 *   handler: t1 = clock_gettime(CLOCK_MONOTONIC)
 *
 * The kernel sends the SIGBUS (BUS_MCEERR_AR) to the process that poisoned
 * the page, on the way back from madvise(); the handler records t1 and
 * returns, so the latency is t1 - t0: the whole memory-failure path,
 * dax holder (XFS, or daxhold then XFS) included, plus signal delivery.
 * Each page is poisoned once: a poisoned page cannot be used again.
 * Page 0 is the warm-up: the first failure of the run pays for whatever
 * is cold (in user space, the kernel and the holders alike); it is timed
 * and printed apart, not as a measurement.
 *
 * Output: one line per page, then a summary, on stdout:
 *   warmup_ns=N                 (page 0)
 *   lat_ns=N page=I             (pages 1 to COUNT - 1)
 *   pages=N sigbus=N missing=N wrong=N
 * "missing" counts pages whose madvise() returned without a SIGBUS,
 * "wrong" SIGBUSes with another si_code than BUS_MCEERR_AR or another
 * address than the page.  Errors go to stderr as "error: ...".
 *
 * Exit status: 0 every page got its SIGBUS; 1 usage; 2 setup failed
 * (open, mmap, fewer than 2 pages, touching a page raised SIGBUS); 3 a
 * SIGBUS was missing or wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sigbus_timer.h"


int main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE);
	struct poison_tally t = { 0 };
	unsigned long count;
	struct stat st;
	char *map;
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_poison FILE [COUNT]\n");
		return 1;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "error: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	count = st.st_size / psz;
	if (argc == 3)
		count = strtoul(argv[2], NULL, 0);
	if (count < 2 || count * psz > (unsigned long)st.st_size) {
		fprintf(stderr, "error: %s has %lld bytes, not %lu pages (2 at least)\n",
			argv[1], (long long)st.st_size, count);
		return 2;
	}
	map = mmap(NULL, count * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "error: mmap: %s\n", strerror(errno));
		return 2;
	}

	if (sigbus_timer_install()) {
		fprintf(stderr, "error: sigaction: %s\n", strerror(errno));
		return 2;
	}
	if (touch_pages(map, count, psz))
		return 2;

	poison_pages(map, count, psz, 1, &t);
	printf("pages=%lu sigbus=%lu missing=%lu wrong=%lu\n", count, t.got,
	       t.missing, t.wrong);
	return t.missing || t.wrong ? 3 : 0;
}
