/*
 * ata.h: what the IDE and AHCI drivers share of ATA/ATAPI-8 (ACS-2):
 * command opcodes, status and error bits, IDENTIFY DEVICE parsing.
 */
#ifndef ATA_H
#define ATA_H

#include <stdint.h>

/* clang-format off */
/* Commands */
#define ATA_READ_SECTORS	0x20	/* PIO, LBA28 */
#define ATA_READ_SECTORS_EXT	0x24	/* PIO, LBA48 */
#define ATA_READ_DMA_EXT	0x25
#define ATA_WRITE_SECTORS	0x30
#define ATA_WRITE_SECTORS_EXT	0x34
#define ATA_WRITE_DMA_EXT	0x35
#define ATA_READ_FPDMA		0x60	/* NCQ */
#define ATA_WRITE_FPDMA		0x61
#define ATA_READ_DMA		0xC8
#define ATA_WRITE_DMA		0xCA
#define ATA_FLUSH_CACHE		0xE7
#define ATA_FLUSH_CACHE_EXT	0xEA
#define ATA_IDENTIFY		0xEC
#define ATA_IDENTIFY_PACKET	0xA1

/* Status register */
#define ATA_S_ERR	0x01	/* the command failed: see the error register */
#define ATA_S_DRQ	0x08	/* data request: ready to move a block */
#define ATA_S_DF	0x20	/* device fault */
#define ATA_S_DRDY	0x40	/* device ready */
#define ATA_S_BSY	0x80	/* busy: the other bits mean nothing */

/* Error register */
#define ATA_E_AMNF	0x01	/* address mark not found */
#define ATA_E_ABRT	0x04	/* command aborted */
#define ATA_E_IDNF	0x10	/* sector not found */
#define ATA_E_UNC	0x40	/* uncorrectable data */
#define ATA_E_ICRC	0x80	/* interface CRC error */

/* Device register */
#define ATA_DEV_OBS	0xA0	/* bits 7 and 5: obsolete, set (ATA-1's
				   512-byte sectors and ECC) */
#define ATA_DEV_LBA	0x40	/* LBA addressing */
#define ATA_DEV_SLAVE	0x10	/* drive 1 */
#define ATA_DEV_LBA_HI	0x0F	/* LBA 27:24 of a 28-bit command */

/* Signatures left in LBA mid/high after reset */
#define ATAPI_SIG_MID	0x14
#define ATAPI_SIG_HIGH	0xEB
/* clang-format on */

#define ATA_LBA28_MAX	  (1u << 28)
#define ATA_LBA28_SECTORS 256	/* most sectors per LBA28 command */
#define ATA_LBA48_SECTORS 65536 /* most sectors per LBA48 command */
#define ATA_MODEL_LEN	  40
#define ATA_ATAPI_REFUSED "an ATAPI device (CD/DVD), not a disk"
#define ATA_NCQ_TAGS	  32

/*
 * IDENTIFY DEVICE data (ACS-2 section 7.17, table 45): 256 words as the
 * disk sends them, little-endian.  The words a driver reads are named;
 * the rest are padding, so the offsets are the standard's (checked
 * below).
 */
struct ata_identify {
	uint16_t config; /* 0: bit 15 clear for ATA */
	uint16_t w1_9[9];
	uint16_t serial[10]; /* 10-19 */
	uint16_t w20_22[3];
	uint16_t firmware[4]; /* 23-26 */
	uint16_t model[20];   /* 27-46: two ASCII bytes a word, high first */
	uint16_t w47_48[2];
	uint16_t capabilities; /* 49 */
	uint16_t w50_52[3];
	uint16_t field_valid; /* 53 */
	uint16_t w54_59[6];
	uint16_t lba28_sectors[2]; /* 60-61 */
	uint16_t w62_74[13];
	uint16_t queue_depth; /* 75: bits 4:0, the depth less one */
	uint16_t sata_caps;   /* 76 */
	uint16_t w77_81[5];
	uint16_t cmdset_supported[3]; /* 82-84 */
	uint16_t cmdset_enabled[3];   /* 85-87 */
	uint16_t udma;		      /* 88 */
	uint16_t w89_99[11];
	uint16_t lba48_sectors[4]; /* 100-103 */
	uint16_t w104_105[2];
	uint16_t sector_size; /* 106 */
	uint16_t w107_116[10];
	uint16_t logical_sector_words[2]; /* 117-118 */
	uint16_t w119_255[137];
};
_Static_assert(sizeof(struct ata_identify) == 512, "IDENTIFY is 512 bytes");
_Static_assert(__builtin_offsetof(struct ata_identify, model) == 2 * 27 &&
		       __builtin_offsetof(struct ata_identify, lba28_sectors) ==
			       2 * 60 &&
		       __builtin_offsetof(struct ata_identify, queue_depth) ==
			       2 * 75 &&
		       __builtin_offsetof(struct ata_identify,
					  cmdset_supported) == 2 * 82 &&
		       __builtin_offsetof(struct ata_identify, udma) ==
			       2 * 88 &&
		       __builtin_offsetof(struct ata_identify, lba48_sectors) ==
			       2 * 100 &&
		       __builtin_offsetof(struct ata_identify,
					  logical_sector_words) == 2 * 117,
	       "IDENTIFY word offsets are ACS-2's");

/* clang-format off */
#define ATA_ID_CAP_LBA		(1 << 9)	/* 49 */
#define ATA_ID_CAP_DMA		(1 << 8)	/* 49 */
#define ATA_ID_VALID_88		(1 << 2)	/* 53: word 88 valid */
#define ATA_ID_SATA_NCQ		(1 << 8)	/* 76 */
#define ATA_ID_CMD_WCACHE	(1 << 5)	/* 82, 85 */
#define ATA_ID_CMD_LBA48	(1 << 10)	/* 83, 86 */
#define ATA_ID_CMD_FLUSH	(1 << 12)	/* 83, 86 */
#define ATA_ID_CMD_FLUSH_EXT	(1 << 13)	/* 83, 86 */
#define ATA_ID_SS_VALID_MASK	0xC000		/* 106: bits 15:14 ... */
#define ATA_ID_SS_VALID		0x4000		/* ... 01: the word is valid */
#define ATA_ID_CMD2_VALID_MASK	0xC000		/* 83, 86: bits 15:14 ... */
#define ATA_ID_CMD2_VALID	0x4000		/* ... 01: the word is valid */
#define ATA_ID_SS_LONG_LOGICAL	(1 << 12)	/* 106: see 117-118 */
/* clang-format on */

/* What the drivers use of a disk's IDENTIFY data (ata_ident_parse). */
struct ata_ident {
	char model[ATA_MODEL_LEN + 1];
	uint64_t sectors; /* addressable, by LBA48 if supported */
	int lba;	  /* LBA addressing (a disk without is CHS only) */
	int lba48;
	uint32_t sector_bytes; /* logical sector size */
	int udma_modes;	       /* bit n: UDMA mode n supported */
	int udma_selected;     /* the mode in use, or -1 */
	int write_cache;       /* present and enabled */
	int flush;	       /* FLUSH CACHE */
	int flush_ext;	       /* FLUSH CACHE EXT */
	int ncq;	       /* NCQ supported */
	int queue_depth;       /* NCQ depth (1..32) */
};

/* How a controller moves a disk's data. */
enum ata_xfer { ATA_XFER_PIO, ATA_XFER_DMA, ATA_XFER_NCQ };

/* What a controller offers a disk: ata_disk_attach's policy input. */
struct ata_host {
	enum ata_xfer xfer; /* the best it does (NCQ: if the disk can) */
	uint32_t maxxfer;   /* bytes one command may move, at most */
	int slots;	    /* NCQ: command slots (1..32) */
	uint32_t maxseg;    /* scatter/gather entries one command takes */
};

/* One ATA command's registers, for a task file (IDE) or an H2D register
 * FIS (AHCI) alike. */
struct ata_tf {
	uint8_t command;
	uint8_t device;	   /* ATA_DEV_LBA, and LBA 27:24 for LBA28 */
	uint16_t features; /* NCQ: the sector count */
	uint16_t count;	   /* NCQ: the tag, in bits 7:3 */
	uint64_t lba;	   /* 48 bits */
	int lba48;	   /* the 48-bit form: the high bytes are sent */
};

struct bdev;
void ata_ident_parse(const struct ata_identify *raw, struct ata_ident *out);
const char *ata_ident_unusable(const struct ata_ident *id);
uint32_t ata_max_transfer(const struct ata_ident *id, const struct ata_host *h);
int ata_queue_depth(const struct ata_ident *id, const struct ata_host *h);
void ata_attach_refused(const struct bdev *bd, const char *why);
int ata_disk_attach(struct bdev *bd, const struct ata_identify *raw,
		    struct ata_ident *id, const struct ata_host *host);
void ata_tf_rw(struct ata_tf *tf, enum ata_xfer how, int write, uint64_t lba,
	       uint32_t count, int tag);
int ata_tf_flush(struct ata_tf *tf, const struct ata_ident *id);
const char *ata_tf_name(const struct ata_tf *tf);
char *ata_error_str(char *buf, int n, uint8_t status, uint8_t error);

#endif
