/*
 * dd: copy blocks, as POSIX dd does, with GNU dd's report.
 *
 *	dd [if=FILE] [of=FILE] [bs=N] [count=N] [skip=N] [seek=N]
 *	   [conv=fsync,notrunc]
 *
 * Each read asks for bs bytes; a full one counts as a whole record, a
 * short one as a partial record ("+1"), and what was read is written as
 * it is.  A file of= names is made if it is not there, and cut to
 * where the copy starts unless conv=notrunc (a device is never cut).
 * N takes GNU's suffixes (lib/ddnum.h): c (1), w (2), b (512),
 * k or K (1024), kB or KB (1000), KiB, M, MB, MiB, and so on to E, and
 * NxM for a product.  The report, on stderr:
 *
 *	2+0 records in
 *	2+0 records out
 *	1048576 bytes (1.0 MB, 1.0 MiB) copied, 0.0123 s, 85.2 MB/s
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ddnum.h"

static uint64_t in_full, in_part, out_full, out_part, bytes;
static struct timespec t0;

/* v in units of unit as GNU dd prints it: one decimal below 10 ("1.0
 * MB", "4.9 KiB"), whole above ("524 kB") */
static void
decimal(char *buf, size_t n, uint64_t v, uint64_t unit, const char *name)
{
	uint64_t tenths = (v * 10 + unit / 2) / unit;

	if (tenths >= 100)
		snprintf(buf, n, "%llu %s",
			 (unsigned long long)((v + unit / 2) / unit), name);
	else
		snprintf(buf, n, "%llu.%llu %s",
			 (unsigned long long)(tenths / 10),
			 (unsigned long long)(tenths % 10), name);
}

/* ns as seconds the way printf's %g prints them: six significant
 * digits, no trailing zeros ("0.00716", "12.3457") */
static void
seconds(char *buf, size_t n, uint64_t ns)
{
	uint64_t scaled = 0, pow = 1;
	int k = 0;

	for (; k < 15; k++, pow *= 10) {
		scaled = (ns * pow + 500000000u) / 1000000000u;
		if (scaled >= 100000)
			break;
	}
	uint64_t whole = scaled / pow, frac = scaled % pow;
	while (k > 0 && frac % 10 == 0) {
		frac /= 10;
		k--;
	}
	if (k)
		snprintf(buf, n, "%llu.%0*llu", (unsigned long long)whole, k,
			 (unsigned long long)frac);
	else
		snprintf(buf, n, "%llu", (unsigned long long)whole);
}

static void
report(void)
{
	struct timespec t1;
	char a[32] = "", b[32] = "", rate[32], t[32];

	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
		      (uint64_t)(t1.tv_nsec - t0.tv_nsec);
	if (!ns)
		ns = 1;
	fprintf(stderr, "%llu+%llu records in\n%llu+%llu records out\n",
		(unsigned long long)in_full, (unsigned long long)in_part,
		(unsigned long long)out_full, (unsigned long long)out_part);
	/* bytes per second, in the largest unit that keeps it >= 1 */
	uint64_t bps = bytes * 1000000000u / ns;
	if (bps >= 1000000000)
		decimal(rate, sizeof(rate), bps, 1000000000, "GB/s");
	else if (bps >= 1000000)
		decimal(rate, sizeof(rate), bps, 1000000, "MB/s");
	else /* GNU's least unit here: "0.0 kB/s" */
		decimal(rate, sizeof(rate), bps, 1000, "kB/s");
	if (bytes >= 1000) {
		uint64_t u = 1000;
		const char *dn = "kB", *bn = "KiB";
		if (bytes >= 1000000000)
			u = 1000000000, dn = "GB";
		else if (bytes >= 1000000)
			u = 1000000, dn = "MB";
		decimal(a, sizeof(a), bytes, u, dn);
		u = 1024;
		if (bytes >= 1ull << 30)
			u = 1u << 30, bn = "GiB";
		else if (bytes >= 1u << 20)
			u = 1u << 20, bn = "MiB";
		decimal(b, sizeof(b), bytes, u, bn);
		fprintf(stderr, "%llu bytes (%s, %s) copied, ",
			(unsigned long long)bytes, a, b);
	} else {
		fprintf(stderr, "%llu byte%s copied, ",
			(unsigned long long)bytes, bytes == 1 ? "" : "s");
	}
	seconds(t, sizeof(t), ns);
	fprintf(stderr, "%s s, %s\n", t, rate);
}

static void
fail(const char *what, const char *name)
{
	int e = errno;

	fprintf(stderr, "dd: %s '%s': %s: %s\n", what, name, errno_name(e),
		errno_msg(e));
}

/* conv=fsync,notrunc (either, both): 1 if that is what v says */
static int
conv_parse(const char *v, int *fsync_, int *notrunc)
{
	char word[16];

	while (*v) {
		const char *comma = strchr(v, ',');
		size_t n = comma ? (size_t)(comma - v) : strlen(v);
		if (n >= sizeof(word))
			return 0;
		memcpy(word, v, n);
		word[n] = 0;
		if (!strcmp(word, "fsync"))
			*fsync_ = 1;
		else if (!strcmp(word, "notrunc"))
			*notrunc = 1;
		else
			return 0;
		v += n + (v[n] == ',');
	}
	return 1;
}

int
main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	uint64_t bs = 512, count = ~0ull, skip = 0, seek = 0;
	/* N ending in B counts bytes, not blocks (GNU's count=, skip=,
	 * seek=: count=2kB is 2000 bytes whatever bs is) */
	int count_bytes = 0, skip_bytes = 0, seek_bytes = 0, ignored;
	int conv_fsync = 0, notrunc = 0, ifd = STDIN_FILENO,
	    ofd = STDOUT_FILENO;

	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		uint64_t *num = NULL;
		int *in_bytes = &ignored;
		if (!eq) {
			fprintf(stderr, "dd: unrecognized operand '%s'\n",
				argv[i]);
			return 1;
		}
		*eq = 0;
		const char *v = eq + 1;
		if (!strcmp(argv[i], "if"))
			in = v;
		else if (!strcmp(argv[i], "of"))
			out = v;
		else if (!strcmp(argv[i], "bs"))
			num = &bs;
		else if (!strcmp(argv[i], "count"))
			num = &count, in_bytes = &count_bytes;
		else if (!strcmp(argv[i], "skip"))
			num = &skip, in_bytes = &skip_bytes;
		else if (!strcmp(argv[i], "seek"))
			num = &seek, in_bytes = &seek_bytes;
		else if (!strcmp(argv[i], "conv") &&
			 conv_parse(v, &conv_fsync, &notrunc))
			;
		else {
			fprintf(stderr, "dd: unrecognized operand '%s=%s'\n",
				argv[i], v);
			return 1;
		}
		if (num && ddnum_parse(v, num, in_bytes)) {
			fprintf(stderr, "dd: invalid number: '%s'\n", v);
			return 1;
		}
	}
	if (!bs || bs > (64u << 20)) {
		fprintf(stderr, "dd: invalid number: bs must be 1 to 64M\n");
		return 1;
	}
	char *buf = malloc((size_t)bs);
	if (!buf) {
		fprintf(stderr, "dd: memory exhausted by bs=%llu\n",
			(unsigned long long)bs);
		return 1;
	}
	if (in && (ifd = open(in, O_RDONLY)) < 0) {
		fail("failed to open", in);
		return 1;
	}
	if (out && (ofd = open(out, O_WRONLY | O_CREAT, 0666)) < 0) {
		fail("failed to open", out);
		return 1;
	}
	struct stat st;
	if (out && !notrunc && fstat(ofd, &st) == 0 && S_ISREG(st.st_mode) &&
	    ftruncate(ofd, (off_t)(seek_bytes ? seek : seek * bs)) < 0) {
		fail("failed to truncate", out);
		return 1;
	}
	if ((!skip_bytes && skip > INT64_MAX / bs) ||
	    (!seek_bytes && seek > INT64_MAX / bs)) {
		fprintf(stderr, "dd: offset too large\n");
		return 1;
	}
	if (skip &&
	    lseek(ifd, (off_t)(skip_bytes ? skip : skip * bs), SEEK_SET) < 0) {
		fail("cannot skip to the offset of", in ? in : "stdin");
		return 1;
	}
	if (seek &&
	    lseek(ofd, (off_t)(seek_bytes ? seek : seek * bs), SEEK_SET) < 0) {
		fail("cannot seek in", out ? out : "stdout");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int status = 0;
	for (uint64_t got = 0;
	     count_bytes ? got < count : in_full + in_part < count;) {
		uint64_t ask =
			count_bytes && count - got < bs ? count - got : bs;
		int n = read(ifd, buf, (size_t)ask);
		if (n < 0) {
			fail("error reading", in ? in : "stdin");
			status = 1;
			break;
		}
		if (n == 0)
			break;
		got += (uint64_t)n;
		*(n == (int)bs ? &in_full : &in_part) += 1;
		int w = write(ofd, buf, (size_t)n);
		if (w < 0) {
			fail("error writing", out ? out : "stdout");
			status = 1;
			break;
		}
		*(w == (int)bs ? &out_full : &out_part) += 1;
		bytes += (uint64_t)w;
		if (w < n) {
			errno = ENOSPC;
			fail("error writing", out ? out : "stdout");
			status = 1;
			break;
		}
	}
	if (conv_fsync && fsync(ofd) < 0) {
		fail("fsync failed for", out ? out : "stdout");
		status = 1;
	}
	report();
	return status;
}
