// SPDX-License-Identifier: GPL-2.0
/*
 * statx_dax - report whether the kernel says a file is accessed through DAX.
 *
 *   statx_dax PATH
 *
 * Prints one line: `dax=0|1 supported=0|1 attributes=0x.. attributes_mask=0x..`
 * where dax is STATX_ATTR_DAX in stx_attributes and supported is that bit in
 * stx_attributes_mask.
 *
 * Exit status: 0 the file is DAX, 1 it is not, 2 statx(2) failed or usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

int main(int argc, char **argv)
{
	struct statx stx;
	int dax, supported;

	if (argc != 2) {
		fprintf(stderr, "usage: statx_dax PATH\n");
		return 2;
	}
	if (statx(AT_FDCWD, argv[1], 0, STATX_BASIC_STATS, &stx)) {
		printf("errno=%s\n", strerrorname_np(errno));
		return 2;
	}
	dax = !!(stx.stx_attributes & STATX_ATTR_DAX);
	supported = !!(stx.stx_attributes_mask & STATX_ATTR_DAX);
	printf("dax=%d supported=%d attributes=0x%llx attributes_mask=0x%llx\n",
	       dax, supported, (unsigned long long)stx.stx_attributes,
	       (unsigned long long)stx.stx_attributes_mask);
	return dax ? 0 : 1;
}
