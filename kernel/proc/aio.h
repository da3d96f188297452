/*
 * aio.h: POSIX asynchronous I/O on raw devices, for processes
 * (lib/syscall.h has the interface; aio.c the rules).
 */
#ifndef AIO_H
#define AIO_H

struct aiocb;
struct proc;

int aio_submit(struct proc *p, const struct aiocb *ucb, int write);
int aio_error(struct proc *p, const struct aiocb *ucb);
int aio_return(struct proc *p, const struct aiocb *ucb);
int aio_suspend(struct proc *p, const struct aiocb *const *ulist, int n);
/* p exits: its transfers run on, to held pages, and are forgotten */
void aio_exit(struct proc *p);

#endif
