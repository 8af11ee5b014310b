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
 *
 * Each prints one line on stdout, timed with CLOCK_MONOTONIC around the
 * loop (and the fdatasync() of write):
 *   write bytes=N ns=N mib_s=X.X
 *   read bytes=N ns=N mib_s=X.X
 *   fault pages=N minflt=N ns=N faults_s=N
 * minflt is the process's minor-fault count over the loop (getrusage);
 * faults_s is minflt per second.  It should equal pages: if not (huge
 * pages, fault-around), the program says so on stderr and exits 3.
 *
 * Exit status: 0 done; 1 usage; 2 an I/O or mapping error; 3 the fault
 * count is not one per page.
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
	if ((unsigned long)(f1 - f0) < pages ||
	    (unsigned long)(f1 - f0) > pages + 16) {
		fprintf(stderr, "error: %ld faults for %lu pages\n", f1 - f0,
			pages);
		return 3;
	}
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
	fprintf(stderr, "usage: bench_io write FILE MIB | read FILE | "
		"fault FILE\n");
	return 1;
}
