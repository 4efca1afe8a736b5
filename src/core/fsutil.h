/* fsutil.h — path and directory helpers: the directory part of a path, joining a directory and a
 * name, creating a directory and its parents. Writing a file so that a crash never leaves half of
 * it is core/atomic.h.
 */
#ifndef NASH_CORE_FSUTIL_H
#define NASH_CORE_FSUTIL_H

#include <stddef.h>

#include "core/status.h"

/* Every buffer that holds a path is NASH_PATH_MAX bytes (Linux's PATH_MAX), in every folder; a
 * path that does not fit is refused with an error naming it, never cut. */
#define NASH_PATH_MAX 4096

/* Create a directory and its parents (like mkdir -p); existing directories are fine. */
NashStatus fs_mkdir_p(const char *path, NashError *err);

/* The directory part of path into out: "." when path has no '/', "/" for a name in the root,
 * else everything before the last '/'. An error naming path if it does not fit in size bytes. */
NashStatus fs_dirname(const char *path, char *out, size_t size, NashError *err);

/* Join dir and name into out ("dir/name"); an error if it does not fit. */
NashStatus fs_join(const char *dir, const char *name, char *out, size_t size, NashError *err);

#endif
