/*
 * file.c: the files a process opens (file.h).
 *
 * A block device moves through the buffer cache in blocks of FILE_BSIZE
 * (4 KiB: a page, the block Linux's block devices use; the last block of
 * a device whose size is no multiple of it is what is left), as BSD's
 * spec_read and spec_write do: a read copies from bread's buffer, and
 * reads in order are read ahead in growing clusters (bread_seq,
 * cluster.c); a write that covers part of a block reads it first; every
 * block written is left dirty (bdwrite) but the one that completes a
 * CLUSTER_MAX stretch, which is written at once with the dirty blocks
 * before it (cluster_write: BSD's cluster_write, one transfer); fsync
 * writes them all and flushes the disk's cache.
 * fsync also reports, once to each file open on the device, a cached
 * write that failed since the file was opened or its last fsync, though
 * the syncer or another file's fsync met the failure, and one that no
 * fsync has reported yet also to a file opened after it: what fsync
 * says is written is on the disk (Linux's errseq; POSIX leaves it open).
 * A raw device moves whole sectors straight into the process's pages:
 * userdma, uiophysio, undma.  Both follow read(2)'s rules: 0 at the end,
 * a short count across it, an error only when nothing moved.
 *
 * Protection: a file's refs and its device's opens and write-back
 * counts with interrupts off; from a device's lookup to its count of
 * opens, the claims lock (bdev.h: a volume is not removed in between);
 * the offset, the file's pos lock (syscall.c).  A long console write
 * stops between pieces when its process is killed.
 */
#include "file.h"

#define FILE_BSIZE 4096

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "binfs.h"
#include "console.h"
#include "copy.h"
#include "cpu.h"
#include "errno.h"
#include "kmalloc.h"
#include "pmem.h"
#include "proc.h"
#include "string.h"
#include "thread.h"
#include "blk/uio.h"
#include "blk/userdma.h"

static struct file console_file = {.type = FT_CONSOLE,
				   .flags = O_RDWR,
				   .refs = 1,
				   .pos = MUTEX_INITIALIZER("console"),
				   .ra = {.next = -1}};

/* /dev/NAME: the console, null, zero, a block device or a raw one */
static int
dev_open(const char *name, struct file *f)
{
	int flags = f->flags;

	if (!strcmp(name, "console")) {
		f->type = FT_CONSOLE; /* one way only: a file of its own */
		return 0;
	}
	if (!strcmp(name, "null") || !strcmp(name, "zero")) {
		f->type = name[0] == 'n' ? FT_NULL : FT_ZERO;
		return 0;
	}
	if (!(f->bd = bdev_by_name(name)) && name[0] == 'r') {
		f->type = FT_RAW;
		f->bd = bdev_by_name(name + 1);
	}
	if (!f->bd)
		return ENOENT;
	/* a volume's leg is written only through the volume (a disk with
	 * a leg among its partitions opens, and its writes into the leg
	 * fail: file_rw) */
	if ((flags & O_ACCMODE) != O_RDONLY &&
	    (f->bd->holder || (f->bd->parent && f->bd->parent->holder)))
		return EBUSY;
	return 0;
}

int
file_open_at(const struct node *cwd, const char *path, int flags, uint32_t mode,
	     struct file **fp)
{
	static const struct node root = {.kind = N_ROOT};
	struct file f = {.type = FT_BLOCK,
			 .flags = flags & (O_ACCMODE | O_APPEND),
			 .refs = 1,
			 .pos = MUTEX_INITIALIZER("file"),
			 .ra = {.next = -1}};
	struct node n;
	int err, claimed = 0;

	if (flags & ~(O_ACCMODE | O_OPEN_FLAGS) ||
	    (flags & O_ACCMODE) == O_ACCMODE)
		return EINVAL;
	if ((err = vfs_open(cwd ? cwd : &root, path, flags, mode, &n)))
		return err;
	switch (n.kind) {
	case N_DEV:
		if (!strcmp(n.leaf, "console") &&
		    (flags & O_ACCMODE) == O_RDWR) {
			*fp = file_hold(&console_file);
			return 0;
		}
		bdev_claims_enter(); /* until it is counted open */
		err = dev_open(n.leaf, &f);
		if (err || !f.bd)
			bdev_claims_exit();
		else
			claimed = 1;
		break;
	case N_PROG:
		f.type = FT_PROG;
		if (binfs_find(n.leaf, &f.data, &f.size))
			err = ENOENT;
		else if ((flags & O_ACCMODE) != O_RDONLY)
			err = EACCES;
		break;
	default:
		f.type = n.kind == N_INODE ? FT_INODE : FT_DIR;
		f.node = n;
		break;
	}
	if (!err && !(*fp = kmalloc(sizeof(f))))
		err = ENOMEM;
	if (err) {
		if (claimed)
			bdev_claims_exit();
		node_put(&n);
		return err;
	}
	**fp = f;
	if (claimed) {
		uint32_t fl = irq_save();
		f.bd->opens++; /* a volume open here cannot be removed */
		uint32_t n = f.bd->wb_errors;
		(*fp)->wb_seen = n && !f.bd->wb_reported ? n - 1 : n;
		irq_restore(fl);
		bdev_claims_exit();
	}
	return 0;
}

int
file_open(const char *path, int flags, struct file **fp)
{
	return file_open_at(NULL, path, flags, 0, fp);
}

/* (a parent and its children share files, and any may be preempted) */
struct file *
file_hold(struct file *f)
{
	uint32_t fl = irq_save();

	f->refs++;
	irq_restore(fl);
	return f;
}

void
file_close(struct file *f)
{
	uint32_t fl = irq_save();
	int last = --f->refs == 0 && f != &console_file;

	if (last && f->bd)
		f->bd->opens--;
	irq_restore(fl);
	if (last && (f->type == FT_INODE || f->type == FT_DIR))
		node_put(&f->node);
	if (last)
		kfree(f);
}

int
file_size(const struct file *f, uint64_t *size)
{
	switch (f->type) {
	case FT_BLOCK:
	case FT_RAW: *size = f->bd->nblocks * DEV_BSIZE; return 0;
	case FT_PROG: *size = f->size; return 0;
	case FT_INODE: *size = vfs_size((struct node *)&f->node); return 0;
	case FT_DIR: *size = 0; return 0;
	default: return ESPIPE;
	}
}

/* A line from the console, echoed; ^D alone is the end of input.  The
 * wait looks at the process every tick: a kill (^C) ends it (EINTR, and
 * the process with it at its return to ring 3).  A background process
 * gets EIO at once, as one in a background process group that ignores
 * SIGTTIN does (there is no job control to stop it): it never takes the
 * shell's input. */
static int
console_read(char *ubuf, uint32_t n, uint32_t *moved)
{
	char line[128];
	uint32_t got = 0;

	if (curthread->proc && !curthread->proc->foreground)
		return EIO;

	if (n > sizeof(line))
		n = sizeof(line);
	while (got < n) {
		int c = console_getc_timeout(1);
		if (c < 0) {
			if (curthread->proc && curthread->proc->killed) {
				*moved = got;
				return got ? copyout(line, ubuf, got) : EINTR;
			}
			continue;
		}
		if (c == 0x03 && curthread->proc) {
			/* ^C typed before the process was in the foreground
			 * arrives as a byte: it is SIGINT all the same */
			proc_kill(curthread->proc->pid, SIGINT);
			continue;
		}
		if (c == 0x04)
			break;
		if (c == '\r')
			c = '\n';
		line[got++] = (char)c;
		console_write(&line[got - 1], 1);
		if (c == '\n')
			break;
	}
	*moved = got;
	return copyout(line, ubuf, got);
}

static int
console_rw(char *ubuf, uint32_t n, int write, uint32_t *moved)
{
	char chunk[128];

	if (!write)
		return console_read(ubuf, n, moved);
	/* (a kill ends a long write between pieces: 16 MiB take a minute
	 * at the UART's pace) */
	for (*moved = 0; *moved < n && !proc_stop_midway(*moved);) {
		uint32_t k =
			n - *moved < sizeof(chunk) ? n - *moved : sizeof(chunk);
		if (copyin(ubuf + *moved, chunk, k))
			return *moved ? 0 : EFAULT;
		console_write(chunk, k);
		*moved += k;
	}
	return 0;
}

/* The cache block a block device moves in: FILE_BSIZE bytes from a
 * multiple of it, or what is left of the device at its end. */
static uint32_t
block_size(const struct bdev *bd, daddr_t blk, uint32_t bsize)
{
	uint64_t left = (bd->nblocks - (uint64_t)blk) * DEV_BSIZE;

	return left < bsize ? (uint32_t)left : bsize;
}

static int
block_rw(struct file *f, char *ubuf, uint32_t n, uint64_t off, int write,
	 uint32_t *moved)
{
	dev_t dev = f->bd->dev;
	int err = 0;
	uint64_t narrow = ~0ull; /* the block that failed to read */

	for (*moved = 0; *moved < n && !err && !proc_stop_midway(*moved);) {
		uint64_t at = off + *moved;
		/* a block that failed to read is taken a sector at a time,
		 * so that what can be read of it is (the drivers name the
		 * bad sector; the ones around it still read) */
		uint32_t bsize =
			at / FILE_BSIZE == narrow ? DEV_BSIZE : FILE_BSIZE;
		daddr_t blk = (daddr_t)(at / bsize * (bsize / DEV_BSIZE));
		uint32_t size = block_size(f->bd, blk, bsize);
		uint32_t boff = (uint32_t)(at % bsize);
		uint32_t k =
			size - boff < n - *moved ? size - boff : n - *moved;
		struct buf *bp;
		if (write && k == size)
			err = (bp = getblk(dev, blk, size)) ? 0 : ENOMEM;
		else
			err = bread_seq(dev, blk, size, &f->ra, &bp);
		if (err == EIO && size > DEV_BSIZE) {
			narrow = at / FILE_BSIZE;
			err = 0;
			continue;
		}
		if (err)
			break;
		char *data = (char *)bp->b_un.b_addr + boff;
		err = write ? copyin(ubuf + *moved, data, k)
			    : copyout(data, ubuf + *moved, k);
		daddr_t end = blk + (daddr_t)(size / DEV_BSIZE);
		if (err || !write)
			brelse(bp);
		else if (boff + k == size &&
			 end % (CLUSTER_MAX / DEV_BSIZE) == 0)
			cluster_write(bp);
		else
			bdwrite(bp);
		if (!err)
			*moved += k;
	}
	return *moved ? 0 : err;
}

static int
raw_rw(struct file *f, char *ubuf, uint32_t n, uint64_t off, int write,
       uint32_t *moved)
{
	int err = 0;

	/* the BSDs' raw devices: whole sectors, or EINVAL */
	if (off % DEV_BSIZE || n % DEV_BSIZE || (uint32_t)ubuf & 1)
		return EINVAL;
	for (*moved = 0; *moved < n && !err && !proc_stop_midway(*moved);) {
		uint32_t k = n - *moved < UDMA_MAX ? n - *moved : UDMA_MAX;
		struct udma u;
		size_t m = 0;
		if ((err = userdma(ubuf + *moved, k, !write, &u)))
			break;
		err = physio(f->bd->dev, u.kva, k, off + *moved,
			     write ? UIO_WRITE : UIO_READ, &m);
		undma(&u);
		*moved += (uint32_t)m;
		if (m < k)
			break; /* the end, or an error after some bytes */
	}
	return *moved ? 0 : err;
}

/* /dev/null and /dev/zero: every write taken whole; a read of null is
 * the end, of zero as many zeros as asked for. */
static int
null_rw(const struct file *f, char *ubuf, uint32_t n, int write,
	uint32_t *moved)
{
	static const char zeros[512];
	int err = 0;

	if (write || f->type == FT_NULL) {
		*moved = write ? n : 0;
		return 0;
	}
	while (*moved < n && !err && !proc_stop_midway(*moved)) {
		uint32_t k =
			n - *moved < sizeof(zeros) ? n - *moved : sizeof(zeros);
		if (!(err = copyout(zeros, ubuf + *moved, k)))
			*moved += k;
	}
	return *moved ? 0 : err;
}

int
file_rw(struct file *f, void *ubuf, uint32_t n, uint64_t off, int write,
	uint32_t *moved)
{
	int acc = f->flags & O_ACCMODE;
	uint64_t size = 0;

	*moved = 0;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return EBADF;
	if (f->type == FT_CONSOLE)
		return console_rw(ubuf, n, write, moved);
	if (!useracc(ubuf, n, !write))
		return EFAULT;
	if (f->type == FT_NULL || f->type == FT_ZERO)
		return null_rw(f, ubuf, n, write, moved);
	if (f->type == FT_DIR)
		return EISDIR;
	if (f->type == FT_INODE && !write)
		return vfs_read(&f->node, ubuf, n, off, moved, &f->ra);
	if (f->type == FT_INODE)
		return vfs_write(&f->node, ubuf, n,
				 f->flags & O_APPEND ? VFS_APPEND : off, moved);
	file_size(f, &size);
	if (off >= size) /* the end: no bytes to read, no room to write */
		return write && n ? ENOSPC : 0;
	if (n > size - off)
		n = (uint32_t)(size - off);
	if (write && f->bd &&
	    bdev_claimant(f->bd, off / DEV_BSIZE,
			  (off % DEV_BSIZE + n + DEV_BSIZE - 1) / DEV_BSIZE))
		return EBUSY; /* a volume's blocks */
	switch (f->type) {
	case FT_PROG: *moved = n; return copyout(f->data + off, ubuf, n);
	case FT_BLOCK: return block_rw(f, ubuf, n, off, write, moved);
	default: return raw_rw(f, ubuf, n, off, write, moved);
	}
}

void
file_stat(const struct file *f, struct stat *st)
{
	static const uint32_t mode[] = {S_IFCHR | 0620, S_IFBLK | 0660,
					S_IFCHR | 0660, S_IFREG | 0555,
					S_IFCHR | 0666, S_IFCHR | 0666};
	uint64_t size = 0;

	if (f->type == FT_INODE || f->type == FT_DIR) {
		mutex_enter(&vfs_lock);
		node_stat(&f->node, st);
		mutex_exit(&vfs_lock);
		return;
	}
	memset(st, 0, sizeof(*st));
	file_size(f, &size);
	st->st_mode = mode[f->type];
	st->st_rdev = f->bd ? f->bd->dev : 0;
	st->st_size = size;
	st->st_blksize = f->bd ? DEV_BSIZE : PAGE_SIZE;
	st->st_blocks = (size + 511) / 512;
}

int
file_ioctl(struct file *f, uint32_t request, void *uarg)
{
	uint64_t size;
	uint32_t ssize = DEV_BSIZE;

	if (f->type != FT_BLOCK && f->type != FT_RAW)
		return ENOTTY;
	switch (request) {
	case DIOCGSECTORSIZE: return copyout(&ssize, uarg, sizeof(ssize));
	case DIOCGMEDIASIZE:
		file_size(f, &size);
		return copyout(&size, uarg, sizeof(size));
	default: return ENOTTY;
	}
}

/* What was written is on the disk: the cache's delayed writes, then the
 * disk's own cache. */
int
file_fsync(struct file *f)
{
	if (f->type == FT_INODE)
		return vfs_fsync(&f->node);
	if (f->type != FT_BLOCK && f->type != FT_RAW)
		return 0;
	bflush(f->bd->dev);
	int ferr = bdev_flush(f->bd->dev);
	uint32_t fl = irq_save();
	int err = 0;
	if (f->bd->wb_errors != f->wb_seen) {
		f->wb_seen = f->bd->wb_errors;
		err = f->bd->wb_error;
		f->bd->wb_reported = 1;
	}
	irq_restore(fl);
	return err ? err : ferr;
}

/* ftruncate: a file of the file system open for writing (else EINVAL,
 * as Linux says) */
int
file_truncate(struct file *f, uint64_t size)
{
	if (f->type != FT_INODE || (f->flags & O_ACCMODE) == O_RDONLY)
		return EINVAL;
	return vfs_truncate(&f->node, size);
}
