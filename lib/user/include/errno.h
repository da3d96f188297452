/* errno.h: the kernel's numbers (lib/errno.h), and errno itself */
#ifndef USER_ERRNO_H
#define USER_ERRNO_H
#include_next <errno.h>
extern int errno;
#endif
