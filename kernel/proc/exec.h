/*
 * exec.h: loading an ELF executable into a new address space.
 */
#ifndef EXEC_H
#define EXEC_H

#include <stdint.h>

struct vmspace;

struct exec_image {
	uint32_t entry; /* the first instruction */
	uint32_t sp;	/* the first esp: argc, argv[], NULL, envp NULL */
	uint32_t brk;	/* the first address above the program */
};

/* Map the program img[0..size) and a stack holding argv into vs: 0, or
 * ENOEXEC (not an i386 executable for the user range), E2BIG, ENOMEM. */
int exec_load(struct vmspace *vs, const uint8_t *img, uint32_t size, int argc,
	      char *const argv[], struct exec_image *out);

#endif
