/*
 * copy.h: moving bytes between the kernel and the running process's
 * memory.  Every user address is checked against the process's page
 * tables first (mapped, ring 3, writable if written): a bad pointer is
 * EFAULT for the system call, never a fault in the kernel.
 */
#ifndef COPY_H
#define COPY_H

#include <stddef.h>

int copyin(const void *uaddr, void *kaddr, size_t len);
int copyout(const void *kaddr, void *uaddr, size_t len);
/* A string of at most max bytes with its NUL: EFAULT, or ENAMETOOLONG */
int copyinstr(const char *uaddr, char *kbuf, size_t max);
/* The range is the process's to read (or write): 1, else 0 */
int useracc(const void *uaddr, size_t len, int write);

#endif
