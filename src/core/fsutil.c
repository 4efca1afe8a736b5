/* fsutil.c — directory part of a path, joining, mkdir -p (see fsutil.h). */
#include "core/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

NashStatus fs_mkdir_p(const char *path, NashError *err) {
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) return nash_fail(err, NASH_ERR_IO, "bad directory path '%s'", path);
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char keep = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return nash_fail(err, NASH_ERR_IO, "cannot create directory %s: %s", buf, strerror(errno));
        struct stat st;
        if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
            return nash_fail(err, NASH_ERR_IO, "%s exists and is not a directory", buf);
        buf[i] = keep;
    }
    return NASH_OK;
}

NashStatus fs_dirname(const char *path, char *out, size_t size, NashError *err) {
    const char *slash = strrchr(path, '/');
    int k;
    if (!slash)
        k = snprintf(out, size, ".");
    else if (slash == path)
        k = snprintf(out, size, "/");
    else
        k = snprintf(out, size, "%.*s", (int)(slash - path), path);
    if (k < 0 || (size_t)k >= size) return nash_fail(err, NASH_ERR_IO, "path too long: %s", path);
    return NASH_OK;
}

NashStatus fs_join(const char *dir, const char *name, char *out, size_t size, NashError *err) {
    int k = snprintf(out, size, "%s/%s", dir, name);
    if (k < 0 || (size_t)k >= size) return nash_fail(err, NASH_ERR_IO, "path too long: %s/%s", dir, name);
    return NASH_OK;
}
