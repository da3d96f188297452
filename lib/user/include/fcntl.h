/* fcntl.h: open (lib/syscall.h has the flags) */
#ifndef USER_FCNTL_H
#define USER_FCNTL_H
#include "syscall.h"
int open(const char *path, int flags, ...);
#endif
