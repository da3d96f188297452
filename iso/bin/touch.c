/*
 * touch: set files' access and modification times to now (utimensat),
 * making those that are not there, empty (POSIX touch); -c makes none.
 *
 *	touch [-c] FILE...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
touch(const char *name, int create)
{
	if (!utimensat(AT_FDCWD, name, NULL, 0))
		return 0;
	if (errno == ENOENT && !create)
		return 0; /* -c: nothing made, and no complaint */
	if (errno == ENOENT) {
		int fd = open(name, O_WRONLY | O_CREAT, 0666);
		if (fd >= 0)
			return close(fd);
	}
	fprintf(stderr, "touch: %s: %s: %s\n", name, errno_name(errno),
		errno_msg(errno));
	return 1;
}

int
main(int argc, char **argv)
{
	int status = 0, create = 1, i = 1;

	if (i < argc && !strcmp(argv[i], "-c")) {
		create = 0;
		i++;
	}
	if (i == argc) {
		fprintf(stderr, "usage: touch [-c] FILE...\n");
		return 2;
	}
	for (; i < argc; i++)
		status |= touch(argv[i], create);
	return status;
}
