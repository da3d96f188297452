/* spawn.h: start a program from /bin with argv; POSIX's posix_spawn,
 * without its attributes: the child inherits the open descriptors. */
#ifndef USER_SPAWN_H
#define USER_SPAWN_H
int posix_spawn(int *pid, const char *path, void *file_actions, void *attrp,
		char *const argv[], char *const envp[]);
#endif
