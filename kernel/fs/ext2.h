/*
 * ext2.h: the ext2 file system in the kernel: a mounted file system
 * (ext2_super.c), its inodes in memory (ext2_inode.c), their blocks
 * (ext2_bmap.c, ext2_alloc.c), directories (ext2_dir.c) and the calls
 * the files and names of processes make (ext2_ops.c).
 *
 * Locking: every call here runs under the file systems' one sleep lock,
 * vfs_lock (vfs.h), held by each system call on names or files from its
 * start to its end: a rename touches two directories and an inode, a
 * create a bitmap, a directory and a new inode, and one lock for all of
 * them cannot deadlock; unmount takes it too, so no call runs on a file
 * system being let go.  The buffer cache below has its own rules; a
 * call holds at most a few buffers at once, in the order inode table,
 * indirect block, data.
 */
#ifndef EXT2_H
#define EXT2_H

#include <stddef.h>
#include <stdint.h>

#include "ext2_fs.h"

#define EXT2_NINODE  1024 /* inodes in memory at once (open, cwd, in use) */
#define EXT2_STREAMS 16	  /* disk-order readers of many files followed */
#define EXT2_DOOMED  256 /* unlinks whose inodes wait for their names' removal */

struct bdev;
struct buf;

struct ext2_fs {
	struct bdev *bd;
	uint32_t dev;
	struct ext2_super sb; /* as on the disk, with our counts */
	struct ext2_group_desc *gd;
	uint32_t bsize;	   /* bytes a block */
	uint32_t spb;	   /* disk sectors a block */
	uint32_t ngroups;  /* block groups */
	uint32_t ipb;	   /* inodes a block of the table */
	uint32_t isize;	   /* bytes an inode takes in the table */
	uint32_t apb;	   /* block numbers an indirect block holds */
	uint32_t gdblocks; /* blocks of group descriptors */
	int ro;		   /* read-only: asked, features, or an error */
	int held;	   /* references to its inodes (umount: EBUSY) */
	int errors;	   /* inconsistencies met since mount */
	int error_pending; /* EXT2_ERROR_FS still to be written */
	struct inode *root;
	uint32_t last_dirblk; /* the directory block read last */
	/* files read from the start one after another where they lie one
	 * after another on the disk (ext2_rw.c: read_first) */
	struct ext2_stream {
		uint64_t next;	/* the disk sector after the last one read */
		uint64_t raend; /* ... and after what was read ahead */
	} stream[EXT2_STREAMS];
	int stream_hand; /* the slot a new stream takes */
	/* unlink's names removed in directory blocks not yet written, and
	 * their inodes (held), whose link counts drop once those blocks
	 * are on the disk (ext2_reap) */
	uint32_t rmblk[EXT2_DOOMED];
	int nrmblk;
	struct inode *doomed[EXT2_DOOMED];
	int ndoomed;
};

struct inode {
	struct ext2_fs *fs;
	uint32_t ino;
	int refs;      /* references: files, working directories */
	int valid;     /* d holds the inode as on the disk */
	int dirty;     /* d is newer than its table block */
	uint32_t goal; /* where its next block would continue it */
	/* blocks taken in a row for the write under way, not mapped yet
	 * (ext2_rw.c gives back what it did not use before it returns) */
	uint32_t run_next, run_left;
	uint32_t want;	   /* blocks the write under way still needs */
	int fresh;	   /* ext2_bmap allocated the data block it returned */
	uint16_t unlinked; /* names removed, their removal not on the disk */
	struct inode *hnext; /* its hash chain, or the free slots' list */
	struct ext2_inode d; /* its first EXT2_INODE_CORE bytes and more */
};

/* ext2_super.c */
int ext2_mount(struct bdev *bd, int ro, struct ext2_fs **fsp, char *why,
	       size_t n);
int ext2_umount(struct ext2_fs *fs);
int ext2_sync(struct ext2_fs *fs);
int ext2_error(struct ext2_fs *fs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define EXT2_READ 1 /* ext2_block: read it, not only take it */
#define EXT2_META 2 /* ... the file system's own block, not data */
int ext2_block(struct ext2_fs *fs, uint32_t blk, int how, struct buf **bpp);
int ext2_bread(struct ext2_fs *fs, uint32_t blk, struct buf **bpp);
int ext2_held(struct ext2_fs *fs, uint32_t blk);
void ext2_error_flush(struct ext2_fs *fs);
int ext2_gd_write(struct ext2_fs *fs, uint32_t g);
int ext2_super_write(struct ext2_fs *fs, int sync);

/* ext2_inode.c */
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct inode **ipp);
struct inode *ext2_idup(struct inode *ip);
void ext2_iput(struct inode *ip);
int ext2_iupdate(struct inode *ip);
int ext2_after_inode(struct ext2_fs *fs, struct buf *bp, uint32_t ino);
uint64_t ext2_isize(const struct inode *ip);
void ext2_set_isize(struct inode *ip, uint64_t size);
int ext2_itrunc(struct inode *ip, uint64_t size);
int ext2_ialloc(struct inode *dp, uint16_t mode, uint16_t nlink,
		struct inode **ipp);
int ext2_inodes_held(const struct ext2_fs *fs);
uint32_t ext2_nlink(const struct inode *ip);
int ext2_unlink_later(struct inode *dp, struct inode *ip, const char *name);
int ext2_reap(struct ext2_fs *fs);

/* ext2_bmap.c: the disk block of a file's block lbn; 0 a hole */
int ext2_bmap(struct inode *ip, uint32_t lbn, int alloc, uint32_t *pbn);
int ext2_bfree_all(struct inode *ip, uint32_t from);
void ext2_run_return(struct inode *ip);

/* ext2_alloc.c */
int ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t want, uint32_t *bn,
		uint32_t *got);
int ext2_bfree(struct ext2_fs *fs, uint32_t bn, uint32_t n);
int ext2_ialloc_bit(struct ext2_fs *fs, uint32_t near_group, int dir,
		    uint32_t *ino);
int ext2_ifree_bit(struct ext2_fs *fs, uint32_t ino, int dir);

/* ext2_dir.c */
int ext2_dirlookup(struct inode *dp, const char *name, uint32_t len,
		   uint32_t *ino);
int ext2_direnter(struct inode *dp, const char *name, uint32_t len,
		  uint32_t ino, int type, uint32_t also);
int ext2_dirremove(struct inode *dp, const char *name, uint32_t len,
		   uint32_t *blk, uint32_t after);
int ext2_dirretarget(struct inode *dp, const char *name, uint32_t len,
		     uint32_t ino, int type);
int ext2_dirempty(struct inode *dp);
int ext2_dirinit(struct inode *dp, struct inode *parent);
/* The entry at or after *off: its inode (0 at the end), its name, its
 * type; *off moves past it. */
int ext2_dirnext(struct inode *dp, uint64_t *off, uint32_t *ino,
		 char name[EXT2_NAME_LEN + 1], int *type);

/* ext2_rw.c: a file's bytes */
struct readahead;
int ext2_read(struct inode *ip, char *buf, uint32_t n, uint64_t off,
	      uint32_t *moved, int user, struct readahead *ra);
int ext2_write(struct inode *ip, const char *buf, uint32_t n, uint64_t off,
	       uint32_t *moved, int user);

int ext2_ftype(uint16_t mode); /* a mode's directory entry type */

#endif
