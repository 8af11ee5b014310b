// SPDX-License-Identifier: GPL-2.0
/*
 * writefile - write(2) a string to a file once and report the errno by name.
 *
 *   writefile [-e] PATH STRING
 *
 * Opens PATH O_WRONLY and issues exactly one write(2) of STRING (without a
 * trailing newline; use -e and "\n" to add one).  With -e, STRING may
 * contain the escapes \n \t \\ and \xHH, so tests can send control bytes.
 *
 * Output (one line on stdout) and exit status:
 *   ok                  0  every byte was written
 *   short=N             1  write(2) returned N < length
 *   errno=ENAME         1  write(2) failed with ENAME
 *   open-errno=ENAME    2  open(2) failed (so a missing sysfs file is never
 *                          mistaken for an ENOENT from the store method)
 *   usage: ...          2  bad arguments
 *
 * Note: sysfs never calls a store method for a zero-length write; writing
 * "" prints ok.  Send "\n" to test an empty value.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "UNKNOWN";
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode escapes in place; returns the decoded length. */
static size_t unescape(char *s)
{
	char *out = s;
	const char *in = s;

	while (*in) {
		if (*in != '\\' || !in[1]) {
			*out++ = *in++;
			continue;
		}
		in++;
		switch (*in) {
		case 'n': *out++ = '\n'; in++; break;
		case 't': *out++ = '\t'; in++; break;
		case '\\': *out++ = '\\'; in++; break;
		case 'x':
			if (hexval(in[1]) >= 0 && hexval(in[2]) >= 0) {
				*out++ = (char)(hexval(in[1]) * 16 + hexval(in[2]));
				in += 3;
				break;
			}
			/* fall through */
		default:
			*out++ = '\\';
			*out++ = *in++;
		}
	}
	return out - s;
}

int main(int argc, char **argv)
{
	int escapes = 0, fd;
	size_t len;
	ssize_t n;
	char *str;

	if (argc > 1 && !strcmp(argv[1], "-e")) {
		escapes = 1;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: writefile [-e] PATH STRING\n");
		return 2;
	}
	str = argv[2];
	len = escapes ? unescape(str) : strlen(str);

	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		printf("open-errno=%s\n", ename(errno));
		return 2;
	}
	n = write(fd, str, len);
	if (n < 0) {
		printf("errno=%s\n", ename(errno));
		return 1;
	}
	if ((size_t)n != len) {
		printf("short=%zd\n", n);
		return 1;
	}
	printf("ok\n");
	return 0;
}
