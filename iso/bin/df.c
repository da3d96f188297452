/*
 * df: the space and inodes of the file system a path is on (POSIX df,
 * sizes with units as df -h gives them).
 *
 *	df [PATH...]		/mnt if none
 */
#include <errno.h>
#include <stdio.h>
#include <sys/statfs.h>

#include "string.h"

int
main(int argc, char **argv)
{
	int status = 0;

	if (argc == 1)
		argv[argc++] = "/mnt";
	printf("Filesystem  Size       Used       Avail      Use%%  Inodes "
	       "  IFree    Mounted on\n");
	for (int i = 1; i < argc; i++) {
		struct statfs sf;
		char a[16], b[16], c[16];
		if (statfs(argv[i], &sf) < 0) {
			fprintf(stderr, "df: %s: %s: %s\n", argv[i],
				errno_name(errno), errno_msg(errno));
			status = 1;
			continue;
		}
		uint64_t used = sf.f_blocks - sf.f_bfree;
		uint64_t all = used + sf.f_bavail;
		printf("%-10s  %-9s  %-9s  %-9s  %3llu%%  %-8llu %-8llu %s\n",
		       sf.f_dev,
		       fmt_size(a, sizeof(a), sf.f_blocks * sf.f_bsize),
		       fmt_size(b, sizeof(b), used * sf.f_bsize),
		       fmt_size(c, sizeof(c), sf.f_bavail * sf.f_bsize),
		       (unsigned long long)(all ? (used * 100 + all - 1) / all
						: 0),
		       (unsigned long long)sf.f_files,
		       (unsigned long long)sf.f_ffree,
		       sf.f_type ? "/mnt" : argv[i]);
	}
	return status;
}
