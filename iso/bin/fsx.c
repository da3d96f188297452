/*
 * fsx: the file system exerciser, and its benchmark.
 *
 *	fsx [-p PROCS] [-n FILES] [-s MAXSIZE] DIR
 *	fsx -b create|read|delete [-n FILES] [-d DIRS] DIR
 *
 * The exerciser starts PROCS processes (4), each in a directory of its
 * own under DIR: it creates FILES files (200) of 0 to MAXSIZE bytes (64K)
 * each, every byte a pattern of its process, file and round, in writes
 * of several sizes; reads every one back; renames half of them into a
 * second directory and truncates or extends a quarter; reads all again;
 * removes them all and checks they are gone; and does it all again for
 * a second round.  Any byte out of place ends it with the file, the
 * offset, the byte seen and the byte meant, and status 1.
 *
 * -b is the untar-like benchmark (make bench, make compare): create
 * FILES files (1000) of 1 to 64 KiB in DIRS directories (20) and sync;
 * read them all back; delete them all and sync; each phase prints its
 * files per second and MB/s on the guest's clock.  The phases are
 * separate runs so that the caller can empty the cache between them.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static char buf[CHUNK], back[CHUNK];

static void
die(const char *what, const char *name)
{
	fprintf(stderr, "fsx: %s %s: %s: %s\n", what, name, errno_name(errno),
		errno_msg(errno));
	exit(1);
}

static uint32_t
mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7FEB352Du;
	x ^= x >> 15;
	x *= 0x846CA68Bu;
	return x ^ (x >> 16);
}

/* The byte at off of the file whose pattern is seed */
static char
pattern(uint32_t seed, uint32_t off)
{
	return (char)(mix(seed + off / 4096) + off * 131);
}

/* The pattern from off on, n bytes: written to p (check 0), or
 * compared with p (check 1): the first byte that differs, or -1.
 * Within a 4 KiB piece a byte is the piece's base plus its offset times
 * 131, which repeats every 256 bytes: one mix and 256 bytes' arithmetic
 * a piece, the rest copies or compares of a word at a time (the
 * benchmark measures the file system, not this). */
static long
pattern_run(char *p, uint32_t seed, uint32_t off, uint32_t n, int check)
{
	char row[256];

	for (uint32_t i = 0; i < n;) {
		uint32_t at = off + i, end = (at / 4096 + 1) * 4096 - off;
		char base = pattern(seed, at) - (char)(at * 131);
		if (end > n)
			end = n;
		for (uint32_t j = 0; j < 256; j++)
			row[j] = (char)(base + (char)(j * 131));
		while (i < end) {
			uint32_t j = (off + i) % 256, k = 256 - j;
			if (k > end - i)
				k = end - i;
			if (!check)
				memcpy(p + i, row + j, k);
			else if (memcmp(p + i, row + j, k))
				for (uint32_t x = 0;; x++)
					if (p[i + x] != row[j + x])
						return (long)(i + x);
			i += k;
		}
	}
	return -1;
}

static void
fill(char *p, uint32_t seed, uint32_t off, uint32_t n)
{
	pattern_run(p, seed, off, n, 0);
}

/* name, size bytes of pattern seed, in writes of 1 to CHUNK bytes */
static void
write_file(const char *name, uint32_t size, uint32_t seed)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die("create", name);
	for (uint32_t at = 0, step = 1 + mix(seed) % CHUNK; at < size;) {
		uint32_t k = size - at < step ? size - at : step;
		fill(buf, seed, at, k);
		if (write(fd, buf, k) != (ssize_t)k)
			die("write", name);
		at += k;
		step = 1 + mix(step + seed) % CHUNK;
	}
	if (close(fd) < 0)
		die("close", name);
}

/* name holds size bytes of pattern seed, and no more */
static void
check_file(const char *name, uint32_t size, uint32_t seed)
{
	int fd = open(name, O_RDONLY);
	struct stat st;

	if (fd < 0)
		die("open", name);
	if (fstat(fd, &st) < 0 || st.st_size != size) {
		fprintf(stderr, "fsx: %s: size %llu, meant %u\n", name,
			(unsigned long long)st.st_size, size);
		exit(1);
	}
	for (uint32_t at = 0;;) {
		ssize_t n = read(fd, back, CHUNK);
		if (n < 0)
			die("read", name);
		if (n == 0)
			break;
		long bad = pattern_run(back, seed, at, (uint32_t)n, 1);
		if (bad >= 0) {
			uint32_t where = at + (uint32_t)bad;
			fprintf(stderr,
				"fsx: %s: byte %u is %02x, meant %02x\n", name,
				where, back[bad] & 0xFF,
				pattern(seed, where) & 0xFF);
			exit(1);
		}
		at += (uint32_t)n;
	}
	close(fd);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One process's work in dir: two rounds of create, check, rename,
 * resize, check, remove. */
static uint64_t
exercise(const char *dir, int id, int files, uint32_t maxsize)
{
	char name[PATH_MAX], to[PATH_MAX], moved[PATH_MAX];
	uint64_t bytes = 0;

	snprintf(moved, sizeof(moved), "%s.moved", dir);
	if (mkdir(dir, 0755) < 0 || mkdir(moved, 0755) < 0)
		die("mkdir", dir);
	for (uint32_t round = 0; round < 2; round++) {
		uint32_t *size = malloc(sizeof(uint32_t) * (size_t)files);
		for (int i = 0; i < files; i++) {
			uint32_t seed = mix((uint32_t)id << 20 | round << 16 |
					    (uint32_t)i);
			size[i] = mix(seed) % (maxsize + 1);
			snprintf(name, sizeof(name), "%s/f%d", dir, i);
			write_file(name, size[i], seed);
			bytes += size[i];
		}
		for (int i = 0; i < files; i++) {
			uint32_t seed = mix((uint32_t)id << 20 | round << 16 |
					    (uint32_t)i);
			snprintf(name, sizeof(name), "%s/f%d", dir, i);
			check_file(name, size[i], seed);
			if (i % 2) {
				snprintf(to, sizeof(to), "%s/g%d", moved, i);
				if (rename(name, to) < 0)
					die("rename", name);
			}
			if (i % 4 == 1) { /* shorter or longer: zeros past */
				uint32_t n = mix(seed + 1) % (maxsize + 1);
				int fd = open(to, O_RDWR);
				if (fd < 0 || ftruncate(fd, n) < 0)
					die("truncate", to);
				close(fd);
				if (n > size[i]) {
					/* the pattern's bytes are not zeros:
					 * write the tail as the pattern says
					 * and keep the check exact */
					fd = open(to, O_WRONLY);
					for (uint32_t at = size[i]; at < n;) {
						uint32_t k = n - at < CHUNK
								     ? n - at
								     : CHUNK;
						fill(buf, seed, at, k);
						if (pwrite(fd, buf, k, at) !=
						    (ssize_t)k)
							die("write", to);
						at += k;
					}
					close(fd);
				}
				size[i] = n;
			}
		}
		for (int i = 0; i < files; i++) {
			uint32_t seed = mix((uint32_t)id << 20 | round << 16 |
					    (uint32_t)i);
			if (i % 2)
				snprintf(name, sizeof(name), "%s/g%d", moved,
					 i);
			else
				snprintf(name, sizeof(name), "%s/f%d", dir, i);
			check_file(name, size[i], seed);
			if (unlink(name) < 0)
				die("unlink", name);
			struct stat st;
			if (stat(name, &st) == 0 || errno != ENOENT)
				die("still there:", name);
		}
		free(size);
	}
	if (rmdir(moved) < 0)
		die("rmdir", moved);
	if (rmdir(dir) < 0)
		die("rmdir", dir);
	return bytes;
}

static void
rate(const char *phase, int files, uint64_t bytes, uint64_t ns)
{
	uint64_t us = ns / 1000 ? ns / 1000 : 1;

	printf("fsx: %s: %d files, %llu bytes in %llu.%03llu s: %llu files/s, "
	       "%llu.%01llu MB/s\n",
	       phase, files, (unsigned long long)bytes,
	       (unsigned long long)(us / 1000000),
	       (unsigned long long)(us / 1000 % 1000),
	       (unsigned long long)((uint64_t)files * 1000000 / us),
	       (unsigned long long)(bytes / us),
	       (unsigned long long)(bytes * 10 / us % 10));
}

/* The benchmark's file i: its directory, name and size */
static uint32_t
bench_name(char *name, size_t n, const char *dir, int dirs, int i)
{
	snprintf(name, n, "%s/d%02d/f%04d", dir, i % dirs, i);
	return 1024 + mix((uint32_t)i) % (63 * 1024 + 1);
}

static int
bench(const char *phase, const char *dir, int files, int dirs)
{
	char name[PATH_MAX];
	uint64_t bytes = 0, t0 = now_ns();

	if (!strcmp(phase, "create")) {
		if (mkdir(dir, 0755) < 0)
			die("mkdir", dir);
		for (int d = 0; d < dirs; d++) {
			snprintf(name, sizeof(name), "%s/d%02d", dir, d);
			if (mkdir(name, 0755) < 0)
				die("mkdir", name);
		}
		for (int i = 0; i < files; i++) {
			uint32_t size =
				bench_name(name, sizeof(name), dir, dirs, i);
			write_file(name, size, (uint32_t)i);
			bytes += size;
		}
		sync();
	} else if (!strcmp(phase, "read")) {
		for (int i = 0; i < files; i++) {
			uint32_t size =
				bench_name(name, sizeof(name), dir, dirs, i);
			check_file(name, size, (uint32_t)i);
			bytes += size;
		}
	} else if (!strcmp(phase, "delete")) {
		for (int i = 0; i < files; i++) {
			bytes += bench_name(name, sizeof(name), dir, dirs, i);
			if (unlink(name) < 0)
				die("unlink", name);
		}
		for (int d = 0; d < dirs; d++) {
			snprintf(name, sizeof(name), "%s/d%02d", dir, d);
			if (rmdir(name) < 0)
				die("rmdir", name);
		}
		if (rmdir(dir) < 0)
			die("rmdir", dir);
		sync();
	} else {
		fprintf(stderr, "fsx: -b create, read or delete\n");
		return 2;
	}
	rate(phase, files, bytes, now_ns() - t0);
	return 0;
}

int
main(int argc, char **argv)
{
	int procs = 4, files = -1, dirs = 20, child = -1;
	uint32_t maxsize = 64 * 1024;
	const char *phase = NULL;
	int i = 1;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		const char *v = argv[i + 1];
		switch (argv[i][1]) {
		case 'p': procs = atoi(v); break;
		case 'n': files = atoi(v); break;
		case 's': maxsize = (uint32_t)strtoul(v, NULL, 0); break;
		case 'd': dirs = atoi(v); break;
		case 'b': phase = v; break;
		case 'c': child = atoi(v); break;
		default: i = argc; break;
		}
	}
	if (i != argc - 1 || procs < 1 || procs > 32 || dirs < 1 ||
	    maxsize > 16u << 20) {
		fprintf(stderr, "usage: fsx [-p PROCS] [-n FILES] [-s MAXSIZE] "
				"DIR\n       fsx -b create|read|delete [-n "
				"FILES] [-d DIRS] DIR\n");
		return 2;
	}
	const char *dir = argv[i];
	if (phase)
		return bench(phase, dir, files < 0 ? 1000 : files, dirs);
	if (files < 0)
		files = 200;
	if (child >= 0) {
		char mine[PATH_MAX];
		snprintf(mine, sizeof(mine), "%s/p%d", dir, child);
		uint64_t bytes = exercise(mine, child, files, maxsize);
		printf("fsx: process %d: %d files twice, %llu bytes, every "
		       "byte verified\n",
		       child, files, (unsigned long long)bytes);
		return 0;
	}
	if (mkdir(dir, 0755) < 0)
		die("mkdir", dir);
	int pids[32], failed = 0;
	char nbuf[16], pbuf[16], sbuf[16];
	snprintf(nbuf, sizeof(nbuf), "%d", files);
	snprintf(sbuf, sizeof(sbuf), "%u", maxsize);
	for (int p = 0; p < procs; p++) {
		snprintf(pbuf, sizeof(pbuf), "%d", p);
		char *args[] = {"fsx", "-n", nbuf,	  "-s", sbuf,
				"-c",  pbuf, (char *)dir, NULL};
		int err = posix_spawn(&pids[p], "/bin/fsx", NULL, NULL, args,
				      NULL);
		if (err) {
			errno = err;
			die("spawn", "fsx");
		}
	}
	for (int p = 0; p < procs; p++) {
		int status;
		if (waitpid(pids[p], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed++;
	}
	if (rmdir(dir) < 0 && !failed)
		die("rmdir", dir);
	printf("fsx: %d processes: %s\n", procs,
	       failed ? "FAILED" : "every byte verified, every file gone");
	return failed ? 1 : 0;
}
