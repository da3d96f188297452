/*
 * cp: copy a file (POSIX cp, without options).
 *
 *	cp FROM TO		TO a directory: TO/FROM's last name
 *	cp FROM... DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

static char buf[CHUNK];

static int
fail(const char *what)
{
	fprintf(stderr, "cp: %s: %s: %s\n", what, errno_name(errno),
		errno_msg(errno));
	return 1;
}

static const char *
last_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int
copy(const char *from, const char *to)
{
	struct stat st;
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	if (in < 0)
		return fail(from);
	if (fstat(in, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(in);
		errno = EISDIR;
		return fail(from);
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 0777)) <
	    0) {
		close(in);
		return fail(to);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t at = 0; at < n;) {
			ssize_t w = write(out, buf + at, (size_t)(n - at));
			if (w < 0) {
				close(in);
				close(out);
				return fail(to);
			}
			at += w;
		}
	int err = n < 0 ? fail(from) : 0;
	close(in);
	if (close(out) < 0)
		err = fail(to);
	return err;
}

int
main(int argc, char **argv)
{
	struct stat st;
	int status = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: cp FROM TO, cp FROM... DIR\n");
		return 2;
	}
	const char *to = argv[argc - 1];
	int dir = stat(to, &st) == 0 && S_ISDIR(st.st_mode);
	if (argc > 3 && !dir) {
		errno = ENOTDIR;
		return fail(to);
	}
	for (int i = 1; i < argc - 1; i++) {
		char path[PATH_MAX];
		const char *dst = to;
		if (dir) {
			snprintf(path, sizeof(path), "%s/%s", to,
				 last_name(argv[i]));
			dst = path;
		}
		status |= copy(argv[i], dst);
	}
	return status;
}
