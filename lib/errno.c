/*
 * errno.c: names and one-line meanings of the error numbers.
 */
#include "errno.h"

#include <stddef.h>

static const struct {
	int e;
	const char *name, *msg;
} errtab[] = {
	{EPERM, "EPERM", "operation not permitted"},
	{ENOENT, "ENOENT", "no such entry"},
	{EINTR, "EINTR", "interrupted"},
	{EIO, "EIO", "I/O error"},
	{ENXIO, "ENXIO", "no such device or address"},
	{E2BIG, "E2BIG", "argument list too long"},
	{EAGAIN, "EAGAIN", "try again"},
	{ENOMEM, "ENOMEM", "out of memory"},
	{EFAULT, "EFAULT", "bad address"},
	{EBUSY, "EBUSY", "device or resource busy"},
	{EEXIST, "EEXIST", "already exists"},
	{ENODEV, "ENODEV", "no such device"},
	{EINVAL, "EINVAL", "invalid argument"},
	{ENOSPC, "ENOSPC", "no space left"},
	{EROFS, "EROFS", "read-only"},
	{ERANGE, "ERANGE", "out of range"},
	{ENOSYS, "ENOSYS", "not implemented"},
	{ETIMEDOUT, "ETIMEDOUT", "timed out"},
};

const char *
errno_name(int e)
{
	for (size_t i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].e == e)
			return errtab[i].name;
	return "E?";
}

const char *
errno_msg(int e)
{
	for (size_t i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].e == e)
			return errtab[i].msg;
	return "unknown error";
}
