/*
 * said.h: how the test programs (utest, hostile) report a call's result
 * for the host to compare: "what: N", or "what: -1 ERRNO" as POSIX's -1
 * and errno.
 */
#ifndef SAID_H
#define SAID_H

#include <errno.h>
#include <stdio.h>

static inline void
said(const char *what, int r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, errno_name(errno));
	else
		printf("%s: %d\n", what, r);
}

#endif
