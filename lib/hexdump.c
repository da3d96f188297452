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

/* offset: the address printed for data[0] */
void
hexdump(putc_fn put, void *arg, const void *data, size_t len, uint64_t offset)
{
	const uint8_t *p = data;
	int starred = 0;

	for (size_t i = 0; i < len; i += 16) {
		size_t n = len - i < 16 ? len - i : 16;
		if (i && n == 16 && !memcmp(p + i, p + i - 16, 16)) {
			if (!starred)
				put_str(put, arg, "*\n");
			starred = 1;
			continue;
		}
		starred = 0;
		put_hex(put, arg, offset + i, 8);
		put(' ', arg);
		for (size_t k = 0; k < 16; k++) {
			if (k == 8)
				put(' ', arg);
			if (k < n) {
				put(' ', arg);
				put_hex(put, arg, p[i + k], 2);
			} else {
				put_str(put, arg, "   ");
			}
		}
		put_str(put, arg, "  |");
		for (size_t k = 0; k < n; k++)
			put(p[i + k] >= 0x20 && p[i + k] < 0x7F ? p[i + k]
								: '.',
			    arg);
		put_str(put, arg, "|\n");
	}
	if (len) {
		put_hex(put, arg, offset + len, 8);
		put('\n', arg);
	}
}
