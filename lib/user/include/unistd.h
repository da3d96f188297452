/* unistd.h: the POSIX calls on descriptors (lib/syscall.h) */
#ifndef USER_UNISTD_H
#define USER_UNISTD_H
#include <stddef.h>
#include <stdint.h>

#include "syscall.h"

typedef int ssize_t;
typedef int64_t off_t;
typedef int pid_t;

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pread(int fd, void *buf, size_t n, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
off_t lseek(int fd, off_t off, int whence);
int close(int fd);
int fsync(int fd);
int unlink(const char *path);
int rmdir(const char *path);
int link(const char *from, const char *to);
int symlink(const char *target, const char *path);
ssize_t readlink(const char *path, char *buf, size_t n);
int ftruncate(int fd, off_t len);
int chdir(const char *path);
char *getcwd(char *buf, size_t n);
void sync(void);
pid_t getpid(void);
void *sbrk(int incr);
void _exit(int status) __attribute__((noreturn));
/* a system call by number, for the tests: the raw result */
int syscall(int n, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e);
#endif
