/*
 * ext2_dir.c: directories: a list of entries (inode, record length,
 * name length, type, name) in each of the directory's blocks, every
 * entry inside its block and the last one reaching the block's end.
 * Lookup walks them; a new entry takes the room an entry has past its
 * own name (or an unused one), else a new block; a removed entry's room
 * goes to the entry before it (Linux's ext2_delete_entry).
 *
 * Every entry read is checked before it is followed: a record that
 * overruns its block, is too short for its name, or names an inode out
 * of range is an inconsistency (ext2_error), not a loop or a fault.
 * An htree index (dir_index) is not kept: a directory changed here
 * loses EXT2_INDEX_FL, and e2fsck -D may index it again.
 *
 * Removing an entry is written synchronously (rmdir, rename), or its
 * block is named to the caller (unlink, ext2_unlink_later): the inode
 * it named may be freed next, and must not be while the entry names it
 * on the disk.
 */
#include "ext2.h"

#include "blk/bcache.h"
#include "blk/bdep.h"
#include "clock.h"
#include "errno.h"
#include "string.h"
#include "syscall.h"

/* Block lbn of directory dp, read: 0 and *bpp, or an errno; where it
 * is in dp->fs->last_dirblk. */
static int
dir_block(struct inode *dp, uint32_t lbn, struct buf **bpp)
{
	uint32_t pbn;
	int err = ext2_bmap(dp, lbn, 0, &pbn);

	dp->fs->last_dirblk = pbn;

	if (err)
		return err;
	if (!pbn)
		return ext2_error(dp->fs, "directory %u: block %u is a hole",
				  dp->ino, lbn);
	return ext2_bread(dp->fs, pbn, bpp);
}

/* The entry at off of block lbn, checked. */
static int
entry_check(struct inode *dp, uint32_t lbn, uint32_t off,
	    const struct ext2_dirent *de)
{
	struct ext2_fs *fs = dp->fs;
	uint32_t left = fs->bsize - off;

	if (left < 12 || de->rec_len < 12 || de->rec_len % 4 ||
	    de->rec_len > left ||
	    EXT2_DIRENT_SIZE(de->name_len) > de->rec_len ||
	    de->inode > fs->sb.s_inodes_count || (de->inode && !de->name_len))
		return ext2_error(fs,
				  "directory %u: block %u: bad entry at "
				  "offset %u (rec_len %u, name_len %u, "
				  "inode %u)",
				  dp->ino, lbn, off, de->rec_len, de->name_len,
				  de->inode);
	return 0;
}

static uint32_t
dir_blocks(const struct inode *dp)
{
	return dp->d.i_size / dp->fs->bsize;
}

static int
entry_type(const struct inode *dp, const struct ext2_dirent *de)
{
	return dp->fs->sb.s_feature_incompat & EXT2_INCOMPAT_FILETYPE
		       ? de->file_type
		       : EXT2_FT_UNKNOWN;
}

/*
 * Find name in dp: its block (held in *bpp), its offset and the
 * previous entry's in the block (~0u: none).  ENOENT, or an errno.
 */
static int
entry_find(struct inode *dp, const char *name, uint32_t len, struct buf **bpp,
	   uint32_t *offp, uint32_t *prevp)
{
	for (uint32_t lbn = 0; lbn < dir_blocks(dp); lbn++) {
		struct buf *bp;
		int err = dir_block(dp, lbn, &bp);
		if (err)
			return err;
		uint32_t prev = ~0u;
		for (uint32_t off = 0; off < dp->fs->bsize;) {
			const struct ext2_dirent *de =
				(void *)((char *)bp->b_un.b_addr + off);
			if ((err = entry_check(dp, lbn, off, de))) {
				brelse(bp);
				return err;
			}
			if (de->inode && de->name_len == len &&
			    !memcmp(de->name, name, len)) {
				*bpp = bp;
				*offp = off;
				*prevp = prev;
				return 0;
			}
			prev = off;
			off += de->rec_len;
		}
		brelse(bp);
	}
	return ENOENT;
}

int
ext2_dirlookup(struct inode *dp, const char *name, uint32_t len, uint32_t *ino)
{
	struct buf *bp;
	uint32_t off, prev;
	int err = entry_find(dp, name, len, &bp, &off, &prev);

	if (err)
		return err;
	*ino = ((struct ext2_dirent *)((char *)bp->b_un.b_addr + off))->inode;
	brelse(bp);
	return 0;
}

int
ext2_dirnext(struct inode *dp, uint64_t *off, uint32_t *ino,
	     char name[EXT2_NAME_LEN + 1], int *type)
{
	struct ext2_fs *fs = dp->fs;

	*ino = 0;
	while (*off < dp->d.i_size) {
		uint32_t lbn = (uint32_t)(*off / fs->bsize);
		uint32_t at = (uint32_t)(*off % fs->bsize);
		struct buf *bp;
		int err = dir_block(dp, lbn, &bp);
		if (err)
			return err;
		/* walk from the block's start: *off may have been left by
		 * a directory since changed, and only a walk finds where
		 * entries begin */
		for (uint32_t o = 0; o < fs->bsize;) {
			const struct ext2_dirent *de =
				(void *)((char *)bp->b_un.b_addr + o);
			if ((err = entry_check(dp, lbn, o, de))) {
				brelse(bp);
				return err;
			}
			o += de->rec_len;
			if (o <= at || !de->inode)
				continue;
			*off = (uint64_t)lbn * fs->bsize + o;
			*ino = de->inode;
			memcpy(name, de->name, de->name_len);
			name[de->name_len] = 0;
			*type = entry_type(dp, de);
			brelse(bp);
			return 0;
		}
		brelse(bp);
		*off = (uint64_t)(lbn + 1) * fs->bsize;
	}
	return 0;
}

static void
entry_fill(struct inode *dp, struct ext2_dirent *de, const char *name,
	   uint32_t len, uint32_t ino, int type)
{
	de->inode = ino;
	de->name_len = (uint8_t)len;
	de->file_type = dp->fs->sb.s_feature_incompat & EXT2_INCOMPAT_FILETYPE
				? (uint8_t)type
				: 0;
	memcpy(de->name, name, len);
}

/* The directory changed: its times, and no htree index any more. */
static void
dir_touched(struct inode *dp)
{
	dp->d.i_flags &= ~EXT2_INDEX_FL;
	dp->d.i_mtime = dp->d.i_ctime = clock_unix_time();
	dp->dirty = 1;
}

/* name for ino in dp: its block waits for ino's table block, and for
 * block `also` if not 0 (a new directory's first block). */
static int
enter_after(struct ext2_fs *fs, struct buf *bp, uint32_t ino, uint32_t also)
{
	int err = ext2_after_inode(fs, bp, ino);

	if (!err && also)
		err = bdep(bp, fs->dev, (daddr_t)also * fs->spb);
	return err;
}

int
ext2_direnter(struct inode *dp, const char *name, uint32_t len, uint32_t ino,
	      int type, uint32_t also)
{
	struct ext2_fs *fs = dp->fs;
	uint32_t need = EXT2_DIRENT_SIZE(len), lbn;
	struct buf *bp;
	int err;

	for (lbn = 0; lbn < dir_blocks(dp); lbn++) {
		if ((err = dir_block(dp, lbn, &bp)))
			return err;
		for (uint32_t off = 0; off < fs->bsize;) {
			struct ext2_dirent *de =
				(void *)((char *)bp->b_un.b_addr + off);
			if ((err = entry_check(dp, lbn, off, de))) {
				brelse(bp);
				return err;
			}
			uint32_t used =
				de->inode ? EXT2_DIRENT_SIZE(de->name_len) : 0;
			if (de->rec_len - used >= need) {
				if ((err = enter_after(fs, bp, ino, also))) {
					brelse(bp);
					return err;
				}
				if (used) { /* split: the rest is the new one */
					struct ext2_dirent *n =
						(void *)((char *)de + used);
					n->rec_len =
						(uint16_t)(de->rec_len - used);
					de->rec_len = (uint16_t)used;
					de = n;
				}
				entry_fill(dp, de, name, len, ino, type);
				bdwrite(bp);
				dir_touched(dp);
				return 0;
			}
			off += de->rec_len;
		}
		brelse(bp);
	}
	/* a new block, one entry over all of it */
	uint32_t pbn;
	if ((err = ext2_bmap(dp, lbn, 1, &pbn)))
		return err;
	if ((err = ext2_block(fs, pbn, EXT2_META, &bp)))
		return err;
	if ((err = enter_after(fs, bp, ino, also))) {
		brelse(bp);
		return err;
	}
	memset(bp->b_un.b_addr, 0, fs->bsize);
	struct ext2_dirent *de = bp->b_un.b_addr;
	de->rec_len = (uint16_t)fs->bsize;
	entry_fill(dp, de, name, len, ino, type);
	bdwrite(bp);
	fs->last_dirblk = pbn; /* (rename orders the old name's after it) */
	dp->d.i_size += fs->bsize;
	dir_touched(dp);
	return 0;
}

/* Remove name's entry from dp: written now, or (blk not NULL) left a
 * delayed write whose block's number goes to *blk.  after: a block
 * that reaches the disk first (rename's new name), or 0. */
int
ext2_dirremove(struct inode *dp, const char *name, uint32_t len, uint32_t *blk,
	       uint32_t after)
{
	struct ext2_fs *fs = dp->fs;
	struct buf *bp;
	uint32_t off, prev;
	int err = entry_find(dp, name, len, &bp, &off, &prev);

	if (err)
		return err;
	if (after && (err = bdep(bp, fs->dev, (daddr_t)after * fs->spb))) {
		brelse(bp);
		return err;
	}
	char *b = bp->b_un.b_addr;
	struct ext2_dirent *de = (void *)(b + off);
	if (prev != ~0u)
		((struct ext2_dirent *)(b + prev))->rec_len += de->rec_len;
	else
		de->inode = 0;
	dir_touched(dp);
	if (!blk)
		return bwrite(bp);
	*blk = fs->last_dirblk; /* entry_find's last dir_block */
	bdwrite(bp);
	return 0;
}

int
ext2_dirretarget(struct inode *dp, const char *name, uint32_t len, uint32_t ino,
		 int type)
{
	struct buf *bp;
	uint32_t off, prev;
	int err = entry_find(dp, name, len, &bp, &off, &prev);

	if (err)
		return err;
	if ((err = ext2_after_inode(dp->fs, bp, ino))) {
		brelse(bp);
		return err;
	}
	struct ext2_dirent *de = (void *)((char *)bp->b_un.b_addr + off);
	entry_fill(dp, de, name, len, ino, type);
	dir_touched(dp);
	bdwrite(bp);
	return 0;
}

/* 1 if dp has no entries but . and .. (0 if it has, or on an error:
 * a directory that cannot be read is not removed) */
int
ext2_dirempty(struct inode *dp)
{
	uint64_t off = 0;
	uint32_t ino;
	char name[EXT2_NAME_LEN + 1];
	int type;

	for (;;) {
		if (ext2_dirnext(dp, &off, &ino, name, &type))
			return 0;
		if (!ino)
			return 1;
		if (strcmp(name, ".") && strcmp(name, ".."))
			return 0;
	}
}

/* A new directory's first block: "." and "..". */
int
ext2_dirinit(struct inode *dp, struct inode *parent)
{
	struct ext2_fs *fs = dp->fs;
	uint32_t pbn;
	struct buf *bp;
	int err = ext2_bmap(dp, 0, 1, &pbn);

	if (err)
		return err;
	if ((err = ext2_block(fs, pbn, EXT2_META, &bp)))
		return err;
	memset(bp->b_un.b_addr, 0, fs->bsize);
	struct ext2_dirent *dot = bp->b_un.b_addr;
	dot->rec_len = 12;
	entry_fill(dp, dot, ".", 1, dp->ino, EXT2_FT_DIR);
	struct ext2_dirent *dotdot = (void *)((char *)dot + 12);
	dotdot->rec_len = (uint16_t)(fs->bsize - 12);
	entry_fill(dp, dotdot, "..", 2, parent->ino, EXT2_FT_DIR);
	dp->d.i_size = fs->bsize;
	dp->dirty = 1;
	/* ".." names the parent: after the parent's inode; and before the
	 * entry that names the directory (ext2_direnter's `also`): e2fsck
	 * would find a directory with no . otherwise */
	if ((err = ext2_after_inode(fs, bp, parent->ino))) {
		brelse(bp);
		return err;
	}
	bdwrite(bp);
	return 0;
}
