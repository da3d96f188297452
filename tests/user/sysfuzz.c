/*
 * sysfuzz: random system calls with hostile arguments, for
 * tests/scenarios/hostile.py.
 *
 *	sysfuzz SEED CALLS CHILDREN		the run: CALLS in all
 *	sysfuzz child SEED CALLS [-v]		one child's share (-v: say
 *						each call, for a repeat)
 *
 * The run spawns CHILDREN children, two at a time, each making its share
 * of the calls with a seed of its own, and says how each ended: every
 * one must have made all its calls and exited 0.  A child draws a call
 * (any number, known or not) and each argument from values chosen to
 * hurt: NULL, the kernel's addresses, ranges that straddle the end of
 * the user range or of the program's break, lengths that wrap 32 bits,
 * bad descriptors, offsets past any end; and makes it with DF set, AC
 * set, or odd data selectors loaded (fuzzcall).
 *
 * What it leaves out, so that a child can only end by the kernel's
 * fault: exit, a kill of itself, reads of the console (it would wait for
 * a line; a child closes 1 and 2 and never draws 0), sleeps longer than
 * 2 ms, and writes into its own memory other than the scratch area.
 * The devices it opens are the ones in its path table: rd0 and the
 * scenario's scratch disk sd1 (rd1 is left to the tests that want it
 * slow); every other disk must be untouched.
 */
#include <aio.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

/* One call as fuzzcall makes it */
struct call {
	uint32_t nr, a, b, c, d, e; /* eax, ebx, ecx, edx, esi, edi */
	uint32_t sel;		    /* ds, es, fs, gs for the call */
	uint32_t flags;		    /* EFLAGS bits to set: DF, AC */
};

/*
 * The call with the flags and selectors it asks for, each put back
 * before any C runs: push what the program had, load the call's
 * registers from *c, then (no memory touched but the stack, through ss)
 * set the flags and selectors, int $0x80, and pop it all back.
 */
int fuzzcall(const struct call *c);
__asm__(".text\n"
	"fuzzcall:\n\t"
	"pushl %ebp\n\t"
	"pushl %ebx\n\t"
	"pushl %esi\n\t"
	"pushl %edi\n\t"
	"movl 20(%esp), %ebp\n\t" /* c */
	"pushfl\n\t"		  /* the program's flags */
	"pushl %ds\n\t"
	"pushl %es\n\t"
	"pushl %fs\n\t"
	"pushl %gs\n\t"
	"pushl 24(%ebp)\n\t" /* sel */
	"pushfl\n\t"
	"movl 28(%ebp), %eax\n\t"
	"orl %eax, (%esp)\n\t" /* the call's flags */
	"movl 0(%ebp), %eax\n\t"
	"movl 4(%ebp), %ebx\n\t"
	"movl 8(%ebp), %ecx\n\t"
	"movl 12(%ebp), %edx\n\t"
	"movl 16(%ebp), %esi\n\t"
	"movl 20(%ebp), %edi\n\t"
	"movl 4(%esp), %ebp\n\t" /* sel */
	"movw %bp, %ds\n\t"
	"movw %bp, %es\n\t"
	"movw %bp, %fs\n\t"
	"movw %bp, %gs\n\t"
	"popfl\n\t"
	"int $0x80\n\t"
	"cld\n\t"
	"leal 4(%esp), %esp\n\t" /* sel */
	"popl %gs\n\t"
	"popl %fs\n\t"
	"popl %es\n\t"
	"popl %ds\n\t"
	"popfl\n\t"
	"popl %edi\n\t"
	"popl %esi\n\t"
	"popl %ebx\n\t"
	"popl %ebp\n\t"
	"ret\n");

/* xorshift32: the same calls for the same seed */
static uint32_t rng;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

#define PICK(a) ((a)[rnd() % (sizeof(a) / sizeof((a)[0]))])

/*
 * The only memory of its own a call may write is the scratch area, the
 * top of its heap (taken by sbrk, never given back: see draw): whatever
 * a length runs past its end into is the heap's, or unmapped.  The
 * calls are made on a stack of its own, in the data: the one the
 * program started on is under the top of the user range, where the
 * wild pointers land, and it is never returned to (child ends by
 * _exit).
 */
#define SCRATCH (16 * PAGE)
static uint8_t *scratch;
static char *brk_end; /* the scratch area's end: unmapped above */
static uint8_t stack[64 * 1024] __attribute__((aligned(16)));
static int verbose;

static uint32_t
ptr(void)
{
	static const uint32_t wild[] = {
		0,	    1,		0xFFF,	    0x1000,	0x100000,
		0x7FFFF000, 0x7FFFFFFF, 0x80000000, 0xAFFFFFFF, 0xAFFFFFF8,
		0xAFFFF000, 0xB0000000, 0xB0000004, 0xC0000000, 0xFEC00000,
		0xFFFFF000, 0xFFFFFFFF, 0xFFFFFFF0, 0x80000001, 0x00400000,
	};
	switch (rnd() % 8) {
	case 0:
	case 1: return PICK(wild);
	case 2: return (uint32_t)brk_end - (rnd() % 64); /* straddles it */
	case 3: return (uint32_t)fuzzcall;		 /* its text */
	case 4: return (uint32_t)(scratch + SCRATCH - rnd() % 512);
	default: return (uint32_t)(scratch + (rnd() % 8) * 512 + rnd() % 2);
	}
}

static uint32_t
len(void)
{
	static const uint32_t wild[] = {
		0,	    1,		511,	    512,	4096,
		8192,	    65536,	1 << 20,    0x7FFFFFFF, 0x80000000,
		0xFFFFFFFF, 0xFFFFFE00, 0x80000200, 0xFFFFF000, 4095,
	};
	return rnd() % 3 ? PICK(wild) : rnd() % (2 * SCRATCH);
}

/* never 0, the console (a read would wait for a line); 1 and 2 are
 * closed at the start, and what it opens takes their places */
static uint32_t
fd(void)
{
	static const uint32_t wild[] = {16,	    17,		100,
					0x7FFFFFFF, 0x80000000, 0xFFFFFFFF};
	return rnd() % 4 ? 1 + rnd() % 15 : PICK(wild);
}

static uint32_t
word(void)
{
	static const uint32_t wild[] = {0,	    1,	 0xFFFFFFFF, 0x80000000,
					0x7FFFFFFF, 512, 0xFFFFFE00, 3};
	return rnd() % 2 ? PICK(wild) : rnd();
}

/* an offset: low half, then high half */
static void
offset(uint32_t *lo, uint32_t *hi)
{
	static const uint64_t wild[] = {
		0,
		512,
		4 << 20,
		(4 << 20) - 512,
		0x7FFFFFFFFFFFFFFFull,
		0x8000000000000000ull,
		0xFFFFFFFFFFFFFE00ull,
		1ull << 32,
		(1ull << 41) - 512,
	};
	uint64_t o = rnd() % 3 ? PICK(wild) : (uint64_t)(rnd() % 16384) * 512;
	if (rnd() % 5 == 0)
		o += rnd() % 512;
	*lo = (uint32_t)o;
	*hi = (uint32_t)(o >> 32);
}

static const char *const paths[] = {
	"/dev/rd0", "/dev/rrd0",   "/dev/sd1",	 "/dev/rsd1",
	"/dev/",    "/dev/nosuch", "",		 "/bin/sysfuzz",
	"/bin/",    "dev/rd0",	   "/dev/rd0/x",
};

/* A path: a real one, a hostile pointer, one too long, or one that runs
 * into the unmapped page past the scratch area */
static uint32_t
path(void)
{
	switch (rnd() % 6) {
	case 0: return ptr();
	case 1:
		memset(scratch, 'a', 300);
		scratch[300] = 0;
		return (uint32_t)scratch;
	case 2: {
		char *end = (char *)scratch + SCRATCH;
		memset(end - 32, 'b', 32); /* no NUL before the end */
		return (uint32_t)(end - 32);
	}
	default: return (uint32_t)PICK(paths);
	}
}

/* An argv: real, hostile, unterminated, or too long */
static uint32_t
argv_ptr(void)
{
	static char *idle[] = {"sysfuzz", "idle", NULL};
	uint32_t *v = (uint32_t *)(scratch + 8 * PAGE);

	switch (rnd() % 5) {
	case 0: return ptr();
	case 1:
		for (int i = 0; i < 40; i++)
			v[i] = (uint32_t) "sysfuzz";
		v[40] = 0;
		return (uint32_t)v;
	case 2:
		v[0] = (uint32_t) "sysfuzz";
		v[1] = ptr();
		v[2] = 0;
		return (uint32_t)v;
	case 3: /* runs off the end of the scratch area */
		v = (uint32_t *)(scratch + SCRATCH - 8);
		v[0] = v[1] = (uint32_t) "sysfuzz";
		return (uint32_t)v;
	default: return (uint32_t)idle;
	}
}

/* A timespec to sleep: never long (the child must end) */
static uint32_t
sleep_ptr(void)
{
	static const struct timespec ts[] = {
		{0, 0},	 {0, 1000}, {0, 1000000},
		{-1, 0}, {0, -1},   {0, 1000000000},
	};
	/* (in the data, where no call of its own can write: an aio read
	 * into the scratch area may land between this and the call) */
	static struct timespec t;

	if (rnd() % 4 == 0) {
		/* one outside the user range (its own text would be read as
		 * a time, and a long one) */
		uint32_t p = ptr();
		if (p < 0x80000000u || p >= 0xB0000000u)
			return p;
	}
	t = PICK(ts);
	return (uint32_t)&t;
}

static int kids[64], nkids;

/* one of its children, if it has any; else a pid nobody has */
static uint32_t
pid(void)
{
	static const uint32_t wild[] = {0, 0xFFFFFFFF, 0x80000000, 100000};

	return rnd() % 2 && nkids ? (uint32_t)kids[rnd() % nkids] : PICK(wild);
}

/* an aiocb of the eight in the scratch area */
static struct aiocb *
aiocb(void)
{
	return (struct aiocb *)(scratch + 13 * PAGE) + rnd() % 8;
}

static const uint32_t sbrk_incr[] = {
	4096, -4096u, 1 << 20, -(1u << 20), 0x7FFFFFFF, 0x80000000, -1u, 1,
};
static const uint32_t selectors[] = {0, 3, 0x2B, 0x28, 0x30};
static const uint32_t requests[] = {DIOCGMEDIASIZE, DIOCGSECTORSIZE, 0, 0x1234,
				    0xFFFFFFFF};

/* Draw one call and the state it is made in */
static void
draw(struct call *c)
{
	uint32_t lo, hi;

	memset(c, 0, sizeof(*c));
	c->nr = rnd() % (SYS_NCALL + 2);
	c->a = word(), c->b = word(), c->c = word(), c->d = word();
	c->e = word();
	switch (c->nr) {
	case SYS_exit: c->nr = SYS_getpid; break;
	case SYS_read:
	case SYS_write: c->a = fd(), c->b = ptr(), c->c = len(); break;
	case SYS_pread:
	case SYS_pwrite:
		c->a = fd(), c->b = ptr(), c->c = len();
		offset(&c->d, &c->e);
		break;
	case SYS_open: c->a = path(), c->b = rnd() % 5; break;
	case SYS_close: c->a = fd(); break;
	case SYS_lseek:
		offset(&lo, &hi);
		c->a = fd(), c->b = lo, c->c = hi, c->d = rnd() % 5 - 1;
		c->e = ptr();
		break;
	case SYS_fstat:
	case SYS_ioctl:
		c->a = rnd() % 4 ? fd() : rnd() % 3;
		c->b = c->nr == SYS_fstat ? ptr() : PICK(requests);
		c->c = ptr();
		break;
	case SYS_spawn: c->a = path(), c->b = argv_ptr(); break;
	case SYS_waitpid:
		/* options: WNOHANG or wild (EINVAL): a blocking wait is made
		 * once, at the end */
		c->a = rnd() % 3 ? pid() : word();
		c->b = ptr(), c->c = rnd() % 4 ? WNOHANG : word();
		if (c->c == 0)
			c->c = WNOHANG;
		break;
	case SYS_kill:
		/* its children, or pids nobody has; signal 0 to itself */
		c->a = pid(), c->b = rnd() % 2 ? SIGKILL : word();
		if (rnd() % 8 == 0)
			c->a = (uint32_t)getpid(), c->b = 0;
		break;
	case SYS_sbrk:
		c->a = PICK(sbrk_incr);
		/* never into the scratch area: below it, ENOMEM instead */
		if ((int)c->a < 0 && (char *)sbrk(0) + (int)c->a < brk_end)
			c->a = 0x80000000;
		break;
	case SYS_clock_gettime: c->a = rnd() % 4, c->b = ptr(); break;
	case SYS_fsync: c->a = rnd() % 4 ? fd() : rnd() % 3; break;
	case SYS_aio_read:
	case SYS_aio_write: {
		struct aiocb *cb = aiocb();
		if (rnd() % 4 == 0) {
			c->a = ptr();
			break;
		}
		cb->aio_fildes = (int)fd();
		cb->aio_buf = (void *)ptr();
		cb->aio_nbytes = len();
		offset(&lo, &hi);
		cb->aio_offset = (int64_t)((uint64_t)hi << 32 | lo);
		c->a = (uint32_t)cb;
		break;
	}
	case SYS_aio_suspend: {
		uint32_t *list = (uint32_t *)(scratch + 14 * PAGE);
		for (int i = 0; i < 8; i++)
			list[i] = (uint32_t)aiocb();
		c->a = rnd() % 4 ? (uint32_t)list : ptr();
		c->b = rnd() % 4 ? rnd() % 9 : word();
		break;
	}
	case SYS_aio_error:
	case SYS_aio_return:
		c->a = rnd() % 2 ? ptr() : (uint32_t)aiocb();
		break;
	case SYS_nanosleep: c->a = sleep_ptr(), c->b = ptr(); break;
	case SYS_getpid: break;
	default: /* not a call, or a wild number */
		c->nr = rnd() % 2 ? c->nr : word();
		if (c->nr == SYS_exit || c->nr == SYS_kill ||
		    c->nr == SYS_read || c->nr == SYS_write ||
		    c->nr == SYS_nanosleep || c->nr == SYS_waitpid ||
		    c->nr == SYS_aio_suspend || c->nr == SYS_sbrk ||
		    c->nr == SYS_close)
			c->nr = 999;
		break;
	}
	/* the hostile state it is made in */
	switch (rnd() % 6) {
	case 0: c->flags = 0x400; break;   /* DF */
	case 1: c->flags = 0x40000; break; /* AC */
	case 2: c->flags = 0x40400; break;
	default: break;
	}
	c->sel = rnd() % 3 ? 0x33 : PICK(selectors);
}

static uint32_t child_calls;

/* -v's line, on descriptor 0: the console, read-write, which the calls
 * never read or write (fd() draws 3 and up) */
static void
trace(const char *fmt, ...)
{
	char line[128];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	write(0, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void
child_calls_made(void)
{
	for (uint32_t i = 0; i < child_calls; i++) {
		struct call c;
		draw(&c);
		if (verbose)
			trace("%u: %u(%x, %x, %x, %x, %x) flags %x sel %x\n", i,
			      c.nr, c.a, c.b, c.c, c.d, c.e, c.flags, c.sel);
		int r = fuzzcall(&c);
		if (verbose)
			trace("  = %d\n", r);
		if (c.nr == SYS_spawn && r > 0 && nkids < 64)
			kids[nkids++] = r;
	}
	/* wait for every child (each exits at once: "sysfuzz idle") */
	int status;
	while (waitpid(-1, &status, 0) > 0)
		;
	_exit(0);
}

static int
child(uint32_t seed, uint32_t calls)
{
	rng = seed ? seed : 1;
	child_calls = calls;
	/* what its wild spawns print has nowhere to go (the descriptors it
	 * opens next take their places, -v or not: the same run) */
	close(1);
	close(2);
	if ((scratch = sbrk(SCRATCH)) == (void *)-1)
		return 1;
	brk_end = (char *)scratch + SCRATCH;
	__asm__ volatile("movl %0, %%esp\n\t"
			 "call *%1"
			 :
			 : "r"(stack + sizeof(stack)), "r"(child_calls_made)
			 : "memory");
	__builtin_unreachable();
}

int
main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "idle"))
		return 0;
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "child")) {
		verbose = argc == 5 && !strcmp(argv[4], "-v");
		return child((uint32_t)strtoul(argv[2], NULL, 0),
			     (uint32_t)strtoul(argv[3], NULL, 0));
	}
	if (argc != 4) {
		fprintf(stderr, "usage: sysfuzz SEED CALLS CHILDREN\n");
		return 2;
	}
	uint32_t seed = (uint32_t)strtoul(argv[1], NULL, 0);
	uint32_t calls = (uint32_t)strtoul(argv[2], NULL, 0);
	int n = atoi(argv[3]), bad = 0, running = 0, started = 0;
	char s[16], k[16];
	char *args[] = {"sysfuzz", "child", s, k, NULL};
	struct timespec t0, t1;
	struct {
		int pid;
		uint32_t seed;
	} run[2]; /* the children running, to name the seed of a bad one */

	if (n < 1 || calls < (uint32_t)n) {
		fprintf(stderr, "sysfuzz: CHILDREN from 1 to CALLS\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(k, sizeof(k), "%u", calls / (uint32_t)n);
	while (started < n || running) {
		int pid, status;
		if (started < n && running < 2) {
			uint32_t cs = seed * 1000003u + (uint32_t)started;
			snprintf(s, sizeof(s), "%u", cs);
			int err = posix_spawn(&pid, "/bin/sysfuzz", NULL, NULL,
					      args, NULL);
			if (err) {
				printf("sysfuzz: spawn of child %d: %s\n",
				       started, errno_name(err));
				return 1;
			}
			run[running].pid = pid, run[running].seed = cs;
			started++, running++;
			continue;
		}
		if ((pid = waitpid(-1, &status, 0)) < 0)
			break;
		int i = run[0].pid == pid ? 0 : 1;
		uint32_t cs = run[i].seed;
		run[i] = run[--running];
		if (status) {
			bad++;
			printf("sysfuzz: child %u %s %d (again: run sysfuzz "
			       "child %u %s -v)\n",
			       cs,
			       WIFSIGNALED(status) ? "ended by signal"
						   : "exit status",
			       WIFSIGNALED(status) ? WTERMSIG(status)
						   : WEXITSTATUS(status),
			       cs, k);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int ms = (int)((t1.tv_sec - t0.tv_sec) * 1000 +
		       (t1.tv_nsec - t0.tv_nsec) / 1000000);
	printf("sysfuzz: seed %u, %u calls in %d children, %d ended badly "
	       "(%d ms)\n",
	       seed, calls / (uint32_t)n * (uint32_t)n, n, bad, ms);
	return bad != 0;
}
