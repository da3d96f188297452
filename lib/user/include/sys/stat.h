/* sys/stat.h: fstat (lib/syscall.h has struct stat) */
#ifndef USER_SYS_STAT_H
#define USER_SYS_STAT_H
#include "syscall.h"
int fstat(int fd, struct stat *st);
#endif
