// SPDX-License-Identifier: GPL-2.0
/*
 * modctl - load or unload a kernel module and report the errno by name.
 *
 *   modctl load PATH [PARAM=VALUE ...]    finit_module(2)
 *   modctl unload NAME                    delete_module(2), O_NONBLOCK
 *
 * busybox insmod/rmmod print strerror() text; tests want the exact errno.
 *
 * Output (one line on stdout) and exit status:
 *   ok                 0
 *   errno=ENAME        1  the system call failed
 *   open-errno=ENAME   2  PATH could not be opened
 *   usage: ...         2
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "UNKNOWN";
}

static int usage(void)
{
	fprintf(stderr, "usage: modctl load PATH [PARAM=VALUE ...]\n"
			"       modctl unload NAME\n");
	return 2;
}

static int do_load(int argc, char **argv)
{
	size_t len = 1;
	char *params;
	int fd, i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	params = calloc(1, len);
	if (!params)
		return 2;
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(params, " ");
		strcat(params, argv[i]);
	}

	fd = open(argv[-1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("open-errno=%s\n", ename(errno));
		return 2;
	}
	if (syscall(SYS_finit_module, fd, params, 0)) {
		printf("errno=%s\n", ename(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "load"))
		return do_load(argc - 3, argv + 3);
	if (argc == 3 && !strcmp(argv[1], "unload")) {
		if (syscall(SYS_delete_module, argv[2], O_NONBLOCK)) {
			printf("errno=%s\n", ename(errno));
			return 1;
		}
		printf("ok\n");
		return 0;
	}
	return usage();
}
