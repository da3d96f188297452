/*
 * ddnum: lib/ddnum.c's reading of each argument, one line each ("N",
 * "N bytes" when it ends in B, or "invalid"), for
 * tests/scenarios/core.py to hold against the host's own GNU dd.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ddnum.h"

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		uint64_t v;
		int in_bytes;
		if (ddnum_parse(argv[i], &v, &in_bytes))
			printf("invalid\n");
		else
			printf("%" PRIu64 "%s\n", v, in_bytes ? " bytes" : "");
	}
	return 0;
}
