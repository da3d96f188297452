/*
 * copy.c: copyin, copyout, copyinstr (copy.h).  A process has one
 * thread, so nothing can unmap its pages between the check and the copy;
 * its space is the one loaded while its thread runs (thread.c).
 */
#include "copy.h"

#include <stdint.h>

#include "errno.h"
#include "string.h"
#include "thread.h"
#include "vm.h"

int
useracc(const void *uaddr, size_t len, int write)
{
	return vm_user_ok(curthread->space, (uint32_t)uaddr, len, write);
}

int
copyin(const void *uaddr, void *kaddr, size_t len)
{
	if (!useracc(uaddr, len, 0))
		return EFAULT;
	memcpy(kaddr, uaddr, len);
	return 0;
}

int
copyout(const void *kaddr, void *uaddr, size_t len)
{
	if (!useracc(uaddr, len, 1))
		return EFAULT;
	memcpy(uaddr, kaddr, len);
	return 0;
}

int
copyinstr(const char *uaddr, char *kbuf, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		/* a page at a time: the string may end before a bad one */
		if (i == 0 || ((uint32_t)(uaddr + i) & 0xFFF) == 0)
			if (!useracc(uaddr + i, 1, 0))
				return EFAULT;
		kbuf[i] = uaddr[i];
		if (!kbuf[i])
			return 0;
	}
	return ENAMETOOLONG;
}
