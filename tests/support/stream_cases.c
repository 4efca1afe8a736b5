/* stream_cases.c — see stream_cases.h. */
#include "stream_cases.h"

#include <string.h>

#include "check.h"

StreamConfig stream_test_config(const char *path, int batch, int parts, int part, int block, int window, int cap) {
    return (StreamConfig){.path = path,
                          .seed = 11,
                          .batch = batch,
                          .parts = parts,
                          .part = part,
                          .block = block,
                          .window = window,
                          .buffer_blocks = cap,
                          .start_batch = 0};
}

void stream_expect_refused(StreamConfig c, NashStatus code, const char *a, const char *b, const char *what) {
    Stream *s = NULL;
    NashError err = {0};
    NashStatus st = stream_open(&c, &s, NULL, NULL, &err);
    check_true(st == code && s == NULL && strstr(err.msg, a) && (!b || strstr(err.msg, b)),
               "%s is refused (%s): %s", what, nash_status_name(st), err.msg);
    if (s) stream_close(s);
}
