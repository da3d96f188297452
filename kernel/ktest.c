/*
 * ktest.c: runs the registered tests (or benchmarks) whose names match,
 * one KTAP line each, then "N passed, N failed", and powers off with the
 * verdict as QEMU's exit status.  "# test: NAME" before each lets the
 * host harness name the one that was running if the kernel hangs or
 * panics.
 */
#include "ktest.h"

#include <stdarg.h>
#include <stdint.h>

#include "clock.h"
#include "console.h"
#include "power.h"
#include "printf.h"
#include "sort.h"
#include "string.h"

#define REASON_MAX 240

extern const struct ktest __ktests_start[], __ktests_end[];
extern const struct ktest __kbench_start[], __kbench_end[];

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

/* Comma-separated globs; "-GLOB" excludes.  A name is selected if it
 * matches a glob (or there are none but exclusions) and no exclusion. */
static int
selected(const char *patterns, const char *name)
{
	char pat[64];
	int include = 0, any_include = 0;

	for (const char *p = patterns; *p;) {
		size_t n = 0;
		while (p[n] && p[n] != ',')
			n++;
		if (n && n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (pat[0] == '-') {
				if (glob_match(pat + 1, name))
					return 0;
			} else {
				any_include = 1;
				include |= glob_match(pat, name);
			}
		}
		p += n + (p[n] == ',');
	}
	return include || !any_include;
}

static void run_set(const struct ktest *set, uintptr_t end,
		    const char *patterns) __attribute__((noreturn));

/* The linker gathered the entries between two symbols: count them by
 * address, since the two are different objects to the compiler. */
static void
run_set(const struct ktest *set, uintptr_t end, const char *patterns)
{
	int count = (end - (uintptr_t)set) / sizeof(struct ktest);
	int total = 0, npass = 0, nfail = 0, n = 0;

	for (int i = 0; i < count; i++)
		total += selected(patterns, set[i].name);
	kprintf("KTAP version 1\n1..%d\n", total);
	for (int i = 0; i < count; i++) {
		const struct ktest *t = &set[i];
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

void
ktest_run(const char *patterns)
{
	run_set(__ktests_start, (uintptr_t)__ktests_end, patterns);
}

void
kbench_run(const char *patterns)
{
	run_set(__kbench_start, (uintptr_t)__kbench_end, patterns);
}

/* "bench WHAT: n=10000 median 812 cyc (0.3 us) p99 ... max ..." */
void
bench_report(const char *what, uint32_t *cycles, int n)
{
	if (n <= 0)
		return;
	sort_u32(cycles, n);
	uint32_t med = cycles[n / 2],
		 p99 = cycles[(int)((uint64_t)n * 99 / 100)],
		 max = cycles[n - 1];
	kprintf("bench %s: n=%d median %u cyc (%llu ns) p99 %u cyc (%llu ns) "
		"max %u cyc (%llu ns)\n",
		what, n, med, (unsigned long long)clock_cycles_to_ns(med), p99,
		(unsigned long long)clock_cycles_to_ns(p99), max,
		(unsigned long long)clock_cycles_to_ns(max));
}
