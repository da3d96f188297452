/*
 * binfs.h: /bin, the programs the kernel can run: the files of a cpio
 * archive (the "new ASCII" format, cpio -H newc) that GRUB loads as the
 * module called "bin".  Read-only, used in place.
 */
#ifndef BINFS_H
#define BINFS_H

#include <stdint.h>

struct multiboot_info;

#define BINFS_MAX 32

void binfs_init(const struct multiboot_info *mbi);
/* name: "dd" or "/bin/dd".  0 and the file, or ENOENT. */
int binfs_find(const char *name, const uint8_t **data, uint32_t *size);
/* The i-th file's name and size; NULL past the last. */
const char *binfs_at(int i, uint32_t *size);

#endif
