/*
 * libc.c: the rest of the small C library: stdio on descriptors 1 and
 * 2, malloc on sbrk, exit, numbers.  Strings and formatting are the
 * kernel's own (lib/string.c, lib/printf.c), built again for ring 3.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct FILE {
	int fd;
	int buffered; /* until a newline or a full buffer */
	int len;
	char buf[256];
};

static FILE out = {STDOUT_FILENO, 1, 0, {0}}, err = {STDERR_FILENO, 0, 0, {0}};
FILE *stdout = &out, *stderr = &err;

int
fflush(FILE *f)
{
	int at = 0;

	while (at < f->len) {
		int n = write(f->fd, f->buf + at, (size_t)(f->len - at));
		if (n <= 0)
			break;
		at += n;
	}
	f->len = 0;
	return 0;
}

static void
put(int c, void *arg)
{
	FILE *f = arg;

	f->buf[f->len++] = (char)c;
	if (f->len == (int)sizeof(f->buf) || (c == '\n' && f->buffered))
		fflush(f);
}

int
vfprintf(FILE *f, const char *fmt, va_list ap)
{
	int n = vformat(put, f, fmt, ap);

	if (!f->buffered)
		fflush(f);
	return n;
}

int
fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int
printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int
fputs(const char *s, FILE *f)
{
	return fprintf(f, "%s", s);
}

int
puts(const char *s)
{
	return printf("%s\n", s);
}

int
putchar(int c)
{
	put(c, stdout);
	return c;
}

char *
strerror(int e)
{
	return (char *)errno_msg(e);
}

/* "prog: what: ENXIO: no such device or address" */
void
perror(const char *s)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s: %s\n", s, errno_name(errno), errno_msg(errno));
}

void
exit(int status)
{
	fflush(stdout);
	_exit(status);
}

void
abort(void)
{
	fflush(stdout);
	syscall(SYS_kill, (uint32_t)getpid(), SIGILL, 0, 0, 0);
	__asm__ volatile("ud2");
	for (;;)
		;
}

/*
 * malloc: a first-fit list of blocks from sbrk, each with its size before
 * it; free marks a block for reuse (the programs take a few buffers).
 */
struct block {
	size_t size; /* bytes after the header (16 in all: aligned) */
	int free;
	struct block *next;
	int pad;
};
static struct block *blocks;

void *
malloc(size_t n)
{
	n = (n + 15) & ~(size_t)15;
	for (struct block *b = blocks; b; b = b->next)
		if (b->free && b->size >= n) {
			b->free = 0;
			return b + 1;
		}
	if (n > 0x40000000u)
		return NULL;
	struct block *b = sbrk((int)(sizeof(*b) + n));
	if (b == (void *)-1)
		return NULL;
	b->size = n;
	b->free = 0;
	b->next = blocks;
	blocks = b;
	return b + 1;
}

void
free(void *p)
{
	if (p)
		((struct block *)p - 1)->free = 1;
}

unsigned long long
strtoull(const char *s, char **end, int base)
{
	unsigned long long v = 0;

	while (*s == ' ')
		s++;
	if (base == 0) {
		base = 10;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			base = 16;
			s += 2;
		}
	}
	for (;; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'z')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'Z')
			d = *s - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * (unsigned)base + (unsigned)d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

unsigned long
strtoul(const char *s, char **end, int base)
{
	return (unsigned long)strtoull(s, end, base);
}

int
atoi(const char *s)
{
	int neg = *s == '-';

	return (int)strtoul(s + neg, NULL, 10) * (neg ? -1 : 1);
}
