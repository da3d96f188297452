/*
 * uio.h: scatter/gather descriptions of kernel memory for raw I/O.
 */
#ifndef UIO_H
#define UIO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct iovec {
	void *iov_base;
	size_t iov_len;
};

enum uio_rw { UIO_READ, UIO_WRITE };

struct uio {
	struct iovec *uio_iov;
	int uio_iovcnt;
	uint64_t uio_offset; /* byte offset on the device */
	size_t uio_resid;    /* bytes left to move; updated as they move */
	enum uio_rw uio_rw;
};

#define PHYSIO_INFLIGHT 8 /* raw bufs in flight at once */

int uiophysio(dev_t dev, struct uio *uio, size_t *moved);
int physio(dev_t dev, void *addr, size_t len, uint64_t offset, enum uio_rw rw,
	   size_t *moved);

#endif
