/*
 * cmds_fs.c: shell commands for the file system: mount an ext2 file
 * system on /mnt (and root=DEV at boot: fs_mount_root), unmount it,
 * df, and the shell's working directory (cd, pwd), which the programs
 * it runs start in.
 */
#include "blk/bcache.h"
#include "blk/bdev.h"
#include "cmdline_opt.h"
#include "console.h"
#include "errno.h"
#include "fs/ext2.h"
#include "fs/vfs.h"
#include "printf.h"
#include "proc/proc.h"
#include "shell.h"
#include "string.h"

static void
mount_describe(const char *how)
{
	const struct ext2_fs *fs = vfs_mounted();
	char sz[16];

	kprintf("%s: %s on /mnt: ext2, %s, %u KiB blocks, %s\n", how,
		fs->bd->name,
		fmt_size(sz, sizeof(sz),
			 (uint64_t)fs->sb.s_blocks_count * fs->bsize),
		fs->bsize / 1024, fs->ro ? "read-only" : "read-write");
}

SHELL_CMD(mount, "[DEV [ro]]", "mount DEV's ext2 file system on /mnt")
{
	if (argc == 1) {
		if (vfs_mounted())
			mount_describe("mount");
		else
			kprintf("mount: nothing mounted\n");
		return 0;
	}
	if (argc > 3 || (argc == 3 && strcmp(argv[2], "ro")))
		return shell_usage(argv[0]);
	char why[160];
	int err = vfs_mount(argv[1], argc == 3, why, sizeof(why));
	if (err) {
		kprintf("mount: %s: %s: %s\n", argv[1], errno_name(err), why);
		return 1;
	}
	mount_describe("mount");
	return 0;
}

SHELL_CMD(umount, "", "write out and unmount the file system on /mnt")
{
	if (argc != 1)
		return shell_usage(argv[0]);
	const struct ext2_fs *fs = vfs_mounted();
	char name[BDEV_NAMELEN];
	strlcpy(name, fs ? fs->bd->name : "/mnt", sizeof(name));
	int err = vfs_umount();
	if (err == EBUSY) {
		kprintf("umount: %s: EBUSY: in use (an open file, or a "
			"working directory: cd /)\n",
			name);
		return 1;
	}
	if (err == EINVAL) {
		kprintf("umount: /mnt: EINVAL: nothing mounted\n");
		return 1;
	}
	if (err) {
		kprintf("umount: %s: %s: %s (unmounted all the same)\n", name,
			errno_name(err), errno_msg(err));
		return 1;
	}
	kprintf("umount: %s unmounted\n", name);
	return 0;
}

SHELL_CMD(df, "", "the mounted file system's space and inodes")
{
	struct statfs sf;
	char a[16], b[16], c[16];

	if (argc != 1)
		return shell_usage(argv[0]);
	if (!vfs_mounted()) {
		kprintf("df: nothing mounted\n");
		return 1;
	}
	int err = vfs_statfs(&proc_shell_cwd, "/mnt", &sf);
	if (err) {
		kprintf("df: /mnt: %s: %s\n", errno_name(err), errno_msg(err));
		return 1;
	}
	uint64_t used = sf.f_blocks - sf.f_bfree;
	kprintf("Filesystem  Size       Used       Avail      Use%%  Inodes "
		"  IFree    Mounted on\n");
	kprintf("%-10s  %-9s  %-9s  %-9s  %3llu%%  %-8llu %-8llu /mnt\n",
		sf.f_dev, fmt_size(a, sizeof(a), sf.f_blocks * sf.f_bsize),
		fmt_size(b, sizeof(b), used * sf.f_bsize),
		fmt_size(c, sizeof(c), sf.f_bavail * sf.f_bsize),
		(unsigned long long)(used + sf.f_bavail
					     ? (used * 100 + used +
						sf.f_bavail - 1) /
						       (used + sf.f_bavail)
					     : 0),
		(unsigned long long)sf.f_files, (unsigned long long)sf.f_ffree);
	return 0;
}

SHELL_CMD(cd, "[DIR]", "the shell's working directory (/ if none)")
{
	if (argc > 2)
		return shell_usage(argv[0]);
	int err = vfs_chdir(&proc_shell_cwd, argc == 2 ? argv[1] : "/");
	if (err) {
		kprintf("cd: %s: %s: %s\n", argv[1], errno_name(err),
			errno_msg(err));
		return 1;
	}
	return 0;
}

/* The kernel's own buffer, as a process's would be: getcwd checks
 * nothing here but its length. */
SHELL_CMD(pwd, "", "the shell's working directory")
{
	char buf[PATH_MAX];

	if (argc != 1)
		return shell_usage(argv[0]);
	int err = vfs_getcwd_kernel(&proc_shell_cwd, buf, sizeof(buf));
	if (err) {
		kprintf("pwd: %s: %s\n", errno_name(err), errno_msg(err));
		return 1;
	}
	kprintf("%s\n", buf);
	return 0;
}
