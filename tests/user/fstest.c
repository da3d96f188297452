/*
 * fstest: the POSIX rules of the calls on files and names, checked in a
 * directory of the mounted file system (tests/scenarios/ext2.py runs it
 * on each kind of name and block size, then checks the image with
 * e2fsck and debugfs).  Each rule prints "ok NAME" or "not ok NAME:
 * what was seen"; the last line is "fstest: N of M".
 *
 *	fstest DIR		DIR must not exist; it is left, with files
 *				the host checks (see the end)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static int run, passed;
static char buf[65536], back[65536];

static void
check(const char *name, int ok, const char *fmt, long long a, long long b)
{
	run++;
	if (ok) {
		passed++;
		printf("ok %s\n", name);
		return;
	}
	printf("not ok %s: ", name);
	printf(fmt, a, b);
	printf("\n");
}

/* A call that must fail with want */
static void
fails(const char *name, int r, int want)
{
	run++;
	if (r < 0 && errno == want) {
		passed++;
		printf("ok %s\n", name);
	} else {
		printf("not ok %s: got %d %s, want -1 %s\n", name, r,
		       r < 0 ? errno_name(errno) : "", errno_name(want));
	}
}

/* A call that must succeed */
static int
works(const char *name, int r)
{
	if (r < 0) {
		run++;
		printf("not ok %s: -1 %s\n", name, errno_name(errno));
	}
	return r;
}

static void
fill(char *p, int n, int seed)
{
	for (int i = 0; i < n; i++)
		p[i] = (char)(i * 7 + seed + i / 251);
}

static int
file_make(const char *path, int n, int seed)
{
	int fd = works(path, open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));

	if (fd < 0)
		return -1;
	fill(buf, n, seed);
	int w = (int)write(fd, buf, (size_t)n);
	close(fd);
	return w == n ? 0 : -1;
}

static int
count_entries(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += !strcmp(e->d_name, name);
	closedir(d);
	return n;
}

static void
creating(void)
{
	struct stat st;

	fails("open_missing_is_enoent", open("nothere", O_RDONLY), ENOENT);
	int fd = works("create", open("f", O_RDWR | O_CREAT | O_EXCL, 0640));
	check("create_makes_an_empty_regular_file",
	      fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 &&
		      st.st_nlink == 1 && (st.st_mode & 0777) == 0640,
	      "mode %llo size %lld", st.st_mode, (long long)st.st_size);
	close(fd);
	fails("create_excl_of_an_existing_name_is_eexist",
	      open("f", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
	fails("a_name_under_a_file_is_enotdir",
	      open("f/x", O_RDWR | O_CREAT, 0644), ENOTDIR);
	memset(buf, 'n', 256);
	buf[256] = 0;
	fails("a_name_of_256_bytes_is_enametoolong",
	      open(buf, O_RDWR | O_CREAT, 0644), ENAMETOOLONG);
	buf[255] = 0;
	fd = open(buf, O_RDWR | O_CREAT, 0644);
	check("a_name_of_255_bytes_is_made", fd >= 0, "%lld %lld", fd, 0);
	close(fd);
	check("it_is_listed_once", count_entries(".", buf) == 1, "%lld %lld",
	      count_entries(".", buf), 0);
	unlink(buf);
	fails("open_of_a_directory_for_writing_is_eisdir", open(".", O_WRONLY),
	      EISDIR);
	fd = open(".", O_RDONLY);
	fails("read_of_a_directory_is_eisdir", (int)read(fd, buf, 10), EISDIR);
	close(fd);
	fails("o_directory_on_a_file_is_enotdir",
	      open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
}

static void
reading_and_writing(void)
{
	struct stat st;
	int fd = works("rw", open("rw", O_RDWR | O_CREAT | O_TRUNC, 0644));

	fill(buf, 10000, 3);
	check("write_moves_all", write(fd, buf, 10000) == 10000, "%lld %lld", 0,
	      0);
	lseek(fd, 100000, SEEK_SET);
	check("a_write_past_the_end", write(fd, "end", 3) == 3, "%lld %lld", 0,
	      0);
	fstat(fd, &st);
	check("the_size_is_the_end_of_the_last_write", st.st_size == 100003,
	      "size %lld want %lld", (long long)st.st_size, 100003);
	memset(back, 1, 20000);
	ssize_t n = pread(fd, back, 20000, 0);
	int zeros = 1;
	for (int i = 10000; i < 20000; i++)
		zeros &= back[i] == 0;
	check("the_hole_reads_as_zeros", n == 20000 && zeros, "n %lld %lld",
	      (long long)n, zeros);
	check("data_reads_back", !memcmp(back, buf, 10000), "%lld %lld", 0, 0);
	check("pread_leaves_the_offset", lseek(fd, 0, SEEK_CUR) == 100003,
	      "at %lld want %lld", (long long)lseek(fd, 0, SEEK_CUR), 100003);
	check("read_at_the_end_is_0", read(fd, back, 10) == 0, "%lld %lld", 0,
	      0);
	pwrite(fd, "XY", 2, 5);
	pread(fd, back, 2, 5);
	check("pwrite_writes_where_told", back[0] == 'X' && back[1] == 'Y',
	      "%lld %lld", back[0], back[1]);
	close(fd);

	fd = open("rw", O_WRONLY | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	write(fd, "APP", 3);
	fstat(fd, &st);
	check("o_append_writes_at_the_end", st.st_size == 100006,
	      "size %lld want %lld", (long long)st.st_size, 100006);
	check("o_append_leaves_the_offset_at_the_end",
	      lseek(fd, 0, SEEK_CUR) == 100006, "%lld %lld",
	      (long long)lseek(fd, 0, SEEK_CUR), 100006);
	close(fd);

	fd = open("rw", O_RDWR);
	check("ftruncate_shrinks", ftruncate(fd, 5000) == 0, "%lld %lld", 0, 0);
	check("ftruncate_grows", ftruncate(fd, 9000) == 0, "%lld %lld", 0, 0);
	memset(back, 1, 9000);
	n = pread(fd, back, 9000, 0);
	zeros = 1;
	for (int i = 5000; i < 9000; i++)
		zeros &= back[i] == 0;
	check("what_grew_back_reads_as_zeros", n == 9000 && zeros,
	      "n %lld zeros %lld", (long long)n, zeros);
	check("what_stayed_is_kept", !memcmp(back + 10, buf + 10, 4990),
	      "%lld %lld", 0, 0);
	check("fsync_works", fsync(fd) == 0, "%lld %lld", 0, 0);
	close(fd);
	fd = open("rw", O_RDONLY);
	fails("ftruncate_of_a_read_only_descriptor_is_einval", ftruncate(fd, 0),
	      EINVAL);
	close(fd);
	fd = open("rw", O_RDWR | O_TRUNC);
	fstat(fd, &st);
	check("o_trunc_empties", st.st_size == 0 && st.st_blocks == 0,
	      "size %lld blocks %lld", (long long)st.st_size,
	      (long long)st.st_blocks);
	close(fd);
}

static void
directories(void)
{
	struct stat st, before;
	char cwd[PATH_MAX];

	stat(".", &before);
	works("mkdir", mkdir("d", 0755));
	stat(".", &st);
	check("mkdir_adds_a_link_to_its_parent",
	      st.st_nlink == before.st_nlink + 1, "%lld want %lld", st.st_nlink,
	      before.st_nlink + 1);
	stat("d", &st);
	check("a_new_directory_has_two_links",
	      S_ISDIR(st.st_mode) && st.st_nlink == 2, "nlink %lld %lld",
	      st.st_nlink, 0);
	fails("mkdir_of_an_existing_name_is_eexist", mkdir("d", 0755), EEXIST);
	fails("mkdir_under_a_missing_one_is_enoent", mkdir("no/d", 0755),
	      ENOENT);
	file_make("d/x", 10, 1);
	fails("rmdir_of_a_full_directory_is_enotempty", rmdir("d"), ENOTEMPTY);
	fails("rmdir_of_a_file_is_enotdir", rmdir("d/x"), ENOTDIR);
	fails("unlink_of_a_directory_is_eisdir", unlink("d"), EISDIR);
	fails("rmdir_of_dot_is_einval", rmdir("d/."), EINVAL);
	works("chdir", chdir("d"));
	check("getcwd_names_it",
	      getcwd(cwd, sizeof(cwd)) && strlen(cwd) > 2 &&
		      !strcmp(cwd + strlen(cwd) - 2, "/d"),
	      "%lld %lld", 0, 0);
	struct stat x;
	check("relative_names_start_there", stat("x", &x) == 0, "%lld %lld", 0,
	      0);
	works("chdir ..", chdir(".."));
	fails("chdir_into_a_file_is_enotdir", chdir("f"), ENOTDIR);
	unlink("d/x");
	works("rmdir", rmdir("d"));
	stat(".", &st);
	check("rmdir_takes_the_link_back", st.st_nlink == before.st_nlink,
	      "%lld want %lld", st.st_nlink, before.st_nlink);
	fails("a_removed_directory_is_gone", stat("d", &st), ENOENT);
	check("dot_dot_of_the_mount_is_the_root",
	      stat("/mnt/..", &st) == 0 && stat("/mnt/../dev", &x) == 0,
	      "%lld %lld", 0, 0);
}

static void
names(void)
{
	struct stat a, b;
	char text[64];

	file_make("one", 5000, 9);
	works("link", link("one", "two"));
	stat("one", &a);
	stat("two", &b);
	check("link_is_the_same_inode_twice",
	      a.st_ino == b.st_ino && a.st_nlink == 2, "nlink %lld ino %lld",
	      a.st_nlink, a.st_ino == b.st_ino);
	unlink("one");
	int fd = open("two", O_RDONLY);
	check("unlink_of_one_name_keeps_the_other",
	      fd >= 0 && read(fd, back, 5000) == 5000 &&
		      !memcmp(back, (fill(buf, 5000, 9), buf), 5000),
	      "%lld %lld", fd, 0);
	close(fd);
	mkdir("dd", 0755);
	fails("link_to_a_directory_is_eperm", link("dd", "dd2"), EPERM);
	fails("link_over_an_existing_name_is_eexist", link("two", "f"), EEXIST);

	works("symlink", symlink("two", "sl"));
	ssize_t n = readlink("sl", text, sizeof(text));
	check("readlink_gives_the_text", n == 3 && !memcmp(text, "two", 3),
	      "n %lld %lld", (long long)n, 0);
	lstat("sl", &a);
	stat("sl", &b);
	check("lstat_is_the_link_stat_what_it_names",
	      S_ISLNK(a.st_mode) && S_ISREG(b.st_mode) && b.st_size == 5000,
	      "%llo %llo", a.st_mode, b.st_mode);
	fails("readlink_of_a_file_is_einval",
	      (int)readlink("two", text, sizeof(text)), EINVAL);
	memset(buf, 0, sizeof(buf));
	for (int i = 0; i < 100; i++)
		memcpy(buf + i * 3, "../", 3);
	memcpy(buf + 300, "two", 4);
	works("long symlink", symlink(buf, "slong"));
	n = readlink("slong", back, sizeof(back));
	check("a_long_symlink_keeps_its_text",
	      n == 303 && !memcmp(back, buf, 303), "n %lld %lld", (long long)n,
	      0);
	symlink("loop2", "loop1");
	symlink("loop1", "loop2");
	fails("a_loop_of_links_is_eloop", open("loop1", O_RDONLY), ELOOP);
	fails("o_nofollow_on_a_link_is_eloop",
	      open("sl", O_RDONLY | O_NOFOLLOW), ELOOP);
	symlink("dd", "dlink");
	check("a_link_to_a_directory_is_walked_through",
	      mkdir("dlink/in", 0755) == 0 && stat("dd/in", &a) == 0,
	      "%lld %lld", 0, 0);
	rmdir("dd/in");
}

static void
renaming(void)
{
	struct stat a, b;

	file_make("r1", 3000, 4);
	mkdir("rd", 0755);
	works("rename", rename("r1", "rd/r1"));
	fails("the_old_name_is_gone", stat("r1", &a), ENOENT);
	check("the_new_name_reads_it",
	      stat("rd/r1", &a) == 0 && a.st_size == 3000, "%lld %lld", 0, 0);
	file_make("victim", 100, 5);
	stat("victim", &b);
	works("rename over", rename("rd/r1", "victim"));
	stat("victim", &a);
	check("rename_over_a_file_replaces_it",
	      a.st_size == 3000 && a.st_ino != b.st_ino && a.st_nlink == 1,
	      "size %lld nlink %lld", (long long)a.st_size, a.st_nlink);
	mkdir("rd/sub", 0755);
	fails("a_directory_into_itself_is_einval", rename("rd", "rd/sub/x"),
	      EINVAL);
	mkdir("full", 0755);
	file_make("full/x", 1, 1);
	fails("a_directory_over_a_full_one_is_enotempty", rename("rd", "full"),
	      ENOTEMPTY);
	fails("a_directory_over_a_file_is_enotdir", rename("rd", "victim"),
	      ENOTDIR);
	fails("a_file_over_a_directory_is_eisdir", rename("victim", "rd"),
	      EISDIR);
	stat(".", &b);
	mkdir("empty", 0755);
	works("rename dir over empty", rename("rd", "empty"));
	stat(".", &a);
	check("a_directory_over_an_empty_one_replaces_it",
	      stat("empty/sub", &a) == 0 && stat("rd", &a) < 0, "%lld %lld", 0,
	      0);
	works("move dir", rename("empty", "full/moved"));
	check("a_moved_directory_has_its_new_parent",
	      stat("full/moved/..", &a) == 0 && stat("full", &b) == 0 &&
		      a.st_ino == b.st_ino && b.st_nlink == 3,
	      "nlink %lld %lld", b.st_nlink, 0);
	fails("rename_to_another_file_system_is_exdev",
	      rename("victim", "/dev/victim"), EXDEV);
	link("victim", "v2");
	stat("victim", &a);
	check("rename_of_a_name_onto_its_own_file_does_nothing",
	      rename("victim", "v2") == 0 && stat("victim", &b) == 0 &&
		      a.st_nlink == 2,
	      "%lld %lld", a.st_nlink, 0);
}

static void
removing(void)
{
	struct statfs s0, s1, s2;

	sync();
	statfs(".", &s0);
	file_make("big", 60000, 6);
	int fd = open("big", O_RDONLY);
	works("unlink open", unlink("big"));
	check("an_unlinked_open_file_still_reads",
	      read(fd, back, 60000) == 60000 &&
		      !memcmp(back, (fill(buf, 60000, 6), buf), 60000),
	      "%lld %lld", 0, 0);
	statfs(".", &s1);
	check("its_blocks_stay_while_open", s1.f_bfree < s0.f_bfree,
	      "free %lld of %lld before", (long long)s1.f_bfree,
	      (long long)s0.f_bfree);
	close(fd);
	statfs(".", &s2);
	check("the_last_close_frees_them",
	      s2.f_bfree == s0.f_bfree && s2.f_ffree == s0.f_ffree,
	      "free %lld, %lld before", (long long)s2.f_bfree,
	      (long long)s0.f_bfree);
}

/* Files the host reads back (tests/scenarios/ext2.py): sizes across
 * the direct, indirect and double indirect blocks of 1 KiB ones */
/* utimensat: the times it sets, now, leaves; its errors */
static void
times(void)
{
	struct stat a, b;
	struct timespec t[2] = {{1000000000, 0}, {1234567890, 500}};

	int fd = open("tf", O_WRONLY | O_CREAT, 0644);
	close(fd);
	works("utimensat", utimensat(AT_FDCWD, "tf", t, 0));
	stat("tf", &a);
	check("utimensat_sets_access_and_modification_times",
	      a.st_atime == 1000000000 && a.st_mtime == 1234567890, "%lld %lld",
	      a.st_atime, a.st_mtime);
	check("utimensat_sets_the_change_time_to_now", a.st_ctime > 1234567890,
	      "%lld %lld", a.st_ctime, 0);
	t[0].tv_nsec = UTIME_OMIT;
	t[1].tv_sec = 1500000000;
	works("utimensat omit", utimensat(AT_FDCWD, "tf", t, 0));
	stat("tf", &b);
	check("utime_omit_leaves_that_time",
	      b.st_atime == 1000000000 && b.st_mtime == 1500000000, "%lld %lld",
	      b.st_atime, b.st_mtime);
	works("utimensat now", utimensat(AT_FDCWD, "tf", NULL, 0));
	stat("tf", &b);
	check("no_times_means_both_now",
	      b.st_atime == b.st_mtime && b.st_mtime >= a.st_ctime, "%lld %lld",
	      b.st_atime, b.st_mtime);
	symlink("tf", "tl");
	t[0].tv_nsec = t[1].tv_nsec = 0;
	t[0].tv_sec = t[1].tv_sec = 1100000000;
	works("utimensat nofollow",
	      utimensat(AT_FDCWD, "tl", t, AT_SYMLINK_NOFOLLOW));
	lstat("tl", &a);
	stat("tf", &b);
	check("at_symlink_nofollow_sets_the_links_own_times",
	      a.st_mtime == 1100000000 && b.st_mtime != 1100000000, "%lld %lld",
	      a.st_mtime, b.st_mtime);
	t[1].tv_nsec = 1000000000;
	fails("a_nanosecond_count_past_a_second_is_einval",
	      utimensat(AT_FDCWD, "tf", t, 0), EINVAL);
	fails("utimensat_of_a_missing_name_is_enoent",
	      utimensat(AT_FDCWD, "none", NULL, 0), ENOENT);
	fails("utimensat_with_an_unknown_flag_is_einval",
	      utimensat(AT_FDCWD, "tf", NULL, 0x4000), EINVAL);
	fails("utimensat_of_the_fixed_tree_is_erofs",
	      utimensat(AT_FDCWD, "/dev", NULL, 0), EROFS);
}

static void
for_the_host(void)
{
	static const int sizes[] = {0,	   1,	  1023,	  1024,	  12288,
				    12289, 65536, 274432, 275457, 300000};
	char name[32];

	mkdir("host", 0755);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int fd;
		snprintf(name, sizeof(name), "host/s%d", sizes[i]);
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int left = sizes[i], at = 0, ok = fd >= 0;
		while (ok && left > 0) {
			int k = left < (int)sizeof(buf) ? left
							: (int)sizeof(buf);
			for (int j = 0; j < k; j++)
				buf[j] = (char)((at + j) * 13 + sizes[i]);
			ok = write(fd, buf, (size_t)k) == k;
			left -= k;
			at += k;
		}
		close(fd);
		check(name, ok, "%lld %lld", sizes[i], 0);
	}
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fstest DIR\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) < 0 || chdir(argv[1]) < 0) {
		fprintf(stderr, "fstest: %s: %s\n", argv[1], errno_name(errno));
		return 2;
	}
	creating();
	reading_and_writing();
	directories();
	names();
	renaming();
	removing();
	times();
	for_the_host();
	printf("fstest: %d of %d\n", passed, run);
	return passed == run ? 0 : 1;
}
