/*
 * printf.c: the formatting engine behind kprintf and snprintf.
 */
#include "printf.h"

#include <stdint.h>

#include "string.h"

struct spec {
	int left;  /* '-': pad on the right */
	int zero;  /* '0': pad numbers with zeros */
	int width; /* minimum field width */
	int prec;  /* %s: at most this many bytes; -1 if none */
};

static int
emit_padded(putc_fn put, void *arg, const struct spec *sp, const char *s,
	    int len, const char *sign)
{
	int slen = (int)strlen(sign);
	int pad = sp->width > len + slen ? sp->width - len - slen : 0;
	int n = 0;

	if (!sp->left && !sp->zero)
		for (; pad; pad--, n++)
			put(' ', arg);
	for (int i = 0; i < slen; i++, n++)
		put(sign[i], arg);
	if (!sp->left && sp->zero)
		for (; pad; pad--, n++)
			put('0', arg);
	for (int i = 0; i < len; i++, n++)
		put(s[i], arg);
	for (; pad; pad--, n++)
		put(' ', arg);
	return n;
}

static int
emit_number(putc_fn put, void *arg, struct spec *sp, uint64_t v, int neg,
	    unsigned base, int upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int len = 0;

	do {
		tmp[sizeof(tmp) - 1 - len++] = digits[v % base];
		v /= base;
	} while (v);
	return emit_padded(put, arg, sp, tmp + sizeof(tmp) - len, len,
			   neg	    ? "-"
			   : prefix ? prefix
				    : "");
}

int
vformat(putc_fn put, void *arg, const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(*fmt, arg);
			n++;
			continue;
		}
		struct spec sp = {0, 0, 0, -1};
		for (;; fmt++) {
			if (fmt[1] == '-')
				sp.left = 1;
			else if (fmt[1] == '0')
				sp.zero = 1;
			else
				break;
		}
		if (fmt[1] == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = 1;
				sp.width = -sp.width;
			}
			fmt++;
		}
		while (fmt[1] >= '0' && fmt[1] <= '9')
			sp.width = sp.width * 10 + (*++fmt - '0');
		if (fmt[1] == '.') {
			fmt++;
			sp.prec = 0;
			if (fmt[1] == '*') {
				sp.prec = va_arg(ap, int);
				fmt++;
			}
			while (fmt[1] >= '0' && fmt[1] <= '9')
				sp.prec = sp.prec * 10 + (*++fmt - '0');
		}
		int lng = 0; /* 0 int, 1 long, 2 long long */
		if (fmt[1] == 'z') {
			lng = sizeof(size_t) == sizeof(long long) ? 2 : 1;
			fmt++;
		} else {
			while (fmt[1] == 'l' && lng < 2) {
				lng++;
				fmt++;
			}
		}
		fmt++;

		uint64_t u;
		int64_t d;
		switch (*fmt) {
		case 'd':
		case 'i':
			d = lng == 2   ? va_arg(ap, long long)
			    : lng == 1 ? va_arg(ap, long)
				       : va_arg(ap, int);
			u = d < 0 ? -(uint64_t)d : (uint64_t)d;
			n += emit_number(put, arg, &sp, u, d < 0, 10, 0, NULL);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = lng == 2   ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long)
				       : va_arg(ap, unsigned);
			n += emit_number(put, arg, &sp, u, 0,
					 *fmt == 'u'   ? 10
					 : *fmt == 'o' ? 8
						       : 16,
					 *fmt == 'X', NULL);
			break;
		case 'p':
			sp.zero = 1;
			sp.width = 2 + 2 * sizeof(void *);
			u = (uintptr_t)va_arg(ap, void *);
			n += emit_number(put, arg, &sp, u, 0, 16, 0, "0x");
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int len = 0;
			while (s[len] && (sp.prec < 0 || len < sp.prec))
				len++;
			sp.zero = 0;
			n += emit_padded(put, arg, &sp, s, len, "");
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			sp.zero = 0;
			n += emit_padded(put, arg, &sp, &c, 1, "");
			break;
		}
		case '%':
			put('%', arg);
			n++;
			break;
		case '\0': return n; /* a lone '%' at the end: print nothing */
		default:
			/* Unknown conversion: show it, so the bug is visible. */
			put('%', arg);
			put(*fmt, arg);
			n += 2;
			break;
		}
	}
	return n;
}

struct sbuf {
	char *p;
	size_t left; /* room, keeping one byte for the NUL */
};

static void
sbuf_put(int c, void *arg)
{
	struct sbuf *sb = arg;

	if (sb->left) {
		*sb->p++ = (char)c;
		sb->left--;
	}
}

/* C99 semantics: returns the length the full output would have. */
int
vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sbuf sb = {buf, n ? n - 1 : 0};
	int len = vformat(sbuf_put, &sb, fmt, ap);

	if (n)
		*sb.p = '\0';
	return len;
}

int
snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int len = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return len;
}
