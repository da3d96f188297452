/*
 * cmdline_opt.h: the kernel command line GRUB passed, as options.
 */
#ifndef CMDLINE_OPT_H
#define CMDLINE_OPT_H

#include <stdint.h>

#include "cmdline.h"

void cmdline_opt_init(const char *s);
const char *cmdline_opt(const char *key);
int cmdline_opt_is(const char *key, const char *val);
int cmdline_opt_has(const char *key, const char *word);
int cmdline_opt_count(void);
const struct kv *cmdline_opt_at(int i);
const char *cmdline_raw(void);

#endif
