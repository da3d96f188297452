/*
 * syscall.c: the system calls (lib/syscall.h has the interface).
 *
 * Each takes its arguments from the trap frame, checks every one (a
 * pointer by copyin/copyout/useracc, a descriptor against the table, a
 * length against the process's memory), and returns a result or a
 * negative errno.  read and write follow POSIX: bytes moved, 0 at the
 * end of a device, a short count across it, -1 and errno only when
 * nothing moved (then the next call goes on from there).
 *
 * Protection: a process's descriptors and heap are its one thread's; an
 * open file's offset, shared with a child, is read and moved under the
 * file's pos lock (read, write, lseek, getdents).
 */
#include "syscall.h"

#include "aio.h"
#include "clock.h"
#include "copy.h"
#include "cpu.h"
#include "errno.h"
#include "blk/bcache.h"
#include "file.h"
#include "kmalloc.h"
#include "pmem.h"
#include "proc.h"
#include "string.h"
#include "thread.h"
#include "trap.h"
#include "vm.h"

#define OFF(lo, hi) ((uint64_t)(lo) | (uint64_t)(hi) << 32)
#define SPAWN_ARGS  31

static struct file *
fd_file(struct proc *p, uint32_t fd)
{
	return fd < NOFILE ? p->files[fd] : NULL;
}

static int
sys_rw(struct proc *p, uint32_t fd, void *buf, uint32_t n, int write)
{
	struct file *f = fd_file(p, fd);
	uint32_t moved;

	if (!f)
		return -EBADF;
	if (n > 0x7FFFFFFF)
		return -EINVAL; /* the count must fit the result */
	int err;
	if (f->type == FT_CONSOLE) { /* (no offset: a reader waiting for a
					line holds up no writer) */
		err = file_rw(f, buf, n, 0, write, &moved);
		return err ? -err : (int)moved;
	}
	if (mutex_enter_unless(&f->pos, &p->killed))
		return -EINTR;
	err = file_rw(f, buf, n, f->offset, write, &moved);
	uint64_t size;
	if (write && (f->flags & O_APPEND) && !file_size(f, &size))
		f->offset = size; /* the write went to the end */
	else
		f->offset += moved;
	mutex_exit(&f->pos);
	return err ? -err : (int)moved;
}

static int
sys_prw(struct proc *p, uint32_t fd, void *buf, uint32_t n, uint64_t off,
	int write)
{
	struct file *f = fd_file(p, fd);
	uint32_t moved;

	if (!f)
		return -EBADF;
	if (f->type == FT_CONSOLE)
		return -ESPIPE;
	if (n > 0x7FFFFFFF || (int64_t)off < 0)
		return -EINVAL;
	int err = file_rw(f, buf, n, off, write, &moved);
	return err ? -err : (int)moved;
}

/* A path from the process, in kernel memory (kfree it): 0 and *path,
 * or EFAULT, ENAMETOOLONG (PATH_MAX with its NUL), ENOMEM. */
static int
path_in(const char *upath, char **path)
{
	if (!(*path = kmalloc(PATH_MAX)))
		return ENOMEM;
	int err = copyinstr(upath, *path, PATH_MAX);
	if (err) {
		kfree(*path);
		*path = NULL;
	}
	return err;
}

static int
sys_open(struct proc *p, const char *upath, int flags, uint32_t mode)
{
	char *path;
	struct file *f;
	int fd, err = path_in(upath, &path);

	if (err)
		return -err;
	for (fd = 0; fd < NOFILE && p->files[fd]; fd++)
		;
	if (fd == NOFILE)
		err = EMFILE;
	else if (!(err = file_open_at(&p->cwd, path, flags, mode, &f)))
		p->files[fd] = f;
	kfree(path);
	return err ? -err : fd;
}

/* The calls on one name: stat, lstat, unlink, mkdir, rmdir, chdir,
 * statfs */
static int
sys_name(struct proc *p, uint32_t call, const char *upath, uint32_t arg)
{
	char *path;
	int err = path_in(upath, &path);
	struct stat st;
	struct statfs sf;

	if (err)
		return -err;
	switch (call) {
	case SYS_stat:
	case SYS_lstat:
		if (!(err = vfs_stat(&p->cwd, path, call == SYS_stat, &st)))
			err = copyout(&st, (void *)arg, sizeof(st));
		break;
	case SYS_unlink: err = vfs_unlink(&p->cwd, path); break;
	case SYS_mkdir: err = vfs_mkdir(&p->cwd, path, arg); break;
	case SYS_rmdir: err = vfs_rmdir(&p->cwd, path); break;
	case SYS_chdir: err = vfs_chdir(&p->cwd, path); break;
	case SYS_statfs:
		if (!(err = vfs_statfs(&p->cwd, path, &sf)))
			err = copyout(&sf, (void *)arg, sizeof(sf));
		break;
	default: err = ENOSYS; break;
	}
	kfree(path);
	return -err;
}

/* The calls on two: rename, link, symlink (its target first) */
static int
sys_names(struct proc *p, uint32_t call, const char *ua, const char *ub)
{
	char *a, *b;
	int err = path_in(ua, &a);

	if (err)
		return -err;
	if ((err = path_in(ub, &b))) {
		kfree(a);
		return -err;
	}
	switch (call) {
	case SYS_rename: err = vfs_rename(&p->cwd, a, b); break;
	case SYS_link: err = vfs_link(&p->cwd, a, b); break;
	default: err = vfs_symlink(&p->cwd, a, b); break;
	}
	kfree(a);
	kfree(b);
	return -err;
}

static int
sys_utimensat(struct proc *p, const char *upath, const void *utimes,
	      uint32_t flags)
{
	struct timespec t[2];
	char *path;
	int err;

	if (flags & ~(uint32_t)AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	if (utimes && (err = copyin(utimes, t, sizeof(t))))
		return -err;
	if ((err = path_in(upath, &path)))
		return -err;
	err = vfs_utimens(&p->cwd, path, !(flags & AT_SYMLINK_NOFOLLOW),
			  utimes ? t : NULL);
	kfree(path);
	return -err;
}

static int
sys_readlink(struct proc *p, const char *upath, char *ubuf, uint32_t n)
{
	char *path;
	uint32_t len = 0;
	int err = path_in(upath, &path);

	if (err)
		return -err;
	if (!useracc(ubuf, n, 1))
		err = EFAULT;
	else
		err = vfs_readlink(&p->cwd, path, ubuf, n, &len);
	kfree(path);
	return err ? -err : (int)len;
}

static int
sys_getdents(struct proc *p, uint32_t fd, void *ubuf, uint32_t n)
{
	struct file *f = fd_file(p, fd);

	if (!f)
		return -EBADF;
	if (f->type != FT_INODE && f->type != FT_DIR)
		return -ENOTDIR;
	if (!useracc(ubuf, n, 1))
		return -EFAULT;
	if (mutex_enter_unless(&f->pos, &p->killed))
		return -EINTR;
	int r = vfs_getdents(&f->node, &f->offset, ubuf, n);
	mutex_exit(&f->pos);
	return r;
}

static int
sys_getcwd(struct proc *p, char *ubuf, uint32_t n)
{
	if (!useracc(ubuf, n, 1))
		return -EFAULT;
	int err = vfs_getcwd(&p->cwd, ubuf, n);
	return err ? -err : 0;
}

static int
sys_ftruncate(struct proc *p, uint32_t fd, uint64_t len)
{
	struct file *f = fd_file(p, fd);

	if (!f)
		return -EBADF;
	if ((int64_t)len < 0)
		return -EINVAL;
	return -file_truncate(f, len);
}

static int
sys_close(struct proc *p, uint32_t fd)
{
	struct file *f = fd_file(p, fd);

	if (!f)
		return -EBADF;
	p->files[fd] = NULL;
	file_close(f);
	return 0;
}

static int
sys_lseek(struct proc *p, uint32_t fd, uint64_t off, int whence,
	  uint64_t *uresult)
{
	struct file *f = fd_file(p, fd);
	uint64_t size, base;

	if (!f)
		return -EBADF;
	if (file_size(f, &size))
		return -ESPIPE;
	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
		return -EINVAL;
	if (mutex_enter_unless(&f->pos, &p->killed))
		return -EINTR;
	base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->offset : size;
	int64_t to = (int64_t)(base + off);
	int err = (int64_t)off > 0 && to < (int64_t)base ? EOVERFLOW
		  : to < 0				 ? EINVAL
							 : 0;
	uint64_t result = (uint64_t)to;
	if (!err && !(err = copyout(&result, uresult, sizeof(result))))
		f->offset = result;
	mutex_exit(&f->pos);
	return -err;
}

static int
sys_fstat(struct proc *p, uint32_t fd, struct stat *ust)
{
	struct file *f = fd_file(p, fd);
	struct stat st;

	if (!f)
		return -EBADF;
	file_stat(f, &st);
	return -copyout(&st, ust, sizeof(st));
}

static int
sys_spawn(struct proc *p, const char *upath, char *const *uargv)
{
	char path[PATH_MAX], *argv[SPAWN_ARGS + 1], *strings;
	uint32_t used = 0;
	int argc = 0, err = copyinstr(upath, path, sizeof(path));

	if (err)
		return -err;
	if (!(strings = kmalloc(ARG_MAX)))
		return -ENOMEM;
	for (;; argc++) {
		char *ua;
		if ((err = copyin(&uargv[argc], &ua, sizeof(ua))))
			break;
		if (!ua)
			break;
		if (argc == SPAWN_ARGS) {
			err = E2BIG;
			break;
		}
		err = copyinstr(ua, strings + used, ARG_MAX - used);
		if (err) {
			err = err == ENAMETOOLONG ? E2BIG : err;
			break;
		}
		argv[argc] = strings + used;
		used += strlen(argv[argc]) + 1;
	}
	argv[argc] = NULL;
	int r = err ? -err : proc_spawn(path, argc, argv, p, 0);
	kfree(strings);
	return r;
}

static int
sys_waitpid(struct proc *p, int pid, int *ustatus, int options)
{
	int status = 0;

	if (options & ~WNOHANG)
		return -EINVAL;
	if (ustatus && !useracc(ustatus, sizeof(int), 1))
		return -EFAULT;
	int r = proc_wait(p, pid, &status, options);
	if (r > 0 && ustatus)
		copyout(&status, ustatus, sizeof(status));
	return r;
}

/* Grow (or shrink) the heap by incr bytes; the old end, or ENOMEM. */
static int
sys_sbrk(struct proc *p, int incr)
{
	uint32_t old = p->brk,
		 top = USER_TOP - USTACK_PAGES * PAGE_SIZE - USTACK_GAP;
	uint64_t to = (uint64_t)old + (int64_t)incr;

	if (to < p->heap || to > top)
		return -ENOMEM;
	uint32_t mapped = (old + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	/* shrinking gives back the pages wholly above the new end */
	for (uint32_t va = ((uint32_t)to + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	     va < mapped; va += PAGE_SIZE)
		vm_space_unmap(p->space, va);
	for (uint32_t va = mapped; va < to; va += PAGE_SIZE) {
		if (vm_space_pte(p->space, va) & PTE_P)
			continue; /* left by a failed grow */
		uint32_t f = vm_space_frame(p->space);
		if (!f || vm_space_map(p->space, va, f, 1)) {
			if (f)
				pmem_free(f);
			return -ENOMEM; /* what was mapped stays, unused */
		}
	}
	p->brk = (uint32_t)to;
	return (int)old;
}

static int
sys_clock_gettime(int clock, struct timespec *uts)
{
	struct timespec ts;

	if (clock != CLOCK_MONOTONIC)
		return -EINVAL;
	uint64_t ns = clock_cycles_to_ns(rdtsc());
	ts.tv_sec = (int64_t)(ns / 1000000000u);
	ts.tv_nsec = (int32_t)(ns % 1000000000u);
	return -copyout(&ts, uts, sizeof(ts));
}

/* At least the time asked: whole ticks (milliseconds), and one more
 * for the tick under way; a time past 2^63 ms is as good as forever.
 * rem is POSIX's time left after a signal handler ran; there are no
 * handlers here (a kill ends the process on its way out), so it is
 * never written. */
static int
sys_nanosleep(struct proc *p, const struct timespec *ureq)
{
	_Static_assert(HZ == 1000, "a tick is a millisecond");
	struct timespec ts;
	int err = copyin(ureq, &ts, sizeof(ts));

	if (err)
		return -err;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	uint64_t ticks =
		(uint64_t)ts.tv_sec > UINT64_MAX / 2000
			? UINT64_MAX / 2
			: (uint64_t)ts.tv_sec * 1000 +
				  ((uint32_t)ts.tv_nsec + 999999) / 1000000 + 1;
	return -proc_sleep(p, ticks);
}

static int
sys_fsync(struct proc *p, uint32_t fd)
{
	struct file *f = fd_file(p, fd);

	return f ? -file_fsync(f) : -EBADF;
}

void
syscall(struct trapframe *tf)
{
	struct proc *p = curthread->proc;
	uint32_t a = tf->ebx, b = tf->ecx, c = tf->edx, d = tf->esi,
		 e = tf->edi;
	int r;

	sti(); /* a system call runs at the process's level, IPL_NONE */
	switch (tf->eax) {
	case SYS_exit: proc_exit((int)(a & 0xFF) << 8);
	case SYS_read: r = sys_rw(p, a, (void *)b, c, 0); break;
	case SYS_write: r = sys_rw(p, a, (void *)b, c, 1); break;
	case SYS_open: r = sys_open(p, (const char *)a, (int)b, c); break;
	case SYS_close: r = sys_close(p, a); break;
	case SYS_pread: r = sys_prw(p, a, (void *)b, c, OFF(d, e), 0); break;
	case SYS_pwrite: r = sys_prw(p, a, (void *)b, c, OFF(d, e), 1); break;
	case SYS_lseek:
		r = sys_lseek(p, a, OFF(b, c), (int)d, (uint64_t *)e);
		break;
	case SYS_fstat: r = sys_fstat(p, a, (struct stat *)b); break;
	case SYS_ioctl:
		r = fd_file(p, a) ? -file_ioctl(fd_file(p, a), b, (void *)c)
				  : -EBADF;
		break;
	case SYS_getpid: r = p->pid; break;
	case SYS_spawn:
		r = sys_spawn(p, (const char *)a, (char *const *)b);
		break;
	case SYS_waitpid: r = sys_waitpid(p, (int)a, (int *)b, (int)c); break;
	case SYS_kill: r = -proc_kill((int)a, (int)b); break;
	case SYS_sbrk: r = sys_sbrk(p, (int)a); break;
	case SYS_clock_gettime:
		r = sys_clock_gettime((int)a, (struct timespec *)b);
		break;
	case SYS_fsync: r = sys_fsync(p, a); break;
	case SYS_aio_read:
	case SYS_aio_write:
		r = -aio_submit(p, (const struct aiocb *)a,
				tf->eax == SYS_aio_write);
		break;
	case SYS_aio_suspend:
		r = -aio_suspend(p, (const struct aiocb *const *)a, (int)b);
		break;
	case SYS_aio_error: r = aio_error(p, (const struct aiocb *)a); break;
	case SYS_aio_return: r = aio_return(p, (const struct aiocb *)a); break;
	case SYS_nanosleep:
		r = sys_nanosleep(p, (const struct timespec *)a);
		break;
	case SYS_stat:
	case SYS_lstat:
	case SYS_unlink:
	case SYS_mkdir:
	case SYS_rmdir:
	case SYS_chdir:
	case SYS_statfs: r = sys_name(p, tf->eax, (const char *)a, b); break;
	case SYS_rename:
	case SYS_link:
	case SYS_symlink:
		r = sys_names(p, tf->eax, (const char *)a, (const char *)b);
		break;
	case SYS_readlink:
		r = sys_readlink(p, (const char *)a, (char *)b, c);
		break;
	case SYS_getdents: r = sys_getdents(p, a, (void *)b, c); break;
	case SYS_ftruncate: r = sys_ftruncate(p, a, OFF(b, c)); break;
	case SYS_getcwd: r = sys_getcwd(p, (char *)a, b); break;
	case SYS_sync:
		r = -vfs_sync();
		bsync();
		break;
	case SYS_utimensat:
		r = sys_utimensat(p, (const char *)a, (const void *)b, c);
		break;
	default: r = -ENOSYS; break;
	}
	tf->eax = (uint32_t)r;
}
