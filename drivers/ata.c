/*
 * ata.c: what both disk drivers do the same way, written once: parse a
 * disk's IDENTIFY DEVICE data (ACS-2 table 45), decide how it is used
 * (size, LBA28 or LBA48, transfer limit, queue depth, flush), attach it
 * with one message format, build each command's registers, and decode
 * errors.  The drivers only move the registers: IDE to its task file
 * ports, AHCI into a register FIS.
 */
#include "ata.h"

#include "blk/bdev.h"
#include "console.h"
#include "errno.h"
#include "printf.h"
#include "string.h"

/* Word 83 (and 86) mean something only when bits 15:14 are 01. */
static int
cmdset2_valid(uint16_t w)
{
	return (w & ATA_ID_CMD2_VALID_MASK) == ATA_ID_CMD2_VALID;
}

void
ata_ident_parse(const struct ata_identify *raw, struct ata_ident *out)
{
	uint16_t w83 = cmdset2_valid(raw->cmdset_supported[1])
			       ? raw->cmdset_supported[1]
			       : 0;
	uint64_t lba48_sectors = 0;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < ATA_MODEL_LEN / 2; i++) {
		out->model[2 * i] = (char)(raw->model[i] >> 8);
		out->model[2 * i + 1] = (char)(raw->model[i] & 0xFF);
	}
	for (int i = ATA_MODEL_LEN - 1; i >= 0 && out->model[i] == ' '; i--)
		out->model[i] = '\0';
	out->lba = !!(raw->capabilities & ATA_ID_CAP_LBA);
	for (int i = 3; i >= 0; i--)
		lba48_sectors = lba48_sectors << 16 | raw->lba48_sectors[i];
	/* a disk that claims LBA48 but gives no 48-bit size is sized (and
	 * addressed) by LBA28, as Linux does */
	out->lba48 = (w83 & ATA_ID_CMD_LBA48) && lba48_sectors;
	out->sectors = out->lba48
			       ? lba48_sectors
			       : (uint32_t)raw->lba28_sectors[0] |
					 (uint32_t)raw->lba28_sectors[1] << 16;
	out->sector_bytes = DEV_BSIZE;
	if ((raw->sector_size & ATA_ID_SS_VALID_MASK) == ATA_ID_SS_VALID &&
	    (raw->sector_size & ATA_ID_SS_LONG_LOGICAL))
		out->sector_bytes =
			2 * ((uint32_t)raw->logical_sector_words[0] |
			     (uint32_t)raw->logical_sector_words[1] << 16);
	out->udma_selected = -1;
	if (raw->field_valid & ATA_ID_VALID_88) {
		out->udma_modes = raw->udma & 0x7F;
		for (int m = 0; m < 7; m++)
			if (raw->udma & (0x100 << m))
				out->udma_selected = m;
	}
	out->write_cache = (raw->cmdset_supported[0] & ATA_ID_CMD_WCACHE) &&
			   (raw->cmdset_enabled[0] & ATA_ID_CMD_WCACHE);
	out->flush = !!(w83 & ATA_ID_CMD_FLUSH);
	out->flush_ext = !!(w83 & ATA_ID_CMD_FLUSH_EXT);
	/* word 76 is 0 or FFFFh on a parallel ATA disk: no SATA features */
	out->ncq = raw->sata_caps != 0 && raw->sata_caps != 0xFFFF &&
		   (raw->sata_caps & ATA_ID_SATA_NCQ);
	out->queue_depth = out->ncq ? (raw->queue_depth & 0x1F) + 1 : 1;
}

/* Why iodine cannot use this disk, or NULL if it can. */
const char *
ata_ident_unusable(const struct ata_ident *id)
{
	if (!id->lba)
		return "no LBA addressing (a CHS-only disk)";
	if (id->sector_bytes != DEV_BSIZE)
		return "logical sectors are not 512 bytes";
	if (!id->sectors)
		return "it reports no sectors";
	return NULL;
}

/* Bytes one command may move: the controller's limit, and the count one
 * command can carry (256 sectors by LBA28, 65536 by LBA48). */
uint32_t
ata_max_transfer(const struct ata_ident *id, const struct ata_host *h)
{
	uint32_t disk =
		(id->lba48 ? ATA_LBA48_SECTORS : ATA_LBA28_SECTORS) * DEV_BSIZE;
	uint32_t max = h->maxxfer < disk ? h->maxxfer : disk;

	return max - max % DEV_BSIZE;
}

/* Queued commands in flight at most: the smaller of the disk's queue
 * depth and the controller's slots; 0 if either lacks NCQ. */
int
ata_queue_depth(const struct ata_ident *id, const struct ata_host *h)
{
	if (h->xfer != ATA_XFER_NCQ || !id->ncq)
		return 0;
	return id->queue_depth < h->slots ? id->queue_depth : h->slots;
}

/* The line for a device found and not attached, and why. */
void
ata_attach_refused(const struct bdev *bd, const char *why)
{
	kprintf("%s: %s: not attached\n", bd->name, why);
}

/*
 * Attach an ATA disk, the one way for IDE and AHCI: read its IDENTIFY
 * data, refuse what iodine cannot drive (saying why), size bd by the
 * controller's and the disk's limits, register it and print its attach
 * line.  The caller has set bd's name, where, ops and softc.
 * 0, or an errno once the reason is printed.
 */
int
ata_disk_attach(struct bdev *bd, const struct ata_identify *raw,
		struct ata_ident *id, const struct ata_host *host)
{
	char size[16], how[24];

	ata_ident_parse(raw, id);
	const char *why = ata_ident_unusable(id);
	if (why) {
		ata_attach_refused(bd, why);
		return ENODEV;
	}
	bd->nblocks = id->sectors; /* every one: block numbers are 64 bits */
	bd->maxxfer = ata_max_transfer(id, host);
	bd->maxseg = host->maxseg;
	bd->model = id->model;
	int err = bdev_register(bd);
	if (err) {
		kprintf("%s: not attached: %s\n", bd->name, errno_name(err));
		return err;
	}
	int depth = ata_queue_depth(id, host);
	if (depth)
		snprintf(how, sizeof(how), "NCQ depth %d", depth);
	else
		snprintf(how, sizeof(how), "%s",
			 host->xfer == ATA_XFER_PIO ? "PIO" : "DMA");
	kprintf("%s: %s, %s, %s, %s, write cache %s, at %s\n", bd->name,
		id->model,
		fmt_size(size, sizeof(size), id->sectors * DEV_BSIZE),
		id->lba48 ? "LBA48" : "LBA28", how,
		id->write_cache ? "on" : "off", bd->where);
	return 0;
}

/* --- commands --- */

/*
 * A read or write of count sectors at lba, moved by `how`.  Queued
 * (NCQ) commands are always 48-bit, the count in the features register
 * and the tag in the count's bits 7:3 (ACS-2 7.23, 7.24).  Others use
 * LBA28 where it reaches (block and count below 2^28, at most 256
 * sectors; 256 is sent as 0), else the EXT form: stopping short of the
 * last LBA28 address, which some drives get wrong (as Linux does).
 */
void
ata_tf_rw(struct ata_tf *tf, enum ata_xfer how, int write, uint64_t lba,
	  uint32_t count, int tag)
{
	static const uint8_t op[2][2][2] = {
		/* [DMA?][write?][lba48?] */
		{{ATA_READ_SECTORS, ATA_READ_SECTORS_EXT},
		 {ATA_WRITE_SECTORS, ATA_WRITE_SECTORS_EXT}},
		{{ATA_READ_DMA, ATA_READ_DMA_EXT},
		 {ATA_WRITE_DMA, ATA_WRITE_DMA_EXT}},
	};

	memset(tf, 0, sizeof(*tf));
	tf->device = ATA_DEV_LBA;
	if (how == ATA_XFER_NCQ) {
		tf->command = write ? ATA_WRITE_FPDMA : ATA_READ_FPDMA;
		tf->features = (uint16_t)count;
		tf->count = (uint16_t)(tag << 3);
		tf->lba = lba;
		tf->lba48 = 1;
		return;
	}
	tf->lba48 = lba + count >= ATA_LBA28_MAX || count > ATA_LBA28_SECTORS;
	tf->command = op[how == ATA_XFER_DMA][!!write][tf->lba48];
	tf->count = (uint16_t)count; /* 65536 as 0 too */
	if (tf->lba48) {
		tf->lba = lba;
	} else {
		tf->lba = lba & 0xFFFFFF;
		tf->device |= (lba >> 24) & 0x0F;
	}
}

/* The flush of a disk's write cache: FLUSH CACHE EXT if it has it, else
 * FLUSH CACHE (which every ATA-6 disk with a volatile cache has, whatever
 * word 83 says).  0 if the disk has no cache turned on: nothing to
 * flush, no command. */
int
ata_tf_flush(struct ata_tf *tf, const struct ata_ident *id)
{
	memset(tf, 0, sizeof(*tf));
	if (!id->write_cache)
		return 0;
	tf->command = id->flush_ext ? ATA_FLUSH_CACHE_EXT : ATA_FLUSH_CACHE;
	return 1;
}

/* The command's name as ACS-2 gives it, for debug lines. */
const char *
ata_tf_name(const struct ata_tf *tf)
{
	switch (tf->command) {
	case ATA_READ_SECTORS: return "READ SECTORS";
	case ATA_READ_SECTORS_EXT: return "READ SECTORS EXT";
	case ATA_WRITE_SECTORS: return "WRITE SECTORS";
	case ATA_WRITE_SECTORS_EXT: return "WRITE SECTORS EXT";
	case ATA_READ_DMA: return "READ DMA";
	case ATA_READ_DMA_EXT: return "READ DMA EXT";
	case ATA_WRITE_DMA: return "WRITE DMA";
	case ATA_WRITE_DMA_EXT: return "WRITE DMA EXT";
	case ATA_READ_FPDMA: return "READ FPDMA QUEUED";
	case ATA_WRITE_FPDMA: return "WRITE FPDMA QUEUED";
	case ATA_FLUSH_CACHE: return "FLUSH CACHE";
	case ATA_FLUSH_CACHE_EXT: return "FLUSH CACHE EXT";
	case ATA_IDENTIFY: return "IDENTIFY DEVICE";
	default: return "command";
	}
}

/* "status 0x51 <DRDY,ERR> error 0x04 <ABRT>" */
char *
ata_error_str(char *buf, int n, uint8_t status, uint8_t error)
{
	static const char *const sbits[8] = {"ERR", "IDX", "CORR", "DRQ",
					     "DSC", "DF",  "DRDY", "BSY"};
	static const char *const ebits[8] = {"AMNF", "TK0NF", "ABRT", "MCR",
					     "IDNF", "MC",    "UNC",  "ICRC"};
	int len = snprintf(buf, n, "status 0x%02x <", status);
	const char *sep = "";

	for (int b = 7; b >= 0; b--)
		if (status & (1 << b) && len < n) {
			len += snprintf(buf + len, n - len, "%s%s", sep,
					sbits[b]);
			sep = ",";
		}
	if (len < n)
		len += snprintf(buf + len, n - len, "> error 0x%02x <", error);
	sep = "";
	for (int b = 7; b >= 0; b--)
		if (error & (1 << b) && len < n) {
			len += snprintf(buf + len, n - len, "%s%s", sep,
					ebits[b]);
			sep = ",";
		}
	if (len < n)
		snprintf(buf + len, n - len, ">");
	return buf;
}
