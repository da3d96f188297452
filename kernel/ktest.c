/*
 * ktest.c: runs the registered tests whose names match, one KTAP line
 * each, then "N passed, N failed" and power off with the verdict as QEMU's
 * exit status.  "# test: NAME" before each test lets the host harness
 * name the test that was running if the kernel hangs or panics.
 */
#include "ktest.h"

#include <stdarg.h>
#include <stdint.h>

#include "console.h"
#include "power.h"
#include "printf.h"
#include "string.h"

#define REASON_MAX 240

extern const struct ktest __ktests_start[], __ktests_end[];

/* How many TEST()s the linker gathered between the two symbols. */
static int
ktest_count(void)
{
	return ((uintptr_t)__ktests_end - (uintptr_t)__ktests_start) /
	       sizeof(struct ktest);
}

static char reason[REASON_MAX];
static int failed;

void
ktest_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	const char *base = file;

	for (const char *p = file; *p; p++)
		if (*p == '/')
			base = p + 1;
	int n = snprintf(reason, sizeof(reason), "%s:%d: ", base, line);
	va_start(ap, fmt);
	if (n < REASON_MAX)
		vsnprintf(reason + n, sizeof(reason) - n, fmt, ap);
	va_end(ap);
	failed = 1;
}

int
ktest_failed(void)
{
	return failed;
}

/* Comma-separated globs; an empty list selects every test. */
static int
selected(const char *patterns, const char *name)
{
	char pat[64];

	if (!*patterns)
		return 1;
	for (const char *p = patterns; *p;) {
		size_t n = 0;
		while (p[n] && p[n] != ',')
			n++;
		if (n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (glob_match(pat, name))
				return 1;
		}
		p += n + (p[n] == ',');
	}
	return 0;
}

void
ktest_run(const char *patterns)
{
	int total = 0, npass = 0, nfail = 0;

	for (int i = 0; i < ktest_count(); i++)
		total += selected(patterns, __ktests_start[i].name);
	kprintf("KTAP version 1\n1..%d\n", total);
	int n = 0;
	for (int i = 0; i < ktest_count(); i++) {
		const struct ktest *t = &__ktests_start[i];
		if (!selected(patterns, t->name))
			continue;
		kprintf("# test: %s\n", t->name);
		failed = 0;
		reason[0] = '\0';
		t->fn();
		if (failed) {
			nfail++;
			kprintf("not ok %d %s # %s\n", ++n, t->name, reason);
		} else {
			npass++;
			kprintf("ok %d %s\n", ++n, t->name);
		}
	}
	kprintf("%d passed, %d failed\n", npass, nfail);
	power_off(nfail || !total ? POWER_EXIT_FAIL : POWER_EXIT_OK);
}
