// SPDX-License-Identifier: GPL-2.0
/*
 * asuser - run a command as an unprivileged user.
 *
 *   asuser UID CMD [ARGS...]
 *
 * Drops every supplementary group, then sets the real, effective and saved
 * gid and uid to UID (a uid and a gid of the same number; it needs no
 * passwd entry), which also drops every capability, and execs CMD (looked
 * up in PATH).  busybox su needs a passwd line and a shell; tests want
 * nothing between them and the command.
 *
 * Output and exit status: CMD's own; on failure before the exec, one line
 * on stderr ("asuser: ...") and exit status 126 (a set*id call failed, or
 * still privileged afterwards) or 127 (the exec failed); usage: 2.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	unsigned long id;

	if (argc < 3) {
		fprintf(stderr, "usage: asuser UID CMD [ARGS...]\n");
		return 2;
	}
	errno = 0;
	id = strtoul(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || id == 0 || id > 65535) {
		fprintf(stderr, "asuser: bad uid '%s' (1 to 65535)\n", argv[1]);
		return 2;
	}
	if (setgroups(0, NULL) || setresgid(id, id, id) || setresuid(id, id, id)) {
		fprintf(stderr, "asuser: %s\n", strerror(errno));
		return 126;
	}
	/* Cannot go back: the drop is complete. */
	if (setuid(0) == 0 || geteuid() != id || getegid() != id) {
		fprintf(stderr, "asuser: still privileged after dropping to %lu\n", id);
		return 126;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "asuser: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
