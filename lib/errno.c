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
	{ESRCH, "ESRCH", "no such process"},
	{EINTR, "EINTR", "interrupted"},
	{EIO, "EIO", "I/O error"},
	{ENXIO, "ENXIO", "no such device or address"},
	{E2BIG, "E2BIG", "argument list too long"},
	{ENOEXEC, "ENOEXEC", "not an executable"},
	{EBADF, "EBADF", "bad file descriptor"},
	{ECHILD, "ECHILD", "no child processes"},
	{EAGAIN, "EAGAIN", "try again"},
	{ENOMEM, "ENOMEM", "out of memory"},
	{EACCES, "EACCES", "permission denied"},
	{EFAULT, "EFAULT", "bad address"},
	{EBUSY, "EBUSY", "device or resource busy"},
	{EEXIST, "EEXIST", "already exists"},
	{ENODEV, "ENODEV", "no such device"},
	{EINVAL, "EINVAL", "invalid argument"},
	{EMFILE, "EMFILE", "too many open files"},
	{ENOTTY, "ENOTTY", "not a device with that control"},
	{ENOSPC, "ENOSPC", "no space left"},
	{ESPIPE, "ESPIPE", "illegal seek"},
	{EROFS, "EROFS", "read-only"},
	{ERANGE, "ERANGE", "out of range"},
	{EOVERFLOW, "EOVERFLOW", "value too large"},
	{ENAMETOOLONG, "ENAMETOOLONG", "name too long"},
	{ENOSYS, "ENOSYS", "not implemented"},
	{ETIMEDOUT, "ETIMEDOUT", "timed out"},
	{EINPROGRESS, "EINPROGRESS", "in progress"},
	{EXDEV, "EXDEV", "cross-device link"},
	{ENOTDIR, "ENOTDIR", "not a directory"},
	{EISDIR, "EISDIR", "is a directory"},
	{ENFILE, "ENFILE", "too many open files in the system"},
	{EFBIG, "EFBIG", "file too large"},
	{EMLINK, "EMLINK", "too many links"},
	{ENOTEMPTY, "ENOTEMPTY", "directory not empty"},
	{ELOOP, "ELOOP", "too many levels of symbolic links"},
	{EUCLEAN, "EUCLEAN", "file system needs cleaning"},
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
