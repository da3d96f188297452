/*
 * test_ktest.c: the test runner's own rules (kernel/ktest.c), those a
 * test can show from inside: run by name only, and bounded.
 */
#include "blk/buf.h"
#include "ktest.h"
#include "string.h"

/*
 * Not a rule of the pages but the proof that a broken one cannot hang
 * the run: a biowait no biodone will end, as a lost wakeup or a driver
 * that never completes would leave it.  The ktest_watchdog scenario runs
 * it by name with testlimit=2 and checks that it fails, named, with its
 * thread's calls.
 */
TEST_BY_NAME(ktest_watchdog_fails_a_test_stuck_in_biowait)
{
	static struct buf b;

	memset(&b, 0, sizeof(b));
	b.b_flags = B_BUSY | B_READ;
	biowait(&b);
	CHECK(0, "biowait returned with no biodone");
}
