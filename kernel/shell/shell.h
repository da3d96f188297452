/*
 * shell.h: the serial console's command shell.  A command is added with
 * one line in the file that implements it:
 *
 *	SHELL_CMD(uptime, "", "time since boot")
 *	{
 *		...; return 0;	// argc, argv as in C's main; 0 = success
 *	}
 */
#ifndef SHELL_H
#define SHELL_H

struct shell_cmd {
	const char *name, *args, *help;
	int (*fn)(int argc, char **argv);
};

#define SHELL_CMD(cmd, argspec, helptext)                                      \
	static int shell_cmd_##cmd(int argc, char **argv);                     \
	static const struct shell_cmd shell_cmd_entry_##cmd __attribute__((    \
		used, no_reorder, section(".shell_cmds"), aligned(4))) = {     \
		#cmd, argspec, helptext, shell_cmd_##cmd};                     \
	static int shell_cmd_##cmd(int argc, char **argv)

void shell_run(void) __attribute__((noreturn));
int shell_exec(char *line);
int shell_usage(const char *name);

#endif
