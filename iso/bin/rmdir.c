/*
 * rmdir: remove empty directories (POSIX rmdir).
 *
 *	rmdir DIR...
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: rmdir DIR...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (rmdir(argv[i]) < 0) {
			fprintf(stderr, "rmdir: %s: %s: %s\n", argv[i],
				errno_name(errno), errno_msg(errno));
			status = 1;
		}
	return status;
}
