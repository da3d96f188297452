/*
 * power.h: ending the machine.
 */
#ifndef POWER_H
#define POWER_H

/* Exit statuses for QEMU's isa-debug-exit (QEMU exits with 2*s+1). */
#define POWER_EXIT_OK	 0 /* QEMU exit status 1 */
#define POWER_EXIT_FAIL	 1 /* 3: tests failed */
#define POWER_EXIT_PANIC 2 /* 5: the kernel panicked */

void power_off(int status) __attribute__((noreturn));
void power_reboot(void) __attribute__((noreturn));

#endif
