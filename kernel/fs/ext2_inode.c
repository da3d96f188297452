/*
 * ext2_inode.c: inodes in memory (xv6's icache, one table for every
 * mounted file system, the held ones hashed by number): ext2_iget finds or reads one and holds it,
 * ext2_iput lets it go, and frees the inode and its blocks on the disk
 * when the last link and the last reference are gone.
 *
 * Everything here runs under the vfs_lock (ext2.h).  An inode
 * changed in memory goes to its table block with ext2_iupdate, a
 * delayed write (bdwrite: a file written twice a second touches its
 * inode twice, and the table block is written once).  Order that keeps
 * the file system repairable (BSD's rules) is kept by the callers, with
 * synchronous writes where it matters (ext2_ops.c says which).
 */
#include "ext2.h"

#include "blk/bcache.h"
#include "blk/bdep.h"
#include "blk/bdev.h"
#include "clock.h"
#include "console.h"
#include "errno.h"
#include "pmem.h"
#include "string.h"
#include "syscall.h"

#define ITABLE_AHEAD 32 /* table blocks read in a row (ext4's default) */

static struct inode icache[EXT2_NINODE];

int
ext2_ftype(uint16_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return EXT2_FT_REG_FILE;
	case S_IFDIR: return EXT2_FT_DIR;
	case S_IFCHR: return EXT2_FT_CHRDEV;
	case S_IFBLK: return EXT2_FT_BLKDEV;
	case S_IFIFO: return EXT2_FT_FIFO;
	case S_IFSOCK: return EXT2_FT_SOCK;
	case S_IFLNK: return EXT2_FT_SYMLINK;
	default: return EXT2_FT_UNKNOWN;
	}
}

uint64_t
ext2_isize(const struct inode *ip)
{
	uint64_t hi = S_ISREG(ip->d.i_mode) ? ip->d.i_size_high : 0;

	return hi << 32 | ip->d.i_size;
}

/* A size past 2 GiB sets large_file in the superblock, as Linux does. */
void
ext2_set_isize(struct inode *ip, uint64_t size)
{
	struct ext2_fs *fs = ip->fs;

	ip->d.i_size = (uint32_t)size;
	ip->d.i_size_high = (uint32_t)(size >> 32);
	if (size > 0x7FFFFFFFu &&
	    !(fs->sb.s_feature_ro_compat & EXT2_RO_COMPAT_LARGE_FILE)) {
		if (!fs->sb.s_rev_level) /* revision 0 has no features */
			return;
		fs->sb.s_feature_ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
		ext2_super_write(fs, 1);
	}
}

/* Where inode ino lies: its table block and its offset in it. */
static int
inode_where(struct ext2_fs *fs, uint32_t ino, uint32_t *blk, uint32_t *off)
{
	if (ino < 1 || ino > fs->sb.s_inodes_count)
		return ext2_error(fs, "inode %u out of range", ino);
	uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group;
	uint32_t i = (ino - 1) % fs->sb.s_inodes_per_group;
	*blk = fs->gd[g].bg_inode_table + i / fs->ipb;
	*off = i % fs->ipb * fs->isize;
	return 0;
}

/* Inode ino's table block blk, with the blocks after it in its group's
 * table read ahead (ext4's inode_readahead_blks): a directory's files
 * lie in a row there, and a walk of them reads the next ones soon. */
static int
itable_read(struct ext2_fs *fs, uint32_t ino, uint32_t blk, struct buf **bpp)
{
	uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group;
	uint32_t end =
		fs->gd[g].bg_inode_table + fs->sb.s_inodes_per_group / fs->ipb;

	if (fs->bsize % PAGE_SIZE || end > fs->sb.s_blocks_count ||
	    bcache_peek(fs->dev, (daddr_t)blk * fs->spb))
		return ext2_bread(fs, blk, bpp); /* cached: nothing to start,
						    and held is checked */
	if (end > blk + ITABLE_AHEAD)
		end = blk + ITABLE_AHEAD;
	int err = bread_meta(fs->dev, (daddr_t)blk * fs->spb, fs->bsize,
			     (daddr_t)(blk + 1) * fs->spb,
			     (daddr_t)end * fs->spb, bpp);
	if (err)
		kprintf("ext2: %s: block %u: %s reading it\n", fs->bd->name,
			blk, errno_name(err));
	return err ? EIO : 0;
}

/* What a read inode must be before anything follows its numbers. */
static int
inode_check(struct inode *ip)
{
	struct ext2_fs *fs = ip->fs;
	const struct ext2_inode *d = &ip->d;

	if (!d->i_links_count && d->i_mode)
		return 0; /* deleted, or being: nothing follows its blocks */
	if (d->i_flags & (EXT4_EXTENTS_FL | EXT4_INLINE_FL))
		return ext2_error(fs,
				  "inode %u: extents or inline data in "
				  "an ext2 inode",
				  ip->ino);
	if (S_ISDIR(d->i_mode) && d->i_size % fs->bsize)
		return ext2_error(fs,
				  "inode %u: directory size %u is no "
				  "multiple of the block",
				  ip->ino, d->i_size);
	return 0;
}

/* The held inodes by (file system, number), and the slots not held */
#define IHASH 256
static struct inode *ihash[IHASH];
static struct inode *ifree;

static struct inode **
ihash_head(const struct ext2_fs *fs, uint32_t ino)
{
	return &ihash[(ino ^ (uint32_t)fs >> 6) % IHASH];
}

static struct inode *
slot_take(void)
{
	static int ready;

	if (!ready) {
		for (int i = EXT2_NINODE - 1; i >= 0; i--) {
			icache[i].hnext = ifree;
			ifree = &icache[i];
		}
		ready = 1;
	}
	struct inode *ip = ifree;
	if (ip)
		ifree = ip->hnext;
	return ip;
}

static void
slot_give(struct inode *ip)
{
	ip->refs = 0;
	ip->hnext = ifree;
	ifree = ip;
}

/* Inode ino of fs, held (*ipp), read from its table if it was not in
 * memory: 0, or EIO / EUCLEAN / ENFILE (the table is full). */
int
ext2_iget(struct ext2_fs *fs, uint32_t ino, struct inode **ipp)
{
	struct inode **head = ihash_head(fs, ino), *ip;

	for (ip = *head; ip; ip = ip->hnext)
		if (ip->fs == fs && ip->ino == ino) {
			ip->refs++;
			fs->held++;
			*ipp = ip;
			return 0;
		}
	if (!(ip = slot_take())) {
		kprintf("ext2: %s: all %d inodes in memory are in use\n",
			fs->bd->name, EXT2_NINODE);
		return ENFILE;
	}
	uint32_t blk, off;
	struct buf *bp;
	int err = inode_where(fs, ino, &blk, &off);
	if (err || (err = itable_read(fs, ino, blk, &bp))) {
		slot_give(ip);
		return err;
	}
	memset(ip, 0, sizeof(*ip));
	uint32_t n = fs->isize < sizeof(ip->d) ? fs->isize : sizeof(ip->d);
	memcpy(&ip->d, (char *)bp->b_un.b_addr + off, n);
	brelse(bp);
	ip->fs = fs;
	ip->ino = ino;
	ip->valid = 1;
	if ((err = inode_check(ip))) {
		slot_give(ip);
		return err;
	}
	ip->refs = 1;
	fs->held++;
	ip->hnext = *head;
	*head = ip;
	*ipp = ip;
	return 0;
}

struct inode *
ext2_idup(struct inode *ip)
{
	ip->refs++;
	ip->fs->held++;
	return ip;
}

int
ext2_inodes_held(const struct ext2_fs *fs)
{
	return fs->held;
}

/* ip's inode into its table block: a delayed write. */
int
ext2_iupdate(struct inode *ip)
{
	struct ext2_fs *fs = ip->fs;
	uint32_t blk, off;
	struct buf *bp;
	int err = inode_where(fs, ip->ino, &blk, &off);

	if (err || (err = ext2_bread(fs, blk, &bp)))
		return err;
	char *at = (char *)bp->b_un.b_addr + off;
	memcpy(at, &ip->d, EXT2_INODE_CORE);
	/* its indirect blocks first, if they are new (indirect_new); a
	 * fast symlink's i_block is its text */
	int map = !S_ISLNK(ip->d.i_mode) || ip->d.i_blocks;
	for (int i = EXT2_NDIR_BLOCKS; map && i < EXT2_N_BLOCKS && !err; i++)
		if (ip->d.i_block[i])
			err = bdep(bp, fs->dev,
				   (daddr_t)ip->d.i_block[i] * fs->spb);
	if (fs->isize > EXT2_INODE_CORE && !ip->d.i_extra_isize) {
		/* a large inode's extra room, as Linux's ext4 lays it */
		memset(at + EXT2_INODE_CORE, 0, fs->isize - EXT2_INODE_CORE);
		*(uint16_t *)(at + EXT2_INODE_CORE) = EXT2_EXTRA_ISIZE;
		ip->d.i_extra_isize = EXT2_EXTRA_ISIZE;
	}
	bdwrite(bp);
	ip->dirty = 0;
	return err;
}

/* bp (a directory block, held, about to name inode ino) reaches the
 * disk after ino's table block as it is now: BSD's order for a new
 * name (vfs.c), kept by the cache (bdep.c) with no write waited for. */
int
ext2_after_inode(struct ext2_fs *fs, struct buf *bp, uint32_t ino)
{
	uint32_t blk, off;
	int err = inode_where(fs, ino, &blk, &off);

	return err ? err : bdep(bp, fs->dev, (daddr_t)blk * fs->spb);
}

/*
 * Let ip go.  The last reference to an inode with no links left frees
 * it: its blocks first, then the inode itself with its deletion time,
 * then its bit (BSD's order: nothing points at a block that is free).
 */
void
ext2_iput(struct inode *ip)
{
	struct ext2_fs *fs = ip->fs;

	if (ip->refs == 1 && ip->valid && !ip->d.i_links_count &&
	    ip->d.i_mode && !fs->ro) {
		int dir = S_ISDIR(ip->d.i_mode);
		if (!ext2_itrunc(ip, 0)) {
			ip->d.i_dtime = clock_unix_time();
			ip->d.i_mode = 0;
			ext2_iupdate(ip);
			ext2_ifree_bit(fs, ip->ino, dir);
		}
	} else if (ip->dirty && !fs->ro) {
		ext2_iupdate(ip);
	}
	fs->held--;
	if (--ip->refs)
		return;
	struct inode **pp = ihash_head(fs, ip->ino);
	while (*pp != ip)
		pp = &(*pp)->hnext;
	*pp = ip->hnext;
	slot_give(ip);
}

/*
 * Make ip's file size bytes long: blocks wholly past it freed, the part
 * of its last block past it zeroed (so that a later extension reads
 * zeros, as POSIX says), the size and times set.
 */
int
ext2_itrunc(struct inode *ip, uint64_t size)
{
	struct ext2_fs *fs = ip->fs;
	uint64_t old = ext2_isize(ip);
	int err = 0;

	if (S_ISLNK(ip->d.i_mode) && !ip->d.i_blocks) {
		memset(ip->d.i_block, 0, sizeof(ip->d.i_block)); /* fast */
	} else if (size < old) {
		uint32_t keep = (uint32_t)((size + fs->bsize - 1) / fs->bsize);
		uint32_t part = (uint32_t)(size % fs->bsize);
		uint32_t pbn;
		if (part && !ext2_bmap(ip, keep - 1, 0, &pbn) && pbn) {
			struct buf *bp;
			if (!(err = ext2_bread(fs, pbn, &bp))) {
				memset((char *)bp->b_un.b_addr + part, 0,
				       fs->bsize - part);
				bdwrite(bp);
			}
		}
		/* the smaller size first: a block freed is never inside
		 * the file's size on the disk */
		ext2_set_isize(ip, size);
		ext2_iupdate(ip);
		if (!err)
			err = ext2_bfree_all(ip, keep);
	}
	ext2_set_isize(ip, size);
	ip->d.i_mtime = ip->d.i_ctime = clock_unix_time();
	ext2_iupdate(ip);
	return err;
}

/*
 * A new inode for a file of mode in directory dp, with nlink links to
 * come (held *ipp): a directory goes to a group with room and few
 * directories, a file to its directory's group (Linux's Orlov,
 * simplified; BSD's ffs_dirpref).  Its table block is a delayed write:
 * the caller writes it synchronously once the inode is whole, before
 * any entry names it (vfs.c).
 */
int
ext2_ialloc(struct inode *dp, uint16_t mode, uint16_t nlink, struct inode **ipp)
{
	struct ext2_fs *fs = dp->fs;
	uint32_t ino, g = (dp->ino - 1) / fs->sb.s_inodes_per_group;
	int err = ext2_ialloc_bit(fs, g, S_ISDIR(mode), &ino);

	if (err)
		return err;
	if ((err = ext2_iget(fs, ino, ipp))) {
		ext2_ifree_bit(fs, ino, S_ISDIR(mode));
		return err;
	}
	struct inode *ip = *ipp;
	if (ip->d.i_mode && ip->d.i_links_count) {
		ext2_iput(ip);
		return ext2_error(fs,
				  "inode %u is free in its bitmap but "
				  "in use",
				  ino);
	}
	uint32_t now = clock_unix_time(), gen = ip->d.i_generation + 1;
	memset(&ip->d, 0, sizeof(ip->d));
	ip->d.i_mode = mode;
	ip->d.i_links_count = nlink;
	ip->d.i_atime = ip->d.i_ctime = ip->d.i_mtime = now;
	ip->d.i_generation = gen;
	ip->goal = 0;
	return ext2_iupdate(ip); /* lays a large inode's extra room */
}

/* ip's links as the calls see them: less the names whose removal is
 * still on its way to the disk */
uint32_t
ext2_nlink(const struct inode *ip)
{
	return ip->d.i_links_count - ip->unlinked;
}

/*
 * unlink's half of BSD's order without a synchronous write per name:
 * name is gone from dp (a delayed write of its block), and ip's link
 * count drops, and ip may be freed, only once that block is on the disk
 * (ext2_reap, when EXT2_DOOMED unlinks are waiting, at sync, statfs,
 * unmount, or when space runs short).  A crash before then leaves the
 * inode with its old count: named still, or (if the block went out)
 * unnamed and whole, for e2fsck to put in lost+found; never a name of
 * a freed inode.  One synchronous write a directory block per reap,
 * not one a name.
 */
int
ext2_unlink_later(struct inode *dp, struct inode *ip, const char *name)
{
	struct ext2_fs *fs = dp->fs;
	uint32_t blk;
	int err;

	if ((fs->ndoomed == EXT2_DOOMED || fs->nrmblk == EXT2_DOOMED) &&
	    (err = ext2_reap(fs)))
		return err;
	if ((err = ext2_dirremove(dp, name, (uint32_t)strlen(name), &blk, 0)))
		return err;
	int i;
	for (i = 0; i < fs->nrmblk && fs->rmblk[i] != blk; i++)
		;
	if (i == fs->nrmblk)
		fs->rmblk[fs->nrmblk++] = blk;
	if (!ip->unlinked++)
		fs->doomed[fs->ndoomed++] = ext2_idup(ip);
	ip->d.i_ctime = clock_unix_time();
	return 0;
}

/* The directory blocks of the waiting unlinks on the disk, then their
 * inodes' counts down (and the inodes freed, if nothing holds them). */
int
ext2_reap(struct ext2_fs *fs)
{
	static struct buf *w[EXT2_DOOMED]; /* (under vfs_lock) */
	int err = 0, n = 0;

	for (int i = 0; i < fs->nrmblk; i++) {
		struct buf *bp;
		int e = ext2_bread(fs, fs->rmblk[i], &bp);
		if (!e && (bp->b_flags & B_DELWRI))
			w[n++] = bp;
		else if (!e)
			brelse(bp); /* written already (the syncer) */
		if (e && !err)
			err = e;
	}
	int e = bwrite_all(w, n); /* together: one wait, not one a block */
	if (e && !err)
		err = e;
	fs->nrmblk = 0;
	if (err) /* the names may be on the disk still: keep the inodes */
		return err;
	for (int i = 0; i < fs->ndoomed; i++) {
		struct inode *ip = fs->doomed[i];
		ip->d.i_links_count -= ip->unlinked;
		ip->unlinked = 0;
		ip->dirty = 1;
		ext2_iput(ip);
	}
	fs->ndoomed = 0;
	return 0;
}
