/*
 * sys.c: the system call stubs (lib/syscall.h), each turning the
 * kernel's negative errno into -1 and errno, as POSIX says.
 */
#include <aio.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int errno;

int
syscall(int n, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
	int r;

	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory");
	return r;
}

static int
ret(int r)
{
	if (r < 0 && r > -4096) {
		errno = -r;
		return -1;
	}
	return r;
}

#define SC(n, a, b, c, d, e)                                                   \
	ret(syscall((n), (uint32_t)(a), (uint32_t)(b), (uint32_t)(c),          \
		    (uint32_t)(d), (uint32_t)(e)))

ssize_t
read(int fd, void *buf, size_t n)
{
	return SC(SYS_read, fd, buf, n, 0, 0);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	return SC(SYS_write, fd, buf, n, 0, 0);
}

ssize_t
pread(int fd, void *buf, size_t n, off_t off)
{
	return SC(SYS_pread, fd, buf, n, (uint64_t)off, (uint64_t)off >> 32);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return SC(SYS_pwrite, fd, buf, n, (uint64_t)off, (uint64_t)off >> 32);
}

off_t
lseek(int fd, off_t off, int whence)
{
	uint64_t result;

	if (SC(SYS_lseek, fd, (uint64_t)off, (uint64_t)off >> 32, whence,
	       &result) < 0)
		return -1;
	return (off_t)result;
}

int
open(const char *path, int flags, ...)
{
	uint32_t mode = 0;

	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, uint32_t);
		va_end(ap);
	}
	return SC(SYS_open, path, flags, mode, 0, 0);
}

int
stat(const char *path, struct stat *st)
{
	return SC(SYS_stat, path, st, 0, 0, 0);
}

int
lstat(const char *path, struct stat *st)
{
	return SC(SYS_lstat, path, st, 0, 0, 0);
}

int
mkdir(const char *path, uint32_t mode)
{
	return SC(SYS_mkdir, path, mode, 0, 0, 0);
}

int
unlink(const char *path)
{
	return SC(SYS_unlink, path, 0, 0, 0, 0);
}

int
rmdir(const char *path)
{
	return SC(SYS_rmdir, path, 0, 0, 0, 0);
}

int
rename(const char *from, const char *to)
{
	return SC(SYS_rename, from, to, 0, 0, 0);
}

int
link(const char *from, const char *to)
{
	return SC(SYS_link, from, to, 0, 0, 0);
}

int
symlink(const char *target, const char *path)
{
	return SC(SYS_symlink, target, path, 0, 0, 0);
}

ssize_t
readlink(const char *path, char *buf, size_t n)
{
	return SC(SYS_readlink, path, buf, n, 0, 0);
}

int
getdents(int fd, void *buf, size_t n)
{
	return SC(SYS_getdents, fd, buf, n, 0, 0);
}

int
ftruncate(int fd, off_t len)
{
	return SC(SYS_ftruncate, fd, (uint64_t)len, (uint64_t)len >> 32, 0, 0);
}

int
chdir(const char *path)
{
	return SC(SYS_chdir, path, 0, 0, 0, 0);
}

char *
getcwd(char *buf, size_t n)
{
	return SC(SYS_getcwd, buf, n, 0, 0, 0) < 0 ? NULL : buf;
}

int
statfs(const char *path, struct statfs *sf)
{
	return SC(SYS_statfs, path, sf, 0, 0, 0);
}

/* (dirfd: AT_FDCWD only, a path relative to the working directory) */
int
utimensat(int dirfd, const char *path, const struct timespec times[2],
	  int flags)
{
	if (dirfd != AT_FDCWD) {
		errno = EBADF;
		return -1;
	}
	return SC(SYS_utimensat, path, times, flags, 0, 0);
}

void
sync(void)
{
	syscall(SYS_sync, 0, 0, 0, 0, 0);
}

int
close(int fd)
{
	return SC(SYS_close, fd, 0, 0, 0, 0);
}

int
fsync(int fd)
{
	return SC(SYS_fsync, fd, 0, 0, 0, 0);
}

int
fstat(int fd, struct stat *st)
{
	return SC(SYS_fstat, fd, st, 0, 0, 0);
}

int
ioctl(int fd, unsigned long request, ...)
{
	va_list ap;

	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return SC(SYS_ioctl, fd, request, arg, 0, 0);
}

pid_t
getpid(void)
{
	return SC(SYS_getpid, 0, 0, 0, 0, 0);
}

void *
sbrk(int incr)
{
	int r = syscall(SYS_sbrk, (uint32_t)incr, 0, 0, 0, 0);

	if (r < 0 && r > -4096) {
		errno = -r;
		return (void *)-1;
	}
	return (void *)r;
}

int
posix_spawn(int *pid, const char *path, void *file_actions, void *attrp,
	    char *const argv[], char *const envp[])
{
	(void)file_actions;
	(void)attrp;
	(void)envp;
	int r = syscall(SYS_spawn, (uint32_t)path, (uint32_t)argv, 0, 0, 0);
	if (r < 0)
		return -r; /* posix_spawn returns the error itself */
	if (pid)
		*pid = r;
	return 0;
}

int
waitpid(int pid, int *status, int options)
{
	return SC(SYS_waitpid, pid, status, options, 0, 0);
}

int
kill(int pid, int sig)
{
	return SC(SYS_kill, pid, sig, 0, 0, 0);
}

int
clock_gettime(int clock, struct timespec *ts)
{
	return SC(SYS_clock_gettime, clock, ts, 0, 0, 0);
}

int
nanosleep(const struct timespec *req, struct timespec *rem)
{
	return SC(SYS_nanosleep, req, rem, 0, 0, 0);
}

void
_exit(int status)
{
	syscall(SYS_exit, (uint32_t)status, 0, 0, 0, 0);
	for (;;)
		;
}

int
aio_read(struct aiocb *cb)
{
	return SC(SYS_aio_read, cb, 0, 0, 0, 0);
}

int
aio_write(struct aiocb *cb)
{
	return SC(SYS_aio_write, cb, 0, 0, 0, 0);
}

int
aio_suspend(const struct aiocb *const list[], int n,
	    const struct timespec *timeout)
{
	if (timeout) {
		errno = EINVAL;
		return -1;
	}
	return SC(SYS_aio_suspend, list, n, 0, 0, 0);
}

/* the request's error (0, EINPROGRESS, ...); -1 and errno if unknown */
int
aio_error(const struct aiocb *cb)
{
	return SC(SYS_aio_error, cb, 0, 0, 0, 0);
}

int
aio_return(struct aiocb *cb)
{
	return SC(SYS_aio_return, cb, 0, 0, 0, 0);
}
