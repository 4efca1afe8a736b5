/* atomic.h — write a file under a temporary name in its own directory, then rename it into place.
 *
 * Readers never see half a file, and a crash at any point leaves either the old file or the new
 * one: the data goes to ".BASENAME.tmp.XXXXXX" beside PATH (mkstemp; in the same directory, so the
 * rename stays on one file system; hidden, so directory listings and globs such as *.h5 never see
 * it), which is fsynced (reopened with open(2)), renamed over PATH, and the directory fsynced so
 * the rename itself survives a crash. On any failure the caller calls atomic_abort, which removes
 * the temporary file. Every file nash writes for a user (data sets, weights, samples, pictures)
 * goes through here.
 *
 *     AtomicFile af;
 *     int fd;
 *     if (atomic_begin(&af, path, &fd, err)) return err->code;
 *     ... write through fd (or close it and let a library write af.tmp_path) ...
 *     if (failed) { atomic_abort(&af); return ...; }
 *     return atomic_commit(&af, err);   // fsync, rename, fsync the directory; aborts on error
 */
#ifndef NASH_CORE_ATOMIC_H
#define NASH_CORE_ATOMIC_H

#include "core/status.h"

typedef struct {
    char *path;     /* the final name (a copy) */
    char *tmp_path; /* the temporary name, NULL once committed or aborted */
    void *writer;   /* the writer's state between begin and commit (store/h5util: the in-memory image) */
} AtomicFile;

/* Create the temporary file (mode 0644) and return its descriptor in *fd (the caller closes it).
 * Errors name `path` and say why (a missing directory, no permission). */
NashStatus atomic_begin(AtomicFile *af, const char *path, int *fd, NashError *err);

/* fsync the temporary file, rename it to the final name, fsync the directory (a file system that
 * cannot sync directories, EINVAL, is not an error). The temporary file must be closed by the
 * caller first. On failure the temporary file is removed. Frees af. */
NashStatus atomic_commit(AtomicFile *af, NashError *err);

/* Remove the temporary file (if any) and free af. Safe to call twice. */
void atomic_abort(AtomicFile *af);

#endif
