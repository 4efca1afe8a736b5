/* picture.c — writing an encoded picture atomically (picture.h). */
#include "draw/picture.h"

#include <unistd.h>

#include "core/atomic.h"

NashStatus picture_save(const char *path, const char *format, PictureEncoder encode, const Picture *p, NashError *err) {
    AtomicFile af;
    int fd;
    NashStatus st = atomic_begin(&af, path, &fd, err);
    if (st) return st;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        atomic_abort(&af);
        return nash_fail(err, NASH_ERR_NOMEM, "%s: cannot open a stream on the temporary file", path);
    }
    char msg[256] = "";
    bool ok = encode(f, p, msg, sizeof msg);
    bool flushed = fflush(f) == 0 && !ferror(f);
    bool closed = fclose(f) == 0;
    if (!ok || !flushed || !closed) {
        atomic_abort(&af);
        return nash_fail(err, NASH_ERR_IO, "%s: cannot write the %s: %s", path, format,
                         !ok ? msg : "write error (is the disk full?)");
    }
    return atomic_commit(&af, err);
}
