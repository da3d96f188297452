/*
 * bench_fs.c: the file system on a real disk (make bench attaches wd1 on
 * -M pc: 320 MiB, the host's mke2fs -t ext2 -b 4096 over its first 256
 * MiB, the rest for the raw device's figures): the untar-like phases
 * of fsx -b (1,000 files of 1 to 64 KiB in 20 directories: create and
 * sync, read back cold, delete and sync), and a 64 MiB file written
 * (with fsync) and read back cold beside the raw device's MB/s over the
 * last 64 MiB of the same disk.  The programs run as processes; the
 * time is the guest's TSC around each, the cold reads after the cache
 * dropped the disk's blocks.
 */
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "clock.h"
#include "console.h"
#include "cpu.h"
#include "errno.h"
#include "fs/vfs.h"
#include "ktest.h"
#include "printf.h"
#include "proc/proc.h"
#include "string.h"

#define FS_DEV	    "wd1"
#define FS_FILES    1000
#define BIG_MIB	    64
#define RAW_SEEK_MB 256 /* where the raw figures' 64 MiB start */

/* Run argv (a program of /bin) to its end: 1 if it exited 0; *cycles
 * it took. */
static int
run(char **argv, uint64_t *cycles)
{
	int argc = 0, status;

	while (argv[argc])
		argc++;
	uint64_t t0 = rdtsc();
	int pid = proc_spawn(argv[0], argc, argv, NULL, 0);
	if (pid < 0) {
		kprintf("bench fs: %s: %s\n", argv[0], errno_name(-pid));
		return 0;
	}
	int ok = proc_wait(NULL, pid, &status, 0) == pid && status == 0;
	*cycles = rdtsc() - t0;
	return ok;
}

static void
cold(const struct bdev *bd)
{
	bflush(bd->dev);
	binval(bd->dev);
}

static uint64_t
per_second(uint64_t n, uint64_t cycles)
{
	uint64_t ns = clock_cycles_to_ns(cycles);

	return ns ? n * 1000000000ull / ns : 0;
}

/* fsx -b PHASE: its files per second */
static int
phase(const struct bdev *bd, const char *name, uint64_t *rate)
{
	char files[16];
	char *argv[] = {"fsx", "-b", (char *)name, "-n", files,
			"-d",  "20", "/mnt/untar", NULL};
	uint64_t cycles;

	snprintf(files, sizeof(files), "%d", FS_FILES);
	if (!strcmp(name, "read"))
		cold(bd);
	int ok = run(argv, &cycles);
	*rate = per_second(FS_FILES, cycles);
	kprintf("bench %s ext2 untar %s: %d files in %llu ms: %llu files/s, "
		"%llu cyc/file\n",
		bd->name, name, FS_FILES,
		(unsigned long long)(clock_cycles_to_ns(cycles) / 1000000),
		(unsigned long long)*rate,
		(unsigned long long)(cycles / FS_FILES));
	return ok;
}

/* dd of 64 MiB in 256 KiB pieces: its MB/s */
static int
dd(const struct bdev *bd, const char *in, const char *out, const char *what,
   uint64_t *mbs)
{
	char i[48], o[48], count[16];
	char *argv[] = {"dd", i, o, "bs=256K", count, "conv=fsync", NULL};
	uint64_t cycles;

	snprintf(i, sizeof(i), "if=%s", in);
	snprintf(o, sizeof(o), "of=%s", out);
	snprintf(count, sizeof(count), "count=%d", BIG_MIB * 4);
	if (!strncmp(in, "/dev/r", 6) || !strncmp(out, "/dev/r", 6))
		argv[5] = NULL; /* raw: nothing cached to write */
	if (!strcmp(out, "/dev/null"))
		cold(bd);
	int ok = run(argv, &cycles);
	*mbs = per_second((uint64_t)BIG_MIB << 20, cycles) / 1000000;
	kprintf("bench %s ext2 %s: %d MiB in %llu ms: %llu MB/s\n", bd->name,
		what, BIG_MIB,
		(unsigned long long)(clock_cycles_to_ns(cycles) / 1000000),
		(unsigned long long)*mbs);
	return ok;
}

BENCH(fs_files)
{
	struct bdev *bd = bdev_by_name(FS_DEV);
	char why[120], skip[32];
	uint64_t r, w, rr, rw;
	int ok = 1;

	if (!bd) {
		kprintf("bench fs_files: no %s\n", FS_DEV);
		return;
	}
	int err = vfs_mount(FS_DEV, 0, why, sizeof(why));
	CHECK(!err, "mount %s: %s", FS_DEV, why);
	ok &= phase(bd, "create", &r);
	ok &= phase(bd, "read", &r);
	ok &= phase(bd, "delete", &r);
	ok &= dd(bd, "/dev/zero", "/mnt/big", "file write (fsync)", &w);
	ok &= dd(bd, "/mnt/big", "/dev/null", "file read (cold)", &r);
	/* the raw device beyond the file system, as a process reads it */
	snprintf(skip, sizeof(skip), "seek=%d", RAW_SEEK_MB * 4);
	char *argv[] = {"dd",	   "if=/dev/zero", "of=/dev/rwd1",
			"bs=256K", "count=256",	   skip,
			NULL};
	uint64_t cycles;
	ok &= run(argv, &cycles);
	rw = per_second((uint64_t)BIG_MIB << 20, cycles) / 1000000;
	snprintf(skip, sizeof(skip), "skip=%d", RAW_SEEK_MB * 4);
	char *argv2[] = {"dd",	    "if=/dev/rwd1", "of=/dev/null",
			 "bs=256K", "count=256",    skip,
			 NULL};
	ok &= run(argv2, &cycles);
	rr = per_second((uint64_t)BIG_MIB << 20, cycles) / 1000000;
	kprintf("bench %s ext2 file/raw: write %llu/%llu MB/s (%llu%%), read "
		"%llu/%llu MB/s (%llu%%)\n",
		bd->name, (unsigned long long)w, (unsigned long long)rw,
		(unsigned long long)(rw ? w * 100 / rw : 0),
		(unsigned long long)r, (unsigned long long)rr,
		(unsigned long long)(rr ? r * 100 / rr : 0));
	err = vfs_umount();
	CHECK(ok && !err, "a program failed, or umount: %s", errno_name(err));
}

/*
 * make compare's side of iodine (scripts/compare): the untar-like phases
 * on the disk (sd0, wd0 or an NVMe namespace, a fresh ext2 of the host's
 * mke2fs), as
 * Linux's guest runs them with the same fsx built for it: the blocks
 * dropped before the read as its drop_caches does.  fsx prints the
 * figures ("fsx: create: 1000 files, ... N files/s").
 */
BENCH(compare_fs)
{
	struct bdev *bd = bdev_by_name("sd0");
	char why[120];
	uint64_t rate;
	int ok = 1;

	if (!bd)
		bd = bdev_by_name("wd0");
	for (int i = 0; !bd && bdev_at(i); i++) /* make compare's NVMe */
		if (major(bdev_at(i)->dev) == MAJOR_NVME)
			bd = bdev_at(i);
	if (!bd) {
		kprintf("bench compare_fs: no sd0, wd0 or NVMe disk\n");
		return;
	}
	int err = vfs_mount(bd->name, 0, why, sizeof(why));
	CHECK(!err, "mount %s: %s", bd->name, why);
	ok &= phase(bd, "create", &rate);
	ok &= phase(bd, "read", &rate);
	ok &= phase(bd, "delete", &rate);
	err = vfs_umount();
	CHECK(ok && !err, "fsx failed, or umount: %s", errno_name(err));
}
