/*
 * ddnum.c: GNU dd's numbers (ddnum.h).  The table is GNU dd's own (its
 * manual, "N and BYTES may be followed by..."), checked against the
 * host's dd by tests/scenarios/core.py's host_dd_numbers.
 */
#include "ddnum.h"

#include <stddef.h>

#include "string.h"

/* a*b, or -1 if it does not fit 64 bits */
static int
mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	if (b && a > UINT64_MAX / b)
		return -1;
	*out = a * b;
	return 0;
}

/* The multiplier of a suffix of k..E: base^power */
static int
power_of(char c, uint64_t base, uint64_t *out)
{
	static const char powers[] = "KMGTPE"; /* Z, Y: past 64 bits */
	const char *at = !c ? NULL : c == 'k' ? powers : strchr(powers, c);

	if (!at)
		return -1;
	*out = 1;
	for (const char *p = powers; p <= at; p++)
		*out *= base;
	return 0;
}

/* One factor at s, to its end or an `x`: its value, whether its suffix
 * says B, and the rest.  The digits may be left out before a suffix
 * letter ("k" is 1024, "xM" a product with M), as GNU's dd reads them. */
static int
factor(const char *s, uint64_t *out, int *in_bytes, const char **rest)
{
	const char *digits = s;
	uint64_t v = 0, m = 1;

	for (; *s >= '0' && *s <= '9'; s++) {
		uint64_t d = (uint64_t)(*s - '0');
		if (mul_ok(v, 10, &v) || v > UINT64_MAX - d)
			return -1;
		v += d;
	}
	if (s == digits) {
		if (!*s || *s == 'B' || *s == 'x')
			return -1;
		v = 1;
	}
	if (*s && strchr("cwb", *s)) { /* each may take a B, as GNU's */
		m = *s == 'c' ? 1 : *s == 'w' ? 2 : 512;
		s++;
	} else if (*s && *s != 'x' && *s != 'B') {
		if (s[1] == 'B' && !power_of(*s, 1000, &m))
			s++;
		else if (s[1] == 'i' && s[2] == 'B' && !power_of(*s, 1024, &m))
			s += 2;
		else if (!power_of(*s, 1024, &m))
			s += 1;
		else
			return -1;
	}
	*in_bytes = *s == 'B';
	*rest = s + *in_bytes;
	return mul_ok(v, m, out);
}

int
ddnum_parse(const char *s, uint64_t *out, int *in_bytes)
{
	uint64_t a, b;
	int bytes_a, bytes_b = 0;
	const char *rest;

	if (factor(s, &a, &bytes_a, &rest))
		return -1;
	if (*rest == 'x') {
		if (factor(rest + 1, &b, &bytes_b, &rest) || *rest ||
		    mul_ok(a, b, &a))
			return -1;
	} else if (*rest) {
		return -1;
	}
	if (a > INT64_MAX)
		return -1;
	*out = a;
	*in_bytes = bytes_a || bytes_b;
	return 0;
}
