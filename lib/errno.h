/*
 * errno.h: error numbers (Linux's values, so they read familiarly) and
 * their names for messages: "read: rd0: ENXIO: block 99999 past end".
 */
#ifndef LIB_ERRNO_H
#define LIB_ERRNO_H

#define EPERM	  1
#define ENOENT	  2
#define EINTR	  4
#define EIO	  5
#define ENXIO	  6
#define E2BIG	  7
#define EAGAIN	  11
#define ENOMEM	  12
#define EFAULT	  14
#define EBUSY	  16
#define EEXIST	  17
#define ENODEV	  19
#define EINVAL	  22
#define ENOSPC	  28
#define EROFS	  30
#define ERANGE	  34
#define ENOSYS	  38
#define ETIMEDOUT 110

const char *errno_name(int e);
const char *errno_msg(int e);

#endif
