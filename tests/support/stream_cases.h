/* stream_cases.h — what the streaming reader's tests (test_stream.c, test_stream_flips.c) share:
 * a StreamConfig with their seed, and a check that stream_open refuses one. */
#ifndef NASH_TEST_STREAM_CASES_H
#define NASH_TEST_STREAM_CASES_H

#include "core/status.h"
#include "data/stream.h"

/* Seed 11, starting at batch 0, no flips, no shards. */
StreamConfig stream_test_config(const char *path, int batch, int parts, int part, int block, int window, int cap);

/* stream_open(c) fails with `code`, opens nothing, and its message holds a (and b unless NULL);
 * `what` names the case in the check. */
void stream_expect_refused(StreamConfig c, NashStatus code, const char *a, const char *b, const char *what);

#endif
