/*
 * rm: remove files, and with -r directories and all under them (POSIX
 * rm).  -f: no message for a name that is not there.
 *
 *	rm [-rf] PATH...
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int recursive, force, status;

static void
say(const char *what)
{
	if (force && errno == ENOENT)
		return;
	fprintf(stderr, "rm: %s: %s: %s\n", what, errno_name(errno),
		errno_msg(errno));
	status = 1;
}

static void
remove_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		say(path);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			say(path);
		return;
	}
	if (!recursive) {
		errno = EISDIR;
		say(path);
		return;
	}
	/* the names first, a directory at a time (rewinding: each removal
	 * changes the directory being read) */
	DIR *d = opendir(path);
	if (!d) {
		say(path);
		return;
	}
	for (;;) {
		struct dirent *e;
		int removed = 0;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[PATH_MAX];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			int before = status;
			remove_path(sub);
			removed += status == before;
		}
		if (!removed)
			break;
		rewinddir(d);
	}
	closedir(d);
	if (rmdir(path) < 0)
		say(path);
}

int
main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'r' || *o == 'R') {
				recursive = 1;
			} else if (*o == 'f') {
				force = 1;
			} else {
				fprintf(stderr, "usage: rm [-rf] PATH...\n");
				return 2;
			}
		}
	if (i == argc && !force) {
		fprintf(stderr, "usage: rm [-rf] PATH...\n");
		return 2;
	}
	for (; i < argc; i++)
		remove_path(argv[i]);
	return status;
}
