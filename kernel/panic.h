/*
 * panic.h: stopping the kernel when it finds a bug in itself.
 */
#ifndef PANIC_H
#define PANIC_H

#include <stdint.h>

struct trapframe;

void panic(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
void panic_trap(struct trapframe *tf, const char *what, const char *note)
	__attribute__((noreturn));
void backtrace_print(uint32_t eip, uint32_t ebp);

/* Always on: a broken invariant is a bug, whatever the build. */
#define KASSERT(cond)                                                          \
	do {                                                                   \
		if (!(cond))                                                   \
			panic("%s: assertion \"%s\" failed (%s:%d)", __func__, \
			      #cond, __FILE__, __LINE__);                      \
	} while (0)

#endif
