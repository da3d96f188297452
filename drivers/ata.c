/*
 * ata.c: IDENTIFY DEVICE parsing and error decoding, for both disk
 * drivers.  Word numbers are ACS-2's (table 45).
 */
#include "ata.h"

#include "bdev.h"
#include "console.h"
#include "printf.h"
#include "string.h"

void
ata_ident_parse(const uint16_t *id, struct ata_ident *out)
{
	memset(out, 0, sizeof(*out));
	/* Model: words 27-46, two ASCII bytes a word, high byte first. */
	for (int i = 0; i < ATA_MODEL_LEN / 2; i++) {
		out->model[2 * i] = (char)(id[27 + i] >> 8);
		out->model[2 * i + 1] = (char)(id[27 + i] & 0xFF);
	}
	for (int i = ATA_MODEL_LEN - 1; i >= 0 && out->model[i] == ' '; i--)
		out->model[i] = '\0';
	out->lba48 = (id[83] >> 10) & 1;
	if (out->lba48)
		out->sectors = (uint64_t)id[100] | (uint64_t)id[101] << 16 |
			       (uint64_t)id[102] << 32 |
			       (uint64_t)id[103] << 48;
	else
		out->sectors = (uint32_t)id[60] | (uint32_t)id[61] << 16;
	if (id[53] & (1 << 2)) { /* word 88 valid */
		out->udma_modes = id[88] & 0x7F;
		out->udma_selected = -1;
		for (int m = 0; m < 7; m++)
			if (id[88] & (0x100 << m))
				out->udma_selected = m;
	} else {
		out->udma_selected = -1;
	}
	out->write_cache = (id[82] & (1 << 5)) && (id[85] & (1 << 5));
	out->flush = (id[83] >> 12) & 1;
	out->flush_ext = (id[83] >> 13) & 1;
	out->ncq = (id[76] >> 8) & 1;
	out->queue_depth = out->ncq ? (id[75] & 0x1F) + 1 : 1;
}

/* The one line every ATA disk's attach prints, IDE or AHCI: its name,
 * model, size, addressing, how its commands move (`transfer`), its write
 * cache, and where it is. */
void
ata_attach_report(const struct bdev *bd, const struct ata_ident *id,
		  const char *transfer)
{
	char size[16];

	kprintf("%s: %s, %s, %s, %s, write cache %s, at %s\n", bd->name,
		id->model,
		fmt_size(size, sizeof(size), id->sectors * DEV_BSIZE),
		id->lba48 ? "LBA48" : "LBA28", transfer,
		id->write_cache ? "on" : "off", bd->where);
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
