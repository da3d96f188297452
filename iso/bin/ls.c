/*
 * ls: list directories and files, as POSIX ls does.
 *
 *	ls [-la] [PATH...]
 *
 * Names in byte order, one a line; -a shows those starting with "."
 * too; -l shows mode, links, owner, group, size, modification time (UTC,
 * as GNU's --time-style=long-iso) and a link's target.  1 if a path
 * could not be listed, after the others.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sort.h"

static int all, longform, status;

static void
say(const char *what)
{
	fprintf(stderr, "ls: %s: %s: %s\n", what, errno_name(errno),
		errno_msg(errno));
	status = 1;
}

/* seconds since 1970 to the civil date and time (Howard Hinnant's civil_from_days) */
static void
civil(int64_t t, char *buf, size_t n)
{
	int64_t z = t / 86400 + 719468, secs = t % 86400;
	int64_t era = z / 146097, doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);

	snprintf(buf, n, "%04d-%02d-%02d %02d:%02d", (int)y, (int)m, (int)d,
		 (int)(secs / 3600), (int)(secs / 60 % 60));
}

static void
mode_string(uint32_t mode, char *s)
{
	static const char types[] = "?pc?d?b?-?l?s???";
	const char *rwx = "rwxrwxrwx";

	s[0] = types[(mode >> 12) & 15];
	for (int i = 0; i < 9; i++)
		s[1 + i] = mode & (0400 >> i) ? rwx[i] : '-';
	s[10] = 0;
}

static void
show(const char *path, const char *name)
{
	struct stat st;
	char mode[11], when[20], target[256];

	if (!longform) {
		printf("%s\n", name);
		return;
	}
	if (lstat(path, &st) < 0) {
		say(path);
		return;
	}
	mode_string(st.st_mode, mode);
	civil(st.st_mtime, when, sizeof(when));
	printf("%s %3u %4u %4u %10llu %s %s", mode, st.st_nlink, st.st_uid,
	       st.st_gid, (unsigned long long)st.st_size, when, name);
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = 0;
			printf(" -> %s", target);
		}
	}
	printf("\n");
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b) < 0;
}

static void
list(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	int n = 0, cap = 0;

	if (!d) {
		say(dir);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && !all)
			continue;
		if (n == cap) {
			char **more =
				malloc(sizeof(char *) * (cap = cap * 2 + 64));
			if (!more) {
				errno = ENOMEM;
				say(dir);
				break;
			}
			if (n)
				memcpy(more, names, sizeof(char *) * n);
			free(names);
			names = more;
		}
		size_t len = strlen(e->d_name) + 1;
		if (!(names[n] = malloc(len)))
			break;
		memcpy(names[n++], e->d_name, len);
	}
	if (errno)
		say(dir);
	closedir(d);
	sort(names, (size_t)n, sizeof(char *), by_name);
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		show(path, names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'a') {
				all = 1;
			} else if (*o == 'l') {
				longform = 1;
			} else {
				fprintf(stderr, "usage: ls [-la] [PATH...]\n");
				return 2;
			}
		}
	if (i == argc)
		list(".");
	for (int first = i; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0 && lstat(argv[i], &st) < 0) {
			say(argv[i]);
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			show(argv[i], argv[i]);
			continue;
		}
		if (argc - first > 1)
			printf("%s%s:\n", i > first ? "\n" : "", argv[i]);
		list(argv[i]);
	}
	return status;
}
