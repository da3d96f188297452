/*
 * nvme.h: the NVMe disk driver (nvme.c).
 */
#ifndef NVME_H
#define NVME_H

#include <stdint.h>

struct nvme_stats {
	uint64_t commands, flushes, interrupts;
	uint64_t sq_doorbells, cq_doorbells; /* register writes that moved
						a queue */
	uint32_t max_inflight; /* most commands in flight at once */
	uint32_t errors, timeouts, resets, lost_irqs;
};

void nvme_init(void);
struct bdev;
const struct nvme_stats *nvme_stats(const struct bdev *bd);
const char *nvme_controller_name(const struct bdev *bd);
uint64_t nvme_mmio_count(void);
void nvme_stats_reset_max(const struct bdev *bd);
void nvme_test_drop_interrupts(int n);
void nvme_test_lose_completions(int n);

#endif
