/* sys/wait.h: waitpid and the status macros (lib/syscall.h) */
#ifndef USER_SYS_WAIT_H
#define USER_SYS_WAIT_H
#include "syscall.h"
int waitpid(int pid, int *status, int options);
#endif
