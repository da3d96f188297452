/*
 * test_ata.c: the one ATA policy both disk drivers use (ata.c), on
 * IDENTIFY data made here word by word as ACS-2 lays it out: how a disk
 * is sized and refused, how much one command moves, how deep the queue
 * is, and each command's registers.  The drivers only move what these
 * functions decide, so the cases a QEMU disk never shows (a CHS-only
 * disk, 4 KiB logical sectors, an LBA28-only SATA disk) are tested here.
 */
#include <stdint.h>

#include "ata.h"
#include "blk/bdev.h"
#include "ktest.h"
#include "string.h"

/* A plain modern disk: LBA, LBA48 with `sectors`, write cache on, both
 * flushes, NCQ of depth 32, model "IODINE TEST DISK". */
static void
ident_make(struct ata_identify *raw, uint64_t sectors)
{
	static const char model[] = "IODINE TEST DISK";

	memset(raw, 0, sizeof(*raw));
	for (int i = 0; i < ATA_MODEL_LEN / 2; i++) {
		char hi = 2 * i < (int)sizeof(model) - 1 ? model[2 * i] : ' ';
		char lo = 2 * i + 1 < (int)sizeof(model) - 1 ? model[2 * i + 1]
							     : ' ';
		raw->model[i] = (uint16_t)((uint8_t)hi << 8 | (uint8_t)lo);
	}
	raw->capabilities = ATA_ID_CAP_LBA | ATA_ID_CAP_DMA;
	uint32_t lba28 = sectors < ATA_LBA28_MAX ? sectors : ATA_LBA28_MAX - 1;
	raw->lba28_sectors[0] = lba28 & 0xFFFF;
	raw->lba28_sectors[1] = lba28 >> 16;
	for (int i = 0; i < 4; i++)
		raw->lba48_sectors[i] = (sectors >> (16 * i)) & 0xFFFF;
	raw->cmdset_supported[0] = ATA_ID_CMD_WCACHE;
	raw->cmdset_enabled[0] = ATA_ID_CMD_WCACHE;
	raw->cmdset_supported[1] = ATA_ID_SS_VALID | ATA_ID_CMD_LBA48 |
				   ATA_ID_CMD_FLUSH | ATA_ID_CMD_FLUSH_EXT;
	raw->queue_depth = 31;
	raw->sata_caps = ATA_ID_SATA_NCQ;
}

static const struct ata_host ahci_host = {ATA_XFER_NCQ, 4u << 20, 32, 56};
static const struct ata_host ide_host = {ATA_XFER_DMA, 1u << 20, 0, 512};

TEST(ata_identify_words_sit_where_acs2_puts_them)
{
	struct ata_identify raw;
	uint16_t w[256];

	ident_make(&raw, 1000);
	memcpy(w, &raw, sizeof(w));
	CHECK_EQ(w[49], ATA_ID_CAP_LBA | ATA_ID_CAP_DMA);
	CHECK_EQ(w[60], 1000);
	CHECK_EQ(w[75], 31);
	CHECK_EQ(w[76], ATA_ID_SATA_NCQ);
	CHECK_EQ(w[83] & ATA_ID_CMD_LBA48, ATA_ID_CMD_LBA48);
	CHECK_EQ(w[85], ATA_ID_CMD_WCACHE);
	CHECK_EQ(w[100], 1000);
	CHECK_EQ(w[27], 'I' << 8 | 'O');
}

TEST(ata_parse_reads_model_size_cache_and_queue)
{
	struct ata_identify raw;
	struct ata_ident id;

	ident_make(&raw, 5ull << 31); /* 5 TiB: past LBA28 and 32 bits */
	ata_ident_parse(&raw, &id);
	CHECK_STR(id.model, "IODINE TEST DISK");
	CHECK_EQ(id.sectors, 5ull << 31);
	CHECK_EQ(id.lba48, 1);
	CHECK_EQ(id.sector_bytes, DEV_BSIZE);
	CHECK_EQ(id.write_cache, 1);
	CHECK_EQ(id.flush_ext, 1);
	CHECK_EQ(id.ncq, 1);
	CHECK_EQ(id.queue_depth, 32);
	CHECK(!ata_ident_unusable(&id), "a plain disk refused: %s",
	      ata_ident_unusable(&id));
}

TEST(ata_a_disk_without_lba48_is_sized_by_words_60_61)
{
	struct ata_identify raw;
	struct ata_ident id;

	ident_make(&raw, 200000);
	raw.cmdset_supported[1] &= ~ATA_ID_CMD_LBA48;
	raw.lba48_sectors[0] = 0xFFFF; /* ignored without the bit */
	ata_ident_parse(&raw, &id);
	CHECK_EQ(id.lba48, 0);
	CHECK_EQ(id.sectors, 200000);
	/* word 83 not valid (bits 15:14 not 01): no LBA48, no flushes */
	ident_make(&raw, 200000);
	raw.cmdset_supported[1] |= 0x8000;
	ata_ident_parse(&raw, &id);
	CHECK_EQ(id.lba48, 0);
	CHECK_EQ(id.flush_ext, 0);
	/* LBA48 claimed with a zero 48-bit size: LBA28's size stands */
	ident_make(&raw, 200000);
	memset(raw.lba48_sectors, 0, sizeof(raw.lba48_sectors));
	ata_ident_parse(&raw, &id);
	CHECK_EQ(id.lba48, 0);
	CHECK_EQ(id.sectors, 200000);
}

TEST(ata_disks_iodine_cannot_drive_are_refused_with_a_reason)
{
	struct ata_identify raw;
	struct ata_ident id;

	ident_make(&raw, 1000);
	raw.capabilities &= ~ATA_ID_CAP_LBA;
	ata_ident_parse(&raw, &id);
	CHECK(ata_ident_unusable(&id), "a CHS-only disk accepted");
	CHECK_STR(ata_ident_unusable(&id),
		  "no LBA addressing (a CHS-only disk)");

	ident_make(&raw, 1000);
	raw.sector_size = ATA_ID_SS_VALID | ATA_ID_SS_LONG_LOGICAL;
	raw.logical_sector_words[0] = 2048; /* 4096 bytes */
	ata_ident_parse(&raw, &id);
	CHECK_EQ(id.sector_bytes, 4096);
	CHECK(ata_ident_unusable(&id), "a 4Kn disk accepted");
	/* 4 KiB physical, 512 logical (512e) is fine */
	raw.sector_size = ATA_ID_SS_VALID | 0x2000 | 3;
	ata_ident_parse(&raw, &id);
	CHECK_EQ(id.sector_bytes, DEV_BSIZE);
	CHECK(!ata_ident_unusable(&id), "a 512e disk refused");

	ident_make(&raw, 0);
	ata_ident_parse(&raw, &id);
	CHECK(ata_ident_unusable(&id), "a disk of no sectors accepted");
}

TEST(ata_one_command_moves_what_both_disk_and_controller_allow)
{
	struct ata_identify raw;
	struct ata_ident id;
	const struct ata_host odd = {ATA_XFER_DMA, 100000, 0, 512};

	ident_make(&raw, 1000000);
	ata_ident_parse(&raw, &id);
	CHECK_EQ(ata_max_transfer(&id, &ahci_host), 4u << 20);
	CHECK_EQ(ata_max_transfer(&id, &ide_host), 1u << 20);
	CHECK_EQ(ata_max_transfer(&id, &odd), 100000 - 100000 % DEV_BSIZE);
	raw.cmdset_supported[1] &= ~ATA_ID_CMD_LBA48;
	ata_ident_parse(&raw, &id);
	CHECK_EQ(ata_max_transfer(&id, &ahci_host),
		 ATA_LBA28_SECTORS * DEV_BSIZE);
}

TEST(ata_queue_depth_is_the_lesser_of_disk_and_controller)
{
	struct ata_identify raw;
	struct ata_ident id;
	const struct ata_host few = {ATA_XFER_NCQ, 4u << 20, 8, 56};

	ident_make(&raw, 1000);
	ata_ident_parse(&raw, &id);
	CHECK_EQ(ata_queue_depth(&id, &ahci_host), 32);
	CHECK_EQ(ata_queue_depth(&id, &few), 8);
	CHECK_EQ(ata_queue_depth(&id, &ide_host), 0);
	raw.queue_depth = 3;
	ata_ident_parse(&raw, &id);
	CHECK_EQ(ata_queue_depth(&id, &ahci_host), 4);
	raw.sata_caps = 0xFFFF; /* parallel ATA: word 76 means nothing */
	ata_ident_parse(&raw, &id);
	CHECK_EQ(ata_queue_depth(&id, &ahci_host), 0);
}

TEST(ata_lba28_commands_where_they_reach_lba48_past)
{
	struct ata_tf tf;

	ata_tf_rw(&tf, ATA_XFER_DMA, 0, 0x0ABCDEF1, 256, 0);
	CHECK_EQ(tf.command, ATA_READ_DMA);
	CHECK_EQ(tf.lba48, 0);
	CHECK_EQ(tf.count & 0xFF, 0);		/* 256 is sent as 0 */
	CHECK_EQ(tf.lba, 0xBCDEF1);		/* 23:0 in the LBA registers */
	CHECK_EQ(tf.device, ATA_DEV_LBA | 0xA); /* 27:24 in the device's */

	ata_tf_rw(&tf, ATA_XFER_DMA, 1, 0x0ABCDEF1, 257, 0);
	CHECK_EQ(tf.command, ATA_WRITE_DMA_EXT);
	CHECK_EQ(tf.count, 257);
	CHECK_EQ(tf.device, ATA_DEV_LBA);

	/* the last LBA28 address is avoided; past it, 48 bits */
	ata_tf_rw(&tf, ATA_XFER_PIO, 0, ATA_LBA28_MAX - 2, 1, 0);
	CHECK_EQ(tf.command, ATA_READ_SECTORS);
	ata_tf_rw(&tf, ATA_XFER_PIO, 0, ATA_LBA28_MAX - 1, 1, 0);
	CHECK_EQ(tf.command, ATA_READ_SECTORS_EXT);
	ata_tf_rw(&tf, ATA_XFER_PIO, 1, 0x123456789ABull, 8, 0);
	CHECK_EQ(tf.command, ATA_WRITE_SECTORS_EXT);
	CHECK_EQ(tf.lba, 0x123456789ABull);
	ata_tf_rw(&tf, ATA_XFER_DMA, 0, 0, ATA_LBA48_SECTORS, 0);
	CHECK_EQ(tf.count, 0); /* 65536 is sent as 0 */
}

TEST(ata_ncq_puts_the_count_in_features_and_the_tag_in_count)
{
	struct ata_tf tf;

	ata_tf_rw(&tf, ATA_XFER_NCQ, 0, 7, 300, 17);
	CHECK_EQ(tf.command, ATA_READ_FPDMA);
	CHECK_EQ(tf.features, 300);
	CHECK_EQ(tf.count, 17 << 3);
	CHECK_EQ(tf.lba48, 1);
	CHECK_EQ(tf.lba, 7);
	CHECK_EQ(tf.device, ATA_DEV_LBA); /* bit 6 shall be one */
	ata_tf_rw(&tf, ATA_XFER_NCQ, 1, 1ull << 40, 8, 31);
	CHECK_EQ(tf.command, ATA_WRITE_FPDMA);
	CHECK_EQ(tf.count, 31 << 3);
	CHECK_EQ(tf.lba, 1ull << 40);
	CHECK_STR(ata_tf_name(&tf), "WRITE FPDMA QUEUED");
}

TEST(ata_flush_only_a_cache_that_is_on_by_ext_if_it_can)
{
	struct ata_identify raw;
	struct ata_ident id;
	struct ata_tf tf;

	ident_make(&raw, 1000);
	ata_ident_parse(&raw, &id);
	CHECK_EQ(ata_tf_flush(&tf, &id), 1);
	CHECK_EQ(tf.command, ATA_FLUSH_CACHE_EXT);
	raw.cmdset_supported[1] &= ~(ATA_ID_CMD_FLUSH_EXT | ATA_ID_CMD_FLUSH);
	ata_ident_parse(&raw, &id);
	CHECK_EQ(ata_tf_flush(&tf, &id), 1);
	CHECK_EQ(tf.command, ATA_FLUSH_CACHE);
	raw.cmdset_enabled[0] = 0; /* cache present, turned off */
	ata_ident_parse(&raw, &id);
	CHECK_EQ(ata_tf_flush(&tf, &id), 0);
}
