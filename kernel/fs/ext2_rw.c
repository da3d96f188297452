/*
 * ext2_rw.c: a file's bytes through the buffer cache, BSD's ffs_read
 * and ffs_write: a block at a time, a hole read as zeros, a read in
 * order read ahead in clusters (bread_seq: the file's blocks lie in a
 * row on the disk as the allocator puts them), a write of a whole block
 * taking a buffer without reading it, a partial one reading it first
 * (or zeroing it, if the block is new), every block left dirty
 * (bdwrite) but the one that completes a CLUSTER_MAX stretch of the
 * disk, which goes out at once with the dirty blocks before it
 * (cluster_write).  Under vfs_lock.
 */
#include "ext2.h"

#include "blk/bcache.h"
#include "clock.h"
#include "proc/copy.h"
#include "errno.h"
#include "pmem.h"
#include "proc/proc.h"
#include "string.h"
#include "syscall.h"

/* Bytes from kernel or process memory, the way the caller says. */
static int
move(void *to, const void *from, uint32_t n, int user, int out)
{
	if (!user) {
		memcpy(to, from, n);
		return 0;
	}
	return out ? copyout(from, to, n) : copyin(from, to, n);
}

/* The piece of a transfer at byte `at` with `left` bytes to go: its
 * block (*lbn), where in it (*boff), and its length, to the block's end
 * at most. */
static uint32_t
piece(const struct ext2_fs *fs, uint64_t at, uint32_t left, uint32_t *lbn,
      uint32_t *boff)
{
	*lbn = (uint32_t)(at / fs->bsize);
	*boff = (uint32_t)(at % fs->bsize);
	return fs->bsize - *boff < left ? fs->bsize - *boff : left;
}

static const char zeros[EXT2_MAX_BLOCK];

#define WRITE_RUN 256 /* blocks taken in a row at most: 1 MiB of 4 KiB */
#define RA_OPEN	  (128 * 1024) /* a file's first read-ahead, at most */

#define RA_STREAM (2048 * 1024) /* read ahead past a file in a stream */
#define STREAM_GAP                                                             \
	64 /* sectors a stream may skip (an indirect
				   block between two files' data) */

/*
 * Files read one after another in the order they lie on the disk (an
 * untar's files read back, a backup, a `cat *`): each file is small,
 * so its own read-ahead ends where it does and every file waits for the
 * disk.  A file whose first block lies where an earlier file's read
 * ended, or inside what was read ahead after it, continues a stream:
 * the read goes on RA_STREAM past the file, so the next files are in
 * the cache when they are opened.  What is read ahead is the disk's
 * next blocks, whoever's they are (the cache keeps them by disk block:
 * a file system's later read of them finds them).  Where the read of
 * [blk, end) should end.
 */
static uint64_t
stream_end(struct ext2_fs *fs, uint64_t blk, uint64_t end)
{
	for (int i = 0; i < EXT2_STREAMS; i++) {
		struct ext2_stream *s = &fs->stream[i];
		if (blk < s->next || blk > s->raend + STREAM_GAP)
			continue;
		s->next = end;
		if (s->raend >= end + RA_STREAM / DEV_BSIZE / 2)
			return end; /* enough is under way */
		s->raend = end + RA_STREAM / DEV_BSIZE;
		return s->raend;
	}
	struct ext2_stream *s = &fs->stream[fs->stream_hand++ % EXT2_STREAMS];
	s->next = s->raend = end;
	return end;
}

/*
 * A file's first read: the block, and the blocks after it in a row on
 * the disk as far as the file goes, up to RA_OPEN, in the same transfer
 * (Linux's initial read-ahead, sized by the file: a small file is one
 * request), and on past it if it continues a stream; ra then goes on
 * from there as bread_seq's window.
 */
static int
read_first(struct inode *ip, uint32_t lbn, uint32_t pbn, struct readahead *ra,
	   struct buf **bpp)
{
	struct ext2_fs *fs = ip->fs;
	uint64_t left = (ext2_isize(ip) + fs->bsize - 1) / fs->bsize - lbn;
	uint32_t most = RA_OPEN / fs->bsize, n = 1, next;

	if (fs->bsize % PAGE_SIZE) /* clusters are of whole pages */
		return ext2_block(fs, pbn, EXT2_READ, bpp);
	while (n < most && n < left && !ext2_bmap(ip, lbn + n, 0, &next) &&
	       next == pbn + n)
		n++;
	daddr_t blk = (daddr_t)pbn * fs->spb, end = blk + (daddr_t)n * fs->spb;
	ra->next = blk + fs->spb;
	ra->end = end;
	ra->window = (uint32_t)(end - blk);
	daddr_t to =
		lbn ? end
		    : (daddr_t)stream_end(fs, (uint64_t)blk, (uint64_t)end);
	return bread_ahead(fs->dev, blk, fs->bsize, ra->next, to, bpp);
}

int
ext2_read(struct inode *ip, char *buf, uint32_t n, uint64_t off,
	  uint32_t *moved, int user, struct readahead *ra)
{
	struct ext2_fs *fs = ip->fs;
	uint64_t size = ext2_isize(ip);
	int err = 0;

	*moved = 0;
	if (off >= size)
		return 0;
	if (n > size - off)
		n = (uint32_t)(size - off);
	while (*moved < n && !err && !proc_stop_midway(*moved)) {
		uint64_t at = off + *moved;
		uint32_t lbn, boff, k = piece(fs, at, n - *moved, &lbn, &boff);
		uint32_t pbn;
		struct buf *bp;
		if ((err = ext2_bmap(ip, lbn, 0, &pbn)))
			break;
		if (!pbn) {
			err = move(buf + *moved, zeros, k, user, 1);
		} else {
			if (ra && ra->next < 0)
				err = read_first(ip, lbn, pbn, ra, &bp);
			else if (ra)
				err = bread_seq(fs->dev, (daddr_t)pbn * fs->spb,
						fs->bsize, ra, &bp);
			else
				err = ext2_block(fs, pbn, EXT2_READ, &bp);
			if (err) {
				err = EIO;
				break;
			}
			err = move(buf + *moved, (char *)bp->b_un.b_addr + boff,
				   k, user, 1);
			brelse(bp);
		}
		if (!err)
			*moved += k;
	}
	return *moved ? 0 : err;
}

/* The largest size a file may have: what three levels of indirect
 * blocks map, and 2 GiB on a revision 0 file system (no large_file). */
static uint64_t
size_max(const struct ext2_fs *fs)
{
	uint64_t apb = fs->apb;
	uint64_t blocks = EXT2_NDIR_BLOCKS + apb + apb * apb + apb * apb * apb;
	uint64_t max = blocks * fs->bsize;

	/* i_blocks counts 512-byte units in 32 bits */
	if (max > (1ull << 41) - (1ull << 32))
		max = (1ull << 41) - (1ull << 32);
	return fs->sb.s_rev_level ? max : 0x7FFFFFFFu;
}

int
ext2_write(struct inode *ip, const char *buf, uint32_t n, uint64_t off,
	   uint32_t *moved, int user)
{
	struct ext2_fs *fs = ip->fs;
	int err = 0;

	*moved = 0;
	if (fs->ro)
		return EROFS;
	if (off >= size_max(fs))
		return n ? EFBIG : 0;
	if (n > size_max(fs) - off)
		n = (uint32_t)(size_max(fs) - off);
	if (fs->ndoomed && fs->sb.s_free_blocks_count < n / fs->bsize + 256)
		ext2_reap(fs); /* space the waiting unlinks hold */
	while (*moved < n && !err && !proc_stop_midway(*moved)) {
		uint64_t at = off + *moved;
		uint32_t lbn, boff, k = piece(fs, at, n - *moved, &lbn, &boff);
		uint32_t pbn;
		struct buf *bp;
		/* blocks this write still needs: one run of them */
		ip->want =
			(uint32_t)((off + n - at + fs->bsize - 1) / fs->bsize);
		if (ip->want > WRITE_RUN)
			ip->want = WRITE_RUN;
		if ((err = ext2_bmap(ip, lbn, 1, &pbn)))
			break;
		int fresh = ip->fresh;
		if (fresh || k == fs->bsize) {
			if ((err = ext2_block(fs, pbn, 0, &bp)))
				break;
			if (k < fs->bsize)
				memset(bp->b_un.b_addr, 0, fs->bsize);
		} else if ((err = ext2_block(fs, pbn, EXT2_READ, &bp))) {
			break;
		}
		if ((err = move((char *)bp->b_un.b_addr + boff, buf + *moved, k,
				user, 0))) {
			if (fresh) {
				memset(bp->b_un.b_addr, 0, fs->bsize);
				bdwrite(bp); /* the file's now: zeros */
			} else {
				if (k == fs->bsize) /* taken unread */
					bp->b_flags |= B_INVAL;
				brelse(bp);
			}
			break;
		}
		daddr_t end = (daddr_t)(pbn + 1) * fs->spb;
		if (boff + k == fs->bsize &&
		    end % (CLUSTER_MAX / DEV_BSIZE) == 0)
			cluster_write(bp);
		else
			bdwrite(bp);
		*moved += k;
		if (at + k > ext2_isize(ip))
			ext2_set_isize(ip, at + k);
	}
	ext2_run_return(ip); /* what an error or a kill left unused */
	if (*moved) {
		ip->d.i_mtime = ip->d.i_ctime = clock_unix_time();
		ip->dirty = 1;
	}
	if (ip->dirty)
		ext2_iupdate(ip);
	return *moved ? 0 : err;
}
