/*
 * cmdline_opt.c: holds the parsed kernel command line.  GRUB's line starts
 * with the kernel's path ("/boot/iodine.elf test=x"); that word is not an
 * option.  Later words win over earlier ones with the same key.
 */
#include "cmdline_opt.h"

#include <stddef.h>

#include "string.h"

#define CMDLINE_MAX  512
#define CMDLINE_OPTS 32

static char raw[CMDLINE_MAX];	/* as given, for the shell's `cmdline` */
static char split[CMDLINE_MAX]; /* cut in place by cmdline_parse */
static struct kv opts[CMDLINE_OPTS];
static int nopts;

void
cmdline_opt_init(const char *s)
{
	if (!s)
		s = "";
	if (*s == '/') /* the kernel's own path */
		while (*s && *s != ' ')
			s++;
	while (*s == ' ')
		s++;
	strlcpy(raw, s, sizeof(raw));
	strlcpy(split, s, sizeof(split));
	nopts = cmdline_parse(split, opts, CMDLINE_OPTS);
}

const char *
cmdline_opt(const char *key)
{
	for (int i = nopts - 1; i >= 0; i--)
		if (!strcmp(opts[i].key, key))
			return opts[i].val;
	return NULL;
}

int
cmdline_opt_is(const char *key, const char *val)
{
	const char *v = cmdline_opt(key);

	return v && !strcmp(v, val);
}

/* Is `word` one of the comma-separated words of key's value
 * (debug=ide,ahci)? */
int
cmdline_opt_has(const char *key, const char *word)
{
	const char *v = cmdline_opt(key);
	size_t n = strlen(word);

	while (v && *v) {
		const char *end = strchr(v, ',');
		size_t len = end ? (size_t)(end - v) : strlen(v);
		if (len == n && !strncmp(v, word, n))
			return 1;
		v = end ? end + 1 : NULL;
	}
	return 0;
}

int
cmdline_opt_count(void)
{
	return nopts;
}

const struct kv *
cmdline_opt_at(int i)
{
	return i >= 0 && i < nopts ? &opts[i] : NULL;
}

const char *
cmdline_raw(void)
{
	return raw;
}
