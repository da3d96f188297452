/*
 * ext2_super.c: mounting an ext2 file system: the superblock and the
 * group descriptors, checked before anything trusts them; the features
 * this kernel has; the error rule (errors=remount-ro); sync and unmount.
 *
 * A read-write mount marks the superblock not clean (s_state without
 * EXT2_VALID_FS) with a synchronous write before anything else is
 * written, and unmount marks it clean after everything else is on the
 * disk: e2fsck then knows a file system that was not unmounted.  The
 * first inconsistency found (a block number out of range, a directory
 * entry that overruns its block, a bitmap that disagrees) is named on
 * the console, marks the superblock EXT2_ERROR_FS, and makes the mount
 * read-only: writing on would spread the damage.
 */
#include "ext2.h"

#include <stdarg.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "clock.h"
#include "console.h"
#include "errno.h"
#include "kmalloc.h"
#include "printf.h"
#include "string.h"
#include "syscall.h"
#include "thread.h"

const struct ext2_feature ext2_features[] = {
	{0, EXT2_COMPAT_DIR_PREALLOC, "dir_prealloc"},
	{0, EXT2_COMPAT_IMAGIC, "imagic_inodes"},
	{0, EXT3_COMPAT_HAS_JOURNAL, "has_journal"},
	{0, EXT2_COMPAT_EXT_ATTR, "ext_attr"},
	{0, EXT2_COMPAT_RESIZE_INODE, "resize_inode"},
	{0, EXT2_COMPAT_DIR_INDEX, "dir_index"},
	{0, 0x0040, "lazy_bg"},
	{0, 0x0200, "sparse_super2"},
	{0, 0x0400, "fast_commit"},
	{0, 0x0800, "stable_inodes"},
	{0, 0x1000, "orphan_file"},
	{1, 0x0001, "compression"},
	{1, EXT2_INCOMPAT_FILETYPE, "filetype"},
	{1, 0x0004, "needs_recovery"},
	{1, 0x0008, "journal_dev"},
	{1, 0x0010, "meta_bg"},
	{1, 0x0040, "extents"},
	{1, 0x0080, "64bit"},
	{1, 0x0100, "mmp"},
	{1, 0x0200, "flex_bg"},
	{1, 0x0400, "ea_inode"},
	{1, 0x1000, "dirdata"},
	{1, 0x2000, "metadata_csum_seed"},
	{1, 0x4000, "large_dir"},
	{1, 0x8000, "inline_data"},
	{1, 0x10000, "encrypt"},
	{1, 0x20000, "casefold"},
	{2, EXT2_RO_COMPAT_SPARSE_SUPER, "sparse_super"},
	{2, EXT2_RO_COMPAT_LARGE_FILE, "large_file"},
	{2, 0x0004, "btree_dir"},
	{2, 0x0008, "huge_file"},
	{2, 0x0010, "uninit_bg"},
	{2, 0x0020, "dir_nlink"},
	{2, 0x0040, "extra_isize"},
	{2, 0x0100, "quota"},
	{2, 0x0200, "bigalloc"},
	{2, 0x0400, "metadata_csum"},
	{2, 0x1000, "read-only"},
	{2, 0x2000, "project"},
	{2, 0x4000, "shared_blocks"},
	{2, 0x8000, "verity"},
	{2, 0x10000, "orphan_present"},
	{-1, 0, NULL},
};

/* The names of the features in masks[kind] to buf, ", " between; the
 * bits no name is known for as "FEATURE_I0x..." (e2fsprogs' way). */
static void
feature_names(char *buf, size_t n, const uint32_t masks[3])
{
	size_t at = 0;

	buf[0] = 0;
	for (int kind = 0; kind < 3; kind++) {
		uint32_t left = masks[kind];
		for (const struct ext2_feature *f = ext2_features; f->name; f++)
			if (f->kind == kind && (left & f->mask)) {
				at += (size_t)snprintf(buf + at, n - at, "%s%s",
						       at ? ", " : "", f->name);
				left &= ~f->mask;
				if (at >= n)
					return;
			}
		if (left)
			at += (size_t)snprintf(
				buf + at, n - at, "%sFEATURE_%c0x%x",
				at ? ", " : "", "CIR"[kind], left);
		if (at >= n)
			return;
	}
}

/* Block blk held by this thread already (a damaged map naming one block
 * twice: an indirect block that points at itself, a directory block
 * that is the superblock's): taking it again would wait for ever. */
int
ext2_held(struct ext2_fs *fs, uint32_t blk)
{
	const struct buf *bp = bcache_peek(fs->dev, (daddr_t)blk * fs->spb);

	return bp && (bp->b_flags & B_BUSY) && bp->b_owner == curthread;
}

/*
 * Block blk of the file system held (*bpp): read (EXT2_READ) or as the
 * cache has it, for a block about to be written whole; the file
 * system's own (EXT2_META: B_META, the trace's M) or a file's data.  A
 * block past the file system, or one this call holds already, is an
 * inconsistency (EUCLEAN); else EIO, ENOMEM.
 */
int
ext2_block(struct ext2_fs *fs, uint32_t blk, int how, struct buf **bpp)
{
	daddr_t at = (daddr_t)blk * fs->spb;
	int err;

	if (blk < fs->sb.s_first_data_block || blk >= fs->sb.s_blocks_count)
		return ext2_error(fs, "block %u out of range", blk);
	if (ext2_held(fs, blk))
		return ext2_error(fs, "block %u is in two places at once", blk);
	if (!(how & EXT2_READ)) {
		if (!(*bpp = getblk(fs->dev, at, fs->bsize)))
			return ENOMEM;
		(*bpp)->b_flags = ((*bpp)->b_flags & ~B_META) |
				  (how & EXT2_META ? B_META : 0);
		return 0;
	}
	err = how & EXT2_META ? bread_meta(fs->dev, at, fs->bsize, 0, 0, bpp)
			      : bread(fs->dev, at, fs->bsize, bpp);
	if (err)
		kprintf("ext2: %s: block %u: %s reading it\n", fs->bd->name,
			blk, errno_name(err));
	return err ? EIO : 0;
}

int
ext2_bread(struct ext2_fs *fs, uint32_t blk, struct buf **bpp)
{
	return ext2_block(fs, blk, EXT2_READ | EXT2_META, bpp);
}

/*
 * An inconsistency: named on the console, the file system marked as
 * having errors, and read-only from now on.  Returns EUCLEAN, for the
 * caller to return.
 */
int
ext2_error(struct ext2_fs *fs, const char *fmt, ...)
{
	char msg[120];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("ext2: %s: %s\n", fs->bd->name, msg);
	if (fs->errors++ == 0 && !fs->ro) {
		kprintf("ext2: %s: remounting read-only (errors=remount-ro); "
			"run e2fsck\n",
			fs->bd->name);
		fs->sb.s_state |= EXT2_ERROR_FS;
		/* written when the call ends (ext2_error_flush): the caller
		 * may hold buffers, the superblock's among them */
		fs->error_pending = 1;
		fs->ro = 1;
	}
	return EUCLEAN;
}

/* The error state ext2_error recorded, into the superblock on the
 * disk: at the end of a call, holding no buffer. */
void
ext2_error_flush(struct ext2_fs *fs)
{
	if (fs->error_pending) {
		fs->error_pending = 0;
		ext2_super_write(fs, 1);
	}
}

/* The superblock's copy in the primary superblock's block, written:
 * synchronously when order matters (mount, unmount, an error). */
int
ext2_super_write(struct ext2_fs *fs, int sync)
{
	uint32_t blk = fs->bsize == 1024 ? 1 : 0;
	uint32_t off = fs->bsize == 1024 ? 0 : EXT2_SUPER_OFFSET;
	struct buf *bp;
	int err = bread_meta(fs->dev, (daddr_t)blk * fs->spb, fs->bsize, 0, 0,
			     &bp);

	if (err)
		return err;
	fs->sb.s_wtime = clock_unix_time();
	memcpy((char *)bp->b_un.b_addr + off, &fs->sb, sizeof(fs->sb));
	if (sync)
		return bwrite(bp);
	bdwrite(bp);
	return 0;
}

/* Group g's descriptor into its block, a delayed write. */
int
ext2_gd_write(struct ext2_fs *fs, uint32_t g)
{
	uint32_t per = fs->bsize / sizeof(struct ext2_group_desc);
	struct buf *bp;
	int err = ext2_bread(fs, fs->sb.s_first_data_block + 1 + g / per, &bp);

	if (err)
		return err;
	memcpy((struct ext2_group_desc *)bp->b_un.b_addr + g % per, &fs->gd[g],
	       sizeof(fs->gd[g]));
	bdwrite(bp);
	return 0;
}

/* The superblock's numbers that everything else relies on; 0, or the
 * reason they cannot be (EINVAL, printed). */
static int
super_check(struct ext2_fs *fs, const struct ext2_super *sb, char *msg,
	    size_t n)
{
	const char *why = NULL;
	uint64_t blocks = sb->s_blocks_count;

	if (sb->s_magic != EXT2_MAGIC)
		why = "no ext2 file system (bad magic number)";
	else if (sb->s_rev_level > EXT2_DYNAMIC_REV)
		why = "revision newer than 1";
	else if (sb->s_log_block_size > 2)
		why = "block size over 4 KiB (this kernel's page)";
	else if (!sb->s_blocks_per_group || !sb->s_inodes_per_group ||
		 sb->s_blocks_per_group > 8 * fs->bsize ||
		 sb->s_inodes_per_group > 8 * fs->bsize)
		why = "bad blocks or inodes per group";
	else if (sb->s_first_data_block != (fs->bsize == 1024))
		why = "bad first data block";
	else if (blocks <= sb->s_first_data_block)
		why = "bad block count";
	else if (blocks * fs->spb > fs->bd->nblocks)
		why = "file system larger than its device";
	else if (fs->isize < EXT2_GOOD_OLD_INODE_SIZE ||
		 fs->isize > fs->bsize || (fs->isize & (fs->isize - 1)))
		why = "bad inode size";
	else if (sb->s_inodes_count / sb->s_inodes_per_group !=
			 (blocks - sb->s_first_data_block +
			  sb->s_blocks_per_group - 1) /
				 sb->s_blocks_per_group ||
		 sb->s_inodes_count % sb->s_inodes_per_group)
		why = "inode count does not match the groups";
	else if (sb->s_rev_level && sb->s_first_ino < EXT2_GOOD_OLD_FIRST_INO)
		why = "bad first inode";
	if (why)
		strlcpy(msg, why, n);
	return why ? EINVAL : 0;
}

/* Each group's bitmaps and inode table inside the file system, and the
 * descriptors' counts no larger than a group holds. */
static int
groups_check(struct ext2_fs *fs, char *msg, size_t n)
{
	uint32_t itblocks = fs->sb.s_inodes_per_group / fs->ipb;

	for (uint32_t g = 0; g < fs->ngroups; g++) {
		const struct ext2_group_desc *d = &fs->gd[g];
		uint32_t lo = fs->sb.s_first_data_block + fs->gdblocks + 1;
		uint32_t hi = fs->sb.s_blocks_count;
		if (d->bg_block_bitmap < lo || d->bg_block_bitmap >= hi ||
		    d->bg_inode_bitmap < lo || d->bg_inode_bitmap >= hi ||
		    d->bg_inode_table < lo || d->bg_inode_table >= hi ||
		    hi - d->bg_inode_table < itblocks ||
		    d->bg_free_inodes_count > fs->sb.s_inodes_per_group ||
		    d->bg_free_blocks_count > fs->sb.s_blocks_per_group) {
			snprintf(msg, n,
				 "group %u's descriptor is damaged (bitmaps "
				 "%u %u, inode table %u)",
				 g, d->bg_block_bitmap, d->bg_inode_bitmap,
				 d->bg_inode_table);
			return EUCLEAN;
		}
	}
	return 0;
}

/* Features it cannot read refuse the mount (with every feature it
 * lacks named), those it cannot write make it read-only. */
static int
features_check(struct ext2_fs *fs, int *ro, char *msg, size_t n)
{
	const struct ext2_super *sb = &fs->sb;
	char names[200];

	if (sb->s_rev_level < EXT2_DYNAMIC_REV)
		return 0;
	uint32_t lacks[3] = {sb->s_feature_compat & EXT3_COMPAT_HAS_JOURNAL,
			     sb->s_feature_incompat & ~EXT2_INCOMPAT_SUPPORTED,
			     sb->s_feature_ro_compat &
				     ~EXT2_RO_COMPAT_SUPPORTED};
	if (lacks[0] || lacks[1]) {
		feature_names(names, sizeof(names), lacks);
		snprintf(msg, n, "ext4 features not supported: %s", names);
		return EINVAL;
	}
	if (lacks[2] && !*ro) {
		feature_names(names, sizeof(names), lacks);
		kprintf("mount: %s: read-only: cannot write with features "
			"%s\n",
			fs->bd->name, names);
		*ro = 1;
	}
	return 0;
}

static void
fs_free(struct ext2_fs *fs)
{
	kfree(fs->gd);
	kfree(fs);
}

/*
 * Mount the ext2 file system on bd: 0 and *fsp, or an errno and its
 * reason in why: EINVAL (not ext2, features it lacks, numbers that
 * cannot be), EUCLEAN (damaged descriptors or root), EIO, ENOMEM.
 */
int
ext2_mount(struct bdev *bd, int ro, struct ext2_fs **fsp, char *why, size_t n)
{
	struct ext2_fs *fs = kmalloc(sizeof(*fs));
	struct buf *bp;
	int err;

	if (!fs)
		return ENOMEM;
	why[0] = 0;
	memset(fs, 0, sizeof(*fs));
	fs->bd = bd;
	fs->dev = bd->dev;
	if (bd->nblocks < (EXT2_SUPER_OFFSET + EXT2_SUPER_SIZE) / DEV_BSIZE) {
		strlcpy(why, "too small for a file system", n);
		kfree(fs);
		return EINVAL;
	}
	/* the superblock in the block size of every file system's first
	 * 4 KiB, which is not known yet; later reads use the real one
	 * (the cache takes the same bytes in another size) */
	if ((err = bread(fs->dev, EXT2_SUPER_OFFSET / DEV_BSIZE,
			 EXT2_SUPER_SIZE, &bp))) {
		kfree(fs);
		return EIO;
	}
	memcpy(&fs->sb, bp->b_un.b_addr, sizeof(fs->sb));
	bp->b_flags |= B_INVAL; /* not kept in a size no later read uses:
				   the cache's grid is the file system's */
	brelse(bp);
	struct ext2_super *sb = &fs->sb;
	fs->bsize = EXT2_MIN_BLOCK << (sb->s_log_block_size & 3);
	fs->spb = fs->bsize / DEV_BSIZE;
	fs->isize =
		sb->s_rev_level ? sb->s_inode_size : EXT2_GOOD_OLD_INODE_SIZE;
	if (!sb->s_rev_level)
		sb->s_first_ino = EXT2_GOOD_OLD_FIRST_INO;
	if ((err = super_check(fs, sb, why, n)) ||
	    (err = features_check(fs, &ro, why, n))) {
		kfree(fs);
		return err;
	}
	fs->ipb = fs->bsize / fs->isize;
	fs->apb = fs->bsize / 4;
	fs->ngroups = (sb->s_blocks_count - sb->s_first_data_block +
		       sb->s_blocks_per_group - 1) /
		      sb->s_blocks_per_group;
	uint32_t per = fs->bsize / sizeof(struct ext2_group_desc);
	fs->gdblocks = (fs->ngroups + per - 1) / per;
	if (!(fs->gd = kmalloc(fs->gdblocks * fs->bsize))) {
		kfree(fs);
		return ENOMEM;
	}
	for (uint32_t i = 0; i < fs->gdblocks; i++) {
		if ((err = ext2_bread(fs, sb->s_first_data_block + 1 + i,
				      &bp))) {
			fs_free(fs);
			return EIO;
		}
		memcpy((char *)fs->gd + i * fs->bsize, bp->b_un.b_addr,
		       fs->bsize);
		brelse(bp);
	}
	if ((err = groups_check(fs, why, n))) {
		fs_free(fs);
		return err;
	}
	if (!(sb->s_state & EXT2_VALID_FS))
		kprintf("mount: %s: warning: not cleanly unmounted, running "
			"e2fsck is recommended\n",
			bd->name);
	else if (sb->s_state & EXT2_ERROR_FS)
		kprintf("mount: %s: warning: mounting a file system with "
			"errors, running e2fsck is recommended\n",
			bd->name);
	fs->ro = 1; /* nothing written to what may not be mounted */
	if ((err = ext2_iget(fs, EXT2_ROOT_INO, &fs->root))) {
		fs_free(fs);
		return err;
	}
	if (!S_ISDIR(fs->root->d.i_mode)) {
		strlcpy(why, "the root inode is not a directory", n);
		ext2_iput(fs->root);
		fs_free(fs);
		return EUCLEAN;
	}
	if (!(fs->ro = ro)) {
		sb->s_state &= (uint16_t)~EXT2_VALID_FS;
		sb->s_mnt_count++;
		sb->s_mtime = clock_unix_time();
		if ((err = ext2_super_write(fs, 1))) {
			ext2_iput(fs->root);
			fs_free(fs);
			return err;
		}
	}
	*fsp = fs;
	return 0;
}

/* Everything written: the inodes, the counts, the delayed writes, and
 * the disk's own cache. */
int
ext2_sync(struct ext2_fs *fs)
{
	int err = ext2_reap(fs);

	ext2_error_flush(fs);
	if (!fs->ro && !err)
		err = ext2_super_write(fs, 0);
	int e = bflush(fs->dev);
	if (!err)
		err = e;
	e = bdev_flush(fs->dev);
	return err ? err : e;
}

/* EBUSY while a file or a working directory holds an inode. */
int
ext2_umount(struct ext2_fs *fs)
{
	ext2_reap(fs); /* the waiting unlinks hold their inodes */
	if (ext2_inodes_held(fs) > 1)
		return EBUSY;
	int err = ext2_sync(fs);
	if (!fs->ro && !err && !fs->errors) {
		fs->sb.s_state |= EXT2_VALID_FS;
		err = ext2_super_write(fs, 1);
		bdev_flush(fs->dev);
	}
	ext2_iput(fs->root);
	fs_free(fs);
	return err;
}
