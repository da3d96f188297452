/*
 * cmp: compare two files byte by byte, as POSIX cmp does (GNU's words).
 *
 *	cmp [-s] [-n LIMIT] FILE1 FILE2 [SKIP1 [SKIP2]]
 *
 * Silent and 0 if they are the same; "FILE1 FILE2 differ: byte N, line
 * L" and 1 at the first difference; "cmp: EOF on FILE1 after byte N" and
 * 1 if one ends first; 2 and a message on trouble.  -s says nothing,
 * -n compares at most LIMIT bytes, SKIP skips that many bytes first.
 */
#include <blkread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

/* name from byte skip on, read in whole blocks (blkread.h): a raw
 * device compares from any offset, any length */
static void
open_at(const char *name, uint64_t skip, struct blkread *r)
{
	int fd = open(name, O_RDONLY);

	if (fd < 0 || blkread_open(r, fd, skip) < 0) {
		fprintf(stderr, "cmp: %s: %s: %s\n", name, errno_name(errno),
			errno_msg(errno));
		exit(2);
	}
}

/* Fill buf as far as the file goes: bytes read, -1 on an error. */
static int
fill(struct blkread *r, char *buf, int want)
{
	int got = 0;

	while (got < want) {
		int n = blkread(r, buf + got, (uint32_t)(want - got));
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

int
main(int argc, char **argv)
{
	int silent = 0, i = 1;
	uint64_t limit = ~0ull, skip[2] = {0, 0}, byte = 1, line = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-s"))
			silent = 1;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			limit = strtoull(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: cmp [-s] [-n LIMIT] FILE1 "
					"FILE2 [SKIP1 [SKIP2]]\n");
			return 2;
		}
	}
	if (argc - i < 2 || argc - i > 4) {
		fprintf(stderr, "usage: cmp [-s] [-n LIMIT] FILE1 FILE2 [SKIP1 "
				"[SKIP2]]\n");
		return 2;
	}
	const char *name[2] = {argv[i], argv[i + 1]};
	for (int k = 0; k < 2 && i + 2 + k < argc; k++)
		skip[k] = strtoull(argv[i + 2 + k], NULL, 0);
	struct blkread r[2];
	open_at(name[0], skip[0], &r[0]);
	open_at(name[1], skip[1], &r[1]);
	char *buf[2] = {malloc(CHUNK), malloc(CHUNK)};
	if (!buf[0] || !buf[1]) {
		fprintf(stderr, "cmp: out of memory\n");
		return 2;
	}
	while (limit) {
		int want = limit < CHUNK ? (int)limit : CHUNK, got[2];
		for (int k = 0; k < 2; k++)
			if ((got[k] = fill(&r[k], buf[k], want)) < 0) {
				fprintf(stderr, "cmp: %s: %s: %s\n", name[k],
					errno_name(errno), errno_msg(errno));
				return 2;
			}
		int n = got[0] < got[1] ? got[0] : got[1];
		for (int j = 0; j < n; j++, byte++) {
			if (buf[0][j] != buf[1][j]) {
				if (!silent)
					printf("%s %s differ: byte %llu, line "
					       "%llu\n",
					       name[0], name[1],
					       (unsigned long long)byte,
					       (unsigned long long)line);
				return 1;
			}
			line += buf[0][j] == '\n';
		}
		if (got[0] != got[1]) {
			if (!silent)
				fprintf(stderr,
					"cmp: EOF on %s after byte %llu\n",
					name[got[0] < got[1] ? 0 : 1],
					(unsigned long long)(byte - 1));
			return 1;
		}
		if (n < want)
			break; /* both ended together */
		limit -= (uint64_t)n;
	}
	return 0;
}
