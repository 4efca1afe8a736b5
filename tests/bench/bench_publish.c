/* bench_publish.c — how many metrics messages per second `nash monitor` keeps up with, and what
 * one message costs the trainer (a benchmark, not a test: it prints figures).
 *
 *     build/src/nash monitor --bind tcp://127.0.0.1:5590 > /dev/null &
 *     build/tests/bench/bench_publish tcp://127.0.0.1:5590 [seconds per rate]
 *
 * (tests/bench/bench_monitor.sh runs it for you.) For each target rate (messages/s, paced with
 * nanosleep) it publishes full step messages, with per-rank times for 4 ranks, for the given
 * seconds (default 2) and prints: the rate reached, the publisher's mean cost per message (build
 * the JSON, queue it: what a training step pays) and how many were dropped because the
 * monitor's queue was full. A rate the monitor sustains drops nothing. The last row is flat out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "publish/publish.h"

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_publish ENDPOINT [seconds per rate]\n");
        return 2;
    }
    double seconds = argc > 2 ? atof(argv[2]) : 2.0;
    MetricsPublisher *pub = NULL;
    NashError err = {0};
    if (metrics_open(&pub, argv[1], false, "bench-publish", 0, "G", &err) != NASH_OK) {
        fprintf(stderr, "bench_publish: %s\n", err.msg);
        return 1;
    }
    metrics_run_start(pub, "[train]\nsteps = 0\n", "split 1G+3D", 0, 64, 0);
    MetricsRankTime ranks[4];
    for (int r = 0; r < 4; r++)
        ranks[r] = (MetricsRankTime){.rank = r, .role = {r ? 'D' : 'G'}, .compute = 0.01, .exchange = 0.001};
    const double rates[] = {1000, 5000, 10000, 20000, 40000, 80000, 0};
    printf("%12s %12s %14s %10s %10s\n", "target/s", "sent/s", "us/message", "sent", "dropped");
    int64_t step = 0;
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        uint64_t dropped0 = metrics_dropped(pub), sent = 0;
        double busy = 0.0, t0 = now_seconds(), t = t0;
        while (t - t0 < seconds) {
            MetricsStep m = {.step = ++step,
                             .steps = 1000000,
                             .loss_d = 1.3,
                             .loss_g = 0.8,
                             .d_real = 0.55,
                             .d_fake = 0.45,
                             .grad_norm_d = 1.0,
                             .grad_norm_g = 2.0,
                             .images_per_s = 400.0,
                             .g_compute = 0.01,
                             .d_compute = 0.02,
                             .ranks = ranks,
                             .n_ranks = 4};
            double a = now_seconds();
            metrics_step(pub, &m);
            t = now_seconds();
            busy += t - a;
            sent++;
            if (rates[i] > 0) {
                double due = t0 + (double)sent / rates[i];
                if (due > t) nanosleep(&(struct timespec){.tv_nsec = (long)((due - t) * 1e9)}, NULL);
                t = now_seconds();
            }
        }
        uint64_t dropped = metrics_dropped(pub) - dropped0;
        char target[32];
        snprintf(target, sizeof target, rates[i] > 0 ? "%.0f" : "flat out", rates[i]);
        printf("%12s %12.0f %14.2f %10llu %10llu\n", target, (double)sent / (t - t0), 1e6 * busy / (double)sent,
               (unsigned long long)sent, (unsigned long long)dropped);
        fflush(stdout);
        struct timespec pause = {.tv_sec = 1}; /* let the monitor drain before the next rate */
        nanosleep(&pause, NULL);
    }
    metrics_run_end(pub, "done", "benchmark", step);
    nanosleep(&(struct timespec){.tv_nsec = 200000000}, NULL);
    metrics_close(pub);
    return 0;
}
