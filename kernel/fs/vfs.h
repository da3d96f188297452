/*
 * vfs.h: the names processes use (vfs.c).  The tree is small and fixed
 * at its top, with one file system mounted under it:
 *
 *	/		the root: bin, dev, mnt
 *	/bin/NAME	the programs (binfs.h), read-only
 *	/dev/NAME	the devices (file.h): console, null, zero, wd0,
 *			rwd0, sd1p2, ...
 *	/mnt		the mounted ext2 file system's root (mount DEV,
 *			or root=DEV at boot); an empty directory when
 *			nothing is mounted
 *
 * A name is resolved from / or from the process's working directory,
 * component by component: "." and ".." (the mounted root's ".." is /),
 * symbolic links followed up to VFS_SYMLOOP deep (ELOOP past it), a
 * component over 255 bytes ENAMETOOLONG, one that is not a directory
 * ENOTDIR.  Every call takes vfs_lock from its start to its end (ext2.h
 * says why one lock).
 */
#ifndef VFS_H
#define VFS_H

#include <stddef.h>
#include <stdint.h>

#include "syscall.h"
#include "thread.h"

#define VFS_SYMLOOP 8
#define VFS_LEAF    32 /* a /dev or /bin name and its NUL */

struct inode;
struct ext2_fs;
struct readahead;

enum node_kind {
	N_ROOT,	 /* / */
	N_DEVS,	 /* /dev */
	N_BINS,	 /* /bin */
	N_MNT,	 /* /mnt with nothing mounted */
	N_DEV,	 /* /dev/NAME: leaf names a device */
	N_PROG,	 /* /bin/NAME: leaf names a program */
	N_INODE, /* a file of the mounted file system: ip, held */
};

/* A place in the tree: a working directory, an open file's */
struct node {
	enum node_kind kind;
	struct inode *ip;
	char leaf[VFS_LEAF];
};

extern struct mutex vfs_lock;

/* Mount devname's file system on /mnt: 0, or an errno and why */
int vfs_mount(const char *devname, int ro, char *why, size_t n);
int vfs_umount(void);
int vfs_sync(void);
void vfs_mount_root(void); /* root=DEV [ro] */
struct ext2_fs *vfs_mounted(void);

/* Nodes are held (an inode reference): dup and put them. */
void node_dup(const struct node *from, struct node *to);
void node_put(struct node *n);
int node_isdir(const struct node *n);
void node_stat(const struct node *n, struct stat *st);

/* The calls on names, relative to cwd (whatever the name says). */
int vfs_open(const struct node *cwd, const char *path, int flags, uint32_t mode,
	     struct node *out);
int vfs_stat(const struct node *cwd, const char *path, int follow,
	     struct stat *st);
int vfs_unlink(const struct node *cwd, const char *path);
int vfs_rmdir(const struct node *cwd, const char *path);
int vfs_mkdir(const struct node *cwd, const char *path, uint32_t mode);
int vfs_rename(const struct node *cwd, const char *from, const char *to);
int vfs_link(const struct node *cwd, const char *from, const char *to);
int vfs_symlink(const struct node *cwd, const char *target, const char *path);
int vfs_readlink(const struct node *cwd, const char *path, char *buf,
		 uint32_t n, uint32_t *len);
int vfs_chdir(struct node *cwd, const char *path);
int vfs_getcwd(const struct node *cwd, char *buf, uint32_t n);
int vfs_getcwd_kernel(const struct node *cwd, char *buf, uint32_t n);
int vfs_statfs(const struct node *cwd, const char *path, struct statfs *sf);
int vfs_utimens(const struct node *cwd, const char *path, int follow,
		const struct timespec *t);

/* The calls on an open file's node. */
int vfs_read(struct node *n, void *ubuf, uint32_t len, uint64_t off,
	     uint32_t *moved, struct readahead *ra);
#define VFS_APPEND UINT64_MAX /* vfs_write's off: at the end, whatever it is */
int vfs_write(struct node *n, const void *ubuf, uint32_t len, uint64_t off,
	      uint32_t *moved);
int vfs_truncate(struct node *n, uint64_t size);
int vfs_fsync(struct node *n);
uint64_t vfs_size(struct node *n);
/* Entries from *off on into the process's buf as struct dirent64s:
 * the bytes filled (0 at the end), or a negative errno (EINVAL: buf
 * too small for the next one). */
int vfs_getdents(struct node *n, uint64_t *off, void *ubuf, uint32_t len);

#endif
