// SPDX-License-Identifier: GPL-2.0
/*
 * bench_io - DAX throughput: sequential write and read, page-fault rate.
 *
 *   bench_io write FILE MIB    pwrite() MIB blocks of 1 MiB from offset 0,
 *                              then fdatasync(); creates FILE if needed
 *   bench_io read FILE         pread() all of FILE in 1 MiB blocks
 *   bench_io fault FILE        mmap() all of FILE (MAP_SHARED, read-only,
 *                              a fresh mapping), madvise(MADV_NOHUGEPAGE)
 *                              so that DAX maps 4 KiB pages and not 2 MiB
 *                              ones, read one byte of each 4 KiB page once
 *   bench_io fault2m FILE [LOOPS]
 *                              LOOPS times (default 1): mmap() the whole
 *                              2 MiB units of FILE (MAP_SHARED, read-only,
 *                              a fresh mapping at a 2 MiB-aligned address),
 *                              read one byte of each 2 MiB once, munmap();
 *                              on a DAX file whose extents are 2 MiB-aligned
 *                              each read is one PMD fault
 *   bench_io evict DIR N [BYTES]
 *                              create N files DIR/evict.I of BYTES bytes
 *                              each (default 4096), syncfs(), then unlink
 *                              them all: nothing holds them open, so each
 *                              unlink() evicts its inode
 *
 * Each prints one line on stdout, timed with CLOCK_MONOTONIC around the
 * loop (and the fdatasync() of write; for fault2m, the reading loops
 * only, not mmap() and munmap(); for evict, the unlink() loop only):
 *   write bytes=N ns=N mib_s=X.X
 *   read bytes=N ns=N mib_s=X.X
 *   fault pages=N minflt=N ns=N faults_s=N
 *   fault2m huge=N minflt=N ns=N faults_s=N
 *   evict files=N ns=N per_s=N
 * minflt is the process's minor-fault count over the loop (getrusage);
 * faults_s is minflt per second.  It should equal pages (huge, the 2 MiB
 * units times LOOPS): if not (huge pages where 4 KiB ones were wanted,
 * 4 KiB ones where 2 MiB ones were, fault-around), the program says so on
 * stderr and exits 3.
 *
 * Exit status: 0 done; 1 usage; 2 an I/O or mapping error; 3 the fault
 * count is not one per page (per 2 MiB for fault2m).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (1 << 20)
#define HUGE (2UL << 20)

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int die(const char *what)
{
	fprintf(stderr, "error: %s: %s\n", what, strerror(errno));
	return 2;
}

static void rate(const char *op, uint64_t bytes, int64_t ns)
{
	printf("%s bytes=%llu ns=%lld mib_s=%.1f\n", op,
	       (unsigned long long)bytes, (long long)ns,
	       (double)bytes / (1 << 20) / ((double)ns / 1e9));
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Whether F is within the expected count N plus a few of the loop's own. */
static int faults_ok(long f, unsigned long n, const char *unit)
{
	if ((unsigned long)f < n || (unsigned long)f > n + 16) {
		fprintf(stderr, "error: %ld faults for %lu %s\n", f, n, unit);
		return 0;
	}
	return 1;
}

static int do_write(const char *path, long mib)
{
	char *buf = malloc(BLOCK);
	int64_t t0, t1;
	long i;
	int fd;

	if (!buf)
		return die("malloc");
	for (i = 0; i < BLOCK; i++)
		buf[i] = (char)(i * 7 + 1);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return die(path);
	t0 = now_ns();
	for (i = 0; i < mib; i++)
		if (pwrite(fd, buf, BLOCK, (off_t)i * BLOCK) != BLOCK)
			return die("pwrite");
	if (fdatasync(fd))
		return die("fdatasync");
	t1 = now_ns();
	rate("write", (uint64_t)mib * BLOCK, t1 - t0);
	close(fd);
	free(buf);
	return 0;
}

static int do_read(const char *path)
{
	char *buf = malloc(BLOCK);
	uint64_t total = 0;
	int64_t t0, t1;
	ssize_t n;
	int fd;

	if (!buf)
		return die("malloc");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return die(path);
	t0 = now_ns();
	while ((n = pread(fd, buf, BLOCK, (off_t)total)) > 0)
		total += n;
	if (n < 0)
		return die("pread");
	t1 = now_ns();
	rate("read", total, t1 - t0);
	close(fd);
	free(buf);
	return 0;
}

static int do_fault(const char *path)
{
	long psz = sysconf(_SC_PAGESIZE);
	unsigned long pages, i;
	volatile char sink = 0;
	long f0, f1;
	int64_t t0, t1;
	struct stat st;
	char *map;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return die(path);
	pages = st.st_size / psz;
	if (!pages) {
		fprintf(stderr, "error: %s is empty\n", path);
		return 2;
	}
	map = mmap(NULL, pages * psz, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return die("mmap");
	if (madvise(map, pages * psz, MADV_NOHUGEPAGE))
		return die("madvise(MADV_NOHUGEPAGE)");
	f0 = minflt();
	t0 = now_ns();
	for (i = 0; i < pages; i++)
		sink += *(volatile char *)(map + i * psz);
	t1 = now_ns();
	f1 = minflt();
	(void)sink;
	printf("fault pages=%lu minflt=%ld ns=%lld faults_s=%.0f\n", pages,
	       f1 - f0, (long long)(t1 - t0),
	       (double)(f1 - f0) / ((double)(t1 - t0) / 1e9));
	munmap(map, pages * psz);
	close(fd);
	/* A few faults of the loop itself (stack, the sink) are allowed. */
	return faults_ok(f1 - f0, pages, "pages") ? 0 : 3;
}

/*
 * A fresh read-only shared mapping of LEN bytes of FD at a 2 MiB-aligned
 * address: reserve LEN + 2 MiB, put the file over its first aligned 2 MiB
 * and give back the rest.
 */
static char *map_aligned(int fd, size_t len)
{
	char *res, *at, *map;

	res = mmap(NULL, len + HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (res == MAP_FAILED)
		return MAP_FAILED;
	at = (char *)(((uintptr_t)res + HUGE - 1) & ~(HUGE - 1));
	map = mmap(at, len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	if (map == MAP_FAILED) {
		munmap(res, len + HUGE);
		return MAP_FAILED;
	}
	if (at > res)
		munmap(res, at - res);
	munmap(at + len, res + HUGE - at);
	return map;
}

static int do_fault2m(const char *path, long loops)
{
	unsigned long huge, i;
	volatile char sink = 0;
	int64_t ns = 0, t0;
	long f = 0, f0;
	struct stat st;
	char *map;
	long l;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return die(path);
	huge = st.st_size / HUGE;
	if (!huge || loops < 1) {
		fprintf(stderr, "error: %s has no whole 2 MiB or LOOPS < 1\n",
			path);
		return 2;
	}
	for (l = 0; l < loops; l++) {
		map = map_aligned(fd, huge * HUGE);
		if (map == MAP_FAILED)
			return die("mmap");
		f0 = minflt();
		t0 = now_ns();
		for (i = 0; i < huge; i++)
			sink += *(volatile char *)(map + i * HUGE);
		ns += now_ns() - t0;
		f += minflt() - f0;
		munmap(map, huge * HUGE);
	}
	(void)sink;
	close(fd);
	printf("fault2m huge=%lu minflt=%ld ns=%lld faults_s=%.0f\n",
	       huge * loops, f, (long long)ns, (double)f / ((double)ns / 1e9));
	return faults_ok(f, huge * loops, "2 MiB units") ? 0 : 3;
}

static int do_evict(const char *dir, long n, long bytes)
{
	char *buf = calloc(1, bytes > 0 ? bytes : 1);
	char name[4096];
	int64_t t0, t1;
	long i;
	int fd;

	if (!buf || n < 1)
		return die("evict: calloc or N < 1");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s/evict.%ld", dir, i);
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return die(name);
		if (bytes > 0 && write(fd, buf, bytes) != bytes)
			return die("write");
		close(fd);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || syncfs(fd))
		return die("syncfs");
	close(fd);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s/evict.%ld", dir, i);
		if (unlink(name))
			return die(name);
	}
	t1 = now_ns();
	printf("evict files=%ld ns=%lld per_s=%.0f\n", n, (long long)(t1 - t0),
	       (double)n / ((double)(t1 - t0) / 1e9));
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "write"))
		return do_write(argv[2], strtol(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "read"))
		return do_read(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "fault"))
		return do_fault(argv[2]);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "fault2m"))
		return do_fault2m(argv[2],
				  argc == 4 ? strtol(argv[3], NULL, 0) : 1);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "evict"))
		return do_evict(argv[2], strtol(argv[3], NULL, 0),
				argc == 5 ? strtol(argv[4], NULL, 0) : 4096);
	fprintf(stderr, "usage: bench_io write FILE MIB | read FILE | "
		"fault FILE | fault2m FILE [LOOPS] | evict DIR N [BYTES]\n");
	return 1;
}
