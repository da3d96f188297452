/*
 * ktest.c: runs the registered tests (or benchmarks) whose names match,
 * one KTAP line each, then "N passed, N failed", and powers off with the
 * verdict as QEMU's exit status.  "# test: NAME" before each lets the
 * host harness name the one that was running if the kernel panics.
 *
 * A test that does not return within its limit (testlimit=SECONDS,
 * default KTEST_LIMIT_S, of the guest's clock) fails by name from the
 * clock: "not ok N NAME # timed out ...", where its thread waits and
 * its calls, then "Bail out!" and the verdict.  A rule broken so that a
 * wait never ends (a lost wakeup, a biodone never called) thus fails in
 * the test that found it, not by the harness's timeout on the whole run.
 */
#include "ktest.h"

#include <stdarg.h>
#include <stdint.h>

#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "power.h"
#include "printf.h"
#include "sort.h"
#include "string.h"
#include "thread.h"

#define REASON_MAX     240
#define KTEST_LIMIT_S  90  /* a test; under load several times its usual */
#define KBENCH_LIMIT_S 600 /* a benchmark */

extern const struct ktest __ktests_start[], __ktests_end[];
extern const struct ktest __kbench_start[], __kbench_end[];

static char reason[REASON_MAX];
static int failed;

/* The test running, for its watchdog. */
static struct {
	const struct ktest *t;
	int n, npass, nfail;
	uint32_t limit_s;
	struct thread *thread;
	struct timeout overrun;
} cur;

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

/* The watchdog: the test has run past its limit.  From the clock. */
static void
test_overran(void *arg)
{
	static const char *const state[] = {"running", "ready to run", "asleep",
					    "exited"};
	struct thread *t = cur.thread;

	(void)arg;
	kprintf("not ok %d %s # timed out: still running after %u s "
		"(testlimit=%u)\n",
		cur.n, cur.t->name, cur.limit_s, cur.limit_s);
	kprintf("# its thread %d (%s) is %s%s%s; its calls:\n", t->id, t->name,
		state[t->state], t->wmesg ? " in " : "",
		t->wmesg ? t->wmesg : "");
	thread_backtrace(t);
	kprintf("Bail out! %s did not return\n", cur.t->name);
	kprintf("%d passed, %d failed\n", cur.npass, cur.nfail + 1);
	power_off(POWER_EXIT_FAIL);
}

/* A test marked TEST_BY_NAME runs only when a pattern names it whole. */
static int
named(const char *patterns, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = patterns; *p;) {
		size_t n = 0;
		while (p[n] && p[n] != ',')
			n++;
		if (n == len && !memcmp(p, name, n))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

static void run_set(const struct ktest *set, uintptr_t end,
		    const char *patterns, uint32_t limit_s)
	__attribute__((noreturn));

/* The linker gathered the entries between two symbols: count them by
 * address, since the two are different objects to the compiler. */
static void
run_set(const struct ktest *set, uintptr_t end, const char *patterns,
	uint32_t limit_s)
{
	int count = (end - (uintptr_t)set) / sizeof(struct ktest);
	int total = 0;
	uint64_t v;
	const char *opt = cmdline_opt("testlimit");

	if (opt && !parse_u64(opt, &v) && v > 0 && v < 100000)
		limit_s = (uint32_t)v;
	for (int i = 0; i < count; i++)
		set[i].by_name ? (total += named(patterns, set[i].name))
			       : (total += selected(patterns, set[i].name));
	kprintf("KTAP version 1\n1..%d\n", total);
	cur.thread = curthread;
	cur.limit_s = limit_s;
	timeout_set(&cur.overrun, test_overran, NULL);
	for (int i = 0; i < count; i++) {
		const struct ktest *t = &set[i];
		if (t->by_name ? !named(patterns, t->name)
			       : !selected(patterns, t->name))
			continue;
		kprintf("# test: %s\n", t->name);
		failed = 0;
		reason[0] = '\0';
		cur.t = t;
		cur.n++;
		timeout_add(&cur.overrun, limit_s * HZ);
		t->fn();
		timeout_del(&cur.overrun);
		if (failed) {
			cur.nfail++;
			kprintf("not ok %d %s # %s\n", cur.n, t->name, reason);
		} else {
			cur.npass++;
			kprintf("ok %d %s\n", cur.n, t->name);
		}
	}
	kprintf("%d passed, %d failed\n", cur.npass, cur.nfail);
	power_off(cur.nfail || !total ? POWER_EXIT_FAIL : POWER_EXIT_OK);
}

void
ktest_run(const char *patterns)
{
	run_set(__ktests_start, (uintptr_t)__ktests_end, patterns,
		KTEST_LIMIT_S);
}

void
kbench_run(const char *patterns)
{
	run_set(__kbench_start, (uintptr_t)__kbench_end, patterns,
		KBENCH_LIMIT_S);
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
