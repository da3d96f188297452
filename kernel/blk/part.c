/*
 * part.c: partitions, the first stacked layer: a partition is a block
 * device whose requests become requests on its disk, the way AIX's
 * iodone page (../shared/seeds/000_*.txt) has the logical volume driver
 * do it: a buf header of the layer's own, its own b_iodone, the disk's
 * strategy routine; the caller's buf is completed, once, when that one
 * is.  The caller's buf is never changed but for its completion
 * (ddstrategy: b_dev and b_blkno belong to the caller).
 *
 * Bounds are the partition's: the switch's rules (bdev_validate) run on
 * the partition's size before a request goes down, so end of media is
 * at its end, ENXIO beyond it, and a request across it is cut there; no
 * request through a partition can reach a block outside it.
 *
 * Tables, read when the disks have attached (part_scan_all):
 *  - MBR: the four primary entries, and the logical ones in the chain of
 *    EBRs of an extended entry (types 05h, 0Fh, 85h), numbered from 5.
 *  - GPT (an MBR whose entry is of type EEh): the header at block 1 with
 *    its CRC32 and its entries' CRC32 (UEFI 2.x section 5.3); if either
 *    is wrong, the backup header (at the last block) is used, and the
 *    console says so.
 * An entry that lies (past the end of the disk, over the table, or over
 * another partition) is reported and skipped, never used.
 *
 * A table counts in the disk's own sectors: on a disk of 4096-byte
 * sectors (an NVMe namespace formatted so) the GPT header is at byte
 * 4096 and every LBA is a 4096-byte one, as sfdisk --sector-size 4096
 * and Linux have it; a partition's blocks are then 8 to the sector.
 */
#include "part.h"

#include <stddef.h>

#include "console.h"
#include "crc32.h"
#include "errno.h"
#include "kmalloc.h"
#include "pmem.h"
#include "printf.h"
#include "string.h"
#include "trace.h"
#include "uio.h"

#define MBR_SIG_OFF	510
#define MBR_ENTRIES	446
#define MBR_GPT_TYPE	0xEE
#define EBR_MAX		128  /* logical partitions followed, at most */
#define GPT_ENTRIES_MAX 1024 /* entries read, at most */

struct mbr_entry {
	uint8_t status;
	uint8_t chs_first[3];
	uint8_t type;
	uint8_t chs_last[3];
	uint32_t lba;
	uint32_t nsect;
} __attribute__((packed));
_Static_assert(sizeof(struct mbr_entry) == 16, "an MBR entry is 16 bytes");

struct gpt_header {
	char sig[8]; /* "EFI PART" */
	uint32_t revision, header_size, header_crc, reserved;
	uint64_t my_lba, alt_lba, first_usable, last_usable;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t nentries, entry_size, entries_crc;
} __attribute__((packed));
_Static_assert(sizeof(struct gpt_header) == 92, "a GPT header is 92 bytes");

struct gpt_entry {
	uint8_t type[16], unique[16];
	uint64_t first, last, attrs;
	uint16_t name[36]; /* UTF-16LE */
} __attribute__((packed));
_Static_assert(sizeof(struct gpt_entry) == 128, "a GPT entry is 128 bytes");

struct part {
	struct bdev bd;
	struct bdev *disk;
	uint64_t start; /* first block on the disk */
	char model[64]; /* the type, and the GPT name */
};

static struct part parts[PART_MAX];
static int nparts;

/* --- the request path --- */

/* The disk's request is done: complete the caller's, with its error and
 * what was not transferred. */
static void
part_done(struct buf *c)
{
	struct buf *bp = c->b_private;

	if (c->b_flags & B_ERROR)
		bioerror(bp, geterror(c));
	bp->b_resid += c->b_resid;
	freerbuf(c);
	biodone(bp);
}

/* A validated request on the partition, as a request of the layer's own
 * on the disk.  Never sleeps. */
static void
part_start(struct bdev *bd, struct buf *bp)
{
	const struct part *p = bd->softc;
	struct buf *c =
		bdev_child(bp, 0, bdev_xfer_bytes(bp), p->disk->dev,
			   (daddr_t)p->start + bp->b_blkno, part_done, bp);

	if (!c) {
		biofail(bp, ENOMEM);
		return;
	}
	trace_remap(c, bp->b_dev, bp->b_blkno);
	bdev_strategy(c);
}

static void
part_strategy(struct bdev *bd, struct buf *chain)
{
	bdev_strategy_chain(bd, chain, part_start);
}

static int
part_flush(struct bdev *bd)
{
	const struct part *p = bd->softc;

	return bdev_flush(p->disk->dev);
}

static const struct bdev_ops part_ops = {
	.strategy = part_strategy,
	.flush = part_flush,
};

/* --- registering what a table says --- */

/* The disk's sectors, as its tables count them */
static uint64_t
sectors(const struct bdev *disk)
{
	return disk->nblocks / (bdev_secsize(disk) / DEV_BSIZE);
}

/* Add partition `num` of disk, sectors [start, start + n), if it tells
 * the truth; else say why not.  1 if added. */
static int
part_add(struct bdev *disk, int num, uint64_t start, uint64_t n,
	 const char *type, const char *label)
{
	char name[BDEV_NAMELEN + 8], size[16];
	uint32_t per = bdev_secsize(disk) / DEV_BSIZE;

	if (start > UINT64_MAX / per || n > UINT64_MAX / per)
		start = n = UINT64_MAX / per; /* (runs past the end, below) */
	start *= per;			      /* blocks, from here on */
	n *= per;
	snprintf(name, sizeof(name), "%sp%d", disk->name, num);
	if (start + n > disk->nblocks || start + n < start) {
		kprintf("%s: blocks %llu to %llu run past the end of %s "
			"(%llu blocks): skipped\n",
			name, (unsigned long long)start,
			(unsigned long long)(start + n - 1), disk->name,
			(unsigned long long)disk->nblocks);
		return 0;
	}
	if (start == 0) {
		kprintf("%s: starts at block 0, over the partition table: "
			"skipped\n",
			name);
		return 0;
	}
	for (int i = 0; i < nparts; i++) {
		const struct part *o = &parts[i];
		if (o->disk == disk && start < o->start + o->bd.nblocks &&
		    o->start < start + n) {
			kprintf("%s: blocks %llu to %llu overlap %s: skipped\n",
				name, (unsigned long long)start,
				(unsigned long long)(start + n - 1),
				o->bd.name);
			return 0;
		}
	}
	if (strlen(name) >= BDEV_NAMELEN || nparts == PART_MAX) {
		kprintf("%s: %s: skipped\n", name,
			nparts == PART_MAX ? "too many partitions"
					   : "name too long");
		return 0;
	}
	struct part *p = &parts[nparts];
	memset(p, 0, sizeof(*p));
	strlcpy(p->bd.name, name, sizeof(p->bd.name));
	p->bd.dev = makedev(MAJOR_PART, nparts);
	p->bd.nblocks = n;
	p->bd.maxxfer = disk->maxxfer;
	p->bd.secsize = disk->secsize;
	p->bd.align = disk->align;
	snprintf(p->model, sizeof(p->model), "%s%s%s%s", type,
		 label && *label ? " \"" : "", label ? label : "",
		 label && *label ? "\"" : "");
	p->bd.model = p->model;
	snprintf(p->bd.where, sizeof(p->bd.where), "%s at block %llu",
		 disk->name, (unsigned long long)start);
	p->bd.ops = &part_ops;
	p->bd.softc = p;
	p->bd.parent = disk;
	p->bd.offset = start;
	p->disk = disk;
	p->start = start;
	int err = bdev_register(&p->bd);
	if (err) {
		kprintf("%s: not registered: %s\n", name, errno_name(err));
		return 0;
	}
	nparts++;
	kprintf("%s: %s at block %llu of %s, %s\n", name,
		fmt_size(size, sizeof(size), n * DEV_BSIZE),
		(unsigned long long)start, disk->name, p->model);
	return 1;
}

/* --- reading the tables --- */

/* n of the disk's sectors from sector lba, raw: 0, or an errno (ENXIO
 * for a short read). */
static int
read_blocks(struct bdev *disk, uint64_t lba, uint32_t n, void *buf)
{
	size_t moved, bytes = (size_t)n * bdev_secsize(disk);
	int err = physio(disk->dev, buf, bytes, lba * bdev_secsize(disk),
			 UIO_READ, &moved);

	return err ? err : moved != bytes ? ENXIO : 0;
}

/* "MBR 0x83 Linux": the type byte, and its name where it is common */
static void
mbr_type(uint8_t type, char *s, int n)
{
	static const struct {
		uint8_t type;
		const char *name;
	} known[] = {
		{0x01, "FAT12"},	   {0x06, "FAT16"},
		{0x07, "NTFS/exFAT"},	   {0x0b, "W95 FAT32"},
		{0x0c, "W95 FAT32 (LBA)"}, {0x0e, "W95 FAT16 (LBA)"},
		{0x82, "Linux swap"},	   {0x83, "Linux"},
		{0x8e, "Linux LVM"},	   {0xef, "EFI System"},
		{0xfd, "Linux raid"},
	};
	const char *name = "";

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].type == type)
			name = known[i].name;
	snprintf(s, n, "MBR 0x%02x%s%s", type, *name ? " " : "", name);
}

static int
mbr_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0F || type == 0x85;
}

static int
mbr_sig_ok(const uint8_t *s)
{
	return s[MBR_SIG_OFF] == 0x55 && s[MBR_SIG_OFF + 1] == 0xAA;
}

/* The logical partitions in the chain of EBRs from ext (the extended
 * entry's first block), numbered from 5. */
static int
mbr_logical(struct bdev *disk, uint64_t ext, uint64_t ext_n, uint8_t *sec)
{
	uint64_t ebr = ext;
	int num = 5, added = 0;

	for (int k = 0; k < EBR_MAX; k++) {
		if (ebr >= sectors(disk) || read_blocks(disk, ebr, 1, sec) ||
		    !mbr_sig_ok(sec)) {
			kprintf("%s: the extended partition's table at block "
				"%llu is unreadable or has no signature: "
				"logical partitions from %d skipped\n",
				disk->name, (unsigned long long)ebr, num);
			return added;
		}
		struct mbr_entry e[2];
		memcpy(e, sec + MBR_ENTRIES, sizeof(e));
		if (e[0].type && e[0].nsect) {
			uint64_t start = ebr + e[0].lba;
			if (start + e[0].nsect > ext + ext_n)
				kprintf("%sp%d: runs past its extended "
					"partition: skipped\n",
					disk->name, num);
			else {
				char type[32];
				mbr_type(e[0].type, type, sizeof(type));
				added += part_add(disk, num, start, e[0].nsect,
						  type, NULL);
			}
			num++;
		}
		if (!mbr_extended(e[1].type) || !e[1].lba)
			return added;
		uint64_t next = ext + e[1].lba;
		if (next <= ebr) {
			kprintf("%s: the extended partition's chain loops at "
				"block %llu: stopped\n",
				disk->name, (unsigned long long)next);
			return added;
		}
		ebr = next;
	}
	return added;
}

/* "0FC63DAF-8483-4772-8E79-3D69D8477DE4": the first three fields are
 * little-endian, the rest bytes in order. */
static void
guid_str(const uint8_t *g, char *s, int n)
{
	snprintf(s, n,
		 "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
		 "%02X%02X%02X%02X%02X%02X",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9],
		 g[10], g[11], g[12], g[13], g[14], g[15]);
}

static const char *
gpt_type_name(const uint8_t *type, char *buf, int n)
{
	static const struct {
		const char *guid, *name;
	} known[] = {
		{"0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem"},
		{"0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap"},
		{"E6D6D379-F507-44C2-A23C-238F2A3DF928", "Linux LVM"},
		{"C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI System"},
		{"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
		 "Microsoft basic data"},
		{"21686148-6449-6E6F-744E-656564454649", "BIOS boot"},
	};

	guid_str(type, buf, n);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(buf, known[i].guid))
			return known[i].name;
	return buf;
}

/* Read and check the GPT header at lba and its entries: NULL and the
 * entries (kmalloc'd) in *entries, or why not. */
static const char *
gpt_read(struct bdev *disk, uint64_t lba, struct gpt_header *h,
	 uint8_t **entries, uint8_t *sec)
{
	*entries = NULL;
	if (lba >= sectors(disk) || read_blocks(disk, lba, 1, sec))
		return "unreadable";
	memcpy(h, sec, sizeof(*h));
	if (memcmp(h->sig, "EFI PART", 8))
		return "no signature";
	if (h->header_size < sizeof(*h) || h->header_size > bdev_secsize(disk))
		return "bad header size";
	uint32_t crc = h->header_crc;
	memset(sec + offsetof(struct gpt_header, header_crc), 0, 4);
	if (crc32(sec, h->header_size) != crc)
		return "header CRC mismatch";
	if (h->my_lba != lba)
		return "header in the wrong place";
	if (h->entry_size < sizeof(struct gpt_entry) || h->entry_size % 8 ||
	    h->nentries > GPT_ENTRIES_MAX ||
	    (uint64_t)h->nentries * h->entry_size > 256 * 1024)
		return "bad entry array size";
	uint32_t bytes = h->nentries * h->entry_size;
	uint32_t ss = bdev_secsize(disk), nblk = (bytes + ss - 1) / ss;
	uint8_t *e = kmalloc(nblk ? nblk * ss : ss);
	if (!e)
		return "no memory for the entries";
	if (nblk && (h->entries_lba + nblk > sectors(disk) ||
		     read_blocks(disk, h->entries_lba, nblk, e))) {
		kfree(e);
		return "entries unreadable";
	}
	if (crc32(e, bytes) != h->entries_crc) {
		kfree(e);
		return "entries CRC mismatch";
	}
	*entries = e;
	return NULL;
}

static int
gpt_scan(struct bdev *disk, uint8_t *sec)
{
	struct gpt_header h;
	uint8_t *e;
	int added = 0;

	memset(&h, 0, sizeof(h));
	const char *why = gpt_read(disk, 1, &h, &e, sec);

	if (why) {
		/* the backup: where the primary says, if it says, else at
		 * the last block */
		uint64_t alt = !memcmp(h.sig, "EFI PART", 8) &&
					       h.alt_lba < sectors(disk) &&
					       h.alt_lba > 1
				       ? h.alt_lba
				       : sectors(disk) - 1;
		kprintf("%s: GPT: the primary header at block 1 is damaged "
			"(%s): using the backup at block %llu\n",
			disk->name, why, (unsigned long long)alt);
		why = gpt_read(disk, alt, &h, &e, sec);
		if (why) {
			kprintf("%s: GPT: the backup is damaged too (%s): no "
				"partitions\n",
				disk->name, why);
			return 0;
		}
	}
	for (uint32_t i = 0; i < h.nentries; i++) {
		struct gpt_entry g;
		memcpy(&g, e + (size_t)i * h.entry_size, sizeof(g));
		static const uint8_t zero[16];
		if (!memcmp(g.type, zero, 16))
			continue;
		if (g.last < g.first || g.first < h.first_usable ||
		    g.last > h.last_usable) {
			kprintf("%sp%u: blocks %llu to %llu lie outside the "
				"usable blocks %llu to %llu: skipped\n",
				disk->name, i + 1, (unsigned long long)g.first,
				(unsigned long long)g.last,
				(unsigned long long)h.first_usable,
				(unsigned long long)h.last_usable);
			continue;
		}
		char label[37], tbuf[40];
		int k;
		for (k = 0; k < 36 && g.name[k]; k++)
			label[k] = g.name[k] < 0x80 ? (char)g.name[k] : '?';
		label[k] = '\0';
		added += part_add(
			disk, (int)i + 1, g.first, g.last - g.first + 1,
			gpt_type_name(g.type, tbuf, sizeof(tbuf)), label);
	}
	kfree(e);
	return added;
}

int
part_scan(struct bdev *disk)
{
	static uint8_t sec[PAGE_SIZE] __attribute__((aligned(16))); /* the
							largest sector */
	struct mbr_entry e[4];
	int added = 0;

	if (read_blocks(disk, 0, 1, sec) || !mbr_sig_ok(sec))
		return 0; /* no table: a disk used whole */
	memcpy(e, sec + MBR_ENTRIES, sizeof(e));
	for (int i = 0; i < 4; i++)
		if (e[i].type == MBR_GPT_TYPE)
			return gpt_scan(disk, sec);
	for (int i = 0; i < 4; i++) {
		if (!e[i].type || !e[i].nsect)
			continue;
		if (mbr_extended(e[i].type)) {
			if (e[i].lba + (uint64_t)e[i].nsect > sectors(disk))
				kprintf("%s: the extended partition runs past "
					"the end of the disk: skipped\n",
					disk->name);
			else
				added += mbr_logical(disk, e[i].lba, e[i].nsect,
						     sec);
			read_blocks(disk, 0, 1, sec); /* the MBR again */
			memcpy(e, sec + MBR_ENTRIES, sizeof(e));
			continue;
		}
		char type[32];
		mbr_type(e[i].type, type, sizeof(type));
		added +=
			part_add(disk, i + 1, e[i].lba, e[i].nsect, type, NULL);
	}
	return added;
}

int
part_where(const struct bdev *bd, struct bdev **disk, uint64_t *start)
{
	if (!bd || major(bd->dev) != MAJOR_PART)
		return ENXIO;
	const struct part *p = bd->softc;
	*disk = p->disk;
	*start = p->start;
	return 0;
}

void
part_scan_all(void)
{
	struct bdev *disks[BDEV_MAX];
	int n = 0;

	/* the disks registered now: partitions register as they are found */
	for (int i = 0; bdev_at(i); i++)
		if (!bdev_at(i)->parent && major(bdev_at(i)->dev) != MAJOR_PART)
			disks[n++] = bdev_at(i);
	for (int i = 0; i < n; i++)
		part_scan(disks[i]);
}
