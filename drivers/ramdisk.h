/*
 * ramdisk.h: the RAM disks rd0, completed in its strategy routine, and
 * rd1, completed by the clock interrupt (ramdisk.c).
 */
#ifndef RAMDISK_H
#define RAMDISK_H

struct multiboot_info;

#include <stdint.h>

#include "blk/buf.h"

void ramdisk_init(const struct multiboot_info *mbi);
int ramdisk_inject_error(int unit, daddr_t blk, int error);
uint8_t *ramdisk_data(int unit);

#endif
