/*
 * printf.h: formatted output for the kernel, over any character sink.
 * Conversions: %d %i %u %x %X %o %p %s %c %%; flags '-' and '0'; a width
 * (or '*'); a precision for %s; lengths l, ll and z.  %p prints 0x and
 * eight hex digits.
 */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*putc_fn)(int c, void *arg);

int vformat(putc_fn put, void *arg, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
