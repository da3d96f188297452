/*
 * test_lib.c: lib/ on the host, under AddressSanitizer and UBSan.  The
 * formatting engine is checked against expected strings and against the
 * host C library's snprintf over many generated cases.  KTAP output, like
 * the kernel's, so tests/run.py reads both the same way.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rename.h"

#include "cmdline.h"
#include "crc32.h"
#include "errno.h"
#include "hexdump.h"
#include "printf.h"
#include "sort.h"
#include "string.h"

static int npass, nfail, ntest;
static char why[512];

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			snprintf(why, sizeof(why), __VA_ARGS__);               \
			return 0;                                              \
		}                                                              \
	} while (0)

#define CHECK_STR(seen, expected)                                              \
	CHECK(!strcmp((seen), (expected)), "%s: expected \"%s\", saw \"%s\"",  \
	      #seen, (expected), (seen))

struct sink {
	char buf[8192];
	size_t len;
};

static void
sink_put(int c, void *arg)
{
	struct sink *s = arg;

	if (s->len + 1 < sizeof(s->buf))
		s->buf[s->len++] = (char)c;
	s->buf[s->len] = '\0';
}

/* The hexdump program feeds its input as it comes: runs of equal lines
 * ('*') and the partial last line must not depend on where it is cut. */
static int
hexdump_in_pieces_prints_what_it_prints_at_once(void)
{
	static const size_t cuts[] = {1, 7, 16, 33, 100, 1000};
	uint8_t data[301];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = i < 64 || (i >= 96 && i < 200) ? 0x41 : (uint8_t)i;
	static struct sink whole, pieces;
	whole.len = 0;
	hexdump(sink_put, &whole, data, sizeof(data), 0x1000);
	CHECK(strstr(whole.buf, "*\n") != NULL, "no run of equal lines");
	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		struct hexdump_state st;
		pieces.len = 0;
		hexdump_begin(&st, 0x1000);
		for (size_t at = 0; at < sizeof(data); at += cuts[c])
			hexdump_feed(&st, sink_put, &pieces, data + at,
				     sizeof(data) - at < cuts[c]
					     ? sizeof(data) - at
					     : cuts[c]);
		hexdump_end(&st, sink_put, &pieces);
		CHECK(!strcmp(whole.buf, pieces.buf),
		      "cut every %zu bytes:\n%s\nwhole:\n%s", cuts[c],
		      pieces.buf, whole.buf);
	}
	return 1;
}

static void
run(const char *name, int (*fn)(void))
{
	why[0] = '\0';
	ntest++;
	if (fn()) {
		npass++;
		printf("ok %d %s\n", ntest, name);
	} else {
		nfail++;
		printf("not ok %d %s # %s\n", ntest, name, why);
	}
}

static char ours[256], theirs[256];

/* Our formatting must equal the C library's for every shared conversion. */
#define SAME_AS_LIBC(...)                                                      \
	do {                                                                   \
		int a = k_snprintf(ours, sizeof(ours), __VA_ARGS__);           \
		int b = snprintf(theirs, sizeof(theirs), __VA_ARGS__);         \
		CHECK(a == b && !strcmp(ours, theirs),                         \
		      "%s: ours \"%s\" (%d), libc \"%s\" (%d)", #__VA_ARGS__,  \
		      ours, a, theirs, b);                                     \
	} while (0)

static int
printf_matches_libc_on_integers(void)
{
	static const long long vals[] = {0,
					 1,
					 -1,
					 7,
					 42,
					 -42,
					 255,
					 1000000,
					 INT32_MAX,
					 INT32_MIN,
					 INT64_MAX,
					 INT64_MIN,
					 0x7fffffffffffll};
	static const char *const fmts[] = {"%d",     "%5d",  "%-5d|", "%05d",
					   "%x",     "%08X", "%o",    "%u",
					   "%-12x|", "%1d"};

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
			int v = (int)vals[i];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			SAME_AS_LIBC(fmts[f], v);
#pragma GCC diagnostic pop
		}
		SAME_AS_LIBC("%lld|%llu|%llx|%20lld|%-20llX|%020llu", vals[i],
			     (unsigned long long)vals[i],
			     (unsigned long long)vals[i], vals[i],
			     (unsigned long long)vals[i],
			     (unsigned long long)vals[i]);
		SAME_AS_LIBC("%ld %lx", (long)vals[i], (unsigned long)vals[i]);
	}
	return 1;
}

static int
printf_matches_libc_on_strings_and_chars(void)
{
	SAME_AS_LIBC("[%s]", "hello");
	SAME_AS_LIBC("[%10s]", "hello");
	SAME_AS_LIBC("[%-10s]", "hello");
	SAME_AS_LIBC("[%.2s]", "hello");
	SAME_AS_LIBC("[%*s]", 7, "hi");
	SAME_AS_LIBC("[%-*s]", 7, "hi");
	SAME_AS_LIBC("[%c%c%3c]", 'a', 'b', 'c');
	SAME_AS_LIBC("100%%");
	SAME_AS_LIBC("%zu", (size_t)123456);
	return 1;
}

static int
printf_pointer_is_0x_and_width(void)
{
	k_snprintf(ours, sizeof(ours), "%p", (void *)0x1234);
	CHECK_STR(ours,
		  sizeof(void *) == 8 ? "0x0000000000001234" : "0x00001234");
	return 1;
}

static int
snprintf_never_overruns(void)
{
	char small[4] = {'x', 'x', 'x', 'x'};

	int n = k_snprintf(small, 3, "%d", 123456);
	CHECK(n == 6, "returned %d, expected 6", n);
	CHECK_STR(small, "12");
	CHECK(small[3] == 'x', "wrote past the buffer");
	n = k_snprintf(small, 0, "abc");
	CHECK(n == 3 && small[0] == '1', "size 0 wrote or miscounted");
	return 1;
}

static int
string_functions_behave_like_libc(void)
{
	char a[32], b[32];

	CHECK(k_strlen("") == 0 && k_strlen("abc") == 3, "strlen");
	CHECK(k_strcmp("abc", "abd") < 0 && k_strcmp("b", "a") > 0 &&
		      !k_strcmp("x", "x"),
	      "strcmp");
	CHECK(k_strncmp("abcX", "abcY", 3) == 0 &&
		      k_strncmp("ab", "abc", 3) < 0,
	      "strncmp");
	static const char hello[] = "hello";
	CHECK(k_strchr(hello, 'l') == hello + 2 &&
		      k_strchr(hello, 'z') == NULL &&
		      k_strchr(hello, '\0') == hello + 5,
	      "strchr");
	memcpy(a, "0123456789", 11);
	k_memmove(a + 2, a, 8);
	CHECK(!memcmp(a, "0101234567", 10), "memmove forward overlap: %.10s",
	      a);
	memcpy(a, "0123456789", 11);
	k_memmove(a, a + 2, 8);
	CHECK(!memcmp(a, "2345678989", 10), "memmove backward overlap: %.10s",
	      a);
	k_memset(b, 'z', 5);
	CHECK(!memcmp(b, "zzzzz", 5), "memset");
	CHECK(k_memcmp("abc", "abd", 3) < 0, "memcmp");
	CHECK(k_strlcpy(b, "truncated", 5) == 9 && !strcmp(b, "trun"),
	      "strlcpy: %s", b);
	return 1;
}

static int
glob_matches_like_a_shell(void)
{
	CHECK(glob_match("*", "anything") && glob_match("*", ""), "*");
	CHECK(glob_match("bio_*", "bio_done") &&
		      !glob_match("bio_*", "biodone"),
	      "prefix");
	CHECK(glob_match("*_done", "bio_done") && glob_match("a?c", "abc"),
	      "suffix, ?");
	CHECK(!glob_match("a?c", "ac") && glob_match("a*b*c", "aXXbYYc"),
	      "? needs one char; several stars");
	CHECK(!glob_match("abc", "abcd") && !glob_match("abcd", "abc"),
	      "exact lengths");
	return 1;
}

static int
parse_numbers_and_sizes(void)
{
	uint64_t v;

	CHECK(parse_u64("0", &v) == 0 && v == 0, "0");
	CHECK(parse_u64("0x1F", &v) == 0 && v == 31, "0x1F");
	CHECK(parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX,
	      "max");
	CHECK(parse_u64("18446744073709551616", &v) == ERANGE, "overflow");
	CHECK(parse_u64("12a", &v) == EINVAL && parse_u64("", &v) == EINVAL &&
		      parse_u64("0x", &v) == EINVAL &&
		      parse_u64("-1", &v) == EINVAL,
	      "junk");
	CHECK(parse_size("1G", &v) == 0 && v == 1ull << 30, "1G");
	CHECK(parse_size("512B", &v) == 0 && v == 512, "512B");
	CHECK(parse_size("3MiB", &v) == 0 && v == 3ull << 20, "3MiB");
	CHECK(parse_size("99999999999999999999K", &v) != 0, "huge");
	CHECK(parse_size("17179869184G", &v) == ERANGE, "shift overflow");
	return 1;
}

static int
fmt_size_rounds_to_a_tenth(void)
{
	char buf[32];

	CHECK_STR(fmt_size(buf, sizeof(buf), 0), "0 B");
	CHECK_STR(fmt_size(buf, sizeof(buf), 1023), "1023 B");
	CHECK_STR(fmt_size(buf, sizeof(buf), 1024), "1 KiB");
	CHECK_STR(fmt_size(buf, sizeof(buf), 1100), "1.1 KiB");
	CHECK_STR(fmt_size(buf, sizeof(buf), 1048575), "1024.0 KiB");
	CHECK_STR(fmt_size(buf, sizeof(buf), (1ull << 30) * 5 / 2), "2.5 GiB");
	return 1;
}

static int
cmdline_splits_key_values(void)
{
	char line[] = "  test=bio_*  verbose ramdisk=4M name=\"a b\" x=";
	struct kv kv[8];
	int n = cmdline_parse(line, kv, 8);

	CHECK(n == 5, "%d options, expected 5", n);
	CHECK_STR(kv[0].key, "test");
	CHECK_STR(kv[0].val, "bio_*");
	CHECK_STR(kv[1].key, "verbose");
	CHECK_STR(kv[1].val, "");
	CHECK_STR(kv[2].val, "4M");
	CHECK_STR(kv[3].key, "name");
	CHECK_STR(kv[3].val, "a b");
	CHECK_STR(kv[4].key, "x");
	CHECK_STR(kv[4].val, "");
	char two[] = "a b c";
	CHECK(cmdline_parse(two, kv, 2) == 2, "max not honoured");
	char empty[] = "   ";
	CHECK(cmdline_parse(empty, kv, 8) == 0, "blank line has options");
	return 1;
}

static int
sort_orders_any_input(void)
{
	static uint32_t a[1000];
	uint32_t x = 1;

	for (size_t n = 0; n <= 1000; n = n ? n * 3 : 1) {
		for (size_t i = 0; i < n; i++)
			a[i] = (x = x * 1103515245 + 12345) %
			       50; /* duplicates */
		uint64_t sum = 0, sum2 = 0;
		for (size_t i = 0; i < n; i++)
			sum += a[i];
		sort_u32(a, n);
		for (size_t i = 0; i < n; i++)
			sum2 += a[i];
		for (size_t i = 1; i < n; i++)
			CHECK(a[i - 1] <= a[i], "n=%zu: a[%zu]=%u > a[%zu]=%u",
			      n, i - 1, a[i - 1], i, a[i]);
		CHECK(sum == sum2, "n=%zu: elements changed", n);
	}
	return 1;
}

static int
errno_names_are_known(void)
{
	CHECK_STR(errno_name(ENXIO), "ENXIO");
	CHECK_STR(errno_name(EINVAL), "EINVAL");
	CHECK_STR(errno_name(EIO), "EIO");
	CHECK_STR(errno_name(9999), "E?");
	CHECK_STR(errno_msg(ENOMEM), "out of memory");
	return 1;
}

/* The check value every CRC-32 catalogue gives, and zlib's for a
 * longer text: what GPT's CRCs must agree with. */
static int
crc32_matches_the_standard_check_values(void)
{
	CHECK(crc32("123456789", 9) == 0xCBF43926, "crc32 check 0x%08x",
	      crc32("123456789", 9));
	CHECK(crc32("", 0) == 0, "crc32 of nothing 0x%08x", crc32("", 0));
	CHECK(crc32("The quick brown fox jumps over the lazy dog", 43) ==
		      0x414FA339,
	      "crc32 fox 0x%08x",
	      crc32("The quick brown fox jumps over the lazy dog", 43));
	return 1;
}

static int
strsplit_cuts_in_place_and_counts_overflow(void)
{
	char s[] = "m0:mirror:sd1,sd2", one[] = "sd1", many[] = "a,b,c,d";
	char *f[4];

	CHECK(strsplit(s, ':', f, 4) == 3, "three fields");
	CHECK_STR(f[0], "m0");
	CHECK_STR(f[1], "mirror");
	CHECK_STR(f[2], "sd1,sd2");
	CHECK(strsplit(one, ',', f, 4) == 1, "one field");
	CHECK_STR(f[0], "sd1");
	CHECK(strsplit(many, ',', f, 3) == 4, "more than max: max + 1");
	CHECK_STR(f[2], "c");
	return 1;
}

/* memcpy copies in eight-word rounds when both ends are word aligned,
 * and by rep movs otherwise and for the rest: every length from 0 to
 * 300 at every alignment of either end, and not a byte around it. */
static int
memcpy_copies_every_length_at_every_alignment(void)
{
	static uint8_t src[320], dst[336], want[336];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 1);
	for (size_t n = 0; n <= 300; n++)
		for (size_t so = 0; so < 8; so++)
			for (size_t doff = 0; doff < 8; doff++) {
				memset(dst, 0xEE, sizeof(dst));
				memset(want, 0xEE, sizeof(want));
				for (size_t i = 0; i < n; i++)
					want[8 + doff + i] = src[so + i];
				CHECK(k_memcpy(dst + 8 + doff, src + so, n) ==
					      dst + 8 + doff,
				      "memcpy's value");
				CHECK(!memcmp(dst, want, sizeof(dst)),
				      "memcpy of %zu bytes, source +%zu, "
				      "destination +%zu",
				      n, so, doff);
			}
	return 1;
}

/* every length, alignment and place of a difference: the word-at-a-time
 * paths say what a byte at a time says */
static int
memcmp_agrees_with_a_byte_at_a_time_everywhere(void)
{
	static unsigned char a[104] __attribute__((aligned(8))),
		b[104] __attribute__((aligned(8)));

	for (size_t off = 0; off < 4; off++)
		for (size_t n = 0; n <= 80; n++)
			for (size_t at = 0; at <= n; at++)
				for (int d = -1; d <= 1; d += 2) {
					for (size_t i = 0; i < sizeof(a); i++)
						a[i] = b[i] =
							(unsigned char)(i * 7 +
									3);
					if (at < n)
						b[off + at] =
							(unsigned char)(a[off +
									  at] +
									d);
					int want =
						0; /* (memcmp is ours here) */
					for (size_t i = 0; i < n && !want; i++)
						want = a[off + i] - b[off + i];
					int got = k_memcmp(a + off, b + off, n);
					CHECK((want > 0) == (got > 0) &&
						      (want < 0) == (got < 0),
					      "memcmp of %zu bytes at +%zu, "
					      "differing at %zu: %d, meant %d",
					      n, off, at, got, want);
				}
	return 1;
}

int
main(void)
{
	printf("KTAP version 1\n1..16\n");
	run("printf_matches_libc_on_integers", printf_matches_libc_on_integers);
	run("hexdump_in_pieces_prints_what_it_prints_at_once",
	    hexdump_in_pieces_prints_what_it_prints_at_once);
	run("printf_matches_libc_on_strings_and_chars",
	    printf_matches_libc_on_strings_and_chars);
	run("printf_pointer_is_0x_and_width", printf_pointer_is_0x_and_width);
	run("snprintf_never_overruns", snprintf_never_overruns);
	run("string_functions_behave_like_libc",
	    string_functions_behave_like_libc);
	run("glob_matches_like_a_shell", glob_matches_like_a_shell);
	run("parse_numbers_and_sizes", parse_numbers_and_sizes);
	run("fmt_size_rounds_to_a_tenth", fmt_size_rounds_to_a_tenth);
	run("cmdline_splits_key_values", cmdline_splits_key_values);
	run("errno_names_are_known", errno_names_are_known);
	run("sort_orders_any_input", sort_orders_any_input);
	run("crc32_matches_the_standard_check_values",
	    crc32_matches_the_standard_check_values);
	run("strsplit_cuts_in_place_and_counts_overflow",
	    strsplit_cuts_in_place_and_counts_overflow);
	run("memcpy_copies_every_length_at_every_alignment",
	    memcpy_copies_every_length_at_every_alignment);
	run("memcmp_agrees_with_a_byte_at_a_time_everywhere",
	    memcmp_agrees_with_a_byte_at_a_time_everywhere);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
