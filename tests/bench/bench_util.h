/* bench_util.h — what the benchmark programs share: the clock, the best-of-3 timing of a call, and
 * float32 -> bf16 rounding. Header-only, for programs that each build on their own. */
#ifndef NASH_BENCH_UTIL_H
#define NASH_BENCH_UTIL_H

#include <stdint.h>
#include <string.h>
#include <time.h>

static inline double bench_now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds per call of f(arg): one warm-up call, one timed call to size the runs, then the best of
 * 3 runs of as many calls as fill `seconds` together. */
static inline double bench_seconds_per_call(void (*f)(void *), void *arg, double seconds) {
    f(arg);
    double t0 = bench_now_seconds();
    f(arg);
    double one = bench_now_seconds() - t0, best = 1e30;
    long reps = (long)(seconds / 3.0 / (one > 1e-7 ? one : 1e-7)) + 1;
    for (int r = 0; r < 3; r++) {
        t0 = bench_now_seconds();
        for (long i = 0; i < reps; i++) f(arg);
        double per = (bench_now_seconds() - t0) / (double)reps;
        if (per < best) best = per;
    }
    return best;
}

/* float32 -> bf16, rounding to nearest even; a NaN stays a (quiet) NaN. */
static inline uint16_t bench_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

#endif
