/*
 * proc.h: processes, the smallest real user mode: one thread each, in
 * ring 3, in an address space of its own (vm.h), started from a program
 * in /bin (binfs.h), talking to the kernel through system calls
 * (syscall.c) and files (file.h).
 */
#ifndef PROC_H
#define PROC_H

#include <stdint.h>

#include "fs/vfs.h"
#include "trap.h"

#define NPROC	     64
#define NOFILE	     16	  /* open files a process may have */
#define PROC_RESERVE 4	  /* process slots only the shell's `run` takes */
#define PROC_HOLDS   1024 /* frames one process may hold for raw I/O */
#define PROC_NAME    16

#define USTACK_PAGES 16		/* 64 KiB of stack below USER_TOP, then a gap */
#define USTACK_GAP   (1u << 20) /* the heap stops this far below it */

enum proc_state { P_FREE, P_RUNNING, P_ZOMBIE };

struct file;
struct thread;
struct vmspace;

struct proc {
	enum proc_state state;
	int pid;
	char name[PROC_NAME];
	struct proc *parent; /* NULL: started by the shell */
	struct thread *thread;
	struct vmspace *space;
	struct file *files[NOFILE];
	struct node cwd;     /* where relative names start (vfs.h) */
	uint32_t entry;	     /* the program's first instruction */
	uint32_t heap, brk;  /* sbrk's range: [heap, brk) mapped */
	uint32_t ustack;     /* its first esp: argc, argv, ... */
	volatile int killed; /* a signal to end by at the next return */
	int status;	     /* waitpid's, once a zombie */
	int orphan;	     /* nobody will wait: freed at exit */
	int foreground;	     /* the shell waits for it: ^C kills it */
	uint32_t held;	     /* frames held for its raw transfers
				(userdma.c), at most PROC_HOLDS */
};

/* p's place in the process table (aio.c keeps its requests there) */
int proc_index(const struct proc *p);

/* Start /bin/path with argv[0..argc) (kernel memory); its pid, or a
 * negative errno (ENOENT, ENOEXEC, ENOMEM, E2BIG, EAGAIN).  A child of
 * a process is in the foreground (^C) if its parent is; the shell's if
 * foreground. */
int proc_spawn(const char *path, int argc, char *const argv[],
	       struct proc *parent, int foreground);
/* Wait for the child pid of parent (NULL: the shell's); its pid and
 * *status, or a negative errno (ECHILD); 0 with WNOHANG if it runs. */
int proc_wait(struct proc *parent, int pid, int *status, int options);
int proc_kill(int pid, int sig);
/* Sleep ticks in p's thread: 0, or EINTR if p is killed meanwhile */
int proc_sleep(struct proc *p, uint64_t ticks);
/* A long transfer (a file's bytes, a device's) stops between pieces
 * once some moved if its process is killed: the count so far is
 * returned, and the process ends at its return to ring 3. */
int proc_stop_midway(uint32_t moved);
void proc_exit(int status) __attribute__((noreturn));
struct proc *proc_by_pid(int pid);
/* The shell's working directory (cd), its processes' first one */
extern struct node proc_shell_cwd;
struct proc *proc_at(int i);

/* From trap(): a fault in ring 3 ends the process, not the kernel; and
 * every return to ring 3 passes proc_userret: a pending kill ends it, a
 * vm86 frame ends it, and the frame is made a ring 3 one whatever it
 * held (cs, ss, IOPL, VM, IF). */
void proc_fault(struct trapframe *tf) __attribute__((noreturn));
void proc_userret(struct trapframe *tf);
void syscall(struct trapframe *tf); /* syscall.c */
/* The foreground process gets ^C (SIGINT) from the console */
int proc_interrupt(void); /* 1 if there was one */

#endif
