/*
 * fswalk: everything a program can do to a file system, done to a
 * damaged one (tests/scenarios/ext2.py's fuzz): every name walked,
 * stat'ed and read to its end, every file cut to half and written at
 * its end, every link read, then a directory, a file, a rename and the
 * removals.  It only counts: the kernel must
 * neither panic nor hang, and name what it found.
 *
 *	fswalk DIR
 *
 * Prints "fswalk: N names, M bytes read; errors: EUCLEAN a, EIO b,
 * other c" and exits 0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long names, bytes, euclean, eio, other;
static char buf[16384];

static void
count(void)
{
	if (errno == EUCLEAN)
		euclean++;
	else if (errno == EIO)
		eio++;
	else
		other++;
}

static void
try(int r)
{
	if (r < 0)
		count();
}

static void
walk(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d) {
		count();
		return;
	}
	/* a damaged directory may list more than it holds: a bound */
	for (int n = 0; n < 4096; n++) {
		struct stat st;
		errno = 0;
		if (!(e = readdir(d))) {
			if (errno)
				count();
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		names++;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) < 0) {
			count();
			continue;
		}
		if (S_ISDIR(st.st_mode) && depth < 16) {
			walk(path, depth + 1);
		} else if (S_ISLNK(st.st_mode)) {
			if (readlink(path, buf, sizeof(buf)) < 0 ||
			    stat(path, &st) < 0)
				count();
		} else if (S_ISREG(st.st_mode)) {
			int fd = open(path, O_RDONLY);
			ssize_t r = 0;
			long got = 0;
			/* a bound: a damaged size may say terabytes */
			while (fd >= 0 && got < (8L << 20) &&
			       (r = read(fd, buf, sizeof(buf))) > 0)
				got += r;
			if (fd < 0 || r < 0)
				count();
			bytes += got;
			if (fd >= 0)
				close(fd);
			/* cut to half and grown again: a damaged map freed
			 * and extended (EROFS once the mount went read-only) */
			fd = open(path, O_RDWR);
			if (fd >= 0) {
				try(ftruncate(fd, st.st_size / 2));
				try((int)pwrite(fd, "tail", 4, st.st_size / 2));
				close(fd);
			}
		}
	}
	closedir(d);
}

int
main(int argc, char **argv)
{
	char a[PATH_MAX], b[PATH_MAX];

	if (argc != 2) {
		fprintf(stderr, "usage: fswalk DIR\n");
		return 2;
	}
	walk(argv[1], 0);
	snprintf(a, sizeof(a), "%s/fuzz.d", argv[1]);
	try(mkdir(a, 0755));
	snprintf(a, sizeof(a), "%s/fuzz.d/f", argv[1]);
	int fd = open(a, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0) {
		memset(buf, 'z', sizeof(buf));
		for (int i = 0; i < 4; i++)
			try((int)write(fd, buf, sizeof(buf)));
		try(fsync(fd));
		close(fd);
	} else {
		count();
	}
	snprintf(b, sizeof(b), "%s/fuzz.g", argv[1]);
	try(rename(a, b));
	try(unlink(b));
	snprintf(a, sizeof(a), "%s/fuzz.d", argv[1]);
	try(rmdir(a));
	walk(argv[1], 0);
	printf("fswalk: %ld names, %ld bytes read; errors: EUCLEAN %ld, EIO "
	       "%ld, other %ld\n",
	       names, bytes, euclean, eio, other);
	return 0;
}
