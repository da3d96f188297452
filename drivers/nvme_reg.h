/*
 * nvme_reg.h: the NVMe controller as the NVM Express Base Specification
 * 1.4 defines it: the registers of BAR0 (section 3.1), the submission
 * and completion queue entries (4.2, 4.6), the admin and NVM commands
 * iodine sends (5, 6) and the Identify data it reads (5.15.2), with
 * their offsets checked at compile time.
 */
#ifndef NVME_REG_H
#define NVME_REG_H

#include <stddef.h>
#include <stdint.h>

/* clang-format off */
/* Controller registers (3.1) */
#define NVME_CAP	0x00	/* capabilities, 64 bits */
#define  CAP_MQES(c)	((uint32_t)((c) & 0xFFFF))	/* queue entries, 0's based */
#define  CAP_TO(c)	((uint32_t)((c) >> 24) & 0xFF)	/* ready timeout, 500 ms units */
#define  CAP_DSTRD(c)	((uint32_t)((c) >> 32) & 0xF)	/* doorbell stride 4 << n */
#define  CAP_CSS_NVM(c)	((uint32_t)((c) >> 37) & 1)	/* NVM command set */
#define  CAP_MPSMIN(c)	((uint32_t)((c) >> 48) & 0xF)	/* page 4 KiB << n */
#define NVME_VS		0x08	/* version: major 31:16, minor 15:8 */
#define NVME_INTMS	0x0C	/* interrupt mask set */
#define NVME_INTMC	0x10	/* interrupt mask clear */
#define NVME_CC		0x14	/* controller configuration */
#define  CC_EN		0x00000001
#define  CC_CSS_NVM	(0u << 4)
#define  CC_MPS_4K	(0u << 7)	/* memory page 4 KiB << MPS */
#define  CC_AMS_RR	(0u << 11)	/* round robin arbitration */
#define  CC_SHN_MASK	(3u << 14)
#define  CC_SHN_NORMAL	(1u << 14)
#define  CC_IOSQES	(6u << 16)	/* 2^6 = 64-byte submission entries */
#define  CC_IOCQES	(4u << 20)	/* 2^4 = 16-byte completion entries */
#define NVME_CSTS	0x1C	/* controller status */
#define  CSTS_RDY	0x00000001
#define  CSTS_CFS	0x00000002	/* controller fatal status */
#define  CSTS_SHST_MASK	(3u << 2)
#define  CSTS_SHST_DONE	(2u << 2)
#define NVME_AQA	0x24	/* admin queue sizes, 0's based: CQ 27:16, SQ 11:0 */
#define NVME_ASQ	0x28	/* admin submission queue base, 64 bits */
#define NVME_ACQ	0x30	/* admin completion queue base, 64 bits */
#define NVME_DOORBELLS	0x1000	/* SQ y tail at 2y, CQ y head at 2y+1 (x stride) */

/* Admin commands (5) */
#define NVME_ADM_CREATE_SQ	0x01
#define NVME_ADM_CREATE_CQ	0x05
#define NVME_ADM_IDENTIFY	0x06
#define NVME_ADM_SET_FEATURES	0x09
#define  NVME_CNS_NS		0x00	/* Identify Namespace */
#define  NVME_CNS_CTRL		0x01	/* Identify Controller */
#define  NVME_CNS_NSLIST	0x02	/* active namespace IDs */
#define  NVME_FEAT_NQUEUES	0x07	/* Number of Queues */
#define  NVME_QUEUE_PC		0x1	/* physically contiguous (Create) */
#define  NVME_CQ_IEN		0x2	/* interrupts enabled (Create I/O CQ) */

/* NVM commands (6) */
#define NVME_CMD_FLUSH	0x00
#define NVME_CMD_WRITE	0x01
#define NVME_CMD_READ	0x02

/* The completion's status field (4.6.1): the phase tag in bit 0, then */
#define NVME_STATUS_SC(s)	(((s) >> 1) & 0xFF)	/* status code */
#define NVME_STATUS_SCT(s)	(((s) >> 9) & 0x7)	/* status code type */
#define NVME_STATUS_DNR		0x8000			/* do not retry */
#define  NVME_SCT_GENERIC	0
#define  NVME_SCT_COMMAND	1
#define  NVME_SCT_MEDIA		2
/* clang-format on */

/* A submission queue entry (4.2): 64 bytes */
struct nvme_sqe {
	uint8_t opcode;
	uint8_t flags; /* fused 1:0, PRP or SGL 7:6: 0, PRPs */
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2, cdw3;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "SQE is 64 bytes");
_Static_assert(offsetof(struct nvme_sqe, prp1) == 24, "PRP1 at 24");
_Static_assert(offsetof(struct nvme_sqe, cdw10) == 40, "CDW10 at 40");

/* A completion queue entry (4.6): 16 bytes */
struct nvme_cqe {
	uint32_t dw0; /* command specific */
	uint32_t dw1;
	uint16_t sqhd; /* the SQ's head as the controller left it */
	uint16_t sqid;
	uint16_t cid;
	uint16_t status; /* phase tag bit 0 */
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQE is 16 bytes");
_Static_assert(offsetof(struct nvme_cqe, status) == 14, "status at 14");

/* Identify Controller (CNS 01h, figure 251): the fields iodine uses */
struct nvme_id_ctrl {
	uint16_t vid, ssvid;
	char sn[20];
	char mn[40];
	char fr[8];
	uint8_t rab;
	uint8_t ieee[3];
	uint8_t cmic;
	uint8_t mdts; /* largest transfer: 2^mdts pages of CAP.MPSMIN; 0: any */
	uint16_t cntlid;
	uint32_t ver;
	uint8_t reserved84[512 - 84];
	uint8_t sqes, cqes; /* entry sizes: required 3:0, maximum 7:4 */
	uint16_t maxcmd;
	uint32_t nn; /* namespaces: the highest ID */
	uint16_t oncs;
	uint16_t fuses;
	uint8_t fna;
	uint8_t vwc; /* bit 0: a volatile write cache */
	uint8_t reserved526[4096 - 526];
};
_Static_assert(sizeof(struct nvme_id_ctrl) == 4096, "Identify is a page");
_Static_assert(offsetof(struct nvme_id_ctrl, mn) == 24, "MN at 24");
_Static_assert(offsetof(struct nvme_id_ctrl, mdts) == 77, "MDTS at 77");
_Static_assert(offsetof(struct nvme_id_ctrl, sqes) == 512, "SQES at 512");
_Static_assert(offsetof(struct nvme_id_ctrl, nn) == 516, "NN at 516");
_Static_assert(offsetof(struct nvme_id_ctrl, vwc) == 525, "VWC at 525");

/* An LBA format (figure 249) */
struct nvme_lbaf {
	uint16_t ms;   /* metadata bytes per LBA */
	uint8_t lbads; /* LBA data size: 2^lbads bytes */
	uint8_t rp;    /* relative performance */
};

/* Identify Namespace (CNS 00h, figure 245): the fields iodine uses */
struct nvme_id_ns {
	uint64_t nsze; /* size in LBAs */
	uint64_t ncap;
	uint64_t nuse;
	uint8_t nsfeat;
	uint8_t nlbaf; /* formats, 0's based */
	uint8_t flbas; /* the format in use: 3:0 */
	uint8_t mc;
	uint8_t reserved28[128 - 28];
	struct nvme_lbaf lbaf[16];
	uint8_t reserved192[4096 - 192];
};
_Static_assert(sizeof(struct nvme_id_ns) == 4096, "Identify is a page");
_Static_assert(offsetof(struct nvme_id_ns, flbas) == 26, "FLBAS at 26");
_Static_assert(offsetof(struct nvme_id_ns, lbaf) == 128, "LBAF0 at 128");

#endif
