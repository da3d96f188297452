/*
 * test_lv.c: logical volumes (kernel/blk/lv.c) on disk images the host
 * made (tests/scenarios/lv.py), which then checks every image byte.
 *
 *  - lv_layout_*: st0, a stripe of sd0..sd3 with 8 KiB chunks, and cc0,
 *    a concatenation of sd4p1, sd4p2 and sd5 (volumes on partitions);
 *    reads find each block where the rule puts it, writes land there
 *    (the host checks), the edges are the volume's, a request becomes
 *    one piece per stretch and completes once, bad configurations are
 *    refused and change nothing.
 *  - lv_mirror_*: m0, a mirror of two stripes; m1, a mirror of sd4 and
 *    sd5 rebuilt at boot and again, by hand, under writes (the host
 *    checks the legs are the same, byte for byte).
 *  - lv_fault_*: mirrors fr0, fw0, fb0 with blkdebug errors on their
 *    legs: reads and writes that fail on one leg never reach the caller;
 *    a sector bad on both fails only its request.
 *
 *  - lv_big_*: a 4 TiB stripe of four 1 TiB disks and a 3 TiB concat of
 *    a 2 TiB disk and a 1 TiB one, on sparse images: blocks past 2^31 and
 *    2^32, a piece across the 2^32 boundary between two disks.
 *  - a_stacked_volume_*: volumes made and removed on rd0 and rd1, in
 *    every battery (rd1 slow, everything traced): a chain longer than a
 *    volume's pool, a mirror under a concat (three layers of b_iodepth
 *    and completion checks), errors on several pieces of one request.
 *
 * Writes through volume bd carry the pattern of bd->dev + LV_WRITE_ID.
 */
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "clock.h"
#include "disktest.h"
#include "errno.h"
#include "kmalloc.h"
#include "ktest.h"
#include "intr.h"
#include "blk/lv.h"
#include "pattern.h"
#include "proc/file.h"
#include "ramdisk.h"
#include "string.h"
#include "thread.h"
#include "tracetest.h"

#define LV_WRITE_ID 400
#define ST_CHUNK    16 /* blocks: 8 KiB */
#define ST_LEGS	    4
#define DISK_BLOCKS 32768 /* 16 MiB, every disk of the scenarios */

static uint8_t buf[256 * DEV_BSIZE];

static struct bdev *
need(const char *name)
{
	return bdev_by_name(name);
}

static int
info_of(const char *name, struct lv_info *in)
{
	for (int i = 0; i < LV_MAX; i++)
		if (lv_info(i, in) && !strcmp(in->name, name))
			return 1;
	return 0;
}

static int
nbdevs(void)
{
	int n = 0;

	while (bdev_at(n))
		n++;
	return n;
}

/* --- layout: stripe and concat --- */

/* Where stripe block b of st0 lies: its leg and the leg's block. */
static void
stripe_where(uint64_t b, int *leg, uint64_t *lblk)
{
	uint64_t c = b / ST_CHUNK;

	*leg = (int)(c % ST_LEGS);
	*lblk = c / ST_LEGS * ST_CHUNK + b % ST_CHUNK;
}

TEST(lv_layout_stripe_reads_each_block_from_where_the_rule_puts_it)
{
	struct bdev *st = need("st0");
	uint32_t resid;

	CHECK(st != NULL, "no st0");
	CHECK_EQ(st->nblocks, (uint64_t)ST_LEGS * DISK_BLOCKS);
	static const uint64_t at[] = {0, 5, 60000, 131072 - 200};
	for (unsigned k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		CHECK_EQ(testio(st, B_READ, (daddr_t)at[k], 200 * DEV_BSIZE,
				buf, &resid),
			 0);
		CHECK_EQ(resid, 0);
		for (uint32_t i = 0; i < 200; i++) {
			int leg;
			uint64_t lblk;
			stripe_where(at[k] + i, &leg, &lblk);
			char name[8] = "sd0";
			name[2] = (char)('0' + leg);
			CHECK(pattern_check(buf + i * DEV_BSIZE,
					    need(name)->dev, (daddr_t)lblk) < 0,
			      "st0 block %llu is not %s block %llu",
			      (unsigned long long)(at[k] + i), name,
			      (unsigned long long)lblk);
		}
	}
}

/* The regions the host checks (tests/scenarios/lv.py: ST_WRITES). */
static const struct {
	uint32_t blk, n;
} st_writes[] = {
	{0, 64}, {1000, 7}, {1007, 100}, {1107, 226}, {131072 - 40, 40}};

TEST(lv_layout_stripe_writes_go_where_the_rule_puts_them)
{
	struct bdev *st = need("st0");

	CHECK(st != NULL, "no st0");
	for (unsigned k = 0; k < sizeof(st_writes) / sizeof(st_writes[0]); k++)
		CHECK_EQ(fill_range(st, buf, st_writes[k].blk, st_writes[k].n,
				    st->dev + LV_WRITE_ID),
			 0);
	for (unsigned k = 0; k < sizeof(st_writes) / sizeof(st_writes[0]); k++)
		CHECK_EQ(check_range(st, buf, st_writes[k].blk, st_writes[k].n,
				     st->dev + LV_WRITE_ID),
			 -1);
	/* and each leg holds its part where the rule says */
	for (uint32_t b = 0; b < 64; b++) {
		int leg;
		uint64_t lblk;
		stripe_where(b, &leg, &lblk);
		char name[8] = "sd0";
		name[2] = (char)('0' + leg);
		uint32_t resid;
		CHECK_EQ(testio(need(name), B_READ, (daddr_t)lblk, DEV_BSIZE,
				buf, &resid),
			 0);
		CHECK(pattern_check(buf, st->dev + LV_WRITE_ID, b) < 0,
		      "%s block %llu does not hold st0 block %u", name,
		      (unsigned long long)lblk, b);
	}
}

/* cc0: sd4p1 (8192 blocks at 2048 of sd4), sd4p2 (8192 at 10240), sd5 */
static void
concat_where(uint64_t b, const char **disk, uint64_t *dblk)
{
	if (b < 8192) {
		*disk = "sd4";
		*dblk = 2048 + b;
	} else if (b < 16384) {
		*disk = "sd4";
		*dblk = 10240 + b - 8192;
	} else {
		*disk = "sd5";
		*dblk = b - 16384;
	}
}

static const struct {
	uint32_t blk, n;
} cc_writes[] = {{8192 - 4, 8}, {16384 - 4, 8}, {49152 - 4, 4}};

TEST(lv_layout_concat_requests_across_a_boundary_split_there)
{
	struct bdev *cc = need("cc0");
	uint32_t resid;

	CHECK(cc != NULL, "no cc0");
	CHECK_EQ(cc->nblocks, 49152);
	static const uint32_t at[] = {8192 - 8, 16384 - 8};
	for (unsigned k = 0; k < 2; k++) {
		CHECK_EQ(testio(cc, B_READ, at[k], 16 * DEV_BSIZE, buf, &resid),
			 0);
		for (uint32_t i = 0; i < 16; i++) {
			const char *disk;
			uint64_t dblk;
			concat_where(at[k] + i, &disk, &dblk);
			CHECK(pattern_check(buf + i * DEV_BSIZE,
					    need(disk)->dev, (daddr_t)dblk) < 0,
			      "cc0 block %u is not %s block %llu", at[k] + i,
			      disk, (unsigned long long)dblk);
		}
	}
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ(fill_range(cc, buf, cc_writes[k].blk, cc_writes[k].n,
				    cc->dev + LV_WRITE_ID),
			 0);
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ(check_range(cc, buf, cc_writes[k].blk, cc_writes[k].n,
				     cc->dev + LV_WRITE_ID),
			 -1);
}

TEST(lv_layout_edges_are_the_volumes_own)
{
	struct bdev *vols[2] = {need("st0"), need("cc0")};
	uint32_t resid;

	for (int k = 0; k < 2; k++) {
		struct bdev *bd = vols[k];
		CHECK(bd != NULL, "no volume");
		daddr_t end = (daddr_t)bd->nblocks;
		CHECK_EQ(testio(bd, B_READ, end, 4 * DEV_BSIZE, buf, &resid),
			 0);
		CHECK_EQ(resid, 4 * DEV_BSIZE); /* end of media */
		CHECK_EQ(testio(bd, B_READ, end + 1, DEV_BSIZE, buf, &resid),
			 ENXIO);
		CHECK_EQ(testio(bd, 0, end, DEV_BSIZE, buf, &resid), ENXIO);
		CHECK_EQ(
			testio(bd, B_READ, end - 2, 4 * DEV_BSIZE, buf, &resid),
			0);
		CHECK_EQ(resid, 2 * DEV_BSIZE); /* cut at the end */
	}
}

/* A 32 KiB read of st0 from block 8: five pieces (8 + 16 + 16 + 16 + 8
 * blocks over the four legs), each remapped and completed, the caller's
 * buf completed once, after them. */
TEST(lv_layout_a_request_becomes_one_piece_per_stretch_completed_once)
{
	static struct buf b;
	struct bdev *st = need("st0");
	struct trace_rec r;

	CHECK(st != NULL, "no st0");
	trace_clear();
	trace_start(NODEV);
	testio_setup(&b, st, B_READ, 8, 64 * DEV_BSIZE, buf);
	int err = testio_run(&b);
	trace_stop();
	CHECK_EQ(err, 0);
	CHECK_EQ(b.b_iodepth, 0);
	CHECK_EQ(b.b_blkno, 8);
	int remaps = 0, pieces_done = 0, caller_done = 0, done_after = 1;
	uint32_t legs = 0;
	for (uint64_t i = 0; i < trace_written(); i++) {
		if (!trace_get(i, &r))
			continue;
		if (r.act == TR_REMAP && r.buf && r.buf != (uint32_t)&b) {
			remaps++;
			for (int k = 0; k < ST_LEGS; k++) {
				char name[8] = "sd0";
				name[2] = (char)('0' + k);
				if (r.dev == need(name)->dev)
					legs |= 1u << k;
			}
		}
		if (r.act == TR_BIODONE && r.buf != (uint32_t)&b &&
		    major(r.dev) == MAJOR_SD)
			pieces_done++;
		if (r.act == TR_BIODONE && r.buf == (uint32_t)&b) {
			caller_done++;
			done_after = pieces_done == 5;
		}
	}
	CHECK_EQ(remaps, 5);
	CHECK_EQ(legs, 0xF);
	CHECK_EQ(pieces_done, 5);
	CHECK_EQ(caller_done, 1);
	CHECK(done_after, "the caller's buf completed before its pieces");
	trace_clear();
}

/* Each refused with its errno (the console says why: lv.py checks),
 * and nothing changed: no device, no volume, no leg taken. */
TEST(lv_layout_bad_configurations_are_refused_and_change_nothing)
{
	char *unknown[] = {"rd0", "nosuch"};
	char *twice[] = {"rd0", "rd0"};
	char *inuse[] = {"rd0", "sd0"};
	char *disk_of_used[] = {"rd0", "sd4"};
	char *self[] = {"rd0", "x0"};
	char *legs4[] = {"rd0", "rd1", "rd0", "rd1"};
	char *good[] = {"rd0", "rd1"};
	int before = nbdevs();

	CHECK_EQ(lv_create("x0", LV_CONCAT, unknown, 2, 0, 0), ENXIO);
	CHECK_EQ(lv_create("x0", LV_CONCAT, twice, 2, 0, 0), EINVAL);
	CHECK_EQ(lv_create("x0", LV_CONCAT, inuse, 2, 0, 0), EBUSY);
	CHECK_EQ(lv_create("x0", LV_CONCAT, disk_of_used, 2, 0, 0), EBUSY);
	CHECK_EQ(lv_create("x0", LV_CONCAT, self, 2, 0, 0), EINVAL);
	CHECK_EQ(lv_create("x0", LV_MIRROR, legs4, 4, 0, 0), EINVAL);
	CHECK_EQ(lv_create("x0", LV_STRIPE, good, 2, 3000, 0), EINVAL);
	CHECK_EQ(lv_create("x0", LV_STRIPE, good, 2, 24 * 1024, 0), EINVAL);
	CHECK_EQ(lv_create("st0", LV_CONCAT, good, 2, 0, 0), EEXIST);
	CHECK_EQ(lv_create("x0", LV_MIRROR, good, 2, 8192, 0), EINVAL);
	CHECK_EQ(nbdevs(), before);
	CHECK(!need("x0"), "a refused volume exists");
	CHECK(!need("rd0")->holder && !need("rd1")->holder,
	      "a refused volume took a device");

	/* a volume in use cannot go; legs of different sizes use the
	 * smallest */
	char *on_cc[] = {"cc0", "rd0"};
	CHECK_EQ(lv_create("x0", LV_MIRROR, on_cc, 2, 0, LV_CLEAN), 0);
	CHECK_EQ(need("x0")->nblocks, 49152); /* cc0's, the smaller */
	CHECK_EQ(lv_remove("cc0"), EBUSY);
	CHECK_EQ(lv_remove("nosuch"), ENXIO);
	CHECK_EQ(lv_remove("x0"), 0);
	CHECK_EQ(nbdevs(), before);
	CHECK(!need("cc0")->holder && !need("rd0")->holder,
	      "a removed volume still holds its legs");
}

/* --- mirrors --- */

/* Blocks [blk, blk + n) of m's legs all hold the same bytes. */
static int
legs_agree(const char *m, uint64_t blk, uint32_t n)
{
	static uint8_t other[64 * DEV_BSIZE];
	struct lv_info in;
	uint32_t resid;

	if (!info_of(m, &in))
		return 0;
	if (testio(need(in.leg[0]), B_READ, (daddr_t)blk, n * DEV_BSIZE, buf,
		   &resid))
		return 0;
	for (int k = 1; k < in.nlegs; k++)
		if (testio(need(in.leg[k]), B_READ, (daddr_t)blk, n * DEV_BSIZE,
			   other, &resid) ||
		    memcmp(buf, other, n * DEV_BSIZE))
			return 0;
	return 1;
}

TEST(lv_mirror_of_stripes_writes_every_leg)
{
	struct bdev *m = need("m0");

	CHECK(m != NULL, "no m0");
	CHECK_EQ(m->nblocks, 2 * DISK_BLOCKS);
	for (uint32_t blk = 0; blk < m->nblocks; blk += 4096)
		CHECK_EQ(
			fill_range(m, buf, blk + 100, 64, m->dev + LV_WRITE_ID),
			0);
	for (uint32_t blk = 0; blk < m->nblocks; blk += 4096) {
		CHECK_EQ(check_range(m, buf, blk + 100, 64,
				     m->dev + LV_WRITE_ID),
			 -1);
		CHECK(legs_agree("m0", blk + 100, 64),
		      "st0 and st1 differ at %u", blk + 100);
	}
}

/* The writers of the rebuild test: each rewrites its regions (every
 * 509th 8-block stretch, alternately) until the rebuild is over. */
#define RB_STEP	   509
#define RB_LEN	   8
#define RB_WRITERS 2
static volatile int rb_stop;
static int rb_error, rb_during;

static void
rb_writer(void *arg)
{
	int k = (int)(uintptr_t)arg;
	struct bdev *m = need("m1");
	uint8_t *mem = kmalloc(RB_LEN * DEV_BSIZE);
	struct lv_info in;

	if (!mem) {
		rb_error = ENOMEM;
		thread_exit();
	}
	do {
		for (uint32_t i = (uint32_t)k;
		     i * RB_STEP + RB_LEN <= m->nblocks; i += RB_WRITERS) {
			int e = fill_range(m, mem, i * RB_STEP, RB_LEN,
					   m->dev + LV_WRITE_ID);
			if (e && !rb_error)
				rb_error = e;
			if (info_of("m1", &in) && in.sync_total)
				rb_during++;
		}
	} while (!rb_stop);
	kfree(mem);
	thread_exit();
}

TEST(lv_mirror_rebuild_under_writes_loses_nothing)
{
	struct bdev *m = need("m1");
	struct lv_info in;

	CHECK(m != NULL, "no m1");
	/* the rebuild lv= started at boot */
	CHECK_EQ(lv_resync_wait("m1"), 0);
	CHECK(legs_agree("m1", 0, 64) && legs_agree("m1", DISK_BLOCKS - 64, 64),
	      "the boot's rebuild left the legs different");
	/* sd5 out of the mirror; writes go on to sd4 alone */
	CHECK_EQ(lv_fail("m1", "sd5"), 0);
	CHECK_EQ(lv_fail("m1", "sd4"), EBUSY); /* the last healthy leg */
	CHECK_EQ(fill_range(m, buf, 3000, 100, m->dev + LV_WRITE_ID), 0);
	CHECK(!legs_agree("m1", 3000, 64), "a failed leg took a write");
	/* then rebuilt while two threads write */
	rb_stop = 0;
	rb_error = rb_during = 0;
	struct thread *t[RB_WRITERS];
	CHECK_EQ(lv_resync("m1", NULL, NULL), 0);
	for (int k = 0; k < RB_WRITERS; k++)
		t[k] = thread_create(rb_writer, (void *)(uintptr_t)k,
				     "rbwrite");
	CHECK_EQ(lv_resync_wait("m1"), 0);
	rb_stop = 1;
	for (int k = 0; k < RB_WRITERS; k++)
		if (t[k])
			thread_join(t[k]);
	CHECK_EQ(rb_error, 0);
	CHECK(rb_during > 0, "no write ran during the rebuild");
	CHECK(info_of("m1", &in), "no m1");
	CHECK(!strcmp(in.leg_state[1], "ok"), "sd5 is %s", in.leg_state[1]);
	CHECK_EQ(check_range(m, buf, 3000, 100, m->dev + LV_WRITE_ID), -1);
	for (uint32_t blk = 0; blk + 64 <= m->nblocks; blk += 64)
		CHECK(legs_agree("m1", blk, 64), "sd4 and sd5 differ at %u",
		      blk);
}

/* --- faults (blkdebug: lv.py) --- */

/* fr0 = sd0 + sd1: reads of sd1's sector FAULT_READ fail; fw0 = sd4 +
 * sd5: writes of sd5's sector FAULT_WRITE fail; fb0 = sd2 + sd3: both
 * fail reads of FAULT_BOTH and writes of FAULT_BOTH_W. */
#define FAULT_READ   5000
#define FAULT_WRITE  6000
#define FAULT_BOTH   7000
#define FAULT_BOTH_W 7500
#define MIRROR_ID    0x4D49 /* the pattern both legs start with */

static volatile int fo_stop;
static int fo_error;

static void
fo_reader(void *arg)
{
	const char *name = arg;
	struct bdev *m = need(name);
	uint8_t *mem = kmalloc(16 * DEV_BSIZE);

	for (int round = 0; round < 40 && !fo_error; round++) {
		int e = check_range(m, mem, FAULT_READ - 8, 16, MIRROR_ID);
		if (e != -1 && !fo_error)
			fo_error = e == -2 ? EIO : EINVAL;
	}
	kfree(mem);
	thread_exit();
}

TEST(lv_fault_a_read_error_on_one_leg_is_retried_on_the_other)
{
	struct bdev *m = need("fr0");
	struct lv_info in;
	struct thread *t[2];

	CHECK(m != NULL, "no fr0");
	fo_error = 0;
	for (int k = 0; k < 2; k++)
		t[k] = thread_create(fo_reader, "fr0", "foread");
	/* meanwhile, writes elsewhere */
	for (int i = 0; i < 20; i++)
		CHECK_EQ(fill_range(m, buf, 9000 + i * 16, 16, MIRROR_ID), 0);
	for (int k = 0; k < 2; k++)
		thread_join(t[k]);
	CHECK_EQ(fo_error, 0);
	CHECK(info_of("fr0", &in), "no fr0");
	CHECK(!strcmp(in.leg_state[0], "ok"), "sd0 is %s", in.leg_state[0]);
	CHECK(!strcmp(in.leg_state[1], "failed"), "sd1 is %s", in.leg_state[1]);
	CHECK(in.leg_errors[1] >= 1, "no error counted on sd1");
	/* later I/O avoids it: reads of the bad sector keep working */
	CHECK_EQ(check_range(m, buf, FAULT_READ, 1, MIRROR_ID), -1);
}

TEST(lv_fault_a_write_error_fails_the_leg_not_the_request)
{
	struct bdev *m = need("fw0");
	struct lv_info in;

	CHECK(m != NULL, "no fw0");
	CHECK_EQ(fill_range(m, buf, FAULT_WRITE - 4, 8, MIRROR_ID + 1), 0);
	CHECK_EQ(check_range(m, buf, FAULT_WRITE - 4, 8, MIRROR_ID + 1), -1);
	CHECK(info_of("fw0", &in), "no fw0");
	CHECK(!strcmp(in.leg_state[1], "failed"), "sd5 is %s", in.leg_state[1]);
	/* and writes after go on to sd4 alone, without error */
	CHECK_EQ(fill_range(m, buf, FAULT_WRITE - 4, 8, MIRROR_ID + 2), 0);
	CHECK_EQ(check_range(m, buf, FAULT_WRITE - 4, 8, MIRROR_ID + 2), -1);
}

TEST(lv_fault_a_sector_bad_on_both_legs_fails_that_request_only)
{
	struct bdev *m = need("fb0");
	struct lv_info in;
	uint32_t resid;

	CHECK(m != NULL, "no fb0");
	/* a write both legs fail: two failed pieces, one error, one
	 * completion (biodone's check would panic on a second) */
	CHECK_EQ(testio(m, 0, FAULT_BOTH_W - 1, 2 * DEV_BSIZE, buf, &resid),
		 EIO);
	CHECK_EQ(check_range(m, buf, FAULT_BOTH + 200, 8, MIRROR_ID), -1);
	CHECK_EQ(testio(m, B_READ, FAULT_BOTH - 2, 4 * DEV_BSIZE, buf, &resid),
		 EIO);
	CHECK_EQ(resid, 2 * DEV_BSIZE); /* the two blocks before it read */
	CHECK(pattern_check(buf, MIRROR_ID, FAULT_BOTH - 2) < 0 &&
		      pattern_check(buf + DEV_BSIZE, MIRROR_ID,
				    FAULT_BOTH - 1) < 0,
	      "the blocks before the bad one are wrong");
	CHECK(info_of("fb0", &in), "no fb0");
	/* one leg failed, the last never */
	CHECK((!strcmp(in.leg_state[0], "ok")) +
			      (!strcmp(in.leg_state[1], "ok")) ==
		      1,
	      "legs %s, %s", in.leg_state[0], in.leg_state[1]);
	/* the volume still works around it */
	CHECK_EQ(check_range(m, buf, FAULT_BOTH + 1, 8, MIRROR_ID), -1);
	CHECK_EQ(fill_range(m, buf, FAULT_BOTH + 100, 8, MIRROR_ID + 3), 0);
	CHECK_EQ(check_range(m, buf, FAULT_BOTH + 100, 8, MIRROR_ID + 3), -1);
}

/* The copy of a stretch is held open (lv_sync_pause) and a write to it
 * sent right then: held until the copy is done, it is not overwritten
 * by the old data (lv.py: the same stretches, the same pattern). */
#define WD_STRETCH 128 /* blocks: LV_SYNC_BYTES */
static const uint32_t wd_stretches[] = {10, 50, 90, 130, 170, 210, 250};

TEST(lv_mirror_a_write_while_its_stretch_is_copied_is_not_lost)
{
	struct bdev *m = need("m1");
	struct lv_info in;

	CHECK(m != NULL, "no m1");
	CHECK_EQ(lv_fail("m1", "sd5"), 0);
	lv_sync_pause = 5;
	CHECK_EQ(lv_resync("m1", NULL, NULL), 0);
	int hit = 0;
	for (unsigned k = 0; k < sizeof(wd_stretches) / sizeof(wd_stretches[0]);
	     k++) {
		uint32_t at = wd_stretches[k] * WD_STRETCH;
		uint64_t t0 = clock_ticks();
		while (info_of("m1", &in) && in.sync_total &&
		       in.sync_done < at && clock_ticks() - t0 < 30 * HZ)
			thread_yield();
		hit += in.sync_total && in.sync_done == at;
		CHECK_EQ(fill_range(m, buf, at + 40, 8, m->dev + LV_WRITE_ID),
			 0);
	}
	CHECK_EQ(lv_resync_wait("m1"), 0);
	lv_sync_pause = 0;
	CHECK(hit > 0, "no write fell while its stretch was copied");
	for (unsigned k = 0; k < sizeof(wd_stretches) / sizeof(wd_stretches[0]);
	     k++) {
		uint32_t at = wd_stretches[k] * WD_STRETCH + 40;
		CHECK(legs_agree("m1", at, 8), "sd4 and sd5 differ at %u", at);
		CHECK_EQ(check_range(m, buf, at, 8, m->dev + LV_WRITE_ID), -1);
	}
}

/* --- real sizes --- */

/* The 16-block stretches written in each (lv.py: BIG_AT). */
#define BIG_N 16
static int
big_at(const struct bdev *bd, uint64_t *at)
{
	uint64_t end = bd->nblocks;
	int n = 0;

	at[n++] = 0;
	at[n++] = (1ull << 31) - 8;
	at[n++] = (1ull << 32) - 8;
	at[n++] = (1ull << 32) + (1ull << 30) + 3;
	at[n++] = end - BIG_N;
	return n;
}

TEST(lv_big_volumes_of_terabytes_put_every_block_in_its_place)
{
	static const char *const names[] = {"bs0", "bc0"};
	static const uint64_t sizes[] = {1ull << 33, 3ull << 31};
	uint64_t at[8];

	for (int v = 0; v < 2; v++) {
		struct bdev *bd = need(names[v]);
		CHECK(bd != NULL, "no %s", names[v]);
		CHECK_EQ(bd->nblocks, sizes[v]);
		int n = big_at(bd, at);
		for (int k = 0; k < n; k++)
			CHECK_EQ(fill_range(bd, buf, (daddr_t)at[k], BIG_N,
					    bd->dev + LV_WRITE_ID),
				 0);
		for (int k = 0; k < n; k++)
			CHECK(check_range(bd, buf, (daddr_t)at[k], BIG_N,
					  bd->dev + LV_WRITE_ID) == -1,
			      "%s: blocks from %llu", names[v],
			      (unsigned long long)at[k]);
	}
	/* bc0's boundary: sd4's last blocks and sd5's first */
	uint32_t resid;
	CHECK_EQ(testio(need("sd5"), B_READ, 0, DEV_BSIZE, buf, &resid), 0);
	CHECK(pattern_check(buf, need("bc0")->dev + LV_WRITE_ID, 1ull << 32) <
		      0,
	      "bc0 block 2^32 is not sd5 block 0");
}

/* --- on the RAM disks, in every battery --- */

#define SV_CHAIN 100
#define SV_FIRST 12000 /* volume blocks: rd blocks 6000.. of the stripe */
static struct buf sv_buf[SV_CHAIN];
static volatile int sv_done[SV_CHAIN];

static void
sv_iodone(struct buf *bp)
{
	sv_done[bp - sv_buf]++;
}

/* A volume a failed test left behind, gone (it would fail the next). */
static void
sv_clean(void)
{
	static const char *const names[] = {"cv0", "mv0", "mv1",
					    "mv2", "sv0", "sv1"};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (need(names[i]))
			lv_remove(names[i]);
}

static int
sv_wait_all(void)
{
	for (int w = 0; w < 500; w++) {
		int all = 1;
		for (int i = 0; i < SV_CHAIN; i++)
			all &= sv_done[i] >= 1;
		if (all)
			return 1;
		static int nobody;
		tsleep(&nobody, "svwait", 1);
	}
	return 0;
}

/* 100 writes of 8 KiB in one chain on a stripe of rd0 and rd1 with 4 KiB
 * chunks: 200 pieces, more than the volume's pool holds at once, so
 * requests wait for pieces; each completes once, and each block is on
 * the RAM disk the rule names. */
TEST(lv_a_stacked_volume_chain_longer_than_its_pool_completes_each_once)
{
	char *legs[] = {"rd0", "rd1"};
	struct lv_info in;

	sv_clean();
	CHECK_EQ(lv_create("sv0", LV_STRIPE, legs, 2, 4096, 0), 0);
	struct bdev *sv = need("sv0");
	uint8_t *mem = kmalloc(SV_CHAIN * 16 * DEV_BSIZE);
	CHECK(mem != NULL, "no memory");
	struct buf *head = NULL;
	for (int i = SV_CHAIN - 1; i >= 0; i--) {
		daddr_t blk = SV_FIRST + i * 16 + 4; /* across a chunk */
		for (int k = 0; k < 16; k++)
			pattern_fill(mem + (i * 16 + k) * DEV_BSIZE,
				     sv->dev + LV_WRITE_ID, blk + k);
		memset(&sv_buf[i], 0, sizeof(sv_buf[i]));
		sv_buf[i].b_flags = B_WRITE;
		sv_buf[i].b_dev = sv->dev;
		sv_buf[i].b_blkno = blk;
		sv_buf[i].b_bcount = 16 * DEV_BSIZE;
		sv_buf[i].b_un.b_addr = mem + i * 16 * DEV_BSIZE;
		sv_buf[i].b_iodone = sv_iodone;
		sv_buf[i].av_forw = head;
		head = &sv_buf[i];
		sv_done[i] = 0;
	}
	/* at splhigh, so that no piece comes back (their biodones wait for
	 * INTIODONE) while the chain goes down: the pool must run short */
	int s = splhigh();
	bdev_strategy(head);
	splx(s);
	int all = sv_wait_all();
	CHECK(all, "not every request completed");
	for (int i = 0; i < SV_CHAIN; i++)
		CHECK(sv_done[i] == 1 && !geterror(&sv_buf[i]) &&
			      sv_buf[i].b_iodepth == 0,
		      "request %d: %d completions, error %d, depth %d", i,
		      sv_done[i], geterror(&sv_buf[i]), sv_buf[i].b_iodepth);
	CHECK(info_of("sv0", &in), "no sv0");
	CHECK(in.waits > 0, "no request waited for the pool: not a test of it");
	CHECK_EQ(in.pieces, 3 * SV_CHAIN);
	for (uint32_t b = SV_FIRST + 4; b < SV_FIRST + 4 + SV_CHAIN * 16; b++) {
		uint64_t c = b / 8;
		const uint8_t *d = ramdisk_data((int)(c % 2));
		uint64_t lblk = c / 2 * 8 + b % 8;
		CHECK(pattern_check(d + lblk * DEV_BSIZE, sv->dev + LV_WRITE_ID,
				    b) < 0,
		      "sv0 block %u is not on rd%d block %llu", b, (int)(c % 2),
		      (unsigned long long)lblk);
	}
	kfree(mem);
	CHECK_EQ(lv_remove("sv0"), 0);
}

/* cv0 (a concat of one device) on mv0 (a mirror of rd0 and rd1): a
 * request passes three strategy routines and is completed once at each
 * layer; a read error on one leg is hidden, and the leg rebuilt. */
TEST(lv_a_stacked_volume_concat_on_a_mirror_hides_a_read_error_and_rebuilds)
{
	char *legs[] = {"rd0", "rd1"}, *top[] = {"mv0"};
	static uint8_t mem[8 * DEV_BSIZE];
	struct lv_info in;
	uint32_t resid;

	sv_clean();
	CHECK_EQ(lv_create("mv0", LV_MIRROR, legs, 2, 0, 0), 0);
	CHECK_EQ(lv_resync_wait("mv0"), 0); /* rd1 rebuilt from rd0 */
	CHECK_EQ(lv_create("cv0", LV_CONCAT, top, 1, 0, 0), 0);
	struct bdev *cv = need("cv0");
	CHECK_EQ(lv_remove("mv0"), EBUSY);
	CHECK_EQ(fill_range(cv, mem, 7000, 8, cv->dev + LV_WRITE_ID), 0);
	for (int u = 0; u < 2; u++)
		CHECK(pattern_check(ramdisk_data(u) + 7003 * DEV_BSIZE,
				    cv->dev + LV_WRITE_ID, 7003) < 0,
		      "rd%d does not hold the write", u);
	/* reads of block 7003 fail on rd1: every read still works */
	ramdisk_inject_error(1, 7003, EIO);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(testio(cv, B_READ, 7000, 8 * DEV_BSIZE, mem, &resid),
			 0);
		CHECK_EQ(resid, 0);
		CHECK(pattern_check(mem + 3 * DEV_BSIZE, cv->dev + LV_WRITE_ID,
				    7003) < 0,
		      "read %d: wrong data", i);
	}
	ramdisk_inject_error(1, 0, 0);
	CHECK(info_of("mv0", &in), "no mv0");
	CHECK(!strcmp(in.leg_state[1], "failed"), "rd1 is %s", in.leg_state[1]);
	CHECK(in.leg_errors[1] >= 1, "rd1's errors not counted");
	/* a write while rd1 is out, then rd1 rebuilt in place: its errors
	 * are forgotten, as a replaced leg's are */
	CHECK_EQ(fill_range(cv, mem, 7100, 8, cv->dev + LV_WRITE_ID), 0);
	CHECK_EQ(lv_resync("mv0", NULL, NULL), 0);
	CHECK_EQ(lv_resync_wait("mv0"), 0);
	CHECK(info_of("mv0", &in), "no mv0");
	CHECK(!strcmp(in.leg_state[1], "ok"), "rd1 is %s", in.leg_state[1]);
	CHECK_EQ(in.leg_errors[1], 0);
	CHECK(!memcmp(ramdisk_data(0), ramdisk_data(1),
		      need("mv0")->nblocks * DEV_BSIZE),
	      "rd0 and rd1 differ after the rebuild");
	CHECK_EQ(lv_remove("cv0"), 0);
	CHECK_EQ(lv_remove("mv0"), 0);
}

/* One 16 KiB read of a stripe of rd0 and rd1 (4 KiB chunks) whose third
 * and fourth pieces fail, the third (on rd0, done in its strategy
 * routine) before the fourth (rd1, by the clock): completed once, with
 * the error and b_resid of the first failure in the order of the bytes,
 * not in time. */
TEST(lv_a_stacked_volume_request_with_failing_pieces_completes_once)
{
	char *legs[] = {"rd0", "rd1"};
	static uint8_t mem[32 * DEV_BSIZE];

	sv_clean();
	CHECK_EQ(lv_create("sv1", LV_STRIPE, legs, 2, 4096, 0), 0);
	struct bdev *sv = need("sv1");
	/* volume blocks 12016.. (piece 3, rd0) and 12024.. (piece 4, rd1) */
	ramdisk_inject_error(0, 6008 + 2, EIO);
	ramdisk_inject_error(1, 6008 + 5, EIO);
	memset(sv_buf, 0, sizeof(sv_buf[0]));
	sv_buf[0].b_flags = B_READ;
	sv_buf[0].b_dev = sv->dev;
	sv_buf[0].b_blkno = 12000;
	sv_buf[0].b_bcount = 32 * DEV_BSIZE;
	sv_buf[0].b_un.b_addr = mem;
	sv_buf[0].b_iodone = sv_iodone;
	for (int i = 0; i < SV_CHAIN; i++)
		sv_done[i] = 1;
	sv_done[0] = 0;
	bdev_strategy(&sv_buf[0]);
	int all = sv_wait_all();
	ramdisk_inject_error(0, 0, 0);
	ramdisk_inject_error(1, 0, 0);
	CHECK(all, "the request never completed");
	static int nobody;
	tsleep(&nobody, "svmore", 5); /* a second completion would come */
	CHECK_EQ(sv_done[0], 1);
	CHECK_EQ(geterror(&sv_buf[0]), EIO);
	CHECK_EQ(sv_buf[0].b_resid, 16 * DEV_BSIZE); /* from piece 3 on */
	CHECK_EQ(sv_buf[0].b_iodepth, 0);
	CHECK_EQ(lv_remove("sv1"), 0);
}

/* A write that only a leg still being rebuilt took is not written: the
 * in-sync leg, which reads are served from, failed it, so the caller
 * gets the error (and the rebuild later copies the in-sync leg over). */
TEST(lv_a_stacked_volume_write_taken_only_by_a_rebuilding_leg_fails)
{
	char *legs[] = {"rd0", "rd1"};
	static uint8_t mem[DEV_BSIZE];
	struct lv_info in;
	uint32_t resid;

	sv_clean();
	lv_sync_pause = 5; /* the rebuild still runs when the write comes */
	CHECK_EQ(lv_create("mv1", LV_MIRROR, legs, 2, 0, 0), 0);
	CHECK(info_of("mv1", &in) && !strcmp(in.leg_state[1], "resync"),
	      "rd1 is not being rebuilt: not a test of it");
	ramdisk_inject_error(0, 8000, EIO);
	int err = testio(need("mv1"), 0, 8000, DEV_BSIZE, mem, &resid);
	ramdisk_inject_error(0, 0, 0);
	int synced = lv_resync_wait("mv1");
	lv_sync_pause = 0;
	CHECK_EQ(err, EIO);
	CHECK_EQ(synced, 0);
	CHECK(!memcmp(ramdisk_data(0) + 8000 * DEV_BSIZE,
		      ramdisk_data(1) + 8000 * DEV_BSIZE, DEV_BSIZE),
	      "the legs differ at the failed block after the rebuild");
	CHECK_EQ(lv_remove("mv1"), 0);
}

/* A mirror's legs are its own (bdev_claimant): opening a leg, or a leg's
 * raw device, for writing is EBUSY; reading stays allowed, through the
 * cache too, but no copy is kept under a leg's name, so a read of a leg
 * always shows what the volume wrote.  What the cache holds for the
 * mirror is, after sync, what every leg holds.  Removing the volume
 * gives the legs back. */
TEST(lv_a_stacked_volume_leg_is_written_only_through_it)
{
	char *legs[] = {"rd0", "rd1"};
	struct bdev *rd0 = need("rd0"), *rd1 = need("rd1");
	struct file *f;
	struct buf *bp;

	sv_clean();
	CHECK_EQ(lv_create("mv2", LV_MIRROR, legs, 2, 0, LV_CLEAN), 0);
	struct bdev *mv = need("mv2");
	CHECK(bdev_claimant(rd0, 0, 1) == mv, "rd0 is not claimed by mv2");
	CHECK_EQ(file_open("/dev/rd0", O_WRONLY, &f), EBUSY);
	CHECK_EQ(file_open("/dev/rrd1", O_RDWR, &f), EBUSY);
	CHECK_EQ(file_open("/dev/rrd0", O_RDONLY, &f), 0);
	file_close(f);
	CHECK_EQ(file_open("/dev/rd1", O_RDONLY, &f), 0);
	file_close(f);
	/* a read of a leg through the cache: not kept */
	CHECK_EQ(bread(rd0->dev, 90, DEV_BSIZE, &bp), 0);
	brelse(bp);
	CHECK(bcache_peek(rd0->dev, 90) == NULL, "rd0's block 90 kept");
	/* a delayed write through the mirror, then sync: on both legs */
	CHECK_EQ(bread(mv->dev, 90, DEV_BSIZE, &bp), 0);
	pattern_fill(bp->b_un.b_addr, mv->dev + 1, 90);
	bdwrite(bp);
	CHECK_EQ(bsync(), 0);
	for (int u = 0; u < 2; u++)
		CHECK(pattern_check(ramdisk_data(u) + 90 * DEV_BSIZE,
				    mv->dev + 1, 90) < 0,
		      "rd%d does not hold the mirror's write after sync", u);
	/* and a read of the leg shows it */
	CHECK_EQ(bread(rd1->dev, 90, DEV_BSIZE, &bp), 0);
	int ok = pattern_check(bp->b_un.b_addr, mv->dev + 1, 90) < 0;
	brelse(bp);
	CHECK(ok, "a read of rd1 does not show the mirror's write");
	CHECK_EQ(lv_remove("mv2"), 0);
	CHECK(bdev_claimant(rd0, 0, 1) == NULL, "rd0 still claimed");
	CHECK_EQ(file_open("/dev/rd0", O_WRONLY, &f), 0);
	file_close(f);
}
