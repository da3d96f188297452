/* dirent.h: reading a directory (lib/user/dir.c) on getdents */
#ifndef USER_DIRENT_H
#define USER_DIRENT_H
#include <stddef.h>

#include "syscall.h"

struct dirent {
	uint64_t d_ino;
	uint8_t d_type; /* DT_* */
	char d_name[NAME_MAX + 1];
};

typedef struct DIR DIR;
DIR *opendir(const char *path);
struct dirent *readdir(DIR *d); /* NULL at the end (errno 0) or error */
int closedir(DIR *d);
void rewinddir(DIR *d);
int getdents(int fd, void *buf, size_t n);
#endif
