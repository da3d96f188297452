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
	SYS_stat,	   /* (path, struct stat *) */
	SYS_lstat,	   /* (path, struct stat *): a link itself */
	SYS_unlink,	   /* (path) */
	SYS_mkdir,	   /* (path, mode) */
	SYS_rmdir,	   /* (path) */
	SYS_rename,	   /* (from, to) */
	SYS_link,	   /* (from, to) */
	SYS_symlink,	   /* (target, path) */
	SYS_readlink,	   /* (path, buf, n): bytes, no NUL */
	SYS_getdents,	   /* (fd, struct dirent64 *, n): bytes */
	SYS_ftruncate,	   /* (fd, len_lo, len_hi) */
	SYS_chdir,	   /* (path) */
	SYS_getcwd,	   /* (buf, n) */
	SYS_statfs,	   /* (path, struct statfs *) */
	SYS_sync,	   /* () */
	SYS_utimensat,	   /* (path, const struct timespec[2] or 0, flags) */
	SYS_NCALL
};

/* open's flags */
#define O_RDONLY    0
#define O_WRONLY    1
#define O_RDWR	    2
#define O_ACCMODE   3
#define O_CREAT	    0100    /* create it if it is not there */
#define O_EXCL	    0200    /* with O_CREAT: EEXIST if it is */
#define O_TRUNC	    01000   /* a file opened for writing: to 0 bytes */
#define O_APPEND    02000   /* every write at the end */
#define O_DIRECTORY 0200000 /* ENOTDIR if it is not one */
#define O_NOFOLLOW  0400000 /* ELOOP if the last name is a link */
#define O_OPEN_FLAGS                                                           \
	(O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY | O_NOFOLLOW)

/* lseek's whence */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define S_IFMT	   0170000
#define S_IFIFO	   0010000
#define S_IFCHR	   0020000 /* the console, a raw device */
#define S_IFDIR	   0040000
#define S_IFBLK	   0060000 /* a block device */
#define S_IFREG	   0100000 /* a file; a program in /bin */
#define S_IFLNK	   0120000
#define S_IFSOCK   0140000
#define S_ISCHR(m) (((m)&S_IFMT) == S_IFCHR)
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISBLK(m) (((m)&S_IFMT) == S_IFBLK)
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m)&S_IFMT) == S_IFLNK)

struct stat {
	uint32_t st_dev; /* the file system's device; 0: none */
	uint32_t st_ino;
	uint32_t st_mode;
	uint32_t st_nlink;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t st_rdev;    /* a device's number: major << 8 | minor */
	uint32_t st_blksize; /* the best size to move: a block */
	uint64_t st_size;    /* bytes: a device's whole size */
	uint64_t st_blocks;  /* 512-byte blocks */
	int64_t st_atime;    /* seconds since 1970 (UTC) */
	int64_t st_mtime;
	int64_t st_ctime;
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

/* utimensat: a time of now, or left as it is; the calls' flag not to
 * follow a last symbolic link; the only directory it takes */
#define UTIME_NOW	    ((1 << 30) - 1)
#define UTIME_OMIT	    ((1 << 30) - 2)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_FDCWD	    (-100)

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
#define PATH_MAX 1024 /* bytes of a path, its NUL too */
#define NAME_MAX 255  /* bytes of one name in it */

/* getdents' entries, Linux's struct linux_dirent64: each d_reclen bytes
 * long (a multiple of 8), d_name NUL-terminated */
struct dirent64 {
	uint64_t d_ino;
	int64_t d_off; /* where the next entry is: lseek's, opaque */
	uint16_t d_reclen;
	uint8_t d_type; /* DT_* */
	char d_name[];
};
#define DT_UNKNOWN 0
#define DT_FIFO	   1
#define DT_CHR	   2
#define DT_DIR	   4
#define DT_BLK	   6
#define DT_REG	   8
#define DT_LNK	   10
#define DT_SOCK	   12

struct statfs {
	uint32_t f_type;   /* 0xEF53: ext2 */
	uint32_t f_bsize;  /* bytes a block */
	uint64_t f_blocks; /* blocks in all */
	uint64_t f_bfree;  /* free */
	uint64_t f_bavail; /* free to others than the superuser */
	uint64_t f_files;  /* inodes in all */
	uint64_t f_ffree;  /* free */
	uint32_t f_namelen;
	uint32_t f_flags; /* ST_RDONLY */
	char f_dev[16];	  /* the device it is on */
};
#define ST_RDONLY 1

#endif
