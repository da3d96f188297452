/*
 * string.h: the C string and memory functions the kernel uses, and a few
 * parsers for shell arguments and the kernel command line.  Freestanding:
 * also compiled on the host for unit tests (tests/host/).
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>
#include <stdint.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
int strsplit(char *s, int sep, char **out, int max);
size_t strlcpy(char *d, const char *s, size_t n);

int glob_match(const char *pat, const char *s);
int parse_u64(const char *s, uint64_t *out);
int parse_size(const char *s, uint64_t *out);
char *fmt_size(char *buf, size_t n, uint64_t bytes);

#endif
