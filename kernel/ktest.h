/*
 * ktest.h: in-kernel tests and benchmarks.  A test is a function
 * registered with TEST(); its name states the rule it checks.  Booting
 * with `test` (all) or `test=GLOB[,GLOB]` runs them and prints KTAP:
 *
 *	TEST(timeout_fires_once_after_its_ticks)
 *	{
 *		...
 *		CHECK(fired == 1, "fired %d times, expected once", fired);
 *	}
 *
 * A failed CHECK records the message and returns from the test.  A test
 * that has not returned after testlimit= seconds (default 90) fails,
 * named, with its thread's calls, and ends the run (ktest.c).
 *
 * A benchmark is registered with BENCH() and runs when the kernel boots
 * with `bench` or `bench=GLOB` (make bench).  It prints its figures with
 * bench_report() or kprintf("bench NAME: ..."); CHECK works as in a test,
 * for what must hold for the figures to mean anything.
 */
#ifndef KTEST_H
#define KTEST_H

#include <stdint.h>

struct ktest {
	const char *name;
	void (*fn)(void);
	int by_name; /* run only when a pattern names it whole */
};

#define KTEST_ENTRY(tname, sect, by_name)                                      \
	static void tname(void);                                               \
	static const struct ktest ktest_entry_##tname                          \
		__attribute__((used, no_reorder, section(sect),                \
			       aligned(4))) = {#tname, tname, by_name};        \
	static void tname(void)

#define TEST(tname)  KTEST_ENTRY(tname, ".ktests", 0)
#define BENCH(bname) KTEST_ENTRY(bname, ".kbench", 0)
/* A test of the harness itself that fails on purpose (a hang, say): it
 * runs only when test= names it, never under `test` or a glob. */
#define TEST_BY_NAME(tname) KTEST_ENTRY(tname, ".ktests", 1)

void ktest_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ktest_failed(void);
void ktest_run(const char *patterns) __attribute__((noreturn));
void kbench_run(const char *patterns) __attribute__((noreturn));
void bench_report(const char *what, uint32_t *cycles, int n);

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			ktest_fail(__FILE__, __LINE__, __VA_ARGS__);           \
			return;                                                \
		}                                                              \
	} while (0)

/* Integers: the message names both sides and their values. */
#define CHECK_EQ(seen, expected)                                               \
	CHECK((long long)(seen) == (long long)(expected),                      \
	      "%s: expected %lld, saw %lld", #seen, (long long)(expected),     \
	      (long long)(seen))

#define CHECK_STR(seen, expected)                                              \
	CHECK(!strcmp((seen), (expected)), "%s: expected \"%s\", saw \"%s\"",  \
	      #seen, (expected), (seen))

#endif
