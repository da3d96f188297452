/*
 * ide_reg.h: the PIIX3/4 IDE controller (Intel 82371SB/AB data sheets)
 * and the ATA task file it exposes (ATA/ATAPI-8 ATA8-APT).  Task file
 * offsets are from the channel's command block base, the control
 * register from its control block base, bus master registers from BAR4
 * plus 8 per channel.
 */
#ifndef IDE_REG_H
#define IDE_REG_H

/* clang-format off */
/* Compatibility-mode channels (PCI prog-if bits 0 and 2 clear) */
#define IDE_PRI_CMD	0x1F0
#define IDE_PRI_CTL	0x3F6
#define IDE_PRI_IRQ	14
#define IDE_SEC_CMD	0x170
#define IDE_SEC_CTL	0x376
#define IDE_SEC_IRQ	15
#define IDE_PROGIF_PRI_NATIVE	0x01	/* prog-if: primary in native mode */
#define IDE_PROGIF_SEC_NATIVE	0x04	/* prog-if: secondary in native mode */
#define IDE_NATIVE_CTL_OFF	2	/* native: control is BAR1/3 base + 2 */

/* Command block */
#define IDE_DATA	0	/* 16-bit data port */
#define IDE_ERROR	1	/* error (read) */
#define IDE_FEATURES	1	/* features (write) */
#define IDE_COUNT	2	/* sector count */
#define IDE_LBA_LO	3
#define IDE_LBA_MID	4
#define IDE_LBA_HI	5
#define IDE_DEVICE	6	/* drive select, LBA bits 27:24 */
#define IDE_STATUS	7	/* status (read: clears the interrupt) */
#define IDE_COMMAND	7	/* command (write) */

/* Control block */
#define IDE_ALTSTATUS	0	/* status without side effects (read) */
#define IDE_DEVCTL	0	/* device control (write) */
#define  DEVCTL_NIEN	0x02	/*   interrupts off */
#define  DEVCTL_SRST	0x04	/*   software reset of both drives */
#define  DEVCTL_HOB	0x80	/*   read the high-order LBA48 bytes */

/* Bus master IDE (BAR4, +8 for the secondary channel) */
#define BM_COMMAND	0	/* bus master command */
#define  BM_CMD_START	0x01	/*   start the transfer */
#define  BM_CMD_READ	0x08	/*   direction: device to memory */
#define BM_STATUS	2	/* bus master status */
#define  BM_ST_ACTIVE	0x01	/*   transferring */
#define  BM_ST_ERROR	0x02	/*   DMA error (write 1 to clear) */
#define  BM_ST_INTR	0x04	/*   the drive raised INTRQ (write 1 to clear) */
#define  BM_ST_DMA0	0x20	/*   drive 0 DMA capable */
#define  BM_ST_DMA1	0x40	/*   drive 1 DMA capable */
#define BM_PRD_ADDR	4	/* physical address of the PRD table */
#define BM_CHANNEL_OFF	8	/* the secondary channel's registers */

/* Physical region descriptor: one contiguous piece of a DMA transfer.
 * A region may not cross a 64 KiB boundary; a count of 0 means 64 KiB. */
#define PRD_EOT		0x80000000u	/* in flags_count: the last entry */
#define PRD_MAX_BYTES	0x10000u
/* clang-format on */

struct ide_prd {
	uint32_t addr;
	uint32_t flags_count; /* byte count 15:0 (0 = 64 KiB), EOT bit 31 */
};

#endif
