/*
 * file.h: what a process's file descriptors refer to: the console, a
 * block device (through the buffer cache: any offset and length), a raw
 * device (straight into the process's pages: whole sectors), or a
 * program in /bin (read-only).
 *
 *	/dev/console
 *	/dev/null	reads end at once, writes go nowhere
 *	/dev/zero	reads give zeros, writes go nowhere
 *	/dev/NAME	the block device NAME (lsblk's names: wd0, sd1p2, ...)
 *	/dev/rNAME	its raw device
 *	/bin/NAME	a program
 *	/mnt/...	a file or a directory of the mounted file system
 *	/, /dev, /bin	directories of names (getdents)
 * vfs.h resolves the names.
 */
#ifndef FILE_H
#define FILE_H

#include <stdint.h>

#include "blk/bcache.h"
#include "fs/vfs.h"
#include "syscall.h"

enum file_type {
	FT_CONSOLE,
	FT_BLOCK,
	FT_RAW,
	FT_PROG,
	FT_NULL,
	FT_ZERO,
	FT_INODE, /* a file or directory of the mounted file system */
	FT_DIR,	  /* a directory of the fixed tree: /, /dev, /bin */
};

struct bdev;

struct file {
	enum file_type type;
	int flags; /* open's: O_RDONLY, O_WRONLY, O_RDWR, O_APPEND */
	int refs;
	uint64_t offset;  /* read's and write's; pread's is their own */
	struct mutex pos; /* held from reading offset to moving it (read,
			     write, lseek, getdents): a file shared with a
			     child; not the console's, which has none */
	struct bdev *bd;
	const uint8_t *data; /* a program's bytes */
	uint32_t size;
	uint32_t wb_seen;    /* bd->wb_errors that fsync has reported */
	struct readahead ra; /* a sequential reader's (bcache.h) */
	struct node node;    /* FT_INODE's and FT_DIR's */
};

/* 0 and *fp, or ENOENT (no such name), EINVAL (bad flags), EACCES
 * (written, a program), ENOMEM, and what vfs_open says.  A relative
 * path is from cwd (NULL: from /). */
int file_open_at(const struct node *cwd, const char *path, int flags,
		 uint32_t mode, struct file **fp);
int file_open(const char *path, int flags, struct file **fp);
struct file *file_hold(struct file *f);
void file_close(struct file *f);
/* Move n bytes between the process's buf and f at off (read or write):
 * 0 and *moved (short at the end), or an errno when nothing moved. */
int file_rw(struct file *f, void *ubuf, uint32_t n, uint64_t off, int write,
	    uint32_t *moved);
int file_size(const struct file *f, uint64_t *size); /* ESPIPE: none */
void file_stat(const struct file *f, struct stat *st);
int file_ioctl(struct file *f, uint32_t request, void *uarg);
int file_fsync(struct file *f);
int file_truncate(struct file *f, uint64_t size);

#endif
