/*
 * console.h: kprintf and line input on the serial console.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vkprintf(const char *fmt, va_list ap);
void kputs(const char *s);
void console_write(const char *s, size_t n);
void console_input(int c);
int console_getc(void);
int console_getc_timeout(uint32_t ticks);
int console_trygetc(void);

#endif
