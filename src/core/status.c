/* status.c — error records with messages that say what to do (see status.h). */
#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

NashStatus nash_fail(NashError *err, NashStatus code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

static NashWarningHandler warning_handler;

void nash_set_warning_handler(NashWarningHandler handler) { warning_handler = handler; }

void nash_warn(const char *fmt, ...) {
    if (!warning_handler) return;
    char msg[NASH_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    warning_handler(msg);
}

NashStatus nash_fail_context(NashError *err, const char *fmt, ...) {
    if (!err) return NASH_ERR_INTERNAL;
    char prefix[NASH_ERROR_MSG_MAX];
    char old[NASH_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t used = strnlen(prefix, sizeof prefix - 1);
    memcpy(err->msg, prefix, used);
    size_t room = sizeof err->msg - 1 - used;
    size_t tail = strnlen(old, sizeof old - 1);
    if (tail > room) tail = room;
    memcpy(err->msg + used, old, tail);
    err->msg[used + tail] = '\0';
    if (err->code == NASH_OK) err->code = NASH_ERR_INTERNAL;
    return err->code;
}

const char *nash_status_name(NashStatus code) {
    switch (code) {
    case NASH_OK: return "ok";
    case NASH_ERR_INVALID: return "invalid";
    case NASH_ERR_CONFIG: return "config";
    case NASH_ERR_IO: return "io";
    case NASH_ERR_DATA: return "data";
    case NASH_ERR_NOMEM: return "nomem";
    case NASH_ERR_MPI: return "mpi";
    case NASH_ERR_INTERNAL: return "internal";
    case NASH_CHECKPOINTED: return "checkpointed";
    case NASH_DIVERGED: return "diverged";
    }
    return "unknown";
}

int nash_status_exit_code(NashStatus code) {
    switch (code) {
    case NASH_OK: return 0;
    case NASH_ERR_INVALID:
    case NASH_ERR_CONFIG:
    case NASH_ERR_DATA: return 2;
    case NASH_CHECKPOINTED: return 75;
    case NASH_DIVERGED: return 3;
    default: return 1;
    }
}

NashStatus nash_parse_name(const char *word, const char *const *names, int count, const char *what, int *index,
                           NashError *err) {
    for (int i = 0; i < count; i++)
        if (!strcmp(word, names[i])) {
            *index = i;
            return NASH_OK;
        }
    char list[256] = "";
    size_t used = 0;
    for (int i = 0; i < count && used < sizeof list; i++) {
        const char *sep = i == 0 ? "" : i == count - 1 ? " or " : ", ";
        int k = snprintf(list + used, sizeof list - used, "%s%s", sep, names[i]);
        if (k > 0) used += (size_t)k;
    }
    return nash_fail(err, NASH_ERR_CONFIG, "unknown %s '%s' (use %s)", what, word, list);
}
