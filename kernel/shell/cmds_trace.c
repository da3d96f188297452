/*
 * cmds_trace.c: the shell's view of the request trace (kernel/blk/trace.h):
 * `trace` shows the life of the last requests, stage by stage, and `lat`
 * the per-stage latency histograms.
 */
#include <stdint.h>

#include "blk/bdev.h"
#include "clock.h"
#include "console.h"
#include "errno.h"
#include "intr.h"
#include "printf.h"
#include "shell.h"
#include "string.h"
#include "thread.h"
#include "blk/trace.h"

#define TRACE_SHOW_DEFAULT 5
#define TRACE_SHOW_MAX	   100
#define TRACE_LOOKAHEAD	   4096 /* records searched for a request's stages */
#define TRACE_KIDS	   64	/* children of one request followed */

static const char *
dev_name(dev_t dev)
{
	const struct bdev *bd = bdev_lookup(dev);

	return bd ? bd->name : "?";
}

/* "thread 3 (sh)", "irq 11 (ahci0)", "soft 1 (iodone)" */
static const char *
ctx_name(const struct trace_rec *r)
{
	static char s[48];

	if ((r->ctx & INTR_CTX_SOFT) == INTR_CTX_SOFT) {
		const char *name = "?";
		int ipl;
		const struct intr_counter *c;
		softint_info(r->ctx & 0xFF, &name, &ipl, &c);
		snprintf(s, sizeof(s), "soft %s", name);
	} else if (r->ctx & INTR_CTX_IRQ) {
		snprintf(s, sizeof(s), "irq %d (%s)", r->ctx & 0xFF,
			 intr_name(r->ctx & 0xFF));
	} else {
		char name[THREAD_NAME] = "exited";
		int x = splhigh(); /* (the idle thread frees exited ones) */
		for (struct thread *t = thread_first(); t; t = t->all_next)
			if (t->id == r->ctx)
				strlcpy(name, t->name, sizeof(name));
		splx(x);
		snprintf(s, sizeof(s), "thread %d (%s)", r->ctx, name);
	}
	return s;
}

/* What a stage's aux says, in words. */
static void
stage_detail(const struct trace_rec *r, char *s, int n)
{
	s[0] = '\0';
	switch (r->act) {
	case TR_ISSUE:
		if (major(r->dev) == MAJOR_SD)
			snprintf(s, n, ": slot %u", r->aux);
		else if (major(r->dev) == MAJOR_WD)
			snprintf(s, n, ": drive %u", r->aux);
		break;
	case TR_INTR: snprintf(s, n, ": IRQ %u", r->aux); break;
	case TR_BIODONE:
		snprintf(s, n, ": %u bytes%s%s", r->bytes, r->error ? ", " : "",
			 r->error ? errno_name(r->error) : "");
		break;
	case TR_DEFER:
		snprintf(s, n, ": %u in the INTIODONE queue", r->aux);
		break;
	case TR_COMPLETE:
		snprintf(s, n, r->aux ? ": b_iodone called" : ": B_DONE set");
		break;
	case TR_BIOWAIT:
		snprintf(s, n,
			 r->aux ? ": back, after sleeping"
				: ": back, done already");
		break;
	case TR_SPLIT:
	case TR_DRV_REISSUE:
		snprintf(s, n, ": block %llu, %u bytes",
			 (unsigned long long)r->blkno, r->bytes);
		break;
	default: break;
	}
}

static void
stage_print(const struct trace_rec *r, uint64_t t0, int indent)
{
	char detail[64], stage[96];
	uint64_t dt = r->tsc - t0;
	uint64_t ns = clock_cycles_to_ns(dt);

	stage_detail(r, detail, sizeof(detail));
	snprintf(stage, sizeof(stage), "%s%s", trace_act_name(r->act), detail);
	kprintf("  %*s%8llu.%03llu us %10llu cyc  %c %-*s IPL %d, %s\n", indent,
		"", (unsigned long long)(ns / 1000),
		(unsigned long long)(ns % 1000), (unsigned long long)dt,
		trace_act_letter(r->act), 36 - indent, stage, r->ipl,
		ctx_name(r));
}

static int
is_event(int act)
{
	return act >= TR_CACHE_HIT && act != TR_DRV_REISSUE;
}

static void
event_print(const struct trace_rec *r)
{
	char size[16];

	kprintf("%s %s at block %llu%s%s%s%s, %s\n", dev_name(r->dev),
		trace_act_name(r->act), (unsigned long long)r->blkno,
		r->bytes ? " (" : "",
		r->bytes ? fmt_size(size, sizeof(size), r->bytes) : "",
		r->bytes ? ")" : "",
		r->act == TR_DRV_ERROR && r->aux == TRACE_LOST_IRQ
			? ": a lost interrupt, recovered"
		: r->error ? errno_name(r->error)
			   : "",
		ctx_name(r));
}

/* Is this record where request `buf` ends? */
static int
request_ends(const struct trace_rec *r, uint32_t buf)
{
	if (r->buf != buf)
		return 0;
	return r->act == TR_BIOWAIT || r->act == TR_RELEASE ||
	       (r->act == TR_COMPLETE && r->aux);
}

/* The request queued at record q: its stages and its children's. */
static void
request_print(uint64_t q, const struct trace_rec *qr)
{
	uint32_t kids[TRACE_KIDS];
	int nkids = 0;
	char size[16];
	struct trace_rec r;

	kprintf("%s %s%s of %u block(s) at %llu (%s), buf 0x%08x:\n",
		dev_name(qr->dev),
		qr->flags & TRF_FLUSH  ? "flush"
		: qr->flags & TRF_READ ? "read"
				       : "write",
		qr->flags & TRF_ASYNC ? " (async)" : "", qr->bytes / DEV_BSIZE,
		(unsigned long long)qr->blkno,
		fmt_size(size, sizeof(size), qr->bytes), qr->buf);
	stage_print(qr, qr->tsc, 0);
	uint64_t end = trace_written();
	for (uint64_t n = q + 1; n < end && n <= q + TRACE_LOOKAHEAD; n++) {
		if (!trace_get(n, &r))
			continue;
		if (r.buf == qr->buf && r.act == TR_QUEUE)
			break; /* the buf's next request */
		int kid = -1;
		for (int k = 0; k < nkids; k++)
			if (kids[k] == r.buf)
				kid = k;
		if ((r.act == TR_SPLIT || r.act == TR_DRV_REISSUE) &&
		    r.aux == qr->buf && r.buf != qr->buf && kid < 0 &&
		    nkids < TRACE_KIDS) {
			kid = nkids;
			kids[nkids++] = r.buf;
		}
		if (kid >= 0) {
			stage_print(&r, qr->tsc, 4);
			if (r.act == TR_COMPLETE)
				kids[kid] = 0; /* its buf may serve another */
		} else if (r.buf == qr->buf) {
			stage_print(&r, qr->tsc, 0);
			if (request_ends(&r, qr->buf))
				return;
		}
	}
}

static void
trace_status(void)
{
	dev_t f = trace_filter();

	kprintf("trace: %s, %s; %llu records, %llu dropped (the ring holds "
		"%u)\n",
		trace_on ? "on" : "off",
		f == NODEV ? "every device" : dev_name(f),
		(unsigned long long)trace_written(),
		(unsigned long long)trace_dropped(), trace_capacity());
}

/* The last `count` requests and events of dev (NODEV: all), oldest
 * first. */
static void
trace_show(dev_t dev, int count)
{
	static uint64_t at[TRACE_SHOW_MAX];
	struct trace_rec r;
	int n = 0;
	uint64_t end = trace_written(), first = trace_dropped();

	for (uint64_t i = end; i > first && n < count; i--) {
		if (!trace_get(i - 1, &r))
			continue;
		if ((r.act == TR_QUEUE || is_event(r.act)) &&
		    (dev == NODEV || r.dev == dev))
			at[n++] = i - 1;
	}
	if (!n) {
		kprintf("trace: no requests recorded%s%s%s\n",
			dev == NODEV ? "" : " for ",
			dev == NODEV ? "" : dev_name(dev),
			trace_on ? "" : " (trace on [DEV] starts tracing)");
		return;
	}
	for (int k = n - 1; k >= 0; k--) {
		if (!trace_get(at[k], &r))
			continue;
		if (r.act == TR_QUEUE)
			request_print(at[k], &r);
		else
			event_print(&r);
	}
}

SHELL_CMD(trace, "[on [DEV] | off | clear | [DEV] [N]]",
	  "trace requests' lives; show the last N (default 5)")
{
	dev_t dev = NODEV;
	uint64_t count = TRACE_SHOW_DEFAULT;

	if (argc > 3)
		return shell_usage(argv[0]);
	if (argc >= 2 && !strcmp(argv[1], "on")) {
		if (argc == 3) {
			const struct bdev *bd = bdev_by_name(argv[2]);
			if (!bd) {
				kprintf("trace: %s: ENXIO: no such device "
					"(see lsblk)\n",
					argv[2]);
				return 1;
			}
			dev = bd->dev;
		}
		trace_start(dev);
		trace_status();
		return 0;
	}
	if (argc >= 2 &&
	    (!strcmp(argv[1], "off") || !strcmp(argv[1], "clear"))) {
		if (argc != 2)
			return shell_usage(argv[0]);
		if (argv[1][1] == 'f')
			trace_stop();
		else
			trace_clear();
		trace_status();
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const struct bdev *bd = bdev_by_name(argv[i]);
		if (bd && dev == NODEV && i == 1) {
			dev = bd->dev;
		} else if (!parse_u64(argv[i], &count) && i == argc - 1) {
			if (!count || count > TRACE_SHOW_MAX) {
				kprintf("trace: %s: EINVAL: N is 1 to %d\n",
					argv[i], TRACE_SHOW_MAX);
				return 1;
			}
		} else {
			kprintf("trace: %s: ENXIO: no such device or option "
				"(see lsblk, help trace)\n",
				argv[i]);
			return 1;
		}
	}
	trace_status();
	trace_show(dev, (int)count);
	return 0;
}

static void
us_print(uint64_t cycles)
{
	uint64_t ns = clock_cycles_to_ns(cycles);

	kprintf(" %8llu.%01llu", (unsigned long long)(ns / 1000),
		(unsigned long long)(ns % 1000 / 100));
}

static void
lat_print(const struct bdev *bd)
{
	const struct trace_hist *total = trace_hist(bd->dev, TS_TOTAL);

	if (!total)
		return;
	kprintf("%s: latency in us (p50, p99: the top of their log2 bucket)\n",
		bd->name);
	kprintf("  %-17s %8s %10s %10s %10s %10s %10s\n", "stage", "count",
		"min", "p50", "p99", "max", "avg");
	for (int s = 0; s < TS_NSTAGE; s++) {
		const struct trace_hist *h = trace_hist(bd->dev, s);
		kprintf("  %-17s %8llu", trace_stage_name(s),
			(unsigned long long)h->count);
		if (h->count) {
			us_print(h->min);
			us_print(trace_hist_pct(h, 50));
			us_print(trace_hist_pct(h, 99));
			us_print(h->max);
			us_print(h->sum / h->count);
		}
		kprintf("\n");
	}
}

SHELL_CMD(lat, "[DEV | clear]",
	  "per-stage latency of the requests traced (trace on)")
{
	if (argc > 2)
		return shell_usage(argv[0]);
	if (argc == 2 && !strcmp(argv[1], "clear")) {
		trace_hist_clear();
		kprintf("lat: cleared\n");
		return 0;
	}
	if (argc == 2) {
		const struct bdev *bd = bdev_by_name(argv[1]);
		if (!bd) {
			kprintf("lat: %s: ENXIO: no such device (see lsblk)\n",
				argv[1]);
			return 1;
		}
		if (!trace_hist(bd->dev, TS_TOTAL)) {
			kprintf("lat: %s: nothing traced yet (trace on %s)\n",
				bd->name, bd->name);
			return 0;
		}
		lat_print(bd);
		return 0;
	}
	int any = 0;
	for (int i = 0; bdev_at(i); i++)
		if (trace_hist(bdev_at(i)->dev, TS_TOTAL)) {
			lat_print(bdev_at(i));
			any = 1;
		}
	if (!any)
		kprintf("lat: nothing traced yet (trace on [DEV])\n");
	return 0;
}
