/*
 * syscall.h: the system call interface, shared by the kernel
 * (kernel/proc/syscall.c) and the processes' C library (lib/user/libc).
 *
 * A process calls `int $0x80` with the call's number in eax and its
 * arguments in ebx, ecx, edx, esi, edi (Linux's i386 convention); the
 * result comes back in eax, a negative errno on failure, which the
 * library turns into -1 and errno as POSIX says.  A 64-bit offset is two
 * arguments, low half first; a 64-bit result comes back through a
 * pointer.
 */
#ifndef LIB_SYSCALL_H
#define LIB_SYSCALL_H

#include <stdint.h>

enum {
	SYS_exit = 1,	   /* (status) */
	SYS_read,	   /* (fd, buf, n) */
	SYS_write,	   /* (fd, buf, n) */
	SYS_open,	   /* (path, flags) */
	SYS_close,	   /* (fd) */
	SYS_pread,	   /* (fd, buf, n, off_lo, off_hi) */
	SYS_pwrite,	   /* (fd, buf, n, off_lo, off_hi) */
	SYS_lseek,	   /* (fd, off_lo, off_hi, whence, uint64_t *result) */
	SYS_fstat,	   /* (fd, struct stat *) */
	SYS_ioctl,	   /* (fd, request, arg) */
	SYS_getpid,	   /* () */
	SYS_spawn,	   /* (path, argv): the child's pid */
	SYS_waitpid,	   /* (pid, int *status, options) */
	SYS_kill,	   /* (pid, signal) */
	SYS_sbrk,	   /* (increment): the old break */
	SYS_clock_gettime, /* (clock, struct timespec *) */
	SYS_fsync,	   /* (fd) */
	SYS_aio_read,	   /* (struct aiocb *) */
	SYS_aio_write,	   /* (struct aiocb *) */
	SYS_aio_suspend,   /* (const struct aiocb *const list[], n) */
	SYS_aio_error,	   /* (const struct aiocb *) */
	SYS_aio_return,	   /* (struct aiocb *) */
	SYS_nanosleep,	   /* (const struct timespec *, rem: unused) */
	SYS_NCALL
};

/* open's flags */
#define O_RDONLY  0
#define O_WRONLY  1
#define O_RDWR	  2
#define O_ACCMODE 3

/* lseek's whence */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define S_IFMT	   0170000
#define S_IFCHR	   0020000 /* the console, a raw device */
#define S_IFBLK	   0060000 /* a block device */
#define S_IFREG	   0100000 /* a program in /bin */
#define S_ISCHR(m) (((m)&S_IFMT) == S_IFCHR)
#define S_ISBLK(m) (((m)&S_IFMT) == S_IFBLK)
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)

struct stat {
	uint32_t st_mode;
	uint32_t st_rdev;    /* a device's number: major << 8 | minor */
	uint64_t st_size;    /* bytes: a device's whole size */
	uint32_t st_blksize; /* a device's block (sector) size */
	uint32_t st_pad;
	uint64_t st_blocks; /* 512-byte blocks */
};

/* ioctl requests on a device (FreeBSD's names for the same things) */
#define DIOCGSECTORSIZE 0x40046480 /* (uint32_t *): bytes a sector */
#define DIOCGMEDIASIZE	0x40086481 /* (uint64_t *): bytes in all */

/* waitpid's status, as POSIX's macros read it (Linux's encoding) */
#define WIFEXITED(s)   (((s)&0x7F) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xFF)
#define WIFSIGNALED(s) (((s)&0x7F) != 0)
#define WTERMSIG(s)    ((s)&0x7F)
#define WNOHANG	       1

/* the signals a process can end by (Linux's numbers) */
#define SIGINT	2
#define SIGILL	4
#define SIGTRAP 5
#define SIGBUS	7
#define SIGFPE	8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGSYS	31

#define CLOCK_MONOTONIC 1
struct timespec {
	int64_t tv_sec;
	int32_t tv_nsec;
};

/*
 * Asynchronous I/O (POSIX aio) on raw devices: aio_read and aio_write
 * start a transfer into or out of the process's pages and return; the
 * pages stay held (userdma) until it ends, even if the process does not
 * wait (it exits, it is killed).  aio_error says EINPROGRESS until then,
 * aio_return gives read's result once, aio_suspend sleeps for one.
 */
struct aiocb {
	int aio_fildes;
	int aio_lio_opcode; /* unused: the call says which */
	int64_t aio_offset;
	volatile void *aio_buf;
	uint32_t aio_nbytes;
	int aio_reqprio; /* unused */
	uint32_t aio_pad;
};
#define AIO_MAX 32 /* a process's transfers in flight at once */

#define ARG_MAX	 4096 /* bytes of spawn's arguments, strings and all */
#define PATH_MAX 64

#endif
