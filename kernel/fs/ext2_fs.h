/*
 * ext2_fs.h: the second extended file system's layout on disk, revision
 * 1, as e2fsprogs' mke2fs -t ext2 writes it and Linux's ext2 reads it
 * (the facts: e2fsprogs lib/ext2fs/ext2_fs.h, "The Second Extended File
 * System" by Dave Poirier).  Every field is little-endian, as the i386's
 * own order is; the offsets are asserted below.
 *
 * A disk holds, after 1024 bytes left for a boot loader, the superblock
 * (1024 bytes), and then groups of blocks_per_group blocks, each with a
 * block bitmap, an inode bitmap and a table of inodes_per_group inodes.
 * The group descriptors follow the superblock's block; sparse_super keeps
 * copies of both in groups 0, 1 and the powers of 3, 5 and 7 only.
 */
#ifndef EXT2_FS_H
#define EXT2_FS_H

#include <stddef.h>
#include <stdint.h>

#define EXT2_SUPER_OFFSET	 1024 /* bytes from the start of the device */
#define EXT2_SUPER_SIZE		 1024
#define EXT2_MAGIC		 0xEF53
#define EXT2_MIN_BLOCK		 1024 /* block size: 1024 << s_log_block_size */
#define EXT2_MAX_BLOCK		 4096 /* the largest this kernel's pages take */
#define EXT2_DYNAMIC_REV	 1    /* revision 1: inode size and features */
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_GOOD_OLD_FIRST_INO	 11

/* s_state */
#define EXT2_VALID_FS 0x0001 /* unmounted cleanly */
#define EXT2_ERROR_FS 0x0002 /* errors found */

/* s_errors: what to do at an error (this kernel does remount-ro) */
#define EXT2_ERRORS_CONTINUE 1
#define EXT2_ERRORS_RO	     2
#define EXT2_ERRORS_PANIC    3

struct ext2_super {
	uint32_t s_inodes_count;
	uint32_t s_blocks_count;
	uint32_t s_r_blocks_count; /* reserved for the superuser */
	uint32_t s_free_blocks_count;
	uint32_t s_free_inodes_count;
	uint32_t s_first_data_block; /* the superblock's: 1 for 1 KiB, 0 */
	uint32_t s_log_block_size;
	uint32_t s_log_frag_size;
	uint32_t s_blocks_per_group;
	uint32_t s_frags_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime; /* last mount */
	uint32_t s_wtime; /* last write */
	uint16_t s_mnt_count;
	int16_t s_max_mnt_count;
	uint16_t s_magic;
	uint16_t s_state;
	uint16_t s_errors;
	uint16_t s_minor_rev_level;
	uint32_t s_lastcheck;
	uint32_t s_checkinterval;
	uint32_t s_creator_os;
	uint32_t s_rev_level;
	uint16_t s_def_resuid;
	uint16_t s_def_resgid;
	/* revision 1 */
	uint32_t s_first_ino; /* the first inode for files */
	uint16_t s_inode_size;
	uint16_t s_block_group_nr; /* the group this copy is in */
	uint32_t s_feature_compat;
	uint32_t s_feature_incompat;
	uint32_t s_feature_ro_compat;
	uint8_t s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	uint32_t s_algorithm_usage_bitmap;
	uint8_t s_prealloc_blocks;
	uint8_t s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks; /* resize_inode's room */
	uint8_t s_journal_uuid[16];
	uint32_t s_journal_inum;
	uint32_t s_journal_dev;
	uint32_t s_last_orphan;
	uint32_t s_hash_seed[4];
	uint8_t s_def_hash_version;
	uint8_t s_jnl_backup_type;
	uint16_t s_desc_size; /* 64bit's descriptors */
	uint32_t s_default_mount_opts;
	uint32_t s_first_meta_bg;
	uint32_t s_mkfs_time;
	uint8_t s_rest[EXT2_SUPER_SIZE - 268];
};

/* s_feature_compat: the kernel may ignore them and still write safely,
 * but for a journal, which ext3's writes must go through */
#define EXT2_COMPAT_DIR_PREALLOC 0x0001
#define EXT2_COMPAT_IMAGIC	 0x0002
#define EXT3_COMPAT_HAS_JOURNAL	 0x0004
#define EXT2_COMPAT_EXT_ATTR	 0x0008
#define EXT2_COMPAT_RESIZE_INODE 0x0010
#define EXT2_COMPAT_DIR_INDEX	 0x0020 /* htree: cleared per directory */

/* s_feature_ro_compat: what this kernel lacks of these, it reads only */
#define EXT2_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_RO_COMPAT_LARGE_FILE   0x0002 /* i_size_high: over 2 GiB */
#define EXT2_RO_COMPAT_SUPPORTED                                               \
	(EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE)

/* s_feature_incompat: what this kernel lacks of these, it cannot read */
#define EXT2_INCOMPAT_FILETYPE	0x0002 /* directory entries' type byte */
#define EXT2_INCOMPAT_SUPPORTED EXT2_INCOMPAT_FILETYPE

/* The features by bit, as e2fsprogs names them (lib/e2p/feature.c);
 * mount lists those it refuses. */
struct ext2_feature {
	int kind; /* 0 compat, 1 incompat, 2 ro_compat */
	uint32_t mask;
	const char *name;
};
extern const struct ext2_feature ext2_features[];

struct ext2_group_desc {
	uint32_t bg_block_bitmap;
	uint32_t bg_inode_bitmap;
	uint32_t bg_inode_table;
	uint16_t bg_free_blocks_count;
	uint16_t bg_free_inodes_count;
	uint16_t bg_used_dirs_count;
	uint16_t bg_flags;
	uint32_t bg_reserved[3];
};

#define EXT2_NDIR_BLOCKS 12 /* i_block[0..11]: the first data blocks */
#define EXT2_IND_BLOCK	 12 /* a block of block numbers */
#define EXT2_DIND_BLOCK	 13 /* ... of blocks of block numbers */
#define EXT2_TIND_BLOCK	 14 /* ... three deep */
#define EXT2_N_BLOCKS	 15

struct ext2_inode {
	uint16_t i_mode;
	uint16_t i_uid;
	uint32_t i_size; /* its low 32 bits */
	uint32_t i_atime;
	uint32_t i_ctime;
	uint32_t i_mtime;
	uint32_t i_dtime; /* deleted at; an orphan list's next */
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks; /* 512-byte units, indirect blocks too */
	uint32_t i_flags;
	uint32_t i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS]; /* a short symlink: its text */
	uint32_t i_generation;
	uint32_t i_file_acl; /* an extended attribute block */
	uint32_t i_size_high;
	uint32_t i_faddr;
	uint16_t i_blocks_hi;
	uint16_t i_file_acl_high;
	uint16_t i_uid_high;
	uint16_t i_gid_high;
	uint16_t i_checksum_lo;
	uint16_t i_reserved;
	/* past the first 128 bytes, when s_inode_size is larger */
	uint16_t i_extra_isize;
	uint16_t i_checksum_hi;
};
#define EXT2_INODE_CORE	 128 /* the bytes this kernel keeps and writes */
#define EXT2_EXTRA_ISIZE 32  /* i_extra_isize of a new large inode */

/* i_flags */
#define EXT2_INDEX_FL	0x00001000 /* an htree directory */
#define EXT4_EXTENTS_FL 0x00080000
#define EXT4_INLINE_FL	0x10000000

/* reserved inode numbers */
#define EXT2_BAD_INO	      1
#define EXT2_ROOT_INO	      2
#define EXT2_RESIZE_INO	      7
#define EXT2_FAST_SYMLINK_MAX 60 /* bytes a symlink keeps in i_block */

/* A directory is a list of entries in its blocks; an entry never crosses
 * a block, rec_len leads to the next, and the last one's runs to the
 * block's end; an entry with inode 0 is unused room. */
struct ext2_dirent {
	uint32_t inode;
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type; /* filetype's; name_len's high byte without */
	char name[];
};
#define EXT2_NAME_LEN	      255
#define EXT2_DIRENT_SIZE(len) ((8 + (len) + 3) & ~3u)

/* file_type */
enum {
	EXT2_FT_UNKNOWN,
	EXT2_FT_REG_FILE,
	EXT2_FT_DIR,
	EXT2_FT_CHRDEV,
	EXT2_FT_BLKDEV,
	EXT2_FT_FIFO,
	EXT2_FT_SOCK,
	EXT2_FT_SYMLINK
};

_Static_assert(sizeof(struct ext2_super) == 1024, "superblock");
_Static_assert(offsetof(struct ext2_super, s_magic) == 56, "s_magic");
_Static_assert(offsetof(struct ext2_super, s_rev_level) == 76, "rev");
_Static_assert(offsetof(struct ext2_super, s_inode_size) == 88, "isize");
_Static_assert(offsetof(struct ext2_super, s_feature_compat) == 92, "fc");
_Static_assert(offsetof(struct ext2_super, s_volume_name) == 120, "vol");
_Static_assert(offsetof(struct ext2_super, s_reserved_gdt_blocks) == 206,
	       "reserved_gdt");
_Static_assert(offsetof(struct ext2_super, s_desc_size) == 254, "desc");
_Static_assert(offsetof(struct ext2_super, s_first_meta_bg) == 260, "mbg");
_Static_assert(sizeof(struct ext2_group_desc) == 32, "group descriptor");
_Static_assert(offsetof(struct ext2_inode, i_block) == 40, "i_block");
_Static_assert(offsetof(struct ext2_inode, i_size_high) == 108, "size_hi");
_Static_assert(offsetof(struct ext2_inode, i_extra_isize) == 128, "extra");
_Static_assert(sizeof(struct ext2_dirent) == 8, "dirent");

#endif
