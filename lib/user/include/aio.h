/* aio.h: POSIX asynchronous I/O, on raw devices (lib/syscall.h) */
#ifndef USER_AIO_H
#define USER_AIO_H
#include "syscall.h"

struct timespec;
int aio_read(struct aiocb *cb);
int aio_write(struct aiocb *cb);
int aio_error(const struct aiocb *cb);
int aio_return(struct aiocb *cb);
/* timeout: NULL only (wait for ever) */
int aio_suspend(const struct aiocb *const list[], int n,
		const struct timespec *timeout);
#endif
