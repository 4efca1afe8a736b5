/* status.h — how nash reports errors (docs/style.md, Errors).
 *
 * Library functions return a NashStatus and, on failure, fill a caller-owned NashError with a
 * message that names what went wrong and what to do (the file, HDF5 dataset, config key and
 * line, or MPI rank involved). Only cli/ decides to print and exit. Checks that guard input are
 * never assert(): they must survive NDEBUG.
 *
 *     NashError err = {0};
 *     if (net_init(&net, ..., &err) != NASH_OK) { fprintf(stderr, "nash: %s\n", err.msg); ... }
 */
#ifndef NASH_CORE_STATUS_H
#define NASH_CORE_STATUS_H

#include <stddef.h>

typedef enum {
    NASH_OK = 0,
    NASH_ERR_INVALID,  /* a bad argument or value: wrong shape, out-of-range hyperparameter */
    NASH_ERR_CONFIG,   /* a config or layer description that cannot be accepted */
    NASH_ERR_IO,       /* a file could not be read or written */
    NASH_ERR_DATA,     /* a data file with the wrong contents (dtype, shape, magic, counts) */
    NASH_ERR_NOMEM,    /* an allocation failed */
    NASH_ERR_MPI,      /* an MPI call or the rank layout failed */
    NASH_ERR_INTERNAL, /* a broken invariant: a bug in nash */
    NASH_CHECKPOINTED, /* not a failure: stopped by a signal after saving a checkpoint; run again
                          with --resume auto to continue (exit code 75, EX_TEMPFAIL) */
    NASH_DIVERGED,     /* training diverged: a loss, gradient or parameter is NaN or infinite on
                          some rank; every rank stopped before writing a checkpoint (exit code 3) */
} NashStatus;

#define NASH_ERROR_MSG_MAX 1024

typedef struct {
    NashStatus code;
    char msg[NASH_ERROR_MSG_MAX];
} NashError;

/* Record an error (printf-style message) and return its code, so callers can write
 * `return nash_fail(err, NASH_ERR_IO, "%s: cannot open: %s", path, strerror(errno));`.
 * `err` may be NULL (the message is then dropped). */
NashStatus nash_fail(NashError *err, NashStatus code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with context ("loading generator: " + old message). */
NashStatus nash_fail_context(NashError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a word naming one of `count` enum values (names[i] names value i): stores the index in
 * *index, or fails with NASH_ERR_CONFIG "unknown WHAT 'WORD' (use a, b or c)". */
NashStatus nash_parse_name(const char *word, const char *const *names, int count, const char *what, int *index,
                           NashError *err);

/* A warning from library code: something the user should know that does not stop the work (a
 * file without checksums, say). Library code never prints: it calls nash_warn, and the handler
 * cli/ installs prints the line; with no handler (the tests' default) warnings are dropped. */
typedef void (*NashWarningHandler)(const char *msg);
void nash_set_warning_handler(NashWarningHandler handler);
void nash_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A short name of a status code ("invalid", "io", ...). */
const char *nash_status_name(NashStatus code);

/* The process exit code for an error status: 2 for configuration and invalid input
 * (NASH_ERR_CONFIG, NASH_ERR_INVALID, and NASH_ERR_DATA: a data file with the wrong contents),
 * 0 for NASH_OK, 1 otherwise (documented in docs/exit-codes.md). */
int nash_status_exit_code(NashStatus code);

#endif
