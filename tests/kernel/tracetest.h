/*
 * tracetest.h: what the tests of the request trace share (test_trace.c,
 * test_disk.c, test_nvme.c): one request's records, and its stages as words.
 */
#ifndef TRACETEST_H
#define TRACETEST_H

#include "blk/trace.h"

#define TRACETEST_MAX 48

/* The records of buf `bp` from record number `from` on, at most max:
 * how many. */
int trace_collect(const struct buf *bp, uint64_t from, struct trace_rec *out,
		  int max);
/* Their stages' names, comma-separated: "queued,inserted,issued,...". */
const char *trace_stages(const struct trace_rec *r, int n);
/* The first of them of stage `act`, or NULL. */
const struct trace_rec *trace_find(const struct trace_rec *r, int n, int act);

/* Clear the ring and trace filter's requests (NODEV: all): the record
 * number they start at. */
uint64_t trace_fresh(dev_t filter);
/* The requests queued to dev (TR_QUEUE) from record `from` on, at most
 * max, in the order they were queued: how many. */
int trace_queued(dev_t dev, uint64_t from, struct trace_rec *out, int max);
/* Records of stage `act` from record `from` on (at block blkno, or any
 * if blkno < 0): how many. */
int trace_events(uint64_t from, int act, int64_t blkno);

#endif
