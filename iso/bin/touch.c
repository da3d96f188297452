/*
 * touch: make files that are not there, empty (POSIX touch; the times
 * of one that is there are left: there is no utimensat yet).
 *
 *	touch FILE...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: touch FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_WRONLY | O_CREAT, 0666);
		if (fd < 0) {
			fprintf(stderr, "touch: %s: %s: %s\n", argv[i],
				errno_name(errno), errno_msg(errno));
			status = 1;
			continue;
		}
		close(fd);
	}
	return status;
}
