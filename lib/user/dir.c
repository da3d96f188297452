/*
 * dir.c: opendir, readdir, closedir: a directory read a buffer of
 * getdents' entries at a time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "string.h"

#define DIRBUF 4096

struct DIR {
	int fd;
	int len, at; /* bytes in buf, the next entry's place */
	struct dirent ent;
	char buf[DIRBUF];
};

DIR *
opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return NULL;
	if (!(d = malloc(sizeof(*d)))) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	d->fd = fd;
	d->len = d->at = 0;
	return d;
}

struct dirent *
readdir(DIR *d)
{
	if (d->at >= d->len) {
		int n = getdents(d->fd, d->buf, sizeof(d->buf));
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return NULL;
		}
		d->len = n;
		d->at = 0;
	}
	const struct dirent64 *e = (const void *)(d->buf + d->at);
	d->at += e->d_reclen;
	d->ent.d_ino = e->d_ino;
	d->ent.d_type = e->d_type;
	strlcpy(d->ent.d_name, e->d_name, sizeof(d->ent.d_name));
	return &d->ent;
}

void
rewinddir(DIR *d)
{
	lseek(d->fd, 0, SEEK_SET);
	d->len = d->at = 0;
}

int
closedir(DIR *d)
{
	int r = close(d->fd);

	free(d);
	return r;
}
