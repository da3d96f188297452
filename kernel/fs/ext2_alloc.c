/*
 * ext2_alloc.c: the block and inode bitmaps: finding a free block near
 * where a file goes on (so that its blocks lie in a row and its reads
 * cluster), finding a free inode in the group its directory is in (for
 * a directory: a group with more room than the average, as BSD's
 * ffs_dirpref spreads them), and freeing both.
 *
 * Each bit's change is a delayed write of its bitmap block, with the
 * group's counts in its descriptor and the superblock's in memory (the
 * superblock is written at sync and unmount).  A bit that is already
 * what it is being made is an inconsistency (ext2_error).  Under the
 * vfs_lock.
 */
#include "ext2.h"

#include "blk/bcache.h"
#include "errno.h"

static uint32_t
group_first(const struct ext2_fs *fs, uint32_t g)
{
	return fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group;
}

/* blocks group g has (the last may have fewer) */
static uint32_t
group_blocks(const struct ext2_fs *fs, uint32_t g)
{
	uint32_t left = fs->sb.s_blocks_count - group_first(fs, g);

	return left < fs->sb.s_blocks_per_group ? left
						: fs->sb.s_blocks_per_group;
}

/* The first clear bit in map from bit `from` to bit `n`, or n. */
static uint32_t
bit_find_clear(const uint32_t *map, uint32_t from, uint32_t n)
{
	uint32_t b = from;

	while (b < n && b % 32) {
		if (!(map[b / 32] & (1u << (b % 32))))
			return b;
		b++;
	}
	while (b < n && map[b / 32] == 0xFFFFFFFFu)
		b += 32;
	for (; b < n; b++)
		if (!(map[b / 32] & (1u << (b % 32))))
			return b;
	return n;
}

/* One bit of the bitmap in block bmblk set (on) or cleared; the old
 * value equal to the new one is an inconsistency named by what. */
static int
bit_change(struct ext2_fs *fs, uint32_t bmblk, uint32_t bit, int on,
	   const char *what, uint32_t which)
{
	struct buf *bp;
	int err = ext2_bread(fs, bmblk, &bp);

	if (err)
		return err;
	uint32_t *w = (uint32_t *)bp->b_un.b_addr + bit / 32;
	uint32_t m = 1u << (bit % 32);
	if (!(*w & m) == !on) {
		brelse(bp);
		return ext2_error(fs, "%s %u is already %s in its bitmap", what,
				  which, on ? "in use" : "free");
	}
	*w ^= m;
	bdwrite(bp);
	return 0;
}

/* Free blocks in group g from the first clear bit at or after bit
 * `from` on, up to want of them in a row: 0 and *bn, *got (marked in
 * use), or ENOSPC for this group. */
static int
group_balloc(struct ext2_fs *fs, uint32_t g, uint32_t from, uint32_t want,
	     uint32_t *bn, uint32_t *got)
{
	struct ext2_group_desc *d = &fs->gd[g];
	uint32_t n = group_blocks(fs, g);
	struct buf *bp;
	int err;

	if (!d->bg_free_blocks_count || from >= n)
		return ENOSPC;
	if ((err = ext2_bread(fs, d->bg_block_bitmap, &bp)))
		return err;
	uint32_t *map = (uint32_t *)bp->b_un.b_addr;
	uint32_t bit = bit_find_clear(map, from, n);
	if (bit == n && from)
		bit = bit_find_clear(map, 0, from);
	if (bit >= n) {
		brelse(bp);
		return ext2_error(fs,
				  "group %u counts %u free blocks and its "
				  "bitmap none",
				  g, d->bg_free_blocks_count);
	}
	if (want > d->bg_free_blocks_count)
		want = d->bg_free_blocks_count;
	*got = 0;
	do {
		map[bit / 32] |= 1u << (bit % 32);
		bit++;
		++*got;
	} while (*got < want && bit < n &&
		 !(map[bit / 32] & (1u << (bit % 32))));
	bdwrite(bp);
	d->bg_free_blocks_count -= (uint16_t)*got;
	fs->sb.s_free_blocks_count -= *got;
	*bn = group_first(fs, g) + bit - *got;
	return ext2_gd_write(fs, g);
}

/*
 * Up to want free blocks in a row, the first at goal or the nearest
 * after it (in its group, then the groups after): 0 and *bn, *got, or
 * ENOSPC.  One bitmap block and one descriptor change for the run: a
 * file written in large pieces costs one of each per piece, not per
 * block (ext2_rw.c).
 */
int
ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t want, uint32_t *bn,
	    uint32_t *got)
{
	if (fs->ro)
		return EROFS;
	if (goal < fs->sb.s_first_data_block || goal >= fs->sb.s_blocks_count)
		goal = fs->sb.s_first_data_block;
	uint32_t g0 =
		(goal - fs->sb.s_first_data_block) / fs->sb.s_blocks_per_group;
	uint32_t from = goal - group_first(fs, g0);

	for (uint32_t i = 0; i < fs->ngroups; i++) {
		uint32_t g = (g0 + i) % fs->ngroups;
		int err = group_balloc(fs, g, i ? 0 : from, want ? want : 1, bn,
				       got);
		if (err != ENOSPC)
			return err;
	}
	return ENOSPC;
}

/* Blocks [bn, bn + n) free again, all in one group (one bitmap block
 * and one descriptor change); one that was free already is an
 * inconsistency. */
int
ext2_bfree(struct ext2_fs *fs, uint32_t bn, uint32_t n)
{
	if (bn < fs->sb.s_first_data_block || n > fs->sb.s_blocks_count ||
	    bn > fs->sb.s_blocks_count - n)
		return ext2_error(fs, "freeing blocks %u to %u: out of range",
				  bn, bn + n - 1);
	uint32_t g =
		(bn - fs->sb.s_first_data_block) / fs->sb.s_blocks_per_group;
	uint32_t bit = bn - group_first(fs, g);
	struct buf *bp;
	if (bit + n > group_blocks(fs, g))
		return ext2_error(fs, "freeing blocks %u to %u: across groups",
				  bn, bn + n - 1);
	int err = ext2_bread(fs, fs->gd[g].bg_block_bitmap, &bp);
	if (err)
		return err;
	uint32_t *map = (uint32_t *)bp->b_un.b_addr;
	for (uint32_t i = bit; i < bit + n; i++)
		if (!(map[i / 32] & (1u << (i % 32)))) {
			brelse(bp);
			return ext2_error(fs,
					  "block %u is already free in its "
					  "bitmap",
					  group_first(fs, g) + i);
		}
	for (uint32_t i = bit; i < bit + n; i++)
		map[i / 32] &= ~(1u << (i % 32));
	bdwrite(bp);
	fs->gd[g].bg_free_blocks_count += (uint16_t)n;
	fs->sb.s_free_blocks_count += n;
	return ext2_gd_write(fs, g);
}

/* The group a new inode goes to: a file's directory's, or the next one
 * with free inodes; a directory's, the first from there with more free
 * inodes and blocks than the average. */
static int
inode_group(struct ext2_fs *fs, uint32_t near, int dir, uint32_t *gp)
{
	uint32_t avgi = fs->sb.s_free_inodes_count / fs->ngroups;
	uint32_t avgb = fs->sb.s_free_blocks_count / fs->ngroups;

	for (int pass = dir ? 0 : 1; pass < 2; pass++)
		for (uint32_t i = 0; i < fs->ngroups; i++) {
			uint32_t g = (near + i) % fs->ngroups;
			const struct ext2_group_desc *d = &fs->gd[g];
			if (!d->bg_free_inodes_count)
				continue;
			if (pass == 0 && (d->bg_free_inodes_count < avgi ||
					  d->bg_free_blocks_count < avgb))
				continue;
			*gp = g;
			return 0;
		}
	return ENOSPC;
}

int
ext2_ialloc_bit(struct ext2_fs *fs, uint32_t near, int dir, uint32_t *ino)
{
	uint32_t g, ipg = fs->sb.s_inodes_per_group;
	struct buf *bp;
	int err;

	if (fs->ro)
		return EROFS;
	if (!fs->sb.s_free_inodes_count)
		return ENOSPC;
	if ((err = inode_group(fs, near % fs->ngroups, dir, &g)))
		return err;
	struct ext2_group_desc *d = &fs->gd[g];
	if ((err = ext2_bread(fs, d->bg_inode_bitmap, &bp)))
		return err;
	uint32_t *map = (uint32_t *)bp->b_un.b_addr;
	uint32_t first = g ? 0 : fs->sb.s_first_ino - 1; /* reserved below */
	uint32_t bit = bit_find_clear(map, first, ipg);
	if (bit >= ipg) {
		brelse(bp);
		return ext2_error(fs,
				  "group %u counts %u free inodes and its "
				  "bitmap none",
				  g, d->bg_free_inodes_count);
	}
	map[bit / 32] |= 1u << (bit % 32);
	bdwrite(bp);
	d->bg_free_inodes_count--;
	fs->sb.s_free_inodes_count--;
	if (dir)
		d->bg_used_dirs_count++;
	*ino = g * ipg + bit + 1;
	return ext2_gd_write(fs, g);
}

int
ext2_ifree_bit(struct ext2_fs *fs, uint32_t ino, int dir)
{
	uint32_t ipg = fs->sb.s_inodes_per_group;

	if (ino < fs->sb.s_first_ino || ino > fs->sb.s_inodes_count)
		return ext2_error(fs, "freeing inode %u out of range", ino);
	uint32_t g = (ino - 1) / ipg;
	int err = bit_change(fs, fs->gd[g].bg_inode_bitmap, (ino - 1) % ipg, 0,
			     "inode", ino);
	if (err)
		return err;
	fs->gd[g].bg_free_inodes_count++;
	fs->sb.s_free_inodes_count++;
	if (dir && fs->gd[g].bg_used_dirs_count)
		fs->gd[g].bg_used_dirs_count--;
	return ext2_gd_write(fs, g);
}
