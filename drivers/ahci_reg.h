/*
 * ahci_reg.h: the AHCI host bus adapter (Serial ATA AHCI 1.3.1), the
 * registers behind ABAR (PCI BAR5), and the in-memory structures the HBA
 * reads: command list, command tables, received FIS area.
 */
#ifndef AHCI_REG_H
#define AHCI_REG_H

#include <stdint.h>

/* clang-format off */
/* Generic host control (section 3.1) */
#define AHCI_CAP	0x00	/* HBA capabilities */
#define  CAP_NP		0x0000001F /*   ports - 1 */
#define  CAP_NCS_SHIFT	8	/*   command slots - 1, bits 12:8 */
#define  CAP_NCS	0x00001F00
#define  CAP_SSS	(1u << 27) /*   staggered spin-up */
#define  CAP_SCLO	(1u << 24) /*   command list override */
#define  CAP_SNCQ	(1u << 30) /*   native command queuing */
#define  CAP_S64A	(1u << 31) /*   64-bit addressing */
#define AHCI_GHC	0x04	/* global HBA control */
#define  GHC_HR		(1u << 0) /*   HBA reset (self-clearing) */
#define  GHC_IE		(1u << 1) /*   interrupts enabled */
#define  GHC_AE		(1u << 31) /*   AHCI enable */
#define AHCI_IS		0x08	/* interrupt status: a bit per port (RW1C) */
#define AHCI_PI		0x0C	/* ports implemented */
#define AHCI_VS		0x10	/* version */
#define AHCI_CAP2	0x24	/* extended capabilities */
#define  CAP2_BOH	(1u << 0) /*   BIOS/OS handoff */
#define AHCI_BOHC	0x28	/* BIOS/OS handoff control and status */
#define  BOHC_BOS	(1u << 0) /*   BIOS owns */
#define  BOHC_OOS	(1u << 1) /*   OS owns */
#define  BOHC_BB	(1u << 4) /*   BIOS busy */

/* Port registers (section 3.3), at 0x100 + 0x80 * port */
#define AHCI_PORT_BASE	0x100
#define AHCI_PORT_SIZE	0x80
#define PX_CLB		0x00	/* command list base (1 KiB aligned) */
#define PX_CLBU		0x04
#define PX_FB		0x08	/* received FIS base (256 B aligned) */
#define PX_FBU		0x0C
#define PX_IS		0x10	/* interrupt status (RW1C) */
#define  PXIS_DHRS	(1u << 0) /*   D2H register FIS */
#define  PXIS_PSS	(1u << 1) /*   PIO setup FIS */
#define  PXIS_DSS	(1u << 2) /*   DMA setup FIS */
#define  PXIS_SDBS	(1u << 3) /*   set device bits FIS (NCQ done) */
#define  PXIS_UFS	(1u << 4) /*   unknown FIS */
#define  PXIS_DPS	(1u << 5) /*   descriptor processed */
#define  PXIS_PCS	(1u << 6) /*   port connect change */
#define  PXIS_PRCS	(1u << 22) /*   PhyRdy change */
#define  PXIS_OFS	(1u << 24) /*   overflow */
#define  PXIS_INFS	(1u << 26) /*   interface non-fatal error */
#define  PXIS_IFS	(1u << 27) /*   interface fatal error */
#define  PXIS_HBDS	(1u << 28) /*   host bus data error */
#define  PXIS_HBFS	(1u << 29) /*   host bus fatal error */
#define  PXIS_TFES	(1u << 30) /*   task file error */
#define  PXIS_ERRORS	(PXIS_UFS | PXIS_OFS | PXIS_IFS | PXIS_HBDS | \
			 PXIS_HBFS | PXIS_TFES)
#define PX_IE		0x14	/* interrupt enable: same bits as PX_IS */
#define PX_CMD		0x18	/* command and status */
#define  PXCMD_ST	(1u << 0) /*   start: process the command list */
#define  PXCMD_SUD	(1u << 1) /*   spin-up device */
#define  PXCMD_POD	(1u << 2) /*   power on device */
#define  PXCMD_CLO	(1u << 3) /*   command list override */
#define  PXCMD_FRE	(1u << 4) /*   FIS receive enable */
#define  PXCMD_CCS_SHIFT 8	/*   current command slot, bits 12:8 */
#define  PXCMD_FR	(1u << 14) /*   FIS receive running */
#define  PXCMD_CR	(1u << 15) /*   command list running */
#define PX_TFD		0x20	/* task file data: status 7:0, error 15:8 */
#define PX_SIG		0x24	/* signature of the attached device */
#define  SIG_ATA	0x00000101
#define  SIG_ATAPI	0xEB140101
#define PX_SSTS		0x28	/* SATA status (SCR0) */
#define  SSTS_DET	0x0F	/*   3: device present, phy up */
#define  SSTS_DET_UP	0x03
#define PX_SCTL		0x2C	/* SATA control (SCR2) */
#define  SCTL_DET_INIT	0x01	/*   DET=1: COMRESET */
#define PX_SERR		0x30	/* SATA error (SCR1, RW1C) */
#define PX_SACT		0x34	/* SATA active: NCQ tags outstanding */
#define PX_CI		0x38	/* command issue: slots given to the HBA */

/* Command header: 32 per list, 32 bytes each (section 4.2.2) */
#define CMDH_CFL_H2D	5	/* command FIS length in dwords */
#define CMDH_WRITE	(1u << 6) /* host to device */
#define CMDH_PRDTL_SHIFT 16
#define AHCI_CMD_TABLE_PRDT 0x80 /* the PRDT's offset in a command table */
#define PRD_DBC_MAX	(4u << 20) /* a PRD entry moves at most 4 MiB */
#define PRD_IRQ		(1u << 31) /* interrupt when this entry is done */

/* FIS types and the received FIS area's layout (section 4.2.1) */
#define FIS_TYPE_H2D	0x27
#define FIS_H2D_CMD	0x80	/* byte 1: this is a command */
#define RFIS_SDB	0x58	/* set device bits FIS */
#define RFIS_D2H	0x40	/* D2H register FIS */
/* clang-format on */

struct ahci_cmd_header {
	uint32_t flags_prdtl;	 /* CFL, W, PRDTL (section 4.2.2) */
	volatile uint32_t prdbc; /* bytes transferred, written by the HBA */
	uint32_t ctba, ctbau;	 /* command table base (128 B aligned) */
	uint32_t reserved[4];
};

struct ahci_prd {
	uint32_t dba, dbau;
	uint32_t reserved;
	uint32_t dbc; /* byte count - 1 (bit 0 set: even counts), PRD_IRQ */
};

/* Register FIS, host to device (SATA 3.x 10.5.5; ATA's task file) */
struct fis_h2d {
	uint8_t type;	  /* FIS_TYPE_H2D */
	uint8_t flags;	  /* FIS_H2D_CMD: a command, not a control */
	uint8_t command;  /* the ATA opcode */
	uint8_t features; /* 7:0; NCQ: the sector count's 7:0 */
	uint8_t lba0, lba1, lba2;
	uint8_t device; /* ATA_DEV_LBA */
	uint8_t lba3, lba4, lba5;
	uint8_t features_exp; /* 15:8; NCQ: the sector count's 15:8 */
	uint8_t count;	      /* 7:0; NCQ: the tag in bits 7:3 */
	uint8_t count_exp;    /* 15:8 */
	uint8_t icc;
	uint8_t control;
	uint8_t aux[4];
};

/* Command table (section 4.2.3): the command FIS, an ATAPI command, and
 * the PRDT at offset 0x80, as long as the command header says */
struct ahci_cmd_table {
	struct fis_h2d cfis;
	uint8_t cfis_rest[64 - sizeof(struct fis_h2d)];
	uint8_t acmd[16];
	uint8_t reserved[48];
	struct ahci_prd prdt[];
};
_Static_assert(sizeof(struct fis_h2d) == 20, "a register FIS is 5 dwords");
_Static_assert(__builtin_offsetof(struct ahci_cmd_table, prdt) ==
		       AHCI_CMD_TABLE_PRDT,
	       "the PRDT starts at 0x80");

#endif
