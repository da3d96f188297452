/*
 * cat: copy files, or standard input, to standard output (POSIX cat).
 *
 *	cat [FILE...]		"-" is standard input
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

static char buf[CHUNK];

/* fd to standard output: 0, or -1 with errno */
static int
copy(int fd)
{
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t at = 0; at < n;) {
			ssize_t w = write(1, buf + at, (size_t)(n - at));
			if (w < 0)
				return -1;
			at += w;
		}
	return n < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	int status = 0;

	if (argc == 1)
		argv[argc++] = "-";
	for (int i = 1; i < argc; i++) {
		int fd = strcmp(argv[i], "-") ? open(argv[i], O_RDONLY) : 0;
		if (fd < 0 || copy(fd) < 0) {
			fprintf(stderr, "cat: %s: %s: %s\n", argv[i],
				errno_name(errno), errno_msg(errno));
			status = 1;
		}
		if (fd > 0)
			close(fd);
	}
	return status;
}
