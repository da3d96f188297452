/* sys/statfs.h: a file system's space (lib/syscall.h: struct statfs) */
#ifndef USER_SYS_STATFS_H
#define USER_SYS_STATFS_H
#include "syscall.h"
int statfs(const char *path, struct statfs *sf);
#endif
