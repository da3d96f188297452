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
#define ATA_DEV_LBA	0x40	/* LBA addressing */
#define ATA_DEV_SLAVE	0x10	/* drive 1 */

/* Signatures left in LBA mid/high after reset */
#define ATAPI_SIG_MID	0x14
#define ATAPI_SIG_HIGH	0xEB
/* clang-format on */

#define ATA_LBA28_MAX	  (1u << 28)
#define ATA_LBA28_SECTORS 256 /* most sectors per LBA28 command */
#define ATA_MODEL_LEN	  40

struct ata_ident {
	char model[ATA_MODEL_LEN + 1];
	uint64_t sectors; /* addressable, by LBA48 if supported */
	int lba48;
	int udma_modes;	   /* bit n: UDMA mode n supported */
	int udma_selected; /* the mode in use, or -1 */
	int write_cache;   /* present and enabled */
	int flush;	   /* FLUSH CACHE */
	int flush_ext;	   /* FLUSH CACHE EXT */
	int ncq;	   /* NCQ supported */
	int queue_depth;   /* NCQ depth (1..32) */
};

struct bdev;
void ata_ident_parse(const uint16_t *id, struct ata_ident *out);
void ata_attach_report(const struct bdev *bd, const struct ata_ident *id,
		       const char *transfer);
char *ata_error_str(char *buf, int n, uint8_t status, uint8_t error);

#endif
