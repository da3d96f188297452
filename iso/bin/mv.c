/*
 * mv: rename files (POSIX mv, within one file system).
 *
 *	mv FROM TO		TO a directory: TO/FROM's last name
 *	mv FROM... DIR
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int
main(int argc, char **argv)
{
	struct stat st;
	int status = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: mv FROM TO, mv FROM... DIR\n");
		return 2;
	}
	const char *to = argv[argc - 1];
	int dir = stat(to, &st) == 0 && S_ISDIR(st.st_mode);
	if (argc > 3 && !dir) {
		fprintf(stderr, "mv: %s: ENOTDIR: not a directory\n", to);
		return 1;
	}
	for (int i = 1; i < argc - 1; i++) {
		char path[PATH_MAX];
		const char *s = strrchr(argv[i], '/'), *dst = to;
		if (dir) {
			snprintf(path, sizeof(path), "%s/%s", to,
				 s ? s + 1 : argv[i]);
			dst = path;
		}
		if (rename(argv[i], dst) < 0) {
			fprintf(stderr, "mv: %s: %s: %s\n", argv[i],
				errno_name(errno), errno_msg(errno));
			status = 1;
		}
	}
	return status;
}
