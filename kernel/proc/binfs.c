/*
 * binfs.c: the programs in the "bin" module (binfs.h).  A newc archive
 * is a run of entries, each a 110-byte header of "070701" and thirteen
 * 8-digit hex fields, the name (with its NUL) padded to 4 bytes from the
 * header's start, and the data padded to 4; "TRAILER!!!" ends it.  A
 * damaged archive is reported and what came before it kept.
 */
#include "binfs.h"

#include "console.h"
#include "errno.h"
#include "multiboot.h"
#include "string.h"

#define NEWC_HDR 110

static struct {
	char name[32];
	const uint8_t *data;
	uint32_t size;
} files[BINFS_MAX];
static int nfiles;

/* The hex field i (0: c_ino ... 12: c_check) of the header at h. */
static int
field(const uint8_t *h, int i, uint32_t *out)
{
	uint32_t v = 0;

	for (int k = 0; k < 8; k++) {
		int c = h[6 + 8 * i + k], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return 0;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 1;
}

static uint32_t
pad4(uint32_t n)
{
	return (n + 3) & ~3u;
}

void
binfs_init(const struct multiboot_info *mbi)
{
	const struct multiboot_mod *m = multiboot_module(mbi, "bin");

	if (!m)
		return;
	const uint8_t *a = (const uint8_t *)m->start;
	uint32_t len = m->end - m->start, at = 0;
	while (at + NEWC_HDR <= len) {
		const uint8_t *h = a + at;
		uint32_t mode, size, namesize;
		if (memcmp(h, "070701", 6) || !field(h, 1, &mode) ||
		    !field(h, 6, &size) || !field(h, 11, &namesize) ||
		    !namesize || namesize > len - at - NEWC_HDR) {
			kprintf("binfs: the bin module is damaged at byte %u\n",
				at);
			return;
		}
		const char *name = (const char *)h + NEWC_HDR;
		uint32_t data = at + pad4(NEWC_HDR + namesize);
		if (name[namesize - 1] || data > len || size > len - data) {
			kprintf("binfs: the bin module is damaged at byte %u\n",
				at);
			return;
		}
		if (!strcmp(name, "TRAILER!!!"))
			return;
		if ((mode & 0170000) == 0100000) { /* a regular file */
			if (nfiles == BINFS_MAX ||
			    namesize > sizeof(files[0].name)) {
				kprintf("binfs: %s left out (%d files at most, "
					"names of %u bytes)\n",
					name, BINFS_MAX,
					(unsigned)sizeof(files[0].name) - 1);
			} else {
				strlcpy(files[nfiles].name, name,
					sizeof(files[0].name));
				files[nfiles].data = a + data;
				files[nfiles].size = size;
				nfiles++;
			}
		}
		at = data + pad4(size);
	}
}

int
binfs_find(const char *name, const uint8_t **data, uint32_t *size)
{
	if (!strncmp(name, "/bin/", 5))
		name += 5;
	for (int i = 0; i < nfiles; i++)
		if (!strcmp(files[i].name, name)) {
			*data = files[i].data;
			*size = files[i].size;
			return 0;
		}
	return ENOENT;
}

const char *
binfs_at(int i, uint32_t *size)
{
	if (i < 0 || i >= nfiles)
		return NULL;
	*size = files[i].size;
	return files[i].name;
}
