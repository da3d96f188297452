/*
 * cmdline.c: "test=bio_* ramdisk=4M verbose" becomes three options.
 * Words are separated by blanks; a value may be double-quoted to hold
 * blanks.  The string is split in place.
 */
#include "cmdline.h"

#include <stddef.h>

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Returns how many options were stored; words past `max` are dropped. */
int
cmdline_parse(char *s, struct kv *kv, int max)
{
	int n = 0;

	for (;;) {
		while (is_blank(*s))
			s++;
		if (!*s || n == max)
			return n;
		kv[n].key = s;
		kv[n].val = "";
		while (*s && !is_blank(*s) && *s != '=')
			s++;
		if (*s == '=') {
			*s++ = '\0';
			if (*s == '"') {
				kv[n].val = ++s;
				while (*s && *s != '"')
					s++;
			} else {
				kv[n].val = s;
				while (*s && !is_blank(*s))
					s++;
			}
		}
		n++;
		if (!*s)
			return n;
		*s++ = '\0';
	}
}
