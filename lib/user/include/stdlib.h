/* stdlib.h: exit, memory, numbers */
#ifndef USER_STDLIB_H
#define USER_STDLIB_H
#include <stddef.h>
#include <stdint.h>
void exit(int status) __attribute__((noreturn));
void abort(void) __attribute__((noreturn));
void *malloc(size_t n);
void free(void *p);
int atoi(const char *s);
unsigned long strtoul(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
#endif
