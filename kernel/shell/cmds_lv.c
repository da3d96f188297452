/*
 * cmds_lv.c: the shell's logical volume command (kernel/blk/lv.h):
 *
 *	lv create NAME TYPE DEV,DEV[,...] [chunk=SIZE] [clean]
 *	lv remove NAME
 *	lv list
 *	lv status [NAME]
 *	lv resync NAME [OLD NEW] [wait]
 *	lv fail NAME LEG
 *
 * lv_create and the others print why they refuse ("lv: m0: EBUSY: sd1 is
 * in use by st0"); this file parses and shows.
 */
#include <stdint.h>

#include "blk/bdev.h"
#include "console.h"
#include "errno.h"
#include "blk/lv.h"
#include "printf.h"
#include "shell.h"
#include "string.h"

static int
lv_create_cmd(int argc, char **argv)
{
	char *devs[LV_LEGS + 1], list[128];
	int flags = 0;
	uint32_t chunk = 0;

	if (argc < 5)
		return shell_usage(argv[0]);
	int type = lv_type_parse(argv[3]);
	if (type < 0) {
		kprintf("lv: %s: EINVAL: %s: the type is concat, stripe or "
			"mirror\n",
			argv[2], argv[3]);
		return 1;
	}
	strlcpy(list, argv[4], sizeof(list));
	int n = strsplit(list, ',', devs, LV_LEGS + 1);
	for (int i = 5; i < argc; i++) {
		if (lv_option(argv[i], &chunk, &flags)) {
			kprintf("lv: %s: EINVAL: %s: not chunk=SIZE or clean\n",
				argv[2], argv[i]);
			return 1;
		}
	}
	return lv_create(argv[2], type, devs, n, chunk, flags) != 0;
}

static void
show_list(void)
{
	struct lv_info in;
	char size[16], chunk[16];

	kprintf("NAME         TYPE    SIZE        CHUNK     LEGS\n");
	for (int i = 0; i < LV_MAX; i++) {
		if (!lv_info(i, &in))
			continue;
		kprintf("%-12s %-7s %-11s %-9s ", in.name,
			lv_type_name(in.type),
			fmt_size(size, sizeof(size), in.nblocks * DEV_BSIZE),
			in.type == LV_STRIPE
				? fmt_size(chunk, sizeof(chunk), in.chunk)
				: "-");
		for (int k = 0; k < in.nlegs; k++)
			kprintf("%s%s", k ? "," : "", in.leg[k]);
		kprintf("\n");
	}
}

static int
show_status(const char *only)
{
	struct lv_info in;
	char size[16];
	int any = 0;

	for (int i = 0; i < LV_MAX; i++) {
		if (!lv_info(i, &in) || (only && strcmp(only, in.name)))
			continue;
		any = 1;
		kprintf("%s: %s, %s, %llu requests in %llu pieces, %llu waited "
			"for the pool\n",
			in.name, lv_type_name(in.type),
			fmt_size(size, sizeof(size), in.nblocks * DEV_BSIZE),
			(unsigned long long)in.requests,
			(unsigned long long)in.pieces,
			(unsigned long long)in.waits);
		for (int k = 0; k < in.nlegs; k++)
			kprintf("  %-12s %-7s %llu errors\n", in.leg[k],
				in.leg_state[k],
				(unsigned long long)in.leg_errors[k]);
		if (in.sync_total)
			kprintf("  rebuild: %llu of %llu blocks (%llu%%)\n",
				(unsigned long long)in.sync_done,
				(unsigned long long)in.sync_total,
				(unsigned long long)(in.sync_done * 100 /
						     in.sync_total));
	}
	if (only && !any) {
		kprintf("lv: %s: ENXIO: no such volume (see lv list)\n", only);
		return 1;
	}
	return 0;
}

SHELL_CMD(lv,
	  "create NAME TYPE DEV,DEV[,...] [chunk=SIZE] [clean] | "
	  "remove NAME | list | status [NAME] | resync NAME [OLD NEW] "
	  "[wait] | fail NAME LEG",
	  "logical volumes: concat, stripe, mirror (README)")
{
	if (argc < 2)
		return shell_usage(argv[0]);
	if (!strcmp(argv[1], "create"))
		return lv_create_cmd(argc, argv);
	if (!strcmp(argv[1], "remove") && argc == 3) {
		if (lv_remove(argv[2]))
			return 1;
		kprintf("lv: %s: removed\n", argv[2]);
		return 0;
	}
	if (!strcmp(argv[1], "fail") && argc == 4)
		return lv_fail(argv[2], argv[3]) != 0;
	if (!strcmp(argv[1], "list") && argc == 2) {
		show_list();
		return 0;
	}
	if (!strcmp(argv[1], "status") && argc <= 3)
		return show_status(argc == 3 ? argv[2] : NULL);
	if (!strcmp(argv[1], "resync") && argc >= 3 && argc <= 6) {
		int wait = !strcmp(argv[argc - 1], "wait");
		int nargs = argc - wait;
		if (nargs != 3 && nargs != 5)
			return shell_usage(argv[0]);
		if (lv_resync(argv[2], nargs == 5 ? argv[3] : NULL,
			      nargs == 5 ? argv[4] : NULL))
			return 1;
		return wait && lv_resync_wait(argv[2]) != 0;
	}
	return shell_usage(argv[0]);
}
