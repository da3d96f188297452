/*
 * stat: what stat(2) says of files, in GNU stat's layout.
 *
 *	stat [-L] FILE...	-L: what a link names, not the link
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *
type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "regular file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symbolic link";
	case S_IFCHR: return "character special file";
	case S_IFBLK: return "block special file";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "weird file";
	}
}

int
main(int argc, char **argv)
{
	int follow = argc > 1 && !strcmp(argv[1], "-L"), status = 0;

	if (argc < 2 + follow) {
		fprintf(stderr, "usage: stat [-L] FILE...\n");
		return 2;
	}
	for (int i = 1 + follow; i < argc; i++) {
		struct stat st;
		if ((follow ? stat(argv[i], &st) : lstat(argv[i], &st)) < 0) {
			fprintf(stderr, "stat: %s: %s: %s\n", argv[i],
				errno_name(errno), errno_msg(errno));
			status = 1;
			continue;
		}
		printf("  File: %s\n", argv[i]);
		printf("  Size: %-15llu Blocks: %-10llu IO Block: %-6u %s\n",
		       (unsigned long long)st.st_size,
		       (unsigned long long)st.st_blocks, st.st_blksize,
		       type(st.st_mode));
		printf("Device: %xh/%ud Inode: %-11u Links: %u\n", st.st_dev,
		       st.st_dev, st.st_ino, st.st_nlink);
		printf("Access: (%04o) Uid: %u Gid: %u\n", st.st_mode & 07777,
		       st.st_uid, st.st_gid);
		printf("Modify: %lld\nChange: %lld\n", (long long)st.st_mtime,
		       (long long)st.st_ctime);
	}
	return status;
}
