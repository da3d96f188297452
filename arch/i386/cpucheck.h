/*
 * cpucheck.h: what iodine needs of the CPU (cpucheck.c).
 */
#ifndef CPUCHECK_H
#define CPUCHECK_H

const char *cpu_missing_feature(void);

#endif
