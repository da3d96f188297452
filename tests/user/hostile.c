/*
 * hostile: what a program does to get past the user/kernel boundary,
 * one case per run, for tests/scenarios/hostile.py.  Each case prints
 * what it saw from inside; the scenario checks that, that the kernel is
 * still up, that `mem` is back where it was, and from the host that the
 * disks the program never opened did not change.
 *
 *	hostile CASE [ARG...]
 *
 * The flags and selectors a case sets are set in assembly around one
 * `int $0x80` and put back before any C runs again: the compiler's own
 * code wants DF clear, and a null ds may fault on a real CPU.
 */
#include <aio.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "said.h"

#define GUARD 0xEE
#define PAGE  4096

static const char *me = "/bin/hostile";

/* A system call with DF set, as a program that forgot its cld makes it */
static int
sys_df(int n, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
	int r;

	__asm__ volatile("std\n\tint $0x80\n\tcld"
			 : "=a"(r)
			 : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory", "cc");
	return r;
}

static uint32_t
eflags(void)
{
	uint32_t f;

	__asm__ volatile("pushfl\n\tpopl %0" : "=r"(f));
	return f;
}

static void
eflags_set(uint32_t f)
{
	__asm__ volatile("pushl %0\n\tpopfl" : : "r"(f) : "cc", "memory");
}

/*
 * A buffer of len bytes in the middle of three pages of guard bytes: the
 * kernel may write the buffer and nothing around it.
 */
static uint8_t area[3 * PAGE] __attribute__((aligned(PAGE)));

static uint8_t *
guarded(uint32_t len)
{
	memset(area, GUARD, sizeof(area));
	return area + PAGE + (PAGE - len % PAGE) % PAGE / 2;
}

/* "intact", or where the kernel wrote outside [buf, buf+len) */
static const char *
guards(const uint8_t *buf, uint32_t len)
{
	static char why[64];

	for (uint32_t i = 0; i < sizeof(area); i++) {
		const uint8_t *at = area + i;
		if ((at < buf || at >= buf + len) && *at != GUARD) {
			snprintf(why, sizeof(why), "written at offset %d",
				 (int)(at - buf));
			return why;
		}
	}
	return "intact";
}

/*
 * DF set across system calls that copy to and from the program: each
 * must move exactly what it says, forwards.  DEV (a block device, read
 * through the cache, then its raw twin) has its first blocks read twice,
 * with DF and without, and compared; what DF-set writes put there is
 * read back without it.
 */
static int
case_df(const char *dev, const char *raw)
{
	static uint8_t want[8192], back[8192];
	int fd = open(dev, O_RDWR), rfd = open(raw, O_RDWR);
	uint32_t sizes[] = {512, 100, 4096, 8192};

	if (fd < 0 || rfd < 0) {
		said("open", -1);
		return 1;
	}
	for (int k = 0; k < 4; k++) {
		uint32_t n = sizes[k];
		for (int r = 0; r < 2; r++) {
			int f = r ? rfd : fd;
			const char *name = r ? raw : dev;
			if (r && n % 512)
				continue; /* raw: whole sectors */
			pread(f, want, n, 4096);
			uint8_t *buf = guarded(n);
			int got = sys_df(SYS_pread, (uint32_t)f, (uint32_t)buf,
					 n, 4096, 0);
			printf("pread %s %u bytes with DF: %d, guards %s, "
			       "data %s\n",
			       name, n, got, guards(buf, n),
			       memcmp(buf, want, n) ? "differs" : "equal");
		}
	}
	/* a DF write of a pattern, read back plainly */
	uint8_t *buf = guarded(4096);
	for (int i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	memcpy(want, buf, 4096);
	printf("pwrite %s 4096 bytes with DF: %d\n", dev,
	       sys_df(SYS_pwrite, (uint32_t)fd, (uint32_t)buf, 4096, 8192, 0));
	pread(rfd, back, 4096, 8192); /* raw: sees the cache's (coherence) */
	fsync(fd);
	pread(rfd, back, 4096, 8192);
	printf("read back after fsync: %s\n",
	       memcmp(back, want, 4096) ? "differs" : "equal");
	for (int i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 5 + 1);
	memcpy(want, buf, 4096);
	printf("pwrite %s 4096 bytes with DF: %d\n", raw,
	       sys_df(SYS_pwrite, (uint32_t)rfd, (uint32_t)buf, 4096, 12288,
		      0));
	pread(rfd, back, 4096, 12288);
	printf("read back: %s\n",
	       memcmp(back, want, 4096) ? "differs" : "equal");

	/* structures copied out: exactly their size */
	struct timespec *ts = (struct timespec *)guarded(sizeof(*ts));
	int r = sys_df(SYS_clock_gettime, CLOCK_MONOTONIC, (uint32_t)ts, 0, 0,
		       0);
	printf("clock_gettime with DF: %d, guards %s\n", r,
	       guards((uint8_t *)ts, sizeof(*ts)));
	struct stat st, *stp = (struct stat *)guarded(sizeof(st));
	fstat(fd, &st);
	r = sys_df(SYS_fstat, (uint32_t)fd, (uint32_t)stp, 0, 0, 0);
	printf("fstat with DF: %d, guards %s, %s\n", r,
	       guards((uint8_t *)stp, sizeof(st)),
	       memcmp(stp, &st, sizeof(st)) ? "differs" : "equal");
	uint64_t *off = (uint64_t *)guarded(8);
	r = sys_df(SYS_lseek, (uint32_t)fd, 1536, 0, SEEK_SET, (uint32_t)off);
	printf("lseek with DF: %d, guards %s, offset %u\n", r,
	       guards((uint8_t *)off, 8), (unsigned)*off);
	/* strings copied in: a path and a child's arguments */
	r = sys_df(SYS_open, (uint32_t)dev, O_RDONLY, 0, 0, 0);
	printf("open with DF: %s\n", r > 2 ? "a descriptor" : "failed");
	char *args[] = {"hostile", "echo", "one", "two", NULL};
	int pid = sys_df(SYS_spawn, (uint32_t)me, (uint32_t)args, 0, 0, 0);
	int status;
	said("spawn with DF", pid > 0 ? 0 : pid);
	said("waitpid", waitpid(pid, &status, 0) == pid ? status : -1);
	return 0;
}

/* Spin for ms milliseconds with DF set: the clock interrupts in the
 * middle, and whatever the kernel does then (here: complete rd1's
 * requests, a copy in the clock's interrupt) must go forwards. */
static void
spin_df(int ms)
{
	uint64_t end = rdtsc() + (uint64_t)ms * 1000000; /* >= 1 GHz */
	uint32_t lo = (uint32_t)end, hi = (uint32_t)(end >> 32);

	__asm__ volatile("std\n"
			 "1:\trdtsc\n\t"
			 "cmpl %1, %%edx\n\t"
			 "jb 1b\n\t"
			 "ja 2f\n\t"
			 "cmpl %0, %%eax\n\t"
			 "jb 1b\n"
			 "2:\tcld"
			 :
			 : "r"(lo), "r"(hi)
			 : "eax", "edx", "cc");
}

/* DEV (raw rd1: completed by the clock's interrupt, into the reader's
 * pages) read and checked READS times by a child while this process
 * spins with DF set: the clock interrupts this process, not the one
 * asleep in its read. */
static int
case_dfrace(const char *dev, const char *reads)
{
	char *args[] = {"hostile", "readcheck", (char *)dev, (char *)reads,
			NULL};
	int pid, status = -1;

	said("spawn", posix_spawn(&pid, me, NULL, NULL, args, NULL) ? -1 : 0);
	while (waitpid(pid, &status, WNOHANG) == 0)
		spin_df(20);
	printf("the reader's status: %d\n", status);
	return 0;
}

static int
case_readcheck(const char *dev, int reads)
{
	static uint8_t pat[16384], buf[3 * 16384];
	int fd = open(dev, O_RDWR);

	for (uint32_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 13 + i / 512);
	if (pwrite(fd, pat, sizeof(pat), 0) != sizeof(pat)) {
		said("pwrite", -1);
		return 1;
	}
	for (int n = 0; n < reads; n++) {
		memset(buf, GUARD, sizeof(buf));
		int k = n % 4 + 1; /* 4 to 16 KiB */
		uint32_t len = (uint32_t)k * 4096, at = 16384 - len;
		if (pread(fd, buf + 16384, len, at) != (ssize_t)len) {
			said("pread", -1);
			return 1;
		}
		for (uint32_t i = 0; i < sizeof(buf); i++) {
			uint8_t w = i >= 16384 && i < 16384 + len
					    ? pat[at + i - 16384]
					    : GUARD;
			if (buf[i] != w) {
				printf("read %d: byte %+d is %02x, not %02x\n",
				       n, (int)i - 16384, buf[i], w);
				return 1;
			}
		}
	}
	printf("%d reads with a DF-set neighbour, each exact\n", reads);
	return 0;
}

/*
 * Virtual-8086 mode: an iret whose EFLAGS image has VM.  The SDM allows
 * that only to ring 0; QEMU's TCG takes it from ring 3.  Either way the
 * program must end, the kernel not notice.
 */
static int
case_vm86(void)
{
	printf("iret to vm86\n");
	fflush(stdout);
	__asm__ volatile("pushl $0\n\t"	      /* gs */
			 "pushl $0\n\t"	      /* fs */
			 "pushl $0\n\t"	      /* ds */
			 "pushl $0\n\t"	      /* es */
			 "pushl $0x2000\n\t"  /* ss */
			 "pushl $0x100\n\t"   /* sp */
			 "pushl $0x23202\n\t" /* VM, IOPL 3, IF */
			 "pushl $0x1000\n\t"  /* cs */
			 "pushl $0\n\t"	      /* ip */
			 "iret");
	printf("still here after the iret\n");
	return 0;
}

/* IOPL and IF: popf and iret in ring 3 cannot change them; then cli,
 * which IOPL 0 forbids, ends the program. */
static int
case_iopl(void)
{
	eflags_set(eflags() | 0x3000 | 0x200);
	printf("IOPL after popf: %u\n", (eflags() >> 12) & 3);
	eflags_set(eflags() & ~0x200u);
	printf("IF after popf clearing it: %u\n", (eflags() >> 9) & 1);
	__asm__ volatile("pushfl\n\t"
			 "orl $0x3000, (%%esp)\n\t"
			 "pushl %%cs\n\t"
			 "pushl $1f\n\t"
			 "iret\n"
			 "1:" ::
				 : "cc", "memory");
	printf("IOPL after iret: %u\n", (eflags() >> 12) & 3);
	printf("getpid with IOPL asked: %s\n", getpid() > 0 ? "ok" : "failed");
	printf("IOPL after a system call: %u\n", (eflags() >> 12) & 3);
	fflush(stdout);
	__asm__ volatile("cli");
	printf("cli allowed\n");
	return 0;
}

/* NT: a system call comes back with it as it was; the program's own
 * iret then tries a task return, and ends it. */
static int
case_nt(void)
{
	eflags_set(eflags() | 0x4000);
	int pid = getpid();
	printf("getpid with NT: %s, NT kept: %u\n", pid > 0 ? "ok" : "failed",
	       (eflags() >> 14) & 1);
	fflush(stdout);
	__asm__ volatile("pushfl\n\t"
			 "pushl %%cs\n\t"
			 "pushl $1f\n\t"
			 "iret\n"
			 "1:" ::
				 : "cc", "memory");
	printf("iret with NT returned\n");
	return 0;
}

/* TF across int $0x80: the system call works, then a trace trap */
static int
case_tf(void)
{
	int r;

	printf("TF then getpid\n");
	fflush(stdout);
	__asm__ volatile("pushfl\n\t"
			 "orl $0x100, (%%esp)\n\t"
			 "popfl\n\t"
			 "int $0x80\n\t"
			 "nop\n\t"
			 "nop"
			 : "=a"(r)
			 : "a"(SYS_getpid)
			 : "cc", "memory");
	printf("stepped on: %d\n", r);
	return 0;
}

/*
 * TF, then mov ss and int $0x80: a mov to ss holds back the single step
 * it would take for one instruction, here the int (the shadow behind
 * CVE-2018-8897).  The step must be the program's, after the system
 * call, never a #DB in the kernel.
 */
static int
case_movss(void)
{
	int r;

	printf("TF, mov ss, int $0x80\n");
	fflush(stdout);
	__asm__ volatile("mov %%ss, %%cx\n\t"
			 "pushfl\n\t"
			 "orl $0x100, (%%esp)\n\t"
			 "popfl\n\t"
			 "mov %%cx, %%ss\n\t"
			 "int $0x80\n\t"
			 "nop\n\t"
			 "nop"
			 : "=a"(r)
			 : "a"(SYS_getpid)
			 : "ecx", "cc", "memory");
	printf("stepped on: %d\n", r);
	return 0;
}

/* AC: system calls still work (ring 0 is never checked) and keep it;
 * the program's own unaligned access is #AC.  AC is set only in the
 * assembly: the C library's copies may be unaligned. */
static int
case_ac(const char *dev)
{
	static uint8_t buf[1024] __attribute__((aligned(16)));
	int fd = open(dev, O_RDONLY), r;
	uint32_t after;

	__asm__ volatile("pushfl\n\t"
			 "orl $0x40000, (%%esp)\n\t"
			 "popfl\n\t"
			 "int $0x80\n\t"
			 "pushfl\n\t"
			 "popl %1\n\t"
			 "pushfl\n\t"
			 "andl $~0x40000, (%%esp)\n\t"
			 "popfl"
			 : "=a"(r), "=r"(after)
			 : "a"(SYS_pread), "b"(fd), "c"(buf + 1), "d"(511),
			   "S"(3), "D"(0)
			 : "memory", "cc");
	printf("pread to an odd address with AC: %d, AC kept: %u\n", r,
	       (after >> 18) & 1);
	fflush(stdout);
	__asm__ volatile("pushfl\n\t"
			 "orl $0x40000, (%%esp)\n\t"
			 "popfl\n\t"
			 "movl (%1), %0\n\t"
			 "pushfl\n\t"
			 "andl $~0x40000, (%%esp)\n\t"
			 "popfl"
			 : "=r"(r)
			 : "r"(buf + 1)
			 : "memory", "cc");
	printf("unaligned load with AC: %x\n", r);
	return 0;
}

/* Every `int`: 256 stubs `int $N; ret`, three bytes each */
extern const uint8_t int_stubs[];
__asm__(".text\n"
	"int_stubs:\n"
	".set n, 0\n"
	".rept 256\n"
	".byte 0xCD, n\n"
	"ret\n"
	".set n, n + 1\n"
	".endr\n");

static int
case_int(int v)
{
	void (*stub)(void) = (void (*)(void))(int_stubs + 3 * v);
	int r;

	if (v == 0x80) {
		__asm__ volatile("call *%1"
				 : "=a"(r)
				 : "r"(stub), "a"(SYS_getpid)
				 : "memory", "cc");
		printf("int $0x80: getpid %s\n", r > 0 ? "ok" : "failed");
		return 0;
	}
	/* eax: no system call's number, should one be made */
	__asm__ volatile("call *%1"
			 : "=a"(r)
			 : "r"(stub), "a"(0x7fff)
			 : "memory", "cc");
	printf("int $0x%x returned %d\n", v, r);
	return 0;
}

/* into with OF set, and icebp (int1): the ways to vectors 4 and 1 */
static int
case_into(void)
{
	__asm__ volatile("movl $0x7fffffff, %%eax\n\t"
			 "addl $1, %%eax\n\t"
			 "into" ::
				 : "eax", "cc");
	printf("into returned\n");
	return 0;
}

static int
case_icebp(void)
{
	__asm__ volatile(".byte 0xF1");
	printf("icebp returned\n");
	return 0;
}

/* Every vector from a child each: how it ended */
static int
case_ints(void)
{
	int count[32] = {0}, first[32], others = 0;
	char arg[8];
	char *args[] = {"hostile", "int", arg, NULL};

	for (int i = 0; i < 32; i++)
		first[i] = -1;
	for (int v = 0; v < 256; v++) {
		int pid, status;
		snprintf(arg, sizeof(arg), "%d", v);
		if (posix_spawn(&pid, me, NULL, NULL, args, NULL) ||
		    waitpid(pid, &status, 0) != pid) {
			printf("int $0x%x: no child\n", v);
			return 1;
		}
		int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		if (!sig && WEXITSTATUS(status)) {
			printf("int $0x%x: exit %d\n", v, WEXITSTATUS(status));
			others++;
		}
		if (v == 3 || v == 4 || v == 0x80)
			printf("int $0x%x: %s\n", v,
			       sig ? (sig == SIGTRAP   ? "SIGTRAP"
				      : sig == SIGSEGV ? "SIGSEGV"
						       : "another signal")
				   : "returned");
		else {
			if (first[sig] < 0)
				first[sig] = v;
			count[sig]++;
		}
	}
	for (int s = 0; s < 32; s++)
		if (count[s])
			printf("other vectors: %d ended by signal %d (first "
			       "$0x%x)\n",
			       count[s], s, first[s]);
	return others;
}

/*
 * The instructions ring 3 may not use, and the two fast system call
 * instructions this kernel never set up: each must end the program.
 */
static const struct {
	const char *name;
	uint8_t code[8];
} privs[] = {
	{"hlt", {0xF4}},
	{"in $0x60", {0xE4, 0x60}},
	{"out $0x80", {0xE6, 0x80}},
	{"lidt (eax)", {0x0F, 0x01, 0x18}},
	{"lgdt (eax)", {0x0F, 0x01, 0x10}},
	{"mov cr3, eax", {0x0F, 0x22, 0xD8}},
	{"mov eax, cr0", {0x0F, 0x20, 0xC0}},
	{"wrmsr", {0x0F, 0x30}},
	{"rdmsr", {0x0F, 0x32}},
	{"invlpg (eax)", {0x0F, 0x01, 0x38}},
	{"ltr ax", {0x0F, 0x00, 0xD8}},
	{"clts", {0x0F, 0x06}},
	{"sysenter", {0x0F, 0x34}},
	{"syscall", {0x0F, 0x05}},
	{"iret to ring 0", {0x6A, 0x02, 0x6A, 0x08, 0x6A, 0x00, 0xCF}},
};

#define NPRIV (int)(sizeof(privs) / sizeof(privs[0]))

/* Privileged instruction i, copied to the heap (whose pages may run:
 * no NX on this CPU model) with eax at a harmless address */
static int
case_priv(int i)
{
	uint8_t *code = sbrk(PAGE);

	memcpy(code, privs[i].code, sizeof(privs[i].code));
	code[sizeof(privs[i].code)] = 0xC3; /* ret */
	printf("%s\n", privs[i].name);
	fflush(stdout);
	__asm__ volatile("call *%0" : : "r"(code), "a"(area) : "memory", "cc");
	printf("%s returned\n", privs[i].name);
	return 0;
}

/* Each from a child: how each ended */
static int
case_privs(void)
{
	char arg[8];
	char *args[] = {"hostile", "priv", arg, NULL};

	for (int i = 0; i < NPRIV; i++) {
		int pid, status;
		snprintf(arg, sizeof(arg), "%d", i);
		if (posix_spawn(&pid, me, NULL, NULL, args, NULL) ||
		    waitpid(pid, &status, 0) != pid)
			return 1;
		printf("%s: %s %d\n", privs[i].name,
		       WIFSIGNALED(status) ? "signal" : "exit",
		       WIFSIGNALED(status) ? WTERMSIG(status)
					   : WEXITSTATUS(status));
	}
	return 0;
}

/* Odd data selectors across system calls: kept as loaded */
static uint32_t
sys_with_segs(uint32_t sel, uint32_t *after)
{
	uint32_t r, seen;

	__asm__ volatile("push %%ds\n\t"
			 "push %%es\n\t"
			 "push %%fs\n\t"
			 "push %%gs\n\t"
			 "mov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%fs\n\t"
			 "mov %2, %%gs\n\t"
			 "int $0x80\n\t"
			 "mov %%ds, %1\n\t"
			 "pop %%gs\n\t"
			 "pop %%fs\n\t"
			 "pop %%es\n\t"
			 "pop %%ds"
			 : "=a"(r), "=&r"(seen)
			 : "r"(sel), "a"(SYS_getpid)
			 : "memory", "cc");
	*after = seen & 0xFFFF;
	return r;
}

static int
case_segs(void)
{
	uint32_t sels[] = {0, 1, 2, 3, 0x28, 0x2B, 0x30, 0x33};

	for (int i = 0; i < 8; i++) {
		uint32_t after, r = sys_with_segs(sels[i], &after);
		printf("selector %02x: getpid %s, ds after %02x\n", sels[i],
		       (int)r > 0 ? "ok" : "failed", after);
	}
	/* and a while with a null ds, taking the clock's interrupts */
	__asm__ volatile("push %%ds\n\t"
			 "xor %%eax, %%eax\n\t"
			 "mov %%ax, %%ds\n\t"
			 "mov $30000000, %%ecx\n"
			 "1:\tloop 1b\n\t"
			 "pop %%ds" ::
				 : "eax", "ecx", "memory");
	printf("spun with a null ds\n");
	return 0;
}

/* Loading a selector of the kernel's: #GP in the program */
static int
case_ksel(uint32_t sel)
{
	printf("loading %02x\n", sel);
	fflush(stdout);
	__asm__ volatile("mov %0, %%fs" : : "r"(sel));
	printf("loaded %02x\n", sel);
	return 0;
}

/* System calls, and a spin that the clock interrupts, with esp at the
 * kernel's memory, nowhere and the top of the user range: the kernel
 * takes its own stack from the TSS and never looks at the program's. */
static int
case_esp(void)
{
	uint32_t sps[] = {0, 0x100000, 0xB0000000u, 0xFFFFFFF0u, 0x12345679};

	for (int i = 0; i < 5; i++) {
		int r;
		__asm__ volatile("mov %%esp, %%esi\n\t"
				 "mov %2, %%esp\n\t"
				 "int $0x80\n\t"
				 "mov $20000000, %%ecx\n"
				 "1:\tloop 1b\n\t"
				 "mov %%esi, %%esp"
				 : "=a"(r)
				 : "a"(SYS_getpid), "D"(sps[i])
				 : "esi", "ecx", "memory", "cc");
		printf("esp %08x: getpid %s\n", sps[i],
		       r > 0 ? "ok" : "failed");
	}
	return 0;
}

static struct aiocb cb[AIO_MAX + 1];

/* Reads of len bytes from fd into memory of its own until one is
 * refused (errno) or AIO_MAX + 1 are in flight: how many started */
static int
aio_fill(int fd, uint32_t len)
{
	char *mem = sbrk((int)(len * (AIO_MAX + 1) + PAGE));
	int n;

	if (mem == (char *)-1)
		return 0;
	mem += (PAGE - (uint32_t)mem % PAGE) % PAGE; /* 1 MiB: 256 pages */
	for (n = 0; n < AIO_MAX + 1; n++) {
		cb[n] = (struct aiocb){.aio_fildes = fd,
				       .aio_buf = mem + n * len,
				       .aio_nbytes = len};
		if (aio_read(&cb[n]))
			break;
	}
	return n;
}

/* Wait for the first n and take their results: their slots are free */
static void
aio_reap(int n)
{
	for (int i = 0; i < n; i++) {
		const struct aiocb *one[] = {&cb[i]};
		while (aio_error(&cb[i]) == EINPROGRESS)
			aio_suspend(one, 1, NULL);
		aio_return(&cb[i]);
	}
}

/*
 * Each table a program can fill, filled until the kernel says no, then
 * left to the kernel to empty when it is killed: processes (children
 * asleep), descriptors, aio requests on DEV (rd1, slow), and memory.
 */
static int
case_exhaust(const char *dev)
{
	char *args[] = {"hostile", "sleep", NULL};
	int pid, n = 0, err;

	while (!(err = posix_spawn(&pid, me, NULL, NULL, args, NULL)))
		n++;
	printf("spawned %d sleepers, then %s\n", n, errno_name(err));
	for (n = 0; open(dev, O_RDONLY) >= 0; n++)
		;
	printf("opened %d more, then %s\n", n, errno_name(errno));
	for (int fd = 3; fd < 8; fd++)
		close(fd);
	int raw = open(dev, O_RDONLY);
	/* a sector each, on rd1 (1 s each): a process's 32, then EAGAIN;
	 * then, once they are done and reaped, 1 MiB each: the process's
	 * share of held frames (4 MiB, PROC_HOLDS) runs out at the fifth */
	n = aio_fill(raw, 512);
	printf("aio reads of 512 bytes in flight: %d, then %s\n", n,
	       errno_name(errno));
	aio_reap(n);
	n = aio_fill(raw, 1 << 20);
	printf("aio reads of 1 MiB in flight: %d, then %s\n", n,
	       errno_name(errno));
	for (n = 0; sbrk(1 << 20) != (void *)-1; n++)
		;
	printf("took %d MiB more, then %s\n", n, errno_name(errno));
	printf("ready to be killed\n");
	fflush(stdout);
	struct timespec t = {3600, 0};
	while (nanosleep(&t, NULL) == 0)
		;
	return 1;
}

static int
case_sleep(void)
{
	struct timespec t = {3600, 0};

	return nanosleep(&t, NULL);
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	if (!strcmp(c, "df") && argc == 4)
		return case_df(argv[2], argv[3]);
	if (!strcmp(c, "dfrace") && argc == 4)
		return case_dfrace(argv[2], argv[3]);
	if (!strcmp(c, "readcheck") && argc == 4)
		return case_readcheck(argv[2], atoi(argv[3]));
	if (!strcmp(c, "echo")) {
		for (int i = 2; i < argc; i++)
			printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
		return 0;
	}
	if (!strcmp(c, "vm86"))
		return case_vm86();
	if (!strcmp(c, "iopl"))
		return case_iopl();
	if (!strcmp(c, "nt"))
		return case_nt();
	if (!strcmp(c, "tf"))
		return case_tf();
	if (!strcmp(c, "movss"))
		return case_movss();
	if (!strcmp(c, "ac") && argc == 3)
		return case_ac(argv[2]);
	if (!strcmp(c, "int") && argc == 3)
		return case_int(atoi(argv[2]) & 0xFF);
	if (!strcmp(c, "ints"))
		return case_ints();
	if (!strcmp(c, "into"))
		return case_into();
	if (!strcmp(c, "icebp"))
		return case_icebp();
	if (!strcmp(c, "priv") && argc == 3 && atoi(argv[2]) >= 0 &&
	    atoi(argv[2]) < NPRIV)
		return case_priv(atoi(argv[2]));
	if (!strcmp(c, "privs"))
		return case_privs();
	if (!strcmp(c, "segs"))
		return case_segs();
	if (!strcmp(c, "ksel") && argc == 3)
		return case_ksel((uint32_t)strtoul(argv[2], NULL, 0));
	if (!strcmp(c, "esp"))
		return case_esp();
	if (!strcmp(c, "exhaust") && argc == 3)
		return case_exhaust(argv[2]);
	if (!strcmp(c, "sleep"))
		return case_sleep();
	fprintf(stderr, "usage: hostile CASE [ARG...]\n");
	return 2;
}
