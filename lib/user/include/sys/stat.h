/* sys/stat.h: stat and its kin, mkdir (lib/syscall.h has struct stat) */
#ifndef USER_SYS_STAT_H
#define USER_SYS_STAT_H
#include <stdint.h>

#include "syscall.h"
int fstat(int fd, struct stat *st);
int stat(const char *path, struct stat *st);
int lstat(const char *path, struct stat *st);
int mkdir(const char *path, uint32_t mode);
int utimensat(int dirfd, const char *path, const struct timespec times[2],
	      int flags);
#endif
