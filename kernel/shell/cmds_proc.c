/*
 * cmds_proc.c: shell commands for processes: run a program from /bin
 * and wait for it (^C interrupts it), kill one.
 */
#include "proc/binfs.h"
#include "console.h"
#include "errno.h"
#include "intr.h"
#include "printf.h"
#include "proc/proc.h"
#include "shell.h"
#include "string.h"
#include "syscall.h"

/* A signal's name, as kill -l says it; "signal N" for one without */
static const char *
signame(int sig, char *buf, size_t size)
{
	static const char *const name[32] = {
		[SIGINT] = "SIGINT",   [SIGILL] = "SIGILL",
		[SIGTRAP] = "SIGTRAP", [SIGBUS] = "SIGBUS",
		[SIGFPE] = "SIGFPE",   [SIGKILL] = "SIGKILL",
		[SIGSEGV] = "SIGSEGV", [SIGSYS] = "SIGSYS",
	};

	if (sig > 0 && sig < 32 && name[sig])
		return name[sig];
	snprintf(buf, size, "signal %d", sig);
	return buf;
}

static void
list_programs(void)
{
	uint32_t size;
	const char *name;

	kprintf("programs in /bin:");
	for (int i = 0; (name = binfs_at(i, &size)); i++)
		kprintf(" %s", name);
	kprintf("%s\n", binfs_at(0, &size) ? "" : " none");
}

SHELL_CMD(run, "PROG [ARG...] [&]",
	  "run a program from /bin; wait for it (^C stops it) unless &")
{
	int status, background = argc > 2 && !strcmp(argv[argc - 1], "&");

	if (background)
		argc--;
	if (argc < 2) {
		shell_usage(argv[0]);
		list_programs();
		return 1;
	}
	int pid = proc_spawn(argv[1], argc - 1, argv + 1, NULL, !background);
	if (pid < 0) {
		kprintf("run: %s: %s: %s\n", argv[1], errno_name(-pid),
			errno_msg(-pid));
		if (pid == -ENOENT)
			list_programs();
		return 1;
	}
	if (background) {
		/* nobody waits: it is freed when it exits */
		int s = splhigh();
		struct proc *p = proc_by_pid(pid);
		if (p && p->state == P_ZOMBIE)
			p->state = P_FREE; /* gone already */
		else if (p)
			p->orphan = 1;
		splx(s);
		kprintf("[%d] %s\n", pid, argv[1]);
		return 0;
	}
	proc_wait(NULL, pid, &status, 0);
	if (WIFSIGNALED(status)) {
		char buf[16];
		kprintf("run: %s[%d]: killed by %s\n", argv[1], pid,
			signame(WTERMSIG(status), buf, sizeof(buf)));
		return 1;
	}
	if (WEXITSTATUS(status)) {
		kprintf("run: %s[%d]: exit status %d\n", argv[1], pid,
			WEXITSTATUS(status));
		return 1;
	}
	return 0;
}

SHELL_CMD(jobs, "", "processes: pid, state, name")
{
	static const char *const state[] = {"free", "run", "zombie"};

	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("  PID  STATE   NAME\n");
	int s = splhigh();
	for (int i = 0; i < NPROC; i++) {
		const struct proc *p = proc_at(i);
		if (p->state != P_FREE && p->pid > 0)
			kprintf("%5d  %-6s  %s%s\n", p->pid, state[p->state],
				p->name, p->killed ? " (killed)" : "");
	}
	splx(s);
	return 0;
}

SHELL_CMD(kill, "PID", "end a process (SIGKILL) at its next return to ring 3")
{
	uint64_t pid;

	if (argc != 2 || parse_u64(argv[1], &pid) || pid > 0x7FFFFFFF)
		return shell_usage(argv[0]);
	int err = proc_kill((int)pid, SIGKILL);
	if (err) {
		kprintf("kill: %s: %s: %s\n", argv[1], errno_name(err),
			errno_msg(err));
		return 1;
	}
	return 0;
}
