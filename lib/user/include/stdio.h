/* stdio.h: formatted output on descriptors 1 and 2 (lib/printf.c's
 * conversions); stdout is buffered until a newline, stderr not at all. */
#ifndef USER_STDIO_H
#define USER_STDIO_H
#include <stdarg.h>
#include <stddef.h>

#include "printf.h"

typedef struct FILE FILE;
extern FILE *stdout, *stderr;

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vfprintf(FILE *f, const char *fmt, va_list ap);
int puts(const char *s);
int putchar(int c);
int fputs(const char *s, FILE *f);
int fflush(FILE *f);
void perror(const char *s);
char *strerror(int e);
int rename(const char *from, const char *to);
#endif
