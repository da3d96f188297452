/*
 * mkdir: make directories (POSIX mkdir); -p makes the ones above too,
 * and is quiet about those that are there.
 *
 *	mkdir [-p] DIR...
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int
make(char *path, int parents)
{
	struct stat st;

	if (parents)
		for (char *s = path + 1; (s = strchr(s, '/')); s++) {
			*s = 0;
			int r = mkdir(path, 0777);
			int e = errno;
			int there = r < 0 && e == EEXIST &&
				    stat(path, &st) == 0 && S_ISDIR(st.st_mode);
			*s = '/';
			if (r < 0 && !there) {
				errno = e;
				return -1;
			}
		}
	if (mkdir(path, 0777) == 0)
		return 0;
	if (parents && errno == EEXIST && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		return 0;
	return -1;
}

int
main(int argc, char **argv)
{
	int parents = argc > 1 && !strcmp(argv[1], "-p"), status = 0;

	if (argc < 2 + parents) {
		fprintf(stderr, "usage: mkdir [-p] DIR...\n");
		return 2;
	}
	for (int i = 1 + parents; i < argc; i++)
		if (make(argv[i], parents) < 0) {
			fprintf(stderr, "mkdir: %s: %s: %s\n", argv[i],
				errno_name(errno), errno_msg(errno));
			status = 1;
		}
	return status;
}
