/* signal.h: kill; a process ends by a signal, it cannot catch one */
#ifndef USER_SIGNAL_H
#define USER_SIGNAL_H
#include "syscall.h"
int kill(int pid, int sig);
#endif
