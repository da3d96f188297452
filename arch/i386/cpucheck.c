/*
 * cpucheck.c: does this CPU have what iodine needs?  Asked first thing in
 * kmain, before any code that needs it runs.
 *
 * The kernel is built for the Pentium (-march=i586: no CMOV, which the
 * P6 brought), so it runs on every CPU QEMU's PC machines offer that has
 * a time-stamp counter.  The TSC it cannot do without: uptime, the clock's
 * calibration and every cycle count are read from it.  QEMU's -M isapc
 * gives a 486 by default, which has none: iodine says so and powers off
 * rather than fault later (a 486 executing RDTSC takes #UD).
 */
#include "cpucheck.h"

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"

#define CPUID1_EDX_TSC (1u << 4)

/* Can EFLAGS.ID be flipped?  Then the CPUID instruction exists. */
static int
has_cpuid(void)
{
	uint32_t before, after;

	__asm__ volatile("pushfl\n\t"
			 "pushfl\n\t"
			 "popl %0\n\t"
			 "movl %0, %1\n\t"
			 "xorl %2, %1\n\t"
			 "pushl %1\n\t"
			 "popfl\n\t"
			 "pushfl\n\t"
			 "popl %1\n\t"
			 "popfl"
			 : "=&r"(before), "=&r"(after)
			 : "i"(EFLAGS_ID)
			 : "cc");
	return ((before ^ after) & EFLAGS_ID) != 0;
}

/* NULL if the CPU will do, else what it lacks, in words. */
const char *
cpu_missing_feature(void)
{
	uint32_t eax = 1, ebx, ecx = 0, edx;

	if (!has_cpuid())
		return "the CPUID instruction (a 486 or older)";
	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	if (!(edx & CPUID1_EDX_TSC))
		return "a time-stamp counter (CPUID.1:EDX.TSC, bit 4)";
	return NULL;
}
