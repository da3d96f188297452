/*
 * cksum: each file's CRC and size, as POSIX cksum computes them (the
 * CRC-32 of polynomial 0x04C11DB7, not reflected, over the bytes and
 * then the length, complemented): the host's cksum prints the same.
 *
 *	cksum [FILE...]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

static uint32_t table[256];
static char buf[CHUNK];

static void
table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i << 24;
		for (int k = 0; k < 8; k++)
			c = c & 0x80000000u ? c << 1 ^ 0x04C11DB7u : c << 1;
		table[i] = c;
	}
}

static uint32_t
crc_add(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n--)
		crc = crc << 8 ^ table[(crc >> 24 ^ *p++) & 0xFF];
	return crc;
}

int
main(int argc, char **argv)
{
	int status = 0;

	table_init();
	if (argc == 1)
		argv[argc++] = "-";
	for (int i = 1; i < argc; i++) {
		int fd = strcmp(argv[i], "-") ? open(argv[i], O_RDONLY) : 0;
		uint32_t crc = 0;
		uint64_t len = 0;
		ssize_t n = 0;
		if (fd >= 0)
			while ((n = read(fd, buf, sizeof(buf))) > 0) {
				crc = crc_add(crc, (unsigned char *)buf,
					      (size_t)n);
				len += (uint64_t)n;
			}
		if (fd < 0 || n < 0) {
			fprintf(stderr, "cksum: %s: %s: %s\n", argv[i],
				errno_name(errno), errno_msg(errno));
			status = 1;
		} else {
			for (uint64_t l = len; l; l >>= 8) {
				unsigned char b = (unsigned char)l;
				crc = crc_add(crc, &b, 1);
			}
			printf("%u %llu%s%s\n", ~crc, (unsigned long long)len,
			       fd ? " " : "", fd ? argv[i] : "");
		}
		if (fd > 0)
			close(fd);
	}
	return status;
}
