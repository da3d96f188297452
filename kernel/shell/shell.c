/*
 * shell.c: read a line with simple editing, split it into words, run the
 * command.  Editing keys: Backspace/DEL erases a character, Ctrl-U the
 * line, Ctrl-C abandons it, Up/Down walk the history.
 */
#include "shell.h"

#include <stddef.h>
#include <stdint.h>

#include "console.h"
#include "string.h"

#define LINE_MAX 256
#define ARGS_MAX 16
#define HISTORY	 16
#define PROMPT	 "iodine> "

#define CTRL(c) ((c)&0x1F)
#define KEY_BS	0x08
#define KEY_DEL 0x7F
#define KEY_ESC 0x1B

extern const struct shell_cmd __shell_cmds_start[], __shell_cmds_end[];

/* How many SHELL_CMD()s the linker gathered between the two symbols. */
static int
cmd_count(void)
{
	return ((uintptr_t)__shell_cmds_end - (uintptr_t)__shell_cmds_start) /
	       sizeof(struct shell_cmd);
}

static char history[HISTORY][LINE_MAX];
static unsigned nhistory; /* lines ever entered; the last HISTORY are kept */

static void
line_erase(int len)
{
	for (; len > 0; len--)
		kputs("\b \b");
}

/* Replace what is typed with `s`. */
static int
line_replace(char *buf, int len, const char *s)
{
	line_erase(len);
	len = (int)strlcpy(buf, s, LINE_MAX);
	if (len > LINE_MAX - 1)
		len = LINE_MAX - 1;
	kputs(buf);
	return len;
}

/* Returns the length, or -1 if the line was cancelled with Ctrl-C. */
static int
line_read(char *buf)
{
	int len = 0, prev = 0;
	unsigned hpos = nhistory; /* == nhistory: the line being typed */

	for (;;) {
		int c = console_getc();
		if (c == '\n' && prev == '\r') { /* CR LF from a terminal */
			prev = 0;
			continue;
		}
		prev = c;
		if (c == '\r' || c == '\n') {
			kputs("\n");
			buf[len] = '\0';
			return len;
		} else if (c == KEY_BS || c == KEY_DEL) {
			if (len) {
				len--;
				line_erase(1);
			}
		} else if (c == CTRL('U')) {
			line_erase(len);
			len = 0;
		} else if (c == CTRL('C')) {
			kputs("^C\n");
			return -1;
		} else if (c == KEY_ESC) {
			if (console_getc() != '[')
				continue;
			c = console_getc();
			unsigned oldest =
				nhistory > HISTORY ? nhistory - HISTORY : 0;
			if (c == 'A' && hpos > oldest) {
				hpos--;
				len = line_replace(buf, len,
						   history[hpos % HISTORY]);
			} else if (c == 'B' && hpos < nhistory) {
				hpos++;
				len = line_replace(
					buf, len,
					hpos == nhistory
						? ""
						: history[hpos % HISTORY]);
			}
		} else if (c >= ' ' && c < KEY_DEL && len < LINE_MAX - 1) {
			buf[len++] = (char)c;
			kprintf("%c", c);
		}
	}
}

static const struct shell_cmd *
cmd_find(const char *name)
{
	for (int i = 0; i < cmd_count(); i++) {
		const struct shell_cmd *c = &__shell_cmds_start[i];
		if (!strcmp(c->name, name))
			return c;
	}
	return NULL;
}

int
shell_usage(const char *name)
{
	const struct shell_cmd *c = cmd_find(name);

	kprintf("usage: %s %s\n", name, c ? c->args : "");
	return 1;
}

/* Split and run one line; returns the command's status. */
int
shell_exec(char *line)
{
	char *argv[ARGS_MAX + 1];
	int argc = 0;

	for (char *p = line;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (argc == ARGS_MAX) {
			kprintf("shell: too many arguments (at most %d)\n",
				ARGS_MAX - 1);
			return 1;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	argv[argc] = NULL;
	if (!argc)
		return 0;
	const struct shell_cmd *c = cmd_find(argv[0]);
	if (!c) {
		kprintf("%s: unknown command (try 'help')\n", argv[0]);
		return 1;
	}
	return c->fn(argc, argv);
}

void
shell_run(void)
{
	static char line[LINE_MAX];

	kprintf("Type 'help' for the list of commands.\n");
	for (;;) {
		kputs(PROMPT);
		if (line_read(line) <= 0)
			continue;
		if (nhistory == 0 ||
		    strcmp(history[(nhistory - 1) % HISTORY], line))
			strlcpy(history[nhistory++ % HISTORY], line, LINE_MAX);
		shell_exec(line);
	}
}

SHELL_CMD(help, "[command]", "list commands, or describe one")
{
	if (argc > 2)
		return shell_usage(argv[0]);
	if (argc == 2) {
		const struct shell_cmd *c = cmd_find(argv[1]);
		if (!c) {
			kprintf("help: %s: no such command\n", argv[1]);
			return 1;
		}
		kprintf("%s %s\n    %s\n", c->name, c->args, c->help);
		return 0;
	}
	/* Alphabetical: pick the smallest name greater than the last one. */
	const char *last = "";
	for (;;) {
		const struct shell_cmd *next = NULL;
		for (int i = 0; i < cmd_count(); i++) {
			const struct shell_cmd *c = &__shell_cmds_start[i];
			if (strcmp(c->name, last) > 0 &&
			    (!next || strcmp(c->name, next->name) < 0))
				next = c;
		}
		if (!next)
			return 0;
		kprintf("  %-10s %-24s %s\n", next->name, next->args,
			next->help);
		last = next->name;
	}
}
