/*
 * ext2_bmap.c: a file's blocks: which disk block holds its block lbn
 * (the twelve direct numbers in the inode, then one, two and three
 * levels of indirect blocks), allocating on the way for a write, and
 * freeing from some block on for a truncation (BSD's ufs_bmap and
 * ffs_indirtrunc).
 *
 * A new indirect block is zeroed and written synchronously before the
 * number that points at it: a crash then leaves a block of zeros, which
 * e2fsck takes as it is, never one of old numbers it would follow.
 * Under vfs_lock.
 */
#include "ext2.h"

#include "blk/bcache.h"
#include "blk/bdep.h"
#include "errno.h"
#include "string.h"

/* A number found in an inode or an indirect block must lie inside the
 * file system. */
static int
bad_block(struct inode *ip, uint32_t bn)
{
	struct ext2_fs *fs = ip->fs;

	if (bn >= fs->sb.s_first_data_block && bn < fs->sb.s_blocks_count)
		return 0;
	return ext2_error(fs, "inode %u: block number %u out of range", ip->ino,
			  bn);
}

/* A fresh block for ip, counted in its i_blocks (*bn): the next of the
 * run taken for the write under way, or a new run as long as the write
 * still needs, at the goal: where the file's last block was, or its
 * inode's group. */
static int
block_new(struct inode *ip, uint32_t *bn)
{
	struct ext2_fs *fs = ip->fs;

	if (!ip->run_left) {
		uint32_t g = (ip->ino - 1) / fs->sb.s_inodes_per_group;
		uint32_t goal = ip->goal
					? ip->goal
					: fs->sb.s_first_data_block +
						  g * fs->sb.s_blocks_per_group;
		int err = ext2_balloc(fs, goal, ip->want, &ip->run_next,
				      &ip->run_left);
		if (err)
			return err;
	}
	*bn = ip->run_next++;
	ip->run_left--;
	ip->d.i_blocks += fs->spb;
	ip->dirty = 1;
	ip->goal = *bn + 1;
	return 0;
}

/* The blocks of the run not used: free again. */
void
ext2_run_return(struct inode *ip)
{
	if (ip->run_left) {
		ext2_bfree(ip->fs, ip->run_next, ip->run_left);
		ip->run_left = 0;
	}
	ip->want = 0;
}

/* A new indirect block of zeros (*bn), a delayed write: what points
 * to it waits for it (BSD's rule, a block initialized before a pointer
 * to it: the inode's table block in ext2_iupdate, a parent indirect
 * block here, by bdep). */
static int
indirect_new(struct inode *ip, uint32_t *bn)
{
	int err = block_new(ip, bn);
	struct buf *bp;

	if (err)
		return err;
	if ((err = ext2_block(ip->fs, *bn, EXT2_META, &bp)))
		return err;
	memset(bp->b_un.b_addr, 0, ip->fs->bsize);
	bdwrite(bp);
	return 0;
}

int
ext2_bmap(struct inode *ip, uint32_t lbn, int alloc, uint32_t *pbn)
{
	struct ext2_fs *fs = ip->fs;
	uint32_t apb = fs->apb, *slot, bn;
	int level, err;

	*pbn = 0;
	ip->fresh = 0;
	if (lbn < EXT2_NDIR_BLOCKS) {
		slot = &ip->d.i_block[lbn];
		if (*slot && (err = bad_block(ip, *slot)))
			return err;
		if (!*slot && alloc) {
			if ((err = block_new(ip, slot)))
				return err;
			ip->fresh = 1;
		}
		*pbn = *slot;
		return 0;
	}
	/* which tree, and the index in each level of it */
	uint32_t idx[3];
	lbn -= EXT2_NDIR_BLOCKS;
	if (lbn < apb) {
		level = 1;
	} else if ((lbn -= apb) < apb * apb) {
		level = 2;
	} else {
		lbn -= apb * apb;
		if ((uint64_t)lbn >= (uint64_t)apb * apb * apb)
			return EFBIG;
		level = 3;
	}
	for (int i = level - 1; i >= 0; i--) {
		idx[i] = lbn % apb;
		lbn /= apb;
	}
	slot = &ip->d.i_block[EXT2_NDIR_BLOCKS + level - 1];
	if (!*slot) {
		if (!alloc)
			return 0;
		if ((err = indirect_new(ip, slot)))
			return err;
		ip->dirty = 1;
	} else if ((err = bad_block(ip, *slot))) {
		return err;
	}
	bn = *slot;
	for (int i = 0; i < level; i++) {
		struct buf *bp;
		if ((err = ext2_bread(fs, bn, &bp)))
			return err;
		uint32_t *a = (uint32_t *)bp->b_un.b_addr + idx[i];
		if (*a && (err = bad_block(ip, *a))) {
			brelse(bp);
			return err;
		}
		if (!*a && !alloc) {
			brelse(bp);
			return 0;
		}
		if (!*a) {
			uint32_t nb;
			err = i + 1 < level ? indirect_new(ip, &nb)
					    : block_new(ip, &nb);
			if (!err && i + 1 < level)
				err = bdep(bp, fs->dev, (daddr_t)nb * fs->spb);
			if (err) {
				brelse(bp);
				return err;
			}
			*a = nb;
			ip->fresh = i + 1 == level;
			bdwrite(bp);
		} else {
			brelse(bp);
		}
		bn = *a;
	}
	*pbn = bn;
	return 0;
}

/* Blocks being freed, gathered into runs in a row: one bitmap change
 * a run. */
struct frees {
	uint32_t start, n;
};

static int
frees_flush(struct inode *ip, struct frees *f)
{
	int err = f->n ? ext2_bfree(ip->fs, f->start, f->n) : 0;

	f->n = 0;
	return err;
}

static int
frees_add(struct inode *ip, struct frees *f, uint32_t bn)
{
	struct ext2_fs *fs = ip->fs;
	uint32_t bpg = fs->sb.s_blocks_per_group,
		 first = fs->sb.s_first_data_block;

	if (f->n && bn == f->start + f->n &&
	    (bn - first) / bpg == (f->start - first) / bpg) {
		f->n++;
		return 0;
	}
	int err = frees_flush(ip, f);
	f->start = bn;
	f->n = 1;
	return err;
}

/* Free the data blocks from file block `from` on under bn, a block of
 * `level` levels (0: data) covering the file's blocks from `start`;
 * 1 in *gone if bn itself is gone. */
static int
tree_free(struct inode *ip, struct frees *fr, uint32_t bn, int level,
	  uint64_t start, uint64_t from, int *gone)
{
	struct ext2_fs *fs = ip->fs;
	int err = 0;

	*gone = 0;
	if (!bn)
		return 0;
	if ((err = bad_block(ip, bn)))
		return err;
	if (level) {
		uint64_t span = 1;
		struct buf *bp;
		for (int i = 1; i < level; i++)
			span *= fs->apb;
		if ((err = ext2_bread(fs, bn, &bp)))
			return err;
		uint32_t *a = (uint32_t *)bp->b_un.b_addr;
		int changed = 0;
		for (uint32_t i = 0; i < fs->apb && !err; i++) {
			if (!a[i])
				continue; /* (most: a short file's block) */
			uint64_t s = start + i * span;
			int g;
			if (s + span <= from)
				continue;
			err = tree_free(ip, fr, a[i], level - 1, s, from, &g);
			if (g) {
				a[i] = 0;
				changed = 1;
			}
		}
		if (changed && start < from)
			bdwrite(bp); /* kept: part of it still maps the file */
		else
			brelse(bp);
		if (err)
			return err;
	}
	if (start < from)
		return 0;
	if ((err = frees_add(ip, fr, bn)))
		return err;
	ip->d.i_blocks -= ip->d.i_blocks >= fs->spb ? fs->spb : 0;
	ip->dirty = 1;
	*gone = 1;
	return 0;
}

/* Free ip's blocks from file block `from` on, indirect blocks that map
 * nothing else with them. */
int
ext2_bfree_all(struct inode *ip, uint32_t from)
{
	uint64_t start = EXT2_NDIR_BLOCKS, span = ip->fs->apb;
	struct frees fr = {0, 0};
	int err = 0, gone;

	for (uint32_t i = from; i < EXT2_NDIR_BLOCKS && !err; i++) {
		err = tree_free(ip, &fr, ip->d.i_block[i], 0, i, from, &gone);
		if (gone)
			ip->d.i_block[i] = 0;
	}
	for (int level = 1; level <= 3 && !err; level++) {
		uint32_t *slot = &ip->d.i_block[EXT2_NDIR_BLOCKS + level - 1];
		if (start + span > from) {
			err = tree_free(ip, &fr, *slot, level, start, from,
					&gone);
			if (gone)
				*slot = 0;
		}
		start += span;
		span *= ip->fs->apb;
	}
	int e = frees_flush(ip, &fr);
	ip->goal = 0;
	return err ? err : e;
}
