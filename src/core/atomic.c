/* atomic.c — temporary file, fsync, rename, fsync of the directory (see atomic.h). */
#include "core/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"

#define ATOMIC_SUFFIX ".tmp.XXXXXX"
#define ATOMIC_DIR_MAX 4096 /* PATH_MAX: a longer name fails at mkstemp already */

/* Free the names without touching the file system. */
static void atomic_release(AtomicFile *af) {
    free(af->tmp_path);
    free(af->path);
    af->tmp_path = NULL;
    af->path = NULL;
}

/* "DIR/.BASE.tmp.XXXXXX" for "DIR/BASE" (".BASE.tmp.XXXXXX" for "BASE"), malloc'd. */
static char *temp_template(const char *path) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dir_len = (size_t)(base - path), base_len = strlen(base);
    char *tmp = malloc(dir_len + 1 + base_len + sizeof ATOMIC_SUFFIX);
    if (!tmp) return NULL;
    memcpy(tmp, path, dir_len);
    tmp[dir_len] = '.';
    memcpy(tmp + dir_len + 1, base, base_len);
    memcpy(tmp + dir_len + 1 + base_len, ATOMIC_SUFFIX, sizeof ATOMIC_SUFFIX);
    return tmp;
}

NashStatus atomic_begin(AtomicFile *af, const char *path, int *fd, NashError *err) {
    af->path = NULL;
    af->tmp_path = NULL;
    af->writer = NULL;
    *fd = -1;
    if (!path || !*path) return nash_fail(err, NASH_ERR_INVALID, "empty output path");
    af->path = strdup(path);
    af->tmp_path = temp_template(path);
    if (!af->path || !af->tmp_path) {
        atomic_release(af);
        return nash_fail(err, NASH_ERR_NOMEM, "%s: cannot allocate the temporary name", path);
    }
    *fd = mkstemp(af->tmp_path);
    if (*fd < 0) {
        int e = errno;
        atomic_release(af);
        const char *hint = e == ENOENT ? " (does the directory exist?)" : "";
        if (e == ENAMETOOLONG) hint = " (its temporary name is 12 characters longer)";
        return nash_fail(err, NASH_ERR_IO, "%s: cannot create a file there: %s%s", path, strerror(e), hint);
    }
    /* mkstemp makes the file private (0600); outputs are meant to be shared like any other. */
    if (fchmod(*fd, 0644) != 0) {
        int e = errno;
        close(*fd);
        *fd = -1;
        atomic_abort(af);
        return nash_fail(err, NASH_ERR_IO, "%s: cannot set the permissions of the temporary file: %s", path,
                         strerror(e));
    }
    return NASH_OK;
}

static int fsync_path(const char *path, int flags) {
    int fd = open(path, flags);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

NashStatus atomic_commit(AtomicFile *af, NashError *err) {
    if (!af->tmp_path) {
        atomic_abort(af);
        return nash_fail(err, NASH_ERR_INTERNAL, "atomic_commit without a temporary file");
    }
    if (fsync_path(af->tmp_path, O_RDWR) != 0) {
        int e = errno;
        NashStatus st = nash_fail(err, NASH_ERR_IO, "%s: cannot fsync %s: %s", af->path, af->tmp_path, strerror(e));
        atomic_abort(af);
        return st;
    }
    if (rename(af->tmp_path, af->path) != 0) {
        int e = errno;
        NashStatus st =
            nash_fail(err, NASH_ERR_IO, "%s: cannot rename %s to it: %s", af->path, af->tmp_path, strerror(e));
        atomic_abort(af);
        return st;
    }
    free(af->tmp_path);
    af->tmp_path = NULL;
    char dir[ATOMIC_DIR_MAX];
    NashStatus st = fs_dirname(af->path, dir, sizeof dir, err);
    if (st == NASH_OK && fsync_path(dir, O_RDONLY | O_DIRECTORY) != 0 && errno != EINVAL) {
        int e = errno;
        st = nash_fail(err, NASH_ERR_IO, "%s: written, but its directory %s cannot be fsynced: %s", af->path, dir,
                       strerror(e));
    }
    atomic_release(af);
    return st;
}

void atomic_abort(AtomicFile *af) {
    if (af->tmp_path) unlink(af->tmp_path);
    atomic_release(af);
}
