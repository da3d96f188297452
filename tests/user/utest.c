/*
 * utest: what a misbehaving or probing program does, one case per run,
 * for the tests (tests/scenarios/proc.py): each case prints what it saw,
 * and the host checks it.
 *
 *	utest CASE [ARG...]
 */
#include <aio.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "said.h"

/*
 * Grow the heap by 64 KiB, check the new pages are zero, fill them with
 * this process's pattern, open and close a descriptor (kernel heap),
 * check the pattern, give the 64 KiB back: `rounds` times.  Beside
 * others doing the same, a frame handed to two owners shows as a page
 * not zero when taken or another's pattern in it.
 */
static int
case_churn(int rounds)
{
	const uint32_t len = 64 * 1024, n = len / 4;
	uint32_t me = (uint32_t)getpid() << 20, bad = 0;

	for (int r = 0; r < rounds; r++) {
		uint32_t *p = sbrk((int)len);
		if (p == (void *)-1) {
			said("sbrk", -1);
			return 1;
		}
		for (uint32_t i = 0; i < n; i++)
			if (p[i] && !bad++)
				printf("churn: page %p new, holds %08x, not "
				       "zeros\n",
				       (void *)&p[i], p[i]);
		uint32_t mark = me | (uint32_t)r;
		for (uint32_t i = 0; i < n; i++)
			p[i] = mark ^ i;
		int fd = open("/dev/null", O_RDWR);
		if (fd < 0 || close(fd)) {
			said("/dev/null", -1);
			return 1;
		}
		for (uint32_t i = 0; i < n; i++)
			if (p[i] != (mark ^ i) && !bad++)
				printf("churn: page %p now holds %08x, not its "
				       "%08x\n",
				       (void *)&p[i], p[i], mark ^ i);
		if (sbrk(-(int)len) == (void *)-1) {
			said("sbrk", -1);
			return 1;
		}
	}
	printf("churn: %d rounds, %u bad words\n", rounds, bad);
	return bad != 0;
}

static unsigned
fs_read(void)
{
	unsigned v;
	__asm__ volatile("mov %%fs, %0" : "=r"(v));
	return v & 0xFFFF;
}

static unsigned
gs_read(void)
{
	unsigned v;
	__asm__ volatile("mov %%gs, %0" : "=r"(v));
	return v & 0xFFFF;
}

static void
fsgs_load(unsigned fs, unsigned gs)
{
	__asm__ volatile("mov %0, %%fs\n\tmov %1, %%gs" : : "r"(fs), "r"(gs));
}

/* Spin for ms milliseconds (the clock takes the CPU from us meanwhile)
 * watching fs and gs: 1 if they kept their values. */
static int
fsgs_kept(unsigned fs, unsigned gs, int ms)
{
	struct timespec a, b;
	int kept = 1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		kept &= fs_read() == fs && gs_read() == gs;
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000 +
			 (b.tv_nsec - a.tv_nsec) / 1000000 <
		 ms);
	return kept;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: utest CASE [ARG...]\n");
		return 2;
	}
	const char *c = argv[1];
	if (!strcmp(c, "hello")) {
		printf("hello from pid %d, argc %d:", getpid(), argc);
		for (int i = 0; i < argc; i++)
			printf(" [%s]", argv[i]);
		printf("\n");
		return 0;
	}
	if (!strcmp(c, "exit"))
		return atoi(argv[2]);
	if (!strcmp(c, "null"))
		return *(volatile int *)0; // cppcheck-suppress nullPointer
	if (!strcmp(c, "kernel"))
		return *(volatile int *)0x100000; /* the kernel's image */
	if (!strcmp(c, "wildsys")) {
		/* the raw results: the kernel's negative errno */
		int r = syscall(999, 1, 2, 3, 4, 5);
		printf("syscall 999: %d %s\n", r, errno_name(-r));
		r = syscall(-1, 0, 0, 0, 0, 0);
		printf("syscall -1: %d %s\n", r, errno_name(-r));
		return 0;
	}
	if (!strcmp(c, "efault")) {
		int fd = open(argv[2], O_RDONLY);
		said("open", fd);
		said("read NULL", read(fd, NULL, 512));
		said("read kernel", read(fd, (void *)0x100000, 512));
		said("write kernel", write(1, (void *)0x100000, 16));
		said("open bad path", open((char *)0x1000, O_RDONLY));
		said("read huge", read(fd, argv, 0x7FFFFFFF));
		/* a buffer that runs into an unmapped page: the break's */
		char *brk = sbrk(0);
		said("read into the break", read(fd, brk - 256, 512));
		said("read past the top",
		     read(fd, (char *)0xB0000000 - 256, 512));
		return 0;
	}
	if (!strcmp(c, "syscost")) {
		/* cycles of a system call that does nothing much, and of a
		 * raw 4 KiB read of DEV */
		static char buf[4096] __attribute__((aligned(4096)));
		int fd = open(argv[2], O_RDONLY);
		uint64_t t0 = rdtsc();
		for (int i = 0; i < 10000; i++)
			getpid();
		uint64_t t1 = rdtsc();
		for (int i = 0; i < 10000; i++)
			pread(fd, buf, 4096, (off_t)(i % 64) * 4096);
		uint64_t t2 = rdtsc();
		printf("getpid: %u cyc, pread 4 KiB: %u cyc\n",
		       (unsigned)((t1 - t0) / 10000),
		       (unsigned)((t2 - t1) / 10000));
		return 0;
	}
	if (!strcmp(c, "readline")) {
		/* a line from standard input, said back */
		char line[64];
		int n = read(0, line, sizeof(line) - 1);
		if (n < 0) {
			said("read", n);
			return 1;
		}
		line[n] = 0;
		printf("got %d bytes: %s", n, line);
		return 0;
	}
	if (!strcmp(c, "sbrkloop")) {
		/* grow and shrink the heap: what it gave back is freed */
		for (int i = 0; i < 100; i++)
			if (sbrk(1 << 20) == (void *)-1 ||
			    sbrk(-(1 << 20)) == (void *)-1) {
				said("sbrk", -1);
				return 1;
			}
		printf("sbrk: 100 MiB taken and given back\n");
		return 0;
	}
	if (!strcmp(c, "hog")) {
		/* all the memory it is given, then wait to be killed */
		int n = 0;
		while (sbrk(1 << 20) != (void *)-1)
			n++;
		printf("hog: took %d MiB, then %s\n", n, errno_name(errno));
		fflush(stdout);
		struct timespec t = {3600, 0};
		while (nanosleep(&t, NULL) == 0)
			;
		return 1;
	}
	if (!strcmp(c, "churn") && argc == 3)
		return case_churn(atoi(argv[2]));
	if (!strcmp(c, "fpu")) {
		volatile int x = 1;
		__asm__ volatile("fildl %0\n\tfistpl %0" : "+m"(x));
		return x;
	}
	if (!strcmp(c, "waitspin")) {
		/* a child that spins, waited for: ^C ends both */
		char *args[] = {"utest", "spin", NULL};
		int pid, status;
		said("spawn",
		     posix_spawn(&pid, "/bin/utest", NULL, NULL, args, NULL));
		said("waitpid", waitpid(pid, &status, 0));
		return 0;
	}
	if (!strcmp(c, "holdopen")) {
		/* DEV open for SECONDS */
		struct timespec t0, t;
		int fd = open(argv[2], O_RDONLY);
		said("open", fd);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do
			clock_gettime(CLOCK_MONOTONIC, &t);
		while (t.tv_sec - t0.tv_sec < atoi(argv[3]));
		return 0;
	}
	if (!strcmp(c, "openloop")) {
		/* DEV opened, 4 KiB read at a block further on each time,
		 * and closed, N times: what it leaves behind is a leak */
		static char buf[4096];
		int n = atoi(argv[3]), i;
		for (i = 0; i < n; i++) {
			int fd = open(argv[2], O_RDONLY);
			if (fd < 0 ||
			    pread(fd, buf, sizeof(buf), (off_t)i * 4096) !=
				    (ssize_t)sizeof(buf) ||
			    close(fd) < 0)
				break;
		}
		printf("openloop: %d of %d cycles\n", i, n);
		return i == n ? 0 : 1;
	}
	if (!strcmp(c, "spin"))
		for (;;)
			; /* until ^C */
	if (!strcmp(c, "eof")) {
		/* POSIX's end of a device, on DEV: reads at, across and
		 * past the end */
		static char buf[8192];
		int fd = open(argv[2], O_RDWR);
		struct stat st;
		said("open", fd);
		said("fstat", fstat(fd, &st));
		off_t end = (off_t)st.st_size;
		uint64_t media = 0;
		uint32_t sector = 0;
		printf("size: %llu\n", (unsigned long long)end);
		said("ioctl DIOCGMEDIASIZE",
		     ioctl(fd, DIOCGMEDIASIZE, &media) < 0 ? -1
		     : media == (uint64_t)end		   ? 0
							   : 1);
		said("ioctl DIOCGSECTORSIZE",
		     ioctl(fd, DIOCGSECTORSIZE, &sector) < 0 ? -1
							     : (int)sector);
		said("ioctl on the console", ioctl(1, DIOCGMEDIASIZE, &media));
		said("ioctl unknown", ioctl(fd, 0x1234, &media));
		said("pread at the end", pread(fd, buf, 4096, end));
		said("pread across the end", pread(fd, buf, 4096, end - 1024));
		said("pread past the end", pread(fd, buf, 4096, end + 4096));
		said("lseek to the last sector",
		     lseek(fd, -512, SEEK_END) == end - 512 ? 0 : -1);
		said("read to the end", read(fd, buf, 4096));
		said("read at the end", read(fd, buf, 4096));
		said("write at the end", write(fd, buf, 512));
		return 0;
	}
	if (!strcmp(c, "align")) {
		/* a raw device takes whole sectors only */
		static char buf[8192] __attribute__((aligned(16)));
		int fd = open(argv[2], O_RDWR);
		said("open", fd);
		said("pread 100 bytes", pread(fd, buf, 100, 0));
		said("pread at byte 100", pread(fd, buf, 512, 100));
		said("pread to an odd address", pread(fd, buf + 1, 512, 0));
		said("pwrite 513 bytes", pwrite(fd, buf, 513, 0));
		said("pread 512 bytes", pread(fd, buf, 512, 0));
		return 0;
	}
	if (!strcmp(c, "eio")) {
		/* DEV fails reads of sector BAD (blkdebug): what comes
		 * before it reads, a read of it is -1 EIO, the next works */
		static char buf[8192];
		int fd = open(argv[2], O_RDONLY);
		off_t bad = (off_t)strtoull(argv[3], NULL, 0) * 512;
		said("open", fd);
		said("pread before the bad sector",
		     pread(fd, buf, 4096, bad - 4096));
		said("pread across the bad sector",
		     pread(fd, buf, 8192, bad - 4096));
		said("pread at the bad sector", pread(fd, buf, 512, bad));
		said("pread after it", pread(fd, buf, 512, bad + 512));
		return 0;
	}
	if (!strcmp(c, "fsgs")) {
		/* fs and gs are each process's own: a child starts with
		 * null ones, and what it and this process load stays theirs
		 * while they take the CPU from each other and while one
		 * waits for the other */
		char *args[] = {"utest", "fsgschild", NULL};
		int pid, status;
		fsgs_load(0x33, 0);
		said("spawn",
		     posix_spawn(&pid, "/bin/utest", NULL, NULL, args, NULL));
		said("parent kept them while both ran",
		     fsgs_kept(0x33, 0, 300));
		said("waitpid", waitpid(pid, &status, 0) == pid ? status : -1);
		printf("parent: fs %x gs %x\n", fs_read(), gs_read());
		return 0;
	}
	if (!strcmp(c, "fsgschild")) {
		printf("child: fs %x gs %x\n", fs_read(), gs_read());
		fsgs_load(0, 0x33);
		said("child kept them while both ran", fsgs_kept(0, 0x33, 300));
		return 0;
	}
	if (!strcmp(c, "consmode")) {
		/* the console opened one way only is not the other */
		char ch;
		int r = open("/dev/console", O_RDONLY);
		int w = open("/dev/console", O_WRONLY);
		said("write to the console opened O_RDONLY", write(r, "x", 1));
		said("read from the console opened O_WRONLY", read(w, &ch, 1));
		said("written to the console opened O_WRONLY",
		     write(w, "ok\n", 3));
		said("close", close(r) | close(w));
		return 0;
	}
	if (!strcmp(c, "wbleave")) {
		/* part of sector BAD of DEV written, left to the cache */
		static char buf[100];
		off_t bad = (off_t)strtoull(argv[3], NULL, 0) * 512;
		int fd = open(argv[2], O_RDWR);
		said("pwrite", pwrite(fd, buf, sizeof(buf), bad + 12));
		return 0;
	}
	if (!strcmp(c, "fsyncnew")) {
		/* a file opened after a failure no fsync has reported */
		int a = open(argv[2], O_RDWR);
		said("fsync", fsync(a));
		said("fsync again", fsync(a));
		said("fsync of a file opened after",
		     fsync(open(argv[2], O_RDWR)));
		return 0;
	}
	if (!strcmp(c, "wberr")) {
		/* DEV fails writes of sector BAD (blkdebug).  A part of it
		 * written through file a stays in the cache, dirty; b's
		 * fsync writes it and meets the failure; a's fsync, which
		 * wrote nothing, must report it too; each file hears of it
		 * once, and a file opened after it not at all. */
		static char buf[100];
		off_t bad = (off_t)strtoull(argv[3], NULL, 0) * 512;
		int a = open(argv[2], O_RDWR), b = open(argv[2], O_RDWR);
		said("open a", a);
		said("open b", b);
		said("pwrite a", pwrite(a, buf, sizeof(buf), bad + 12));
		said("fsync b", fsync(b));
		said("fsync a", fsync(a));
		said("fsync a again", fsync(a));
		said("fsync b again", fsync(b));
		int n = open(argv[2], O_RDWR);
		said("fsync of a file opened after", fsync(n));
		return 0;
	}
	if (!strcmp(c, "aiovictim")) {
		/* start a 1 MiB read from DEV and exit before it ends, or
		 * spin until killed (MODE kill) */
		static struct aiocb cb;
		char *buf = sbrk(1 << 20);
		cb.aio_fildes = open(argv[2], O_RDONLY);
		cb.aio_buf = buf;
		cb.aio_nbytes = 1 << 20;
		said("aio_read", aio_read(&cb));
		said("aio_error", aio_error(&cb));
		if (!strcmp(argv[3], "kill"))
			for (;;)
				;
		_exit(0);
	}
	if (!strcmp(c, "aiowait") && argc == 3) {
		/* a read of DEV (slow) started, then waited for */
		static char sector[512];
		static struct aiocb cb;
		const struct aiocb *one[] = {&cb};
		cb = (struct aiocb){.aio_fildes = open(argv[2], O_RDONLY),
				    .aio_buf = sector,
				    .aio_nbytes = sizeof(sector)};
		if (aio_read(&cb)) {
			said("aio_read", -1);
			return 1;
		}
		while (aio_error(&cb) == EINPROGRESS)
			aio_suspend(one, 1, NULL);
		return 0;
	}
	if (!strcmp(c, "aiokill") && argc == 3) {
		/* a child waiting in aio_suspend for a read of DEV (rd1, 3 s
		 * slow) is killed: how long until it has ended, by the
		 * guest's clock */
		char *args[] = {"utest", "aiowait", argv[2], NULL};
		struct timespec a, b;
		int pid, status;
		said("spawn",
		     posix_spawn(&pid, "/bin/utest", NULL, NULL, args, NULL));
		clock_gettime(CLOCK_MONOTONIC, &a);
		do /* its read under way, the child asleep in aio_suspend */
			clock_gettime(CLOCK_MONOTONIC, &b);
		while ((b.tv_sec - a.tv_sec) * 1000 +
			       (b.tv_nsec - a.tv_nsec) / 1000000 <
		       300);
		said("kill", kill(pid, SIGKILL));
		waitpid(pid, &status, 0);
		clock_gettime(CLOCK_MONOTONIC, &a);
		printf("aio_suspend ended %d ms after the kill (status %d)\n",
		       (int)((a.tv_sec - b.tv_sec) * 1000 +
			     (a.tv_nsec - b.tv_nsec) / 1000000),
		       status);
		return 0;
	}
	if (!strcmp(c, "aioexit")) {
		/* DEV (rd1, 3 s slow) is filled with 0xAB; a child starts a
		 * read of it into its pages and exits; this process then
		 * takes 4 MiB (the lowest free frames: the child's, were
		 * they free), fills it with 0x5A and waits out the read:
		 * had the child's frames been handed out before the read
		 * ended, the read lands in these pages.  The fill must be
		 * done well before the read ends, or the test cannot tell:
		 * it says so and fails. */
		static char fill[1 << 16];
		char *args[] = {"utest", "aiovictim", argv[2], argv[3], NULL};
		int fd = open(argv[2], O_WRONLY), pid, status;
		memset(fill, 0xAB, sizeof(fill));
		for (int i = 0; i < 16; i++)
			pwrite(fd, fill, sizeof(fill), i * (off_t)sizeof(fill));
		said("spawn",
		     posix_spawn(&pid, "/bin/utest", NULL, NULL, args, NULL));
		if (!strcmp(argv[3], "kill")) {
			/* it spins: kill it once its read is under way */
			struct timespec a, b;
			clock_gettime(CLOCK_MONOTONIC, &a);
			do
				clock_gettime(CLOCK_MONOTONIC, &b);
			while ((b.tv_sec - a.tv_sec) * 1000 +
				       (b.tv_nsec - a.tv_nsec) / 1000000 <
			       200);
			said("kill", kill(pid, SIGKILL));
		}
		said("waitpid", waitpid(pid, &status, 0) == pid ? status : -1);
		struct timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		size_t n = 4u << 20;
		char *mem = sbrk((int)n);
		if (mem == (char *)-1) {
			said("sbrk", -1);
			return 1;
		}
		memset(mem, 0x5A, n);
		clock_gettime(CLOCK_MONOTONIC, &t);
		int64_t ms = (t.tv_sec - t0.tv_sec) * 1000 +
			     (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms > 2000) {
			printf("too slow to tell: filled in %d ms\n", (int)ms);
			return 1;
		}
		do
			clock_gettime(CLOCK_MONOTONIC, &t);
		while (t.tv_sec - t0.tv_sec < 5);
		for (size_t i = 0; i < n; i++)
			if (mem[i] != 0x5A) {
				printf("memory changed at +%u: %02x\n",
				       (unsigned)i, (uint8_t)mem[i]);
				return 1;
			}
		printf("memory intact\n");
		return 0;
	}
	fprintf(stderr, "utest: no case %s\n", c);
	return 2;
}
