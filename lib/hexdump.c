/*
 * hexdump.c: exactly what `hexdump -C` prints: the offset in 8 hex digits
 * (more past 4 GiB, as %08llx would),
 * 16 bytes in two groups of 8, the printable ones in |...|, a line of "*"
 * for every run of lines equal to the one before, and the final offset.
 */
#include "hexdump.h"

#include "string.h"

static void
put_str(putc_fn put, void *arg, const char *s)
{
	while (*s)
		put(*s++, arg);
}

static void
put_hex(putc_fn put, void *arg, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";

	while (digits < 16 && v >> (4 * digits))
		digits++; /* at least `digits`: never cut the offset */
	for (int i = digits - 1; i >= 0; i--)
		put(hex[(v >> (4 * i)) & 0xF], arg);
}

static void
put_line(putc_fn put, void *arg, uint64_t offset, const uint8_t *p, size_t n)
{
	put_hex(put, arg, offset, 8);
	put(' ', arg);
	for (size_t k = 0; k < 16; k++) {
		if (k == 8)
			put(' ', arg);
		if (k < n) {
			put(' ', arg);
			put_hex(put, arg, p[k], 2);
		} else {
			put_str(put, arg, "   ");
		}
	}
	put_str(put, arg, "  |");
	for (size_t k = 0; k < n; k++)
		put(p[k] >= 0x20 && p[k] < 0x7F ? p[k] : '.', arg);
	put_str(put, arg, "|\n");
}

/* A whole line: printed, or starred if it repeats the one before. */
static void
line_done(struct hexdump_state *st, putc_fn put, void *arg)
{
	uint64_t at = st->offset - 16;

	if (st->lines && !memcmp(st->line, st->prev, 16)) {
		if (!st->starred)
			put_str(put, arg, "*\n");
		st->starred = 1;
	} else {
		st->starred = 0;
		put_line(put, arg, at, st->line, 16);
	}
	memcpy(st->prev, st->line, 16);
	st->lines++;
	st->n = 0;
}

void
hexdump_begin(struct hexdump_state *st, uint64_t offset)
{
	memset(st, 0, sizeof(*st));
	st->offset = offset;
}

void
hexdump_feed(struct hexdump_state *st, putc_fn put, void *arg, const void *data,
	     size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		st->line[st->n++] = p[i];
		st->offset++;
		if (st->n == 16)
			line_done(st, put, arg);
	}
}

void
hexdump_end(struct hexdump_state *st, putc_fn put, void *arg)
{
	if (st->n)
		put_line(put, arg, st->offset - (uint64_t)st->n, st->line,
			 (size_t)st->n);
	if (st->lines || st->n) {
		put_hex(put, arg, st->offset, 8);
		put('\n', arg);
	}
}

/* offset: the address printed for data[0] */
void
hexdump(putc_fn put, void *arg, const void *data, size_t len, uint64_t offset)
{
	struct hexdump_state st;

	hexdump_begin(&st, offset);
	hexdump_feed(&st, put, arg, data, len);
	hexdump_end(&st, put, arg);
}
