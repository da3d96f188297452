/* sys/ioctl.h: ioctl (lib/syscall.h has the requests) */
#ifndef USER_SYS_IOCTL_H
#define USER_SYS_IOCTL_H
#include "syscall.h"
int ioctl(int fd, unsigned long request, ...);
#endif
