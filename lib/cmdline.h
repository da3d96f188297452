/*
 * cmdline.h: split a kernel command line into key=value options.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

struct kv {
	const char *key;
	const char *val; /* "" for a bare word such as "test" */
};

int cmdline_parse(char *s, struct kv *kv, int max);

#endif
