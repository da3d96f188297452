/*
 * rename.h: force-included when lib/ is compiled for the host, so its
 * memcpy, snprintf, ... do not collide with the host C library's and the
 * tests call ours.
 */
#define memset	  k_memset
#define memcpy	  k_memcpy
#define memmove	  k_memmove
#define memcmp	  k_memcmp
#define strlen	  k_strlen
#define strcmp	  k_strcmp
#define strncmp	  k_strncmp
#define strchr	  k_strchr
#define strrchr	  k_strrchr
#define strlcpy	  k_strlcpy
#define snprintf  k_snprintf
#define vsnprintf k_vsnprintf
