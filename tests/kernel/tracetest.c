/*
 * tracetest.c: helpers for the tests of the request trace (tracetest.h).
 */
#include "tracetest.h"

#include <stddef.h>

#include "string.h"

int
trace_collect(const struct buf *bp, uint64_t from, struct trace_rec *out,
	      int max)
{
	int n = 0;

	for (uint64_t i = from; i < trace_written() && n < max; i++)
		if (trace_get(i, &out[n]) && out[n].buf == (uint32_t)bp)
			n++;
	return n;
}

const char *
trace_stages(const struct trace_rec *r, int n)
{
	static char s[TRACETEST_MAX * 16];
	size_t len = 0;

	s[0] = '\0';
	for (int i = 0; i < n && len + 20 < sizeof(s); i++) {
		if (i)
			s[len++] = ',';
		len += strlcpy(s + len, trace_act_name(r[i].act),
			       sizeof(s) - len);
	}
	return s;
}

const struct trace_rec *
trace_find(const struct trace_rec *r, int n, int act)
{
	for (int i = 0; i < n; i++)
		if (r[i].act == act)
			return &r[i];
	return NULL;
}

uint64_t
trace_fresh(dev_t filter)
{
	trace_clear();
	trace_start(filter);
	return trace_written();
}

int
trace_queued(dev_t dev, uint64_t from, struct trace_rec *out, int max)
{
	int n = 0;

	for (uint64_t i = from; i < trace_written() && n < max; i++)
		if (trace_get(i, &out[n]) && out[n].act == TR_QUEUE &&
		    out[n].dev == dev)
			n++;
	return n;
}

int
trace_events(uint64_t from, int act, int64_t blkno)
{
	struct trace_rec r;
	int n = 0;

	for (uint64_t i = from; i < trace_written(); i++)
		n += trace_get(i, &r) && r.act == act &&
		     (blkno < 0 || r.blkno == (uint64_t)blkno);
	return n;
}
