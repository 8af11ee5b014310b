// SPDX-License-Identifier: GPL-2.0
/*
 * tryopen - may the caller open a file for reading, and for writing?
 *
 *   tryopen PATH
 *
 * open(2)s PATH O_RDONLY, closes it, then O_WRONLY (without O_CREAT or
 * O_TRUNC; nothing is read or written), closes it, and prints one line:
 *
 *   read=R write=W      R, W: ok, or the open's errno by name (EACCES)
 *
 * Exit status: 0 if both opens were refused, 1 if either succeeded,
 * 2 for bad arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *try(const char *path, int flags)
{
	const char *n;
	int fd = open(path, flags | O_NOCTTY | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return "ok";
	}
	n = strerrorname_np(errno);
	return n ? n : "UNKNOWN";
}

int main(int argc, char **argv)
{
	const char *r, *w;

	if (argc != 2) {
		fprintf(stderr, "usage: tryopen PATH\n");
		return 2;
	}
	r = try(argv[1], O_RDONLY);
	w = try(argv[1], O_WRONLY);
	printf("read=%s write=%s\n", r, w);
	return strcmp(r, "ok") && strcmp(w, "ok") ? 0 : 1;
}
