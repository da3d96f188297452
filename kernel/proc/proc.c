/*
 * proc.c: processes (proc.h).
 *
 * A process is a kernel thread that left for ring 3: proc_enter builds
 * the frame a trap from ring 3 would have saved and returns through it
 * (trap_return).  From then on it comes back into the kernel only by a
 * trap: a system call (int $0x80), an interrupt, or a fault, which ends
 * it with a message (the kernel's own faults are still panics).  On
 * every way back out, proc_userret ends it if it was killed: a kill
 * takes effect there, never in the middle of a system call, so a
 * transfer it started always finishes first (biowait cannot be
 * interrupted).
 *
 * The table is guarded by the interrupt mask: the console's interrupt
 * (^C) reads it.  A slot is found and claimed in one step (irq_save), and
 * so is a pid; wait, sleep and the shell's orphaning at splhigh.  The
 * last PROC_RESERVE slots are the shell's: a process cannot spawn into
 * them, so `run` works whatever processes do.
 */
#include "proc.h"

#include "aio.h"
#include "binfs.h"
#include "clock.h"
#include "console.h"
#include "cpu.h"
#include "errno.h"
#include "exec.h"
#include "file.h"
#include "intr.h"
#include "panic.h"
#include "string.h"
#include "syscall.h"
#include "thread.h"
#include "vm.h"

static struct proc procs[NPROC];
static int next_pid = 1;

struct proc *
proc_at(int i)
{
	return i >= 0 && i < NPROC ? &procs[i] : NULL;
}

int
proc_index(const struct proc *p)
{
	return (int)(p - procs);
}

struct proc *
proc_by_pid(int pid)
{
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state != P_FREE && procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

/* The new process's thread: into ring 3 through a frame of our own. */
static void
proc_enter(void *arg)
{
	struct proc *p = arg;
	struct trapframe tf;

	memset(&tf, 0, sizeof(tf));
	tf.eip = p->entry;
	tf.uesp = p->ustack;
	tf.ds = tf.es = SEG_UDATA; /* cs, ss, eflags: proc_userret's */
	cli();
	curthread->proc = p;
	curthread->space = p->space;
	vm_space_activate(p->space);
	curthread->fsgs = 0; /* null selectors, not the last program's */
	fsgs_load(0);
	proc_userret(&tf); /* the first way out too (a kill before it ran) */
	__asm__ volatile("mov %0, %%esp\n\t"
			 "jmp trap_return"
			 :
			 : "r"(&tf)
			 : "memory");
	__builtin_unreachable();
}

static const char *
basename(const char *path)
{
	const char *s = strchr(path, '/');

	while (s) {
		path = s + 1;
		s = strchr(path, '/');
	}
	return path;
}

struct node proc_shell_cwd = {.kind = N_ROOT};

static void
close_files(struct proc *p)
{
	for (int fd = 0; fd < NOFILE; fd++)
		if (p->files[fd]) {
			file_close(p->files[fd]);
			p->files[fd] = NULL;
		}
	node_put(&p->cwd);
}

int
proc_spawn(const char *path, int argc, char *const argv[], struct proc *parent,
	   int foreground)
{
	const uint8_t *img;
	uint32_t size;
	struct exec_image ex;
	struct proc *p = NULL;

	if (binfs_find(path, &img, &size))
		return -ENOENT;
	/* the last PROC_RESERVE slots are the shell's: a process that
	 * spawns without end leaves room for `run` */
	uint32_t fl = irq_save();
	int nfree = 0;
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state == P_FREE && (nfree++, !p))
			p = &procs[i];
	if (parent && nfree <= PROC_RESERVE)
		p = NULL;
	if (p) {
		memset(p, 0, sizeof(*p));
		p->state = P_RUNNING; /* taken; not yet a pid anyone sees */
		p->pid = -1;
	}
	irq_restore(fl);
	if (!p)
		return -EAGAIN;
	int err = ENOMEM;
	if (!(p->space = vm_space_create()))
		goto fail;
	if ((err = exec_load(p->space, img, size, argc, argv, &ex)))
		goto fail;
	p->entry = ex.entry;
	p->ustack = ex.sp;
	p->heap = p->brk = ex.brk;
	p->parent = parent;
	p->foreground = parent ? parent->foreground : foreground;
	strlcpy(p->name, basename(path), sizeof(p->name));
	node_dup(parent ? &parent->cwd : &proc_shell_cwd, &p->cwd);
	for (int fd = 0; fd < NOFILE; fd++) {
		if (parent && parent->files[fd])
			p->files[fd] = file_hold(parent->files[fd]);
		else if (!parent && fd < 3 &&
			 (err = file_open("/dev/console", O_RDWR,
					  &p->files[fd])))
			goto fail;
	}
	fl = irq_save();
	p->pid = next_pid++; /* before it can run: getpid() */
	irq_restore(fl);
	err = ENOMEM;
	if (!(p->thread = thread_create(proc_enter, p, p->name)))
		goto fail;
	thread_detach(p->thread);
	return p->pid;
fail:
	close_files(p);
	if (p->space)
		vm_space_destroy(p->space);
	p->state = P_FREE;
	return -err;
}

void
proc_exit(int status)
{
	struct proc *p = curthread->proc;

	/* from a trap (a fault, a kill at the way out) interrupts are off:
	 * this is the process's own thread, at no interrupt level */
	sti();
	close_files(p);
	aio_exit(p); /* its transfers end into held frames */
	uint32_t fl = irq_save();
	curthread->space = NULL;
	curthread->proc = NULL;
	irq_restore(fl);
	/* with interrupts on: a big space takes a while to free */
	vm_space_destroy(p->space); /* loads the kernel's space first */
	cli();
	p->space = NULL;
	p->status = status;
	p->state = p->orphan ? P_FREE : P_ZOMBIE;
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &procs[i];
		if (c->state == P_FREE || c->parent != p)
			continue;
		c->parent = NULL;
		c->orphan = 1; /* nobody will wait for it */
		if (c->state == P_ZOMBIE)
			c->state = P_FREE;
	}
	wakeup(procs);
	thread_exit();
}

int
proc_wait(struct proc *parent, int pid, int *status, int options)
{
	int s = splhigh();

	for (;;) {
		struct proc *child = NULL;
		for (int i = 0; i < NPROC; i++) {
			struct proc *c = &procs[i];
			if (c->state == P_FREE || c->pid < 0 ||
			    c->parent != parent || c->orphan ||
			    (pid > 0 && c->pid != pid))
				continue;
			child = c;
			if (c->state == P_ZOMBIE)
				break;
		}
		if (!child) {
			splx(s);
			return -ECHILD;
		}
		if (child->state == P_ZOMBIE) {
			int cpid = child->pid;
			*status = child->status;
			child->state = P_FREE;
			splx(s);
			return cpid;
		}
		if (options & WNOHANG) {
			splx(s);
			return 0;
		}
		if (parent && parent->killed) {
			splx(s);
			return -EINTR; /* it ends at its return to ring 3 */
		}
		tsleep(procs, "wait", 0);
	}
}

int
proc_kill(int pid, int sig)
{
	uint32_t fl = irq_save();
	struct proc *p = proc_by_pid(pid);
	int err = 0;

	if (pid <= 0 || !p)
		err = ESRCH;
	else if (sig < 0 || sig > 31)
		err = EINVAL;
	else if (sig && p->state == P_RUNNING && !p->killed)
		p->killed = sig; /* (0 only asks whether it exists) */
	wakeup(procs);		 /* a process asleep in waitpid ends too */
	irq_restore(fl);
	return err;
}

int
proc_stop_midway(uint32_t moved)
{
	return moved && curthread->proc && curthread->proc->killed;
}

int
proc_sleep(struct proc *p, uint64_t ticks)
{
	uint64_t end = clock_ticks() + ticks;
	int s = splhigh(), err = 0;

	for (uint64_t now; (now = clock_ticks()) < end;) {
		if (p->killed) {
			err = EINTR;
			break;
		}
		/* (every exit wakes procs too: then it sleeps again) */
		tsleep(procs, "sleep",
		       end - now > 0x7FFFFFFF ? 0x7FFFFFFF
					      : (uint32_t)(end - now));
	}
	splx(s);
	return err;
}

int
proc_interrupt(void)
{
	int any = 0;

	for (int i = 0; i < NPROC; i++)
		if (procs[i].state == P_RUNNING && procs[i].foreground &&
		    procs[i].pid > 0) {
			if (!procs[i].killed)
				procs[i].killed = SIGINT;
			any = 1;
		}
	if (any)
		wakeup(procs);
	return any;
}

/* A process in virtual-8086 mode, whatever brought it there: ended */
static void __attribute__((noreturn))
proc_end_vm86(struct proc *p, const struct trapframe *tf)
{
	kprintf("%s[%d]: virtual-8086 mode (cs:ip %04x:%04x)\n", p->name,
		p->pid, tf->cs & 0xFFFF, tf->eip & 0xFFFF);
	proc_exit(SIGSEGV);
}

/*
 * The last word before ring 3.  A frame from a process was pushed by the
 * CPU from what the program had, and the kernel changes only eax in it;
 * still, what it returns through is made a ring 3 frame here whatever
 * it says: the one code and stack selector a program can hold, IF on,
 * IOPL 0, never VM (a frame from vm86 mode ends the process instead:
 * nothing of this kernel runs there).  A program's data selectors are
 * left as it loaded them: each is null or one of its own two, which
 * trap_return's pops accept in ring 0 and the iret checks again.
 */
void
proc_userret(struct trapframe *tf)
{
	struct proc *p = curthread->proc;

	if (tf->eflags & EFLAGS_VM) {
		if (!p) /* vm86 with no process: the kernel's own bug */
			panic_trap(tf,
				   "proc_userret: a vm86 frame with no "
				   "process",
				   NULL);
		proc_end_vm86(p, tf);
	}
	if (p && p->killed)
		proc_exit(p->killed);
	tf->eflags = (tf->eflags & EFLAGS_USER) | EFLAGS_IF | EFLAGS_1;
	tf->cs = SEG_UCODE;
	tf->uss = SEG_UDATA;
}

/* Why an exception in ring 3 ends the program, and by which signal
 * (Linux's for the same vector). */
static int
fault_signal(const struct trapframe *tf, const char **what)
{
	switch (tf->vector) {
	case T_INVALOP: *what = "illegal instruction"; return SIGILL;
	case T_NOFPU:
		*what = "x87 instruction: no floating point here";
		return SIGILL;
	case T_DIVIDE: *what = "divide error"; return SIGFPE;
	case T_DEBUG: *what = "trace trap"; return SIGTRAP;
	case T_BRKPT: *what = "breakpoint"; return SIGTRAP;
	case T_OFLOW: *what = "overflow"; return SIGSEGV;
	case T_ALIGN: *what = "alignment check"; return SIGBUS;
	case T_GPFLT: *what = "general protection fault"; return SIGSEGV;
	default: *what = trap_name(tf->vector); return SIGSEGV;
	}
}

void
proc_fault(struct trapframe *tf)
{
	struct proc *p = curthread->proc;
	const char *what;

	if (!p) /* ring 3 with no process to end: the kernel's own bug */
		panic_trap(tf, "proc_fault: a trap from ring 3 with no process",
			   NULL);
	if (tf->eflags & EFLAGS_VM)
		proc_end_vm86(p, tf);
	if (tf->vector == T_PGFLT) {
		kprintf("%s[%d]: segmentation fault at %08x (eip %08x, %s "
			"%s)\n",
			p->name, p->pid, cr2_read(), tf->eip,
			tf->err & 2 ? "write" : "read",
			tf->err & 1 ? "not allowed" : "not mapped");
		proc_exit(SIGSEGV);
	}
	int sig = fault_signal(tf, &what);
	/* #GP with error code bit 1 (IDT): an `int` through a gate of ring
	 * 0 (desc.c), the vector in the bits above */
	if (tf->vector == T_GPFLT && (tf->err & 2))
		kprintf("%s[%d]: int $0x%x: not a vector a program may use "
			"(eip %08x)\n",
			p->name, p->pid, tf->err >> 3, tf->eip);
	else
		kprintf("%s[%d]: %s (eip %08x)\n", p->name, p->pid, what,
			tf->eip);
	proc_exit(sig);
}
