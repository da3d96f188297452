/*
 * hexdump: a file in hexdump -C's layout (the kernel's own, lib/hexdump.c).
 *
 *	hexdump -C [-s OFFSET] [-n LENGTH] [FILE]
 *
 * Without FILE, standard input.  OFFSET and LENGTH take 0x for hex and
 * the suffixes b (512), k (1024) and m (1048576), as BSD hexdump's do.
 * The file is read in whole blocks (blkread.h), so a raw device dumps
 * from any offset, any length.  An OFFSET at or past the end prints the
 * end's offset alone, as the host's does.
 */
#include <blkread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hexdump.h"

#define CHUNK 65536

static void
out(int c, void *arg)
{
	(void)arg;
	putchar(c);
}

static uint64_t
number(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (!strcmp(end, "b"))
		return v * 512;
	if (!strcmp(end, "k"))
		return v * 1024;
	if (!strcmp(end, "m"))
		return v << 20;
	if (*end || end == s) {
		fprintf(stderr, "hexdump: bad number: %s\n", s);
		exit(1);
	}
	return v;
}

int
main(int argc, char **argv)
{
	uint64_t skip = 0, length = ~0ull;
	int canonical = 0, fd = STDIN_FILENO, i = 1;
	const char *name = "stdin";
	struct hexdump_state st;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-C"))
			canonical = 1;
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			skip = number(argv[++i]);
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			length = number(argv[++i]);
		else
			break;
	}
	if (!canonical || argc - i > 1) {
		fprintf(stderr,
			"usage: hexdump -C [-s OFFSET] [-n LENGTH] [FILE]\n");
		return 1;
	}
	struct blkread r;
	if (i < argc && (fd = open(name = argv[i], O_RDONLY)) < 0) {
		fprintf(stderr, "hexdump: %s: %s: %s\n", name,
			errno_name(errno), errno_msg(errno));
		return 1;
	}
	static char buf[CHUNK];
	if (blkread_open(&r, fd, skip) < 0) {
		fprintf(stderr, "hexdump: %s: %s: %s\n", name,
			errno_name(errno), errno_msg(errno));
		return 1;
	}
	hexdump_begin(&st, skip);
	int asked = length != 0;
	while (length) {
		int n = blkread(&r, buf,
				length < CHUNK ? (uint32_t)length : CHUNK);
		if (n < 0) {
			fprintf(stderr, "hexdump: %s: %s: %s\n", name,
				errno_name(errno), errno_msg(errno));
			hexdump_end(&st, out, NULL);
			return 1;
		}
		if (n == 0)
			break;
		hexdump_feed(&st, out, NULL, buf, (size_t)n);
		length -= (uint64_t)n;
	}
	if (asked && !st.lines && !st.n) {
		/* nothing from OFFSET on: the offset where the input ended,
		 * as the host's hexdump says it (the size, for -s past it) */
		struct stat sb;
		uint64_t end = skip;
		if (fstat(fd, &sb) == 0 && sb.st_size && sb.st_size < end)
			end = sb.st_size;
		printf("%08llx\n", (unsigned long long)end);
	}
	hexdump_end(&st, out, NULL);
	return 0;
}
