/*
 * pci_reg.h: PCI configuration space (PCI Local Bus Specification 3.0,
 * chapter 6), reached through configuration mechanism #1.
 */
#ifndef PCI_REG_H
#define PCI_REG_H

/* clang-format off */
#define PCI_CONFIG_ADDR	0xCF8	/* bit 31 enable, bus 23:16, dev 15:11, fn 10:8, reg 7:2 */
#define PCI_CONFIG_DATA	0xCFC

#define PCI_ID		0x00	/* vendor 15:0, device 31:16 */
#define PCI_COMMAND	0x04	/* command 15:0, status 31:16 */
#define  PCI_CMD_IO	0x0001	/*   respond to I/O space */
#define  PCI_CMD_MEM	0x0002	/*   respond to memory space */
#define  PCI_CMD_MASTER	0x0004	/*   bus master: may do DMA */
#define  PCI_CMD_INTX_OFF 0x0400 /*   INTx disabled */
#define PCI_CLASS	0x08	/* revision 7:0, prog-if 15:8, subclass 23:16, class 31:24 */
#define PCI_HEADER	0x0C	/* header type 23:16 */
#define  PCI_HDR_MULTIFN 0x80	/*   more functions than 0 */
#define  PCI_HDR_TYPE	0x7F	/*   0 device, 1 PCI-PCI bridge */
#define PCI_BAR0	0x10	/* base address registers 0..5 */
#define  PCI_BAR_IO	0x1	/*   I/O space BAR */
#define  PCI_BAR_MEM64	0x4	/*   64-bit memory BAR (type 10b) */
#define  PCI_BAR_TYPE	0x6
#define PCI_BUSES	0x18	/* bridge: primary 7:0, secondary 15:8, subordinate 23:16 */
#define PCI_INTR	0x3C	/* interrupt line 7:0, pin 15:8 */

#define PCI_CLASS_STORAGE  0x01
#define  PCI_SUB_IDE	   0x01
#define  PCI_SUB_SATA	   0x06
#define   PCI_IF_AHCI	   0x01
#define PCI_CLASS_BRIDGE   0x06
#define  PCI_SUB_PCI_BRIDGE 0x04
/* clang-format on */

#endif
