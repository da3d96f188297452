/*
 * vfs.c: names (vfs.h): the fixed top of the tree, the one mounted
 * ext2 file system under /mnt, and the POSIX calls on names: open with
 * O_CREAT, stat, unlink, mkdir, rmdir, rename, link, symlink, readlink,
 * chdir, getcwd, getdents.
 *
 * The order of writes keeps a crash repairable by e2fsck (BSD's rules,
 * as ufs_vnops.c keeps them without soft updates), most of it without
 * waiting: a directory block that names an inode is a delayed write the
 * cache holds back until the inode's table block is on the disk
 * (ext2_after_inode, bdep.c: the ordering half of soft updates):
 *  - a new inode, whole, reaches the disk before the entry that names
 *    it (create); a directory's first block too, after its parent's
 *    inode with the count its ".." added;
 *  - a link count goes up before a new entry names the inode (link,
 *    rename), and down after the entry is gone;
 *  - rename's new name reaches the disk before the old one is removed
 *    (the old name's block waits for the new one's, then is written);
 *  - an entry's removal is on the disk before its inode's count drops
 *    and it may be freed: synchronously (rmdir, rename), or for unlink
 *    in batches (ext2_unlink_later: one write a directory block, not
 *    one a name).
 * Everything else is a delayed write, gathered by the syncer: bitmaps,
 * group descriptors, data, the times.  Access times are not kept
 * (noatime).
 *
 * Protection: the mount and everything of ext2's (inodes, bitmaps, the
 * inode cache) under vfs_lock, a sleep lock; a device's count of opens
 * with interrupts off, as file.c counts them.
 */
#include "cpu.h"
#include "vfs.h"

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "proc/binfs.h"
#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "proc/copy.h"
#include "errno.h"
#include "ext2.h"
#include "kmalloc.h"
#include "printf.h"
#include "string.h"

struct mutex vfs_lock = MUTEX_INITIALIZER("vfs");
static struct ext2_fs *mnt; /* what /mnt shows, or NULL */

#define UMASK 022

struct ext2_fs *
vfs_mounted(void)
{
	return mnt;
}

/* The end of a call: an error it met recorded on the disk, now that it
 * holds no buffer (ext2_error), and the lock let go. */
static void
vfs_unlock(void)
{
	if (mnt)
		ext2_error_flush(mnt);
	mutex_exit(&vfs_lock);
}

/* vfs_lock, unless the caller holds it: 1 if taken here */
static int
lock_in(void)
{
	if (mutex_owned(&vfs_lock))
		return 0;
	mutex_enter(&vfs_lock);
	return 1;
}

static void
lock_out(int taken)
{
	if (taken)
		vfs_unlock();
}

void
node_dup(const struct node *from, struct node *to)
{
	int t = lock_in();

	*to = *from;
	if (to->kind == N_INODE)
		ext2_idup(to->ip);
	lock_out(t);
}

void
node_put(struct node *n)
{
	int t = lock_in();

	if (n->kind == N_INODE && n->ip)
		ext2_iput(n->ip);
	n->ip = NULL;
	n->kind = N_ROOT;
	lock_out(t);
}

int
node_isdir(const struct node *n)
{
	switch (n->kind) {
	case N_DEV:
	case N_PROG: return 0;
	case N_INODE: return S_ISDIR(n->ip->d.i_mode);
	default: return 1;
	}
}

static void
node_inode(struct node *n, struct inode *ip)
{
	n->kind = N_INODE;
	n->ip = ip;
	n->leaf[0] = 0;
}

/* The name len bytes long is name */
static int
is(const char *name, uint32_t len, const char *s)
{
	return strlen(s) == len && !memcmp(name, s, len);
}

/* The device or program a /dev or /bin name is, if there is one. */
static int
leaf_find(enum node_kind kind, const char *name, uint32_t len, struct node *out)
{
	if (len >= VFS_LEAF)
		return ENOENT;
	memcpy(out->leaf, name, len);
	out->leaf[len] = 0;
	out->kind = kind;
	out->ip = NULL;
	const uint8_t *data;
	uint32_t size;
	if (kind == N_PROG)
		return binfs_find(out->leaf, &data, &size) ? ENOENT : 0;
	if (!strcmp(out->leaf, "console") || !strcmp(out->leaf, "null") ||
	    !strcmp(out->leaf, "zero") || bdev_by_name(out->leaf) ||
	    (out->leaf[0] == 'r' && bdev_by_name(out->leaf + 1)))
		return 0;
	return ENOENT;
}

/* The name in directory at: *out, held. */
static int
child(const struct node *at, const char *name, uint32_t len, struct node *out)
{
	int dot = is(name, len, "."), dotdot = is(name, len, "..");

	memset(out, 0, sizeof(*out));
	switch (at->kind) {
	case N_ROOT:
		if (dot || dotdot)
			out->kind = N_ROOT;
		else if (is(name, len, "bin"))
			out->kind = N_BINS;
		else if (is(name, len, "dev"))
			out->kind = N_DEVS;
		else if (is(name, len, "mnt") && mnt)
			node_inode(out, ext2_idup(mnt->root));
		else if (is(name, len, "mnt"))
			out->kind = N_MNT;
		else
			return ENOENT;
		return 0;
	case N_DEVS:
	case N_BINS:
	case N_MNT:
		if (dot || dotdot) {
			out->kind = dot ? at->kind : N_ROOT;
			return 0;
		}
		if (at->kind == N_MNT)
			return ENOENT;
		return leaf_find(at->kind == N_DEVS ? N_DEV : N_PROG, name, len,
				 out);
	case N_DEV:
	case N_PROG: return ENOTDIR;
	case N_INODE: break;
	}
	struct inode *dp = at->ip, *ip;
	uint32_t ino;
	int err;
	if (!S_ISDIR(dp->d.i_mode))
		return ENOTDIR;
	if (dotdot && dp == dp->fs->root) {
		out->kind = N_ROOT;
		return 0;
	}
	if ((err = ext2_dirlookup(dp, name, len, &ino)))
		return err;
	if (!ino || (err = ext2_iget(dp->fs, ino, &ip)))
		return err ? err : ENOENT;
	if (!ip->d.i_links_count || !ip->d.i_mode) {
		ext2_iput(ip);
		return ext2_error(dp->fs,
				  "directory %u names inode %u, which is free",
				  dp->ino, ino);
	}
	node_inode(out, ip);
	return 0;
}

/* The next name in *pp (its length, 0 at the end), *pp past it and the
 * slashes after it. */
static uint32_t
name_next(const char **pp, const char **name)
{
	const char *p = *pp;

	while (*p == '/')
		p++;
	*name = p;
	while (*p && *p != '/')
		p++;
	uint32_t len = (uint32_t)(p - *name);
	while (*p == '/')
		p++;
	*pp = p;
	return len;
}

static int
is_symlink(const struct node *n)
{
	return n->kind == N_INODE && S_ISLNK(n->ip->d.i_mode);
}

/* A symbolic link's text, NUL-terminated, in buf (PATH_MAX bytes). */
static int
link_text(struct inode *ip, char *buf)
{
	uint64_t size = ext2_isize(ip);
	uint32_t got;

	if (!size || size >= PATH_MAX)
		return ext2_error(ip->fs, "symbolic link %u is %llu bytes",
				  ip->ino, (unsigned long long)size);
	if (!ip->d.i_blocks && size < EXT2_FAST_SYMLINK_MAX) {
		memcpy(buf, ip->d.i_block, (uint32_t)size);
	} else {
		int err = ext2_read(ip, buf, (uint32_t)size, 0, &got, 0, NULL);
		if (err || got != size)
			return err ? err : EIO;
	}
	buf[size] = 0;
	return 0;
}

static int walk(const struct node *cwd, const char *path, int follow, int depth,
		struct node *out);

/* n, a symbolic link met at depth in directory dir, replaced by what it
 * names. */
static int
link_follow(const struct node *dir, struct node *n, int depth)
{
	if (depth >= VFS_SYMLOOP)
		return ELOOP;
	char *text = kmalloc(PATH_MAX);
	if (!text)
		return ENOMEM;
	struct node to;
	int err = link_text(n->ip, text);
	if (!err)
		err = walk(dir, text, 1, depth + 1, &to);
	kfree(text);
	if (err)
		return err;
	node_put(n);
	*n = to;
	return 0;
}

/* path from cwd (or /) to *out, held; the last name's link followed if
 * follow. */
static int
walk(const struct node *cwd, const char *path, int follow, int depth,
     struct node *out)
{
	struct node cur = {.kind = N_ROOT};
	const char *name;
	uint32_t len;
	int err = 0;

	if (!*path)
		return ENOENT;
	if (*path != '/')
		node_dup(cwd, &cur);
	while ((len = name_next(&path, &name))) {
		struct node nx;
		if (len > NAME_MAX) {
			err = ENAMETOOLONG;
			break;
		}
		if ((err = child(&cur, name, len, &nx)))
			break;
		int last = !*path;
		if (is_symlink(&nx) && (!last || follow || name[len] == '/') &&
		    (err = link_follow(&cur, &nx, depth))) {
			node_put(&nx);
			break;
		}
		node_put(&cur);
		cur = nx;
		/* a name before a slash must be a directory */
		if (name[len] == '/' && !node_isdir(&cur)) {
			err = ENOTDIR;
			break;
		}
	}
	if (err) {
		node_put(&cur);
		return err;
	}
	*out = cur;
	return 0;
}

/*
 * The directory path's last name is in (*dir, held) and that name
 * (NUL-terminated in name); *slash if a slash followed it.  "/" has no
 * last name: EBUSY, as Linux says for the root.
 */
static int
walk_parent(const struct node *cwd, const char *path, struct node *dir,
	    char name[NAME_MAX + 1], int *slash)
{
	size_t n = strlen(path);

	if (!n)
		return ENOENT;
	*slash = 0;
	while (n > 1 && path[n - 1] == '/') {
		n--;
		*slash = 1;
	}
	size_t start = n;
	while (start && path[start - 1] != '/')
		start--;
	if (start == n)
		return EBUSY; /* "/" */
	if (n - start > NAME_MAX)
		return ENAMETOOLONG;
	memcpy(name, path + start, n - start);
	name[n - start] = 0;
	char *head = kmalloc(start + 2);
	if (!head)
		return ENOMEM;
	if (start) {
		memcpy(head, path, start);
		head[start] = 0;
	} else {
		strlcpy(head, ".", 2);
	}
	int err = walk(cwd, head, 1, 0, dir);
	kfree(head);
	if (!err && !node_isdir(dir)) {
		node_put(dir);
		err = ENOTDIR;
	}
	return err;
}

/* dir can take changes: a directory of a file system mounted writable */
static int
writable_dir(const struct node *dir)
{
	if (dir->kind != N_INODE)
		return EROFS;
	return dir->ip->fs->ro ? EROFS : 0;
}

static int
dotname(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

/* A new inode of mode in dir, named name there: *ipp held.  The
 * inode, whole, reaches the disk before the entry that names it (the
 * entry's block waits for its table block: ext2_direnter), and a
 * directory's first block before it too (which waits for the parent's
 * inode, its count up: ext2_dirinit). */
static int
create(struct inode *dp, const char *name, uint16_t mode, const char *symlink,
       struct inode **ipp)
{
	struct inode *ip;
	int err;

	if (dp->d.i_links_count == 0)
		return ENOENT; /* a directory removed while it was cwd */
	if (S_ISDIR(mode) && dp->d.i_links_count >= 32000)
		return EMLINK;
	struct ext2_fs *fs = dp->fs;
	if (fs->ndoomed && (fs->sb.s_free_inodes_count < 16 ||
			    fs->sb.s_free_blocks_count < 256))
		ext2_reap(fs); /* inodes and space the waiting unlinks hold */
	if ((err = ext2_ialloc(dp, mode, S_ISDIR(mode) ? 2 : 1, &ip)))
		return err;
	if (S_ISDIR(mode)) {
		/* the parent's count up before ".." names it */
		dp->d.i_links_count++;
		ext2_iupdate(dp);
		err = ext2_dirinit(ip, dp);
	} else if (symlink && strlen(symlink) < EXT2_FAST_SYMLINK_MAX) {
		memcpy(ip->d.i_block, symlink, strlen(symlink));
		ext2_set_isize(ip, strlen(symlink));
	} else if (symlink) {
		uint32_t moved;
		err = ext2_write(ip, symlink, (uint32_t)strlen(symlink), 0,
				 &moved, 0);
	}
	if (err || (err = ext2_iupdate(ip)))
		goto undo;
	/* (a directory's entry waits for its first block too) */
	if ((err = ext2_direnter(dp, name, (uint32_t)strlen(name), ip->ino,
				 ext2_ftype(mode),
				 S_ISDIR(mode) ? ip->d.i_block[0] : 0)))
		goto undo;
	ext2_iupdate(dp);
	*ipp = ip;
	return 0;
undo:
	if (S_ISDIR(mode)) {
		dp->d.i_links_count--;
		ext2_iupdate(dp);
	}
	ip->d.i_links_count = 0; /* iput frees it, and what it took */
	ext2_iput(ip);
	return err;
}

int
vfs_open(const struct node *cwd, const char *path, int flags, uint32_t mode,
	 struct node *out)
{
	int acc = flags & O_ACCMODE, err;
	struct node dir, n;
	char name[NAME_MAX + 1];
	int slash;

	mutex_enter(&vfs_lock);
	if (flags & O_CREAT) {
		if ((err = walk_parent(cwd, path, &dir, name, &slash)))
			goto out;
		err = dotname(name) ? EISDIR
				    : child(&dir, name, strlen(name), &n);
		if (!err && (flags & O_EXCL)) {
			node_put(&n);
			err = EEXIST;
		} else if (!err) {
			node_put(&n); /* there: opened as any name is */
		} else if (err == ENOENT && slash) {
			err = EISDIR; /* "new/": a directory it cannot be */
		} else if (err == ENOENT && !(err = writable_dir(&dir))) {
			struct inode *ip;
			err = create(
				dir.ip, name,
				(uint16_t)(S_IFREG | (mode & 07777 & ~UMASK)),
				NULL, &ip);
			if (!err) {
				node_inode(out, ip);
				node_put(&dir);
				goto out;
			}
		}
		node_put(&dir);
		if (err)
			goto out;
	}
	if ((err = walk(cwd, path, !(flags & O_NOFOLLOW), 0, &n)))
		goto out;
	if (is_symlink(&n))
		err = ELOOP; /* O_NOFOLLOW */
	else if ((flags & O_DIRECTORY) && !node_isdir(&n))
		err = ENOTDIR;
	else if (node_isdir(&n) && acc != O_RDONLY)
		err = EISDIR;
	else if (n.kind == N_INODE && !S_ISREG(n.ip->d.i_mode) &&
		 !S_ISDIR(n.ip->d.i_mode))
		err = ENXIO; /* a device or fifo by number: none here */
	else if (n.kind == N_INODE && acc != O_RDONLY && n.ip->fs->ro)
		err = EROFS;
	else if (n.kind == N_INODE && acc != O_RDONLY && (flags & O_TRUNC) &&
		 ext2_isize(n.ip))
		err = ext2_itrunc(n.ip, 0);
	if (err)
		node_put(&n);
	else
		*out = n;
out:
	vfs_unlock();
	return err;
}

/* A directory's or a device's stat, for what is not an inode */
static void
synth_stat(const struct node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	st->st_ino = (uint32_t)n->kind + 1;
	st->st_blksize = PAGE_SIZE;
}

void
node_stat(const struct node *n, struct stat *st)
{
	if (n->kind != N_INODE) {
		synth_stat(n, st);
		return;
	}
	const struct inode *ip = n->ip;
	const struct ext2_inode *d = &ip->d;
	memset(st, 0, sizeof(*st));
	st->st_dev = ip->fs->dev;
	st->st_ino = ip->ino;
	st->st_mode = d->i_mode;
	st->st_nlink = ext2_nlink(ip);
	st->st_uid = d->i_uid | (uint32_t)d->i_uid_high << 16;
	st->st_gid = d->i_gid | (uint32_t)d->i_gid_high << 16;
	st->st_size = ext2_isize(ip);
	st->st_blocks = d->i_blocks;
	st->st_blksize = ip->fs->bsize;
	st->st_atime = d->i_atime;
	st->st_mtime = d->i_mtime;
	st->st_ctime = d->i_ctime;
}

int
vfs_stat(const struct node *cwd, const char *path, int follow, struct stat *st)
{
	struct node n;

	mutex_enter(&vfs_lock);
	int err = walk(cwd, path, follow, 0, &n);
	if (!err) {
		node_stat(&n, st);
		node_put(&n);
	}
	vfs_unlock();
	return err;
}

/* The name in dir (a writable directory of the file system), held in
 * *n: for the calls that change or remove it. */
static int
parent_and_child(const struct node *cwd, const char *path, struct node *dir,
		 char *name, struct node *n, int *slash)
{
	int err = walk_parent(cwd, path, dir, name, slash);

	if (err)
		return err;
	if ((err = child(dir, name, strlen(name), n))) {
		node_put(dir);
		return err;
	}
	if ((err = writable_dir(dir))) {
		node_put(n);
		node_put(dir);
	}
	return err;
}

int
vfs_unlink(const struct node *cwd, const char *path)
{
	struct node dir, n;
	char name[NAME_MAX + 1];
	int slash;

	mutex_enter(&vfs_lock);
	int err = parent_and_child(cwd, path, &dir, name, &n, &slash);
	if (err)
		goto out;
	if (n.kind != N_INODE || S_ISDIR(n.ip->d.i_mode))
		err = EISDIR; /* Linux's answer; POSIX allows EPERM */
	else if (slash)
		err = ENOTDIR;
	else if (!(err = ext2_unlink_later(dir.ip, n.ip, name)))
		ext2_iupdate(dir.ip);
	node_put(&n);
	node_put(&dir);
out:
	vfs_unlock();
	return err;
}

int
vfs_rmdir(const struct node *cwd, const char *path)
{
	struct node dir, n;
	char name[NAME_MAX + 1];
	int slash;

	mutex_enter(&vfs_lock);
	int err = parent_and_child(cwd, path, &dir, name, &n, &slash);
	if (err)
		goto out;
	if (!strcmp(name, "."))
		err = EINVAL;
	else if (!strcmp(name, ".."))
		err = ENOTEMPTY;
	else if (n.kind != N_INODE || !S_ISDIR(n.ip->d.i_mode))
		err = ENOTDIR;
	else if (n.ip == n.ip->fs->root)
		err = EBUSY;
	else if (!ext2_dirempty(n.ip))
		err = ENOTEMPTY;
	else if (!(err = ext2_dirremove(dir.ip, name, strlen(name), NULL, 0))) {
		n.ip->d.i_links_count = 0;
		n.ip->dirty = 1;
		if (dir.ip->d.i_links_count > 2)
			dir.ip->d.i_links_count--;
		ext2_iupdate(dir.ip);
	}
	node_put(&n);
	node_put(&dir);
out:
	vfs_unlock();
	return err;
}

/* A new name for a new inode: mkdir, symlink */
static int
make(const struct node *cwd, const char *path, uint16_t mode,
     const char *target)
{
	struct node dir, n;
	char name[NAME_MAX + 1];
	int slash;

	mutex_enter(&vfs_lock);
	int err = walk_parent(cwd, path, &dir, name, &slash);
	if (err)
		goto out;
	if (dotname(name) || !(err = child(&dir, name, strlen(name), &n))) {
		if (!dotname(name))
			node_put(&n);
		err = EEXIST;
	} else if (err == ENOENT && slash && !S_ISDIR(mode)) {
		err = ENOENT;
	} else if (err == ENOENT && !(err = writable_dir(&dir))) {
		struct inode *ip;
		if (!(err = create(dir.ip, name, mode, target, &ip)))
			ext2_iput(ip);
	}
	node_put(&dir);
out:
	vfs_unlock();
	return err;
}

int
vfs_mkdir(const struct node *cwd, const char *path, uint32_t mode)
{
	return make(cwd, path, (uint16_t)(S_IFDIR | (mode & 07777 & ~UMASK)),
		    NULL);
}

int
vfs_symlink(const struct node *cwd, const char *target, const char *path)
{
	if (!*target)
		return ENOENT;
	return make(cwd, path, S_IFLNK | 0777, target);
}

int
vfs_readlink(const struct node *cwd, const char *path, char *ubuf, uint32_t n,
	     uint32_t *len)
{
	struct node ln;
	char *text = kmalloc(PATH_MAX);

	if (!text)
		return ENOMEM;
	mutex_enter(&vfs_lock);
	int err = walk(cwd, path, 0, 0, &ln);
	if (!err) {
		if (!is_symlink(&ln))
			err = EINVAL;
		else if (!(err = link_text(ln.ip, text))) {
			*len = strlen(text) < n ? (uint32_t)strlen(text) : n;
			err = copyout(text, ubuf, *len);
		}
		node_put(&ln);
	}
	vfs_unlock();
	kfree(text);
	return err;
}

int
vfs_link(const struct node *cwd, const char *from, const char *to)
{
	struct node old, dir, n;
	char name[NAME_MAX + 1];
	int slash;

	mutex_enter(&vfs_lock);
	int err = walk(cwd, from, 0, 0, &old);
	if (err)
		goto out;
	if ((err = walk_parent(cwd, to, &dir, name, &slash)))
		goto put_old;
	if (dotname(name) || !(err = child(&dir, name, strlen(name), &n))) {
		if (!dotname(name))
			node_put(&n);
		err = EEXIST;
	} else if (err == ENOENT && !(err = writable_dir(&dir))) {
		struct inode *ip = old.ip;
		if (old.kind != N_INODE || ip->fs != dir.ip->fs)
			err = EXDEV;
		else if (S_ISDIR(ip->d.i_mode))
			err = EPERM;
		else if (ip->d.i_links_count >= 32000)
			err = EMLINK;
		else if (!ext2_nlink(ip))
			err = ENOENT; /* unlinked, open still */
		if (!err) {
			/* the count first, on the disk, then the name */
			ip->d.i_links_count++;
			ip->d.i_ctime = clock_unix_time();
			if ((err = ext2_iupdate(ip)) ||
			    (err = ext2_direnter(
				     dir.ip, name, strlen(name), ip->ino,
				     ext2_ftype(ip->d.i_mode), 0))) {
				ip->d.i_links_count--;
				ext2_iupdate(ip);
			} else {
				ext2_iupdate(dir.ip);
			}
		}
	}
	node_put(&dir);
put_old:
	node_put(&old);
out:
	vfs_unlock();
	return err;
}

/* 1 if directory ip is dp or holds it, at any depth (rename may not
 * move a directory under itself); the walk goes up dp's "..". */
static int
is_ancestor(struct inode *ip, struct inode *dp, int *err)
{
	struct inode *at = ext2_idup(dp);
	int found = 0;

	*err = 0;
	for (int depth = 0; depth < 4096; depth++) {
		if (at == ip) {
			found = 1;
			break;
		}
		if (at == at->fs->root)
			break;
		uint32_t up;
		struct inode *next;
		if ((*err = ext2_dirlookup(at, "..", 2, &up)) ||
		    (*err = ext2_iget(at->fs, up, &next)))
			break;
		ext2_iput(at);
		at = next;
	}
	ext2_iput(at);
	return found;
}

int
vfs_rename(const struct node *cwd, const char *from, const char *to)
{
	struct node od, on, nd, nn = {.kind = N_ROOT};
	char oname[NAME_MAX + 1], nname[NAME_MAX + 1];
	int oslash, nslash, have_new = 0;

	mutex_enter(&vfs_lock);
	int err = parent_and_child(cwd, from, &od, oname, &on, &oslash);
	if (err)
		goto out;
	if ((err = walk_parent(cwd, to, &nd, nname, &nslash)))
		goto put_old;
	struct inode *ip = on.ip;
	if (dotname(oname) || dotname(nname))
		err = dotname(nname) && !dotname(oname) ? EBUSY : EINVAL;
	else if (on.kind != N_INODE || nd.kind != N_INODE ||
		 nd.ip->fs != ip->fs)
		err = EXDEV; /* a name of the fixed tree: another file system */
	else if ((err = writable_dir(&nd)))
		;
	else if ((oslash || nslash) && !S_ISDIR(ip->d.i_mode))
		err = ENOTDIR;
	if (err)
		goto put_new_dir;
	err = child(&nd, nname, strlen(nname), &nn);
	if (err && err != ENOENT)
		goto put_new_dir;
	have_new = !err;
	err = 0;
	int dir = S_ISDIR(ip->d.i_mode);
	if (have_new && nn.ip == ip)
		goto put_new; /* two names of one file: nothing to do */
	if (have_new && dir && !S_ISDIR(nn.ip->d.i_mode))
		err = ENOTDIR;
	else if (have_new && !dir && S_ISDIR(nn.ip->d.i_mode))
		err = EISDIR;
	else if (have_new && dir && !ext2_dirempty(nn.ip))
		err = ENOTEMPTY;
	else if (dir && od.ip != nd.ip && is_ancestor(ip, nd.ip, &err))
		err = EINVAL;
	if (err)
		goto put_new;
	/* the moved inode's count up on the disk while it has two names */
	ip->d.i_links_count++;
	ip->d.i_ctime = clock_unix_time();
	if ((err = ext2_iupdate(ip)))
		goto undo_count;
	if (have_new) {
		err = ext2_dirretarget(nd.ip, nname, strlen(nname), ip->ino,
				       ext2_ftype(ip->d.i_mode));
		if (!err) {
			struct inode *old = nn.ip;
			old->d.i_links_count =
				S_ISDIR(old->d.i_mode)
					? 0
					: old->d.i_links_count - 1;
			if (S_ISDIR(old->d.i_mode) &&
			    nd.ip->d.i_links_count > 2)
				nd.ip->d.i_links_count--;
			old->d.i_ctime = clock_unix_time();
			old->dirty = 1;
		}
	} else {
		err = ext2_direnter(nd.ip, nname, strlen(nname), ip->ino,
				    ext2_ftype(ip->d.i_mode), 0);
	}
	if (err)
		goto undo_count;
	uint32_t newblk = ip->fs->last_dirblk; /* the new name's block */
	if (dir && od.ip != nd.ip) {
		/* its ".." to the new parent, after the parent's count */
		nd.ip->d.i_links_count++;
		ext2_iupdate(nd.ip);
		ext2_dirretarget(ip, "..", 2, nd.ip->ino, EXT2_FT_DIR);
		od.ip->d.i_links_count--;
		ext2_iupdate(ip);
	}
	ext2_iupdate(nd.ip);
	/* the old name goes after the new one is on the disk */
	err = ext2_dirremove(od.ip, oname, strlen(oname), NULL, newblk);
	ext2_iupdate(od.ip);
undo_count:
	ip->d.i_links_count--;
	ext2_iupdate(ip);
put_new:
	if (have_new)
		node_put(&nn);
put_new_dir:
	node_put(&nd);
put_old:
	node_put(&on);
	node_put(&od);
out:
	vfs_unlock();
	return err;
}

int
vfs_chdir(struct node *cwd, const char *path)
{
	struct node n;

	mutex_enter(&vfs_lock);
	int err = walk(cwd, path, 1, 0, &n);
	if (!err && !node_isdir(&n)) {
		node_put(&n);
		err = ENOTDIR;
	}
	if (!err) {
		node_put(cwd);
		*cwd = n;
	}
	vfs_unlock();
	return err;
}

/* name before the path in buf[at..n): the new start, or ERANGE */
static int
prepend(char *buf, uint32_t *at, const char *name)
{
	uint32_t len = (uint32_t)strlen(name);

	if (*at < len + 1)
		return ERANGE;
	*at -= len;
	memcpy(buf + *at, name, len);
	buf[--*at] = '/';
	return 0;
}

/* The name of inode ino in directory dp */
static int
name_of(struct inode *dp, uint32_t ino, char name[EXT2_NAME_LEN + 1])
{
	uint64_t off = 0;
	uint32_t at;
	int type, err;

	while (!(err = ext2_dirnext(dp, &off, &at, name, &type)) && at)
		if (at == ino && strcmp(name, ".") && strcmp(name, ".."))
			return 0;
	return err ? err : ENOENT;
}

static int getcwd_to(const struct node *cwd, char *to, uint32_t n, int user);

int
vfs_getcwd(const struct node *cwd, char *ubuf, uint32_t n)
{
	return getcwd_to(cwd, ubuf, n, 1);
}

int
vfs_getcwd_kernel(const struct node *cwd, char *buf, uint32_t n)
{
	return getcwd_to(cwd, buf, n, 0);
}

static int
getcwd_to(const struct node *cwd, char *to, uint32_t n, int user)
{
	char *buf = kmalloc(PATH_MAX), name[EXT2_NAME_LEN + 1];
	uint32_t at = PATH_MAX - 1;
	int err = 0;

	if (!buf)
		return ENOMEM;
	buf[at] = 0;
	mutex_enter(&vfs_lock);
	switch (cwd->kind) {
	case N_DEVS: err = prepend(buf, &at, "dev"); break;
	case N_BINS: err = prepend(buf, &at, "bin"); break;
	case N_MNT: err = prepend(buf, &at, "mnt"); break;
	case N_INODE: {
		struct inode *ip = ext2_idup(cwd->ip);
		if (!ip->d.i_links_count)
			err = ENOENT; /* removed */
		while (!err && ip != ip->fs->root) {
			uint32_t up;
			struct inode *dp;
			if ((err = ext2_dirlookup(ip, "..", 2, &up)) ||
			    (err = ext2_iget(ip->fs, up, &dp)))
				break;
			if (!(err = name_of(dp, ip->ino, name)))
				err = prepend(buf, &at, name);
			ext2_iput(ip);
			ip = dp;
		}
		ext2_iput(ip);
		if (!err)
			err = prepend(buf, &at, "mnt");
		break;
	}
	default: break;
	}
	if (!err && at == PATH_MAX - 1)
		buf[--at] = '/';
	uint32_t len = PATH_MAX - at;
	if (!err && len > n)
		err = ERANGE;
	else if (!err && user)
		err = copyout(buf + at, to, len);
	else if (!err)
		memcpy(to, buf + at, len);
	vfs_unlock();
	kfree(buf);
	return err;
}

/* Set a file's access and modification times (t NULL: both now; an
 * element UTIME_NOW or UTIME_OMIT: now, or left), its change time now:
 * utimensat(2), and touch.  EROFS for the fixed tree's names and a
 * read-only mount, EINVAL for a bad nanosecond count. */
int
vfs_utimens(const struct node *cwd, const char *path, int follow,
	    const struct timespec *t)
{
	struct node n;

	for (int i = 0; t && i < 2; i++)
		if (t[i].tv_nsec != UTIME_NOW && t[i].tv_nsec != UTIME_OMIT &&
		    (t[i].tv_nsec < 0 || t[i].tv_nsec >= 1000000000 ||
		     t[i].tv_sec < 0 || t[i].tv_sec > UINT32_MAX))
			return EINVAL;
	mutex_enter(&vfs_lock);
	int err = walk(cwd, path, follow, 0, &n);
	if (err) {
		vfs_unlock();
		return err;
	}
	if (n.kind != N_INODE || n.ip->fs->ro) {
		err = EROFS;
	} else {
		uint32_t now = clock_unix_time();
		uint32_t *field[2] = {&n.ip->d.i_atime, &n.ip->d.i_mtime};
		for (int i = 0; i < 2; i++) {
			if (t && t[i].tv_nsec == UTIME_OMIT)
				continue;
			*field[i] = t && t[i].tv_nsec != UTIME_NOW
					    ? (uint32_t)t[i].tv_sec
					    : now;
		}
		n.ip->d.i_ctime = now;
		err = ext2_iupdate(n.ip);
	}
	node_put(&n);
	vfs_unlock();
	return err;
}

int
vfs_statfs(const struct node *cwd, const char *path, struct statfs *sf)
{
	struct node n;

	mutex_enter(&vfs_lock);
	int err = walk(cwd, path, 1, 0, &n);
	memset(sf, 0, sizeof(*sf));
	if (!err && n.kind == N_INODE)
		ext2_reap(n.ip->fs); /* the counts as they will be */
	if (!err && n.kind == N_INODE) {
		const struct ext2_fs *fs = n.ip->fs;
		const struct ext2_super *sb = &fs->sb;
		sf->f_type = EXT2_MAGIC;
		sf->f_bsize = fs->bsize;
		sf->f_blocks = sb->s_blocks_count;
		sf->f_bfree = sb->s_free_blocks_count;
		sf->f_bavail =
			sb->s_free_blocks_count > sb->s_r_blocks_count
				? sb->s_free_blocks_count - sb->s_r_blocks_count
				: 0;
		sf->f_files = sb->s_inodes_count;
		sf->f_ffree = sb->s_free_inodes_count;
		sf->f_namelen = EXT2_NAME_LEN;
		sf->f_flags = fs->ro ? ST_RDONLY : 0;
		strlcpy(sf->f_dev, fs->bd->name, sizeof(sf->f_dev));
	} else if (!err) {
		sf->f_bsize = PAGE_SIZE;
		sf->f_namelen = NAME_MAX;
		sf->f_flags = ST_RDONLY;
		strlcpy(sf->f_dev, "none", sizeof(sf->f_dev));
	}
	if (!err)
		node_put(&n);
	vfs_unlock();
	return err;
}

int
vfs_read(struct node *n, void *ubuf, uint32_t len, uint64_t off,
	 uint32_t *moved, struct readahead *ra)
{
	if (n->kind != N_INODE || S_ISDIR(n->ip->d.i_mode))
		return EISDIR;
	mutex_enter(&vfs_lock);
	int err = ext2_read(n->ip, ubuf, len, off, moved, 1, ra);
	vfs_unlock();
	return err;
}

int
vfs_write(struct node *n, const void *ubuf, uint32_t len, uint64_t off,
	  uint32_t *moved)
{
	if (n->kind != N_INODE || S_ISDIR(n->ip->d.i_mode))
		return EISDIR;
	mutex_enter(&vfs_lock);
	if (off == VFS_APPEND)
		off = ext2_isize(n->ip);
	int err = ext2_write(n->ip, ubuf, len, off, moved, 1);
	vfs_unlock();
	return err;
}

uint64_t
vfs_size(struct node *n)
{
	int t = lock_in(); /* (a writer changes both halves of i_size) */
	uint64_t size = n->kind == N_INODE ? ext2_isize(n->ip) : 0;

	lock_out(t);
	return size;
}

int
vfs_truncate(struct node *n, uint64_t size)
{
	if (n->kind != N_INODE || !S_ISREG(n->ip->d.i_mode))
		return EINVAL;
	mutex_enter(&vfs_lock);
	int err = n->ip->fs->ro ? EROFS : 0;
	/* longer: the rest is a hole, read as zeros (the part of the last
	 * block past the old end is zeros already: ext2_itrunc, ext2_write) */
	if (!err && size != ext2_isize(n->ip))
		err = ext2_itrunc(n->ip, size);
	vfs_unlock();
	return err;
}

int
vfs_fsync(struct node *n)
{
	if (n->kind != N_INODE)
		return 0;
	mutex_enter(&vfs_lock);
	int err = 0;
	if (n->ip->dirty)
		err = ext2_iupdate(n->ip);
	int e = ext2_sync(n->ip->fs);
	vfs_unlock();
	return err ? err : e;
}

/* Entry i of a directory of the fixed tree: its name and type, and
 * the index of the next (0: i is past the last). */
static uint64_t
synth_entry(enum node_kind kind, uint64_t i, char *name, size_t n, int *type)
{
	static const char *const top[] = {".", "..", "bin", "dev", "mnt"};
	static const char *const devs[] = {".", "..", "console", "null",
					   "zero"};

	*type = DT_DIR;
	if (kind == N_ROOT || kind == N_MNT) {
		if (i >= (kind == N_ROOT ? 5u : 2u))
			return 0;
		strlcpy(name, top[i], n);
		return i + 1;
	}
	if (i < 2 || (kind == N_DEVS && i < 5)) {
		strlcpy(name, devs[i], n);
		*type = i < 2 ? DT_DIR : DT_CHR;
		return i + 1;
	}
	if (kind == N_BINS) {
		uint32_t size;
		const char *p = binfs_at((int)(i - 2), &size);
		if (!p)
			return 0;
		const char *slash = strchr(p, '/');
		strlcpy(name, slash ? slash + 1 : p, n);
		*type = DT_REG;
		return i + 1;
	}
	/* /dev from 5 on: each device (slot k of the table), then its raw
	 * device */
	uint64_t k = (i - 5) / 2, raw = (i - 5) % 2;
	for (; k < BDEV_MAX; k++, raw = 0) {
		const struct bdev *bd = bdev_at((int)k);
		if (!bd)
			continue;
		snprintf(name, n, "%s%s", raw ? "r" : "", bd->name);
		*type = raw ? DT_CHR : DT_BLK;
		return 5 + 2 * k + raw + 1;
	}
	return 0;
}

static const uint8_t ext2_dt[] = {DT_UNKNOWN, DT_REG,  DT_DIR,	DT_CHR,
				  DT_BLK,     DT_FIFO, DT_SOCK, DT_LNK};

int
vfs_getdents(struct node *n, uint64_t *off, void *ubuf, uint32_t len)
{
	char name[EXT2_NAME_LEN + 1];
	char rec[sizeof(struct dirent64) + EXT2_NAME_LEN + 8];
	uint32_t filled = 0;
	int err = 0;

	if (!node_isdir(n))
		return -ENOTDIR;
	mutex_enter(&vfs_lock);
	for (;;) {
		uint64_t next = *off;
		uint32_t ino = 0;
		int type = 0;
		if (n->kind == N_INODE) {
			if ((err = ext2_dirnext(n->ip, &next, &ino, name,
						&type)))
				break;
			if (!ino)
				break;
			type = type < 8 ? ext2_dt[type] : DT_UNKNOWN;
		} else {
			next = synth_entry(n->kind, next, name, sizeof(name),
					   &type);
			if (!next)
				break;
			ino = (uint32_t)next;
		}
		struct dirent64 *d = (struct dirent64 *)rec;
		uint32_t nl = (uint32_t)strlen(name);
		uint32_t rl = (sizeof(*d) + nl + 1 + 7) & ~7u;
		if (filled + rl > len) {
			if (!filled)
				err = EINVAL;
			break;
		}
		memset(rec, 0, rl);
		d->d_ino = ino;
		d->d_off = (int64_t)next;
		d->d_reclen = (uint16_t)rl;
		d->d_type = (uint8_t)type;
		memcpy(d->d_name, name, nl + 1);
		if ((err = copyout(rec, (char *)ubuf + filled, rl)))
			break;
		filled += rl;
		*off = next;
	}
	vfs_unlock();
	return filled ? (int)filled : -err;
}

int
vfs_mount(const char *devname, int ro, char *why, size_t n)
{
	struct ext2_fs *fs;
	int err;

	bdev_claims_enter(); /* from the lookup to the count of opens */
	struct bdev *bd = bdev_by_name(devname);
	strlcpy(why, "no such device", n);
	if (!bd) {
		bdev_claims_exit();
		return ENXIO;
	}
	mutex_enter(&vfs_lock);
	if (mnt)
		snprintf(why, n, "%s is mounted on /mnt", mnt->bd->name);
	else if (bd->holder || (bd->parent && bd->parent->holder))
		strlcpy(why, "a volume's leg", n);
	if (mnt || bd->holder || (bd->parent && bd->parent->holder))
		err = EBUSY;
	else if (!(err = ext2_mount(bd, ro, &fs, why, n)))
		mnt = fs;
	if (err && !why[0])
		strlcpy(why, errno_msg(err), n);
	if (!err) {
		uint32_t fl = irq_save(); /* (file.c counts them too) */
		bd->opens++; /* a volume under a mount is not removed */
		irq_restore(fl);
	}
	vfs_unlock();
	bdev_claims_exit();
	return err;
}

int
vfs_umount(void)
{
	mutex_enter(&vfs_lock);
	int err = mnt ? 0 : EINVAL;
	struct bdev *bd = mnt ? mnt->bd : NULL;
	/* gone unless busy, whatever else failed (an error writing: the
	 * cache keeps retrying what it can; the mount cannot) */
	if (!err && (err = ext2_umount(mnt)) != EBUSY) {
		mnt = NULL;
		uint32_t fl = irq_save();
		bd->opens--;
		irq_restore(fl);
	}
	vfs_unlock();
	return err;
}

int
vfs_sync(void)
{
	mutex_enter(&vfs_lock);
	int err = mnt ? ext2_sync(mnt) : 0;
	vfs_unlock();
	return err;
}

/* root=DEV (and ro) on the command line: DEV mounted at boot */
void
vfs_mount_root(void)
{
	const char *dev = cmdline_opt("root");

	if (!dev)
		return;
	char why[160];
	int err = vfs_mount(dev, cmdline_opt("ro") != NULL, why, sizeof(why));
	if (err)
		kprintf("root: %s: %s: %s; nothing mounted on /mnt\n", dev,
			errno_name(err), why);
	else
		kprintf("root: %s mounted on /mnt (ext2, %u KiB blocks, %s)\n",
			dev, mnt->bsize / 1024,
			mnt->ro ? "read-only" : "read-write");
}
