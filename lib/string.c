/*
 * string.c: memory and string functions, glob matching, and number and
 * size parsing/formatting shared by the shell and the command line.
 */
#include "string.h"

#include "errno.h"
#include "printf.h"

void *
memset(void *d, int c, size_t n)
{
	/* rep stos, four bytes an iteration, as memcpy below: a buf header
	 * cleared a byte at a time cost more than the block layer's own
	 * work under TCG */
	void *ret = d;
	uint32_t v = (unsigned char)c * 0x01010101u;
	size_t words = n / 4, tail = n % 4;

	__asm__ volatile("rep stosl"
			 : "+D"(d), "+c"(words)
			 : "a"(v)
			 : "memory");
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(tail) : "a"(v) : "memory");
	return ret;
}

/* Sixteen words a round, through registers: under QEMU's TCG a `rep
 * movs` runs one iteration per pass through its translated block, where
 * straight loads and stores run as compiled host code (a 4 KiB copy: 64
 * rounds, not 1024 passes).  Not turned back into a memcpy call by the
 * compiler (no-tree-loop-distribute-patterns): this is memcpy. */
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void *
memcpy(void *restrict d, const void *restrict s, size_t n)
{
	void *ret = d;

	if (!(((uintptr_t)d | (uintptr_t)s) & 3)) {
		uint32_t *dw = d;
		const uint32_t *sw = s;
		for (; n >= 64; n -= 64, dw += 16, sw += 16)
#pragma GCC unroll 4
			for (int i = 0; i < 16; i += 4) {
				uint32_t a = sw[i], b = sw[i + 1],
					 c = sw[i + 2], e = sw[i + 3];
				dw[i] = a;
				dw[i + 1] = b;
				dw[i + 2] = c;
				dw[i + 3] = e;
			}
		d = dw;
		s = sw;
	}
	size_t words = n / 4, tail = n % 4;
	__asm__ volatile("rep movsl"
			 : "+D"(d), "+S"(s), "+c"(words)
			 :
			 : "memory");
	__asm__ volatile("rep movsb"
			 : "+D"(d), "+S"(s), "+c"(tail)
			 :
			 : "memory");
	return ret;
}

void *
memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp < sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	if (!(((uintptr_t)x | (uintptr_t)y) & 3)) {
		/* four words a round, then a word at a time, up to the first
		 * word that differs (the bytes then say which is less): under
		 * TCG a round's loop costs as much as its compares */
		const uint32_t *p = (const void *)x, *q = (const void *)y;
		for (; n >= 16 && p[0] == q[0] && p[1] == q[1] &&
		       p[2] == q[2] && p[3] == q[3];
		     n -= 16, p += 4, q += 4)
			;
		for (; n >= 4 && *p == *q; n -= 4, p++, q++)
			;
		x = (const void *)p;
		y = (const void *)q;
	}
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t
strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int
strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int
strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *
strrchr(const char *s, int c)
{
	const char *last = NULL;

	do {
		if (*s == (char)c)
			last = s;
	} while (*s++);
	return (char *)last;
}

char *
strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/* Copy with truncation; always terminates (n > 0); returns strlen(s). */
size_t
strlcpy(char *d, const char *s, size_t n)
{
	size_t len = strlen(s);

	if (n) {
		size_t k = len < n - 1 ? len : n - 1;
		memcpy(d, s, k);
		d[k] = '\0';
	}
	return len;
}

/* Shell-style glob: '*' any run, '?' any one character. */
/* Cut s at each `sep` (in place): its pieces in out[0..], at most max;
 * how many (max + 1 when there were more). */
int
strsplit(char *s, int sep, char **out, int max)
{
	int n = 0;

	for (;;) {
		if (n == max)
			return max + 1;
		out[n++] = s;
		char *c = strchr(s, sep);
		if (!c)
			return n;
		*c = '\0';
		s = c + 1;
	}
}

int
glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* Decimal, or hex with 0x.  The whole string must be the number. */
int
parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return EINVAL;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* A byte count: "4096", "64K", "4M", "1G" (binary units; "KiB", "MB" too). */
int
parse_size(const char *s, uint64_t *out)
{
	char num[24];
	size_t i = 0;
	unsigned shift = 0;

	while (s[i] >= '0' && s[i] <= '9' && i < sizeof(num) - 1) {
		num[i] = s[i];
		i++;
	}
	num[i] = '\0';
	const char *u = s + i;
	switch (*u) {
	case 'k':
	case 'K':
		shift = 10;
		u++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		u++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		u++;
		break;
	}
	if (shift && u[0] == 'i' && u[1] == 'B')
		u += 2;
	else if (*u == 'B')
		u++;
	if (*u)
		return EINVAL;
	uint64_t v;
	int err = parse_u64(num, &v);
	if (err)
		return err;
	if (v > (UINT64_MAX >> shift))
		return ERANGE;
	*out = v << shift;
	return 0;
}

/* "512 B", "4 KiB", "1.5 MiB": one decimal unless the value is whole. */
char *
fmt_size(char *buf, size_t n, uint64_t bytes)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;

	while (bytes >= (1024ull << (10 * u)) && u < 4)
		u++;
	uint64_t whole = bytes >> (10 * u);
	uint64_t rest = bytes & ((1ull << (10 * u)) - 1);
	if (!rest) {
		snprintf(buf, n, "%llu %s", (unsigned long long)whole, unit[u]);
	} else {
		/* tenths, rounded to nearest */
		uint64_t tenths =
			(rest * 10 + (1ull << (10 * u)) / 2) >> (10 * u);
		if (tenths == 10) {
			whole++;
			tenths = 0;
		}
		snprintf(buf, n, "%llu.%llu %s", (unsigned long long)whole,
			 (unsigned long long)tenths, unit[u]);
	}
	return buf;
}
