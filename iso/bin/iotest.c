/*
 * iotest: random verified reads and writes on a raw device, from several
 * processes, each with several transfers in flight (POSIX aio).
 *
 *	iotest [-p PROCS] [-q DEPTH] [-n IOS] [-b BS] [-w PCT] [-r MB]
 *	       [-o MB] [-s SEED] DEV
 *	iotest -R|-S|-W [-q DEPTH] [-n IOS] [-b BS] [-K KEY] [-L LABEL] DEV
 *
 * Each of PROCS processes (spawned from the first) owns MB MiB of DEV of
 * its own (-r, default 8; process k from -o plus k*MB MiB) and runs IOS transfers of
 * BS bytes (default 4096) at random blocks in it, DEPTH at a time
 * (default 4), PCT% writes (default 50).  A write puts a pattern naming
 * the block and its generation in every sector; a read checks it
 * against the last write that ended.  A block is never in two transfers
 * at once.  Exit 0 if every read matched, 1 if one did not, 2 on an
 * error.
 *
 * -R reads random blocks of the whole device, -S reads it from the
 * start, unchecked, -W writes it from the start (what the buffer held)
 * and then fsyncs it: for `make bench`, the cost of the system calls,
 * page holding and scatter/gather, printed as the kernel's benches
 * print theirs, with cycles per I/O from the TSC; with -K, as make
 * compare reads iodine's figures ("compare DEV KEY: ..."), KEY being the
 * fio workload of scripts/workloads.py that does the same I/Os.  These
 * also take a block device (/dev/NAME: through the buffer cache, any BS;
 * QD1 only, one pread or pwrite a call, as dd).
 */
#include <aio.h>
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

#include "pattern.h"
#include "rand.h"

#define QD_MAX 32

static struct {
	int procs, depth, ios, bs, wpct, mb, child, at;
	uint32_t seed;
	char mode; /* 0: verified; 'R', 'S': benchmark reads; 'W': writes */
	const char *dev;
	const char *key;   /* -K: make compare's workload */
	const char *label; /* -L: a word after the bench line's name */
} opt = {1, 4, 1000, 4096, 50, 8, -1, 0, 1, 0, NULL, NULL, NULL};

static int buffered; /* DEV is a block device: through the cache */

struct slot {
	struct aiocb cb;
	char *buf;
	int busy, write;
	uint32_t block, gen;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
die(const char *what)
{
	fprintf(stderr, "iotest[%d]: %s: %s: %s\n", getpid(), what,
		errno_name(errno), errno_msg(errno));
	exit(2);
}

static int
usage(void)
{
	fprintf(stderr,
		"usage: iotest [-p PROCS] [-q DEPTH] [-n IOS] [-b BS] "
		"[-w PCT] [-r MB] [-o MB] [-s SEED] DEV\n"
		"       iotest -R|-S|-W [-q DEPTH] [-n IOS] [-b BS] [-K KEY] "
		"[-L LABEL] "
		"DEV\n");
	return 2;
}

/* The id a block's sectors carry for generation gen of process k. */
static uint32_t
gen_id(uint32_t gen)
{
	return 0x10000000u | (uint32_t)opt.child << 20 | gen;
}

/* Wait for one of the slots in flight; its index. */
static int
reap(struct slot *s, int n)
{
	const struct aiocb *list[QD_MAX];

	for (;;) {
		for (int i = 0; i < n; i++)
			if (s[i].busy && aio_error(&s[i].cb) != EINPROGRESS)
				return i;
		for (int i = 0; i < n; i++)
			list[i] = s[i].busy ? &s[i].cb : NULL;
		if (aio_suspend(list, n, NULL) < 0)
			die("aio_suspend");
	}
}

static int
run(int fd, uint64_t size)
{
	struct slot s[QD_MAX];
	uint32_t nblocks = (uint32_t)((uint64_t)opt.mb * 1048576 / opt.bs);
	uint64_t base =
		((uint64_t)opt.at + (uint64_t)opt.child * opt.mb) * 1048576;
	uint32_t rng = opt.seed * 2654435761u + (uint32_t)opt.child + 1;
	int issued = 0, done = 0, bad = 0, reads = 0, writes = 0;

	if (opt.mode) {
		nblocks = (uint32_t)(size / opt.bs);
		base = 0;
	}
	uint16_t *gen = opt.mode ? NULL : malloc(nblocks * sizeof(*gen));
	uint8_t *busy = malloc(nblocks);
	if (!nblocks || (!opt.mode && !gen) || !busy ||
	    base + (uint64_t)nblocks * opt.bs > size) {
		fprintf(stderr,
			"iotest[%d]: %s holds no room for process %d's "
			"%d MiB\n",
			getpid(), opt.dev, opt.child, opt.mb);
		return 2;
	}
	if (gen)
		memset(gen, 0, nblocks * sizeof(*gen));
	memset(busy, 0, nblocks);
	for (int i = 0; i < opt.depth; i++) {
		s[i].buf = malloc((size_t)opt.bs);
		s[i].busy = 0;
		if (!s[i].buf)
			die("malloc");
	}
	uint64_t t0 = now_ns(), c0 = rdtsc();
	/* QD1 for the bench: pread or pwrite, one system call each, as dd;
	 * the writes end with fsync, their time included */
	for (; opt.mode && opt.depth == 1 && done < opt.ios; done++) {
		uint32_t b = opt.mode == 'R' ? rand32(&rng) % nblocks
					     : (uint32_t)done % nblocks;
		off_t at = (off_t)b * opt.bs;
		if ((opt.mode == 'W' ? pwrite(fd, s[0].buf, (size_t)opt.bs, at)
				     : pread(fd, s[0].buf, (size_t)opt.bs,
					     at)) != opt.bs)
			die(opt.mode == 'W' ? "pwrite" : "pread");
	}
	if (opt.mode == 'W' && fsync(fd) < 0)
		die("fsync");
	while (done < opt.ios) {
		int i = -1;
		if (issued < opt.ios) {
			for (int k = 0; k < opt.depth && i < 0; k++)
				if (!s[k].busy)
					i = k;
		}
		if (i < 0) {
			i = reap(s, opt.depth);
			struct slot *sl = &s[i];
			int r = aio_return(&sl->cb);
			sl->busy = 0;
			busy[sl->block] = 0;
			done++;
			if (r != opt.bs) {
				if (r < 0)
					die(sl->write ? "aio_write"
						      : "aio_read");
				fprintf(stderr,
					"iotest[%d]: block %u: %d bytes "
					"of %d\n",
					getpid(), sl->block, r, opt.bs);
				return 2;
			}
			if (sl->write) {
				gen[sl->block] = (uint16_t)sl->gen;
				writes++;
				continue;
			}
			reads++;
			for (int k = 0; gen && k < opt.bs / 512; k++) {
				uint64_t lba =
					(base + (uint64_t)sl->block * opt.bs) /
						512 +
					(uint64_t)k;
				if (!pattern_check(sl->buf + k * 512,
						   gen_id(sl->gen), lba)) {
					fprintf(stderr,
						"iotest[%d]: %s: sector %llu "
						"does not hold generation %u\n",
						getpid(), opt.dev,
						(unsigned long long)lba,
						sl->gen);
					bad++;
					break;
				}
			}
			continue;
		}
		/* a new transfer in slot i, at a block no other has */
		struct slot *sl = &s[i];
		uint32_t b;
		if (opt.mode == 'S')
			b = (uint32_t)issued % nblocks;
		else
			do
				b = rand32(&rng) % nblocks;
			while (busy[b]);
		sl->block = b;
		sl->write = gen &&
			    (!gen[b] || (int)(rand32(&rng) % 100) < opt.wpct);
		sl->gen = gen ? gen[b] : 0;
		if (sl->write) {
			sl->gen = gen[b] == 0xFFFF ? 1 : gen[b] + 1u;
			for (int k = 0; k < opt.bs / 512; k++)
				pattern_fill(sl->buf + k * 512, gen_id(sl->gen),
					     (base + (uint64_t)b * opt.bs) /
							     512 +
						     (uint64_t)k);
		}
		memset(&sl->cb, 0, sizeof(sl->cb));
		sl->cb.aio_fildes = fd;
		sl->cb.aio_offset = (int64_t)(base + (uint64_t)b * opt.bs);
		sl->cb.aio_buf = sl->buf;
		sl->cb.aio_nbytes = (uint32_t)opt.bs;
		if ((sl->write ? aio_write(&sl->cb) : aio_read(&sl->cb)) < 0)
			die(sl->write ? "aio_write" : "aio_read");
		sl->busy = 1;
		busy[b] = 1;
		issued++;
	}
	uint64_t cyc = rdtsc() - c0, ns = now_ns() - t0;
	if (!ns)
		ns = 1;
	if (opt.mode) {
		uint64_t iops = (uint64_t)opt.ios * 1000000000u / ns;
		const char *name = opt.dev, *what = opt.mode == 'S' ? "seq read"
						    : opt.mode == 'W'
							    ? "seq write"
							    : "random read";
		if (!strncmp(name, "/dev/", 5))
			name += 5 + !buffered; /* /dev/rsd0: sd0, as the
						  kernel says */
		if (opt.key) {
			printf("compare %s %s: %llu IOPS, %llu KiB/s, %llu "
			       "cyc/io\n",
			       name, opt.key, (unsigned long long)iops,
			       (unsigned long long)(iops * (uint64_t)opt.bs /
						    1024),
			       (unsigned long long)(cyc / (uint64_t)opt.ios));
			printf("compare %s %s: %s bs=%d qd=%d n=%d\n", name,
			       opt.key,
			       opt.mode == 'S'	 ? "read"
			       : opt.mode == 'W' ? "write"
						 : "randread",
			       opt.bs, opt.depth, opt.ios);
			return 0;
		}
		char size[16];
		if (opt.bs % 1024)
			snprintf(size, sizeof(size), "%d B", opt.bs);
		else
			snprintf(size, sizeof(size), "%d KiB", opt.bs / 1024);
		printf("bench %s %s %s %s QD%d%s%s: %llu IOPS, %llu MB/s, "
		       "%llu cyc/io\n",
		       name, buffered ? "buffered" : "process", size, what,
		       opt.depth, opt.label ? " " : "",
		       opt.label ? opt.label : "", (unsigned long long)iops,
		       (unsigned long long)(iops * (uint64_t)opt.bs / 1000000),
		       (unsigned long long)(cyc / (uint64_t)opt.ios));
		return 0;
	}
	if (bad)
		fprintf(stderr, "iotest[%d]: %d of %d reads did not match\n",
			getpid(), bad, reads);
	(void)writes;
	return bad ? 1 : 0;
}

/* The first process: start the others, each with its number. */
static int
parent(char **argv, int argc)
{
	char num[3][16], *args[40];
	int pids[64], status, worst = 0;
	uint64_t t0 = now_ns();

	if (opt.procs > 64 || argc > 30) {
		fprintf(stderr, "iotest: at most 64 processes\n");
		return 2;
	}
	for (int k = 0; k < opt.procs; k++) {
		int n = 0;
		for (int i = 0; i < argc - 1; i++)
			args[n++] = argv[i];
		snprintf(num[0], sizeof(num[0]), "%d", k);
		args[n++] = "-c";
		args[n++] = num[0];
		args[n++] = argv[argc - 1];
		args[n] = NULL;
		int err = posix_spawn(&pids[k], "/bin/iotest", NULL, NULL, args,
				      NULL);
		if (err) {
			errno = err;
			die("posix_spawn");
		}
	}
	for (int k = 0; k < opt.procs; k++) {
		if (waitpid(pids[k], &status, 0) < 0)
			die("waitpid");
		int st = WIFEXITED(status) ? WEXITSTATUS(status) : 2;
		if (st > worst)
			worst = st;
	}
	uint64_t ns = now_ns() - t0, ios = (uint64_t)opt.procs * opt.ios;
	printf("iotest: %s: %d processes x QD%d, %llu I/Os of %d bytes "
	       "(%d%% writes), %llu IOPS: %s\n",
	       opt.dev, opt.procs, opt.depth, (unsigned long long)ios, opt.bs,
	       opt.wpct,
	       (unsigned long long)(ios * 1000000000u / (ns ? ns : 1)),
	       worst == 0   ? "every read verified"
	       : worst == 1 ? "MISMATCHES"
			    : "ERRORS");
	return worst;
}

int
main(int argc, char **argv)
{
	int i = 1;

	for (; i + 1 < argc && argv[i][0] == '-'; i++) {
		char o = argv[i][1];
		if (o == 'R' || o == 'S' || o == 'W') {
			opt.mode = o;
			continue;
		}
		if (o == 'K' || o == 'L') {
			*(o == 'K' ? &opt.key : &opt.label) = argv[++i];
			continue;
		}
		int v = atoi(argv[++i]);
		switch (o) {
		case 'p': opt.procs = v; break;
		case 'q': opt.depth = v; break;
		case 'n': opt.ios = v; break;
		case 'b': opt.bs = v; break;
		case 'w': opt.wpct = v; break;
		case 'r': opt.mb = v; break;
		case 'o': opt.at = v; break;
		case 's': opt.seed = (uint32_t)v; break;
		case 'c': opt.child = v; break;
		default: return usage();
		}
	}
	if (i != argc - 1 || opt.procs < 1 || opt.depth < 1 ||
	    opt.depth > QD_MAX || opt.ios < 1 || opt.bs < 1 ||
	    opt.bs > 1048576 || opt.wpct < 0 || opt.wpct > 100 || opt.mb < 1 ||
	    opt.at < 0 || (opt.key && !opt.mode))
		return usage();
	opt.dev = argv[i];
	int fd = open(opt.dev, opt.mode == 'W' ? O_WRONLY
			       : opt.mode      ? O_RDONLY
					       : O_RDWR);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die(opt.dev);
	buffered = S_ISBLK(st.st_mode);
	if (buffered ? !opt.mode || opt.depth != 1
		     : !S_ISCHR(st.st_mode) || opt.bs % 512 ||
			       (opt.mode == 'W' && opt.depth != 1)) {
		fprintf(stderr,
			"iotest: %s: a raw device (/dev/rNAME) and a BS of "
			"whole sectors, or a block device (/dev/NAME) with "
			"-R, -S or -W at QD1\n",
			opt.dev);
		return 2;
	}
	if (opt.child < 0 && !opt.mode) {
		close(fd); /* (checked here once, for all of them) */
		return parent(argv, argc);
	}
	if (opt.child < 0)
		opt.child = 0;
	return run(fd, st.st_size);
}
