/* bench_stream.c — how fast data/stream.h delivers batches from a real data file (a benchmark, not
 * a test: it prints figures and fails only when the stream does).
 *
 *     build/src/nash data fashion-mnist --out /tmp/f.h5
 *     build/tests/bench/bench_stream /tmp/f.h5 [epochs]
 *
 * For B = 64, each block size, and parts 1 and 2 (each part measured alone, as one discriminator
 * rank would run it), two runs:
 *   1. flat out: the consumer takes batches as fast as it can for `epochs` epochs (default 3):
 *      batches/s, MB/s read from the file, blocks read per epoch (fewer than the order needs
 *      when blocks cached at the end of one epoch are needed early in the next), the blocks the
 *      order needs in epoch 0, the reader's time in HDF5;
 *   2. with compute: the consumer sleeps 3 ms after each batch (a training step's compute) for
 *      COMPUTE_BATCHES batches; the time stream_next waited, as a share of the run (docs/benchmarks.md
 *      asks for under 1%), and how much of it was the wait for the first batch (open, first reads).
 * The page cache is whatever it is: run it twice to see the warm figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/shape.h"
#include "data/stream.h"

#define COMPUTE_BATCHES 600
#define COMPUTE_SECONDS 0.003

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Distinct blocks part `part` of cfg needs in epoch 0 (the order alone, without the cache). */
static int64_t blocks_needed(const StreamConfig *cfg, int64_t n) {
    int64_t n_blocks = (n + cfg->block - 1) / cfg->block, count = 0, idx[64];
    char *need = calloc((size_t)n_blocks, 1);
    for (int64_t b = 0; need && b < n / cfg->batch; b++) {
        stream_batch_indices(n, cfg->seed, cfg->batch, cfg->block, cfg->window, b, cfg->parts, cfg->part, idx);
        int share = slice_start(cfg->batch, cfg->parts, cfg->part + 1) - slice_start(cfg->batch, cfg->parts, cfg->part);
        for (int i = 0; i < share; i++) need[idx[i] / cfg->block] = 1;
    }
    for (int64_t k = 0; need && k < n_blocks; k++) count += need[k];
    free(need);
    return count;
}

/* Take `batches` batches, sleeping `sleep_s` after each; fills *st, *elapsed and *first_wait (the
 * wait for the first batch: opening the file and the first reads). */
static int run(const StreamConfig *cfg, int64_t batches, double sleep_s, StreamStats *st, double *elapsed,
               double *first_wait) {
    Stream *s;
    NashError err = {0};
    int64_t n;
    Shape sample;
    double t0 = now_seconds();
    if (stream_open(cfg, &s, &sample, &n, &err) != NASH_OK) {
        fprintf(stderr, "bench_stream: %s\n", err.msg);
        return 1;
    }
    struct timespec nap = {0, (long)(sleep_s * 1e9)};
    for (int64_t g = 0; g < batches; g++) {
        const float *x;
        if (stream_next(s, &x, NULL, &err) != NASH_OK) {
            fprintf(stderr, "bench_stream: %s\n", err.msg);
            stream_close(s);
            return 1;
        }
        if (g == 0) {
            stream_stats(s, st);
            *first_wait = st->wait_seconds;
        }
        if (sleep_s > 0) nanosleep(&nap, NULL);
    }
    *elapsed = now_seconds() - t0;
    stream_stats(s, st);
    stream_close(s);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_stream DATA.h5 [epochs]   (make DATA.h5 with nash data fashion-mnist)\n");
        return 2;
    }
    int epochs = argc > 2 ? atoi(argv[2]) : 3;
    if (epochs < 1) epochs = 1;
    const int batch = 64, window = 8, blocks[] = {1024, 256};
    printf("%s, B = %d, window = %d blocks, cap = 4 windows; %d epochs flat out, then %d batches with %.0f ms of "
           "compute each\n\n",
           argv[1], batch, window, epochs, COMPUTE_BATCHES, COMPUTE_SECONDS * 1e3);
    printf("| block | parts | part | batches/s | MB/s read | blocks read/epoch | of the file | order needs | HDF5 "
           "read s | wait (3 ms compute) | of which first batch |\n");
    printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        for (int parts = 1; parts <= 2; parts++) {
            for (int part = 0; part < parts; part++) {
                StreamConfig cfg = {.path = argv[1],
                                    .seed = 1,
                                    .batch = batch,
                                    .parts = parts,
                                    .part = part,
                                    .block = blocks[b],
                                    .window = window,
                                    .buffer_blocks = 4 * window};
                StreamStats fast, slow;
                double t_fast, t_slow, first_fast, first_slow;
                Stream *probe;
                NashError err = {0};
                int64_t n;
                if (stream_open(&cfg, &probe, NULL, &n, &err) != NASH_OK) {
                    fprintf(stderr, "bench_stream: %s\n", err.msg);
                    return 1;
                }
                stream_close(probe);
                int64_t per_epoch = n / batch, n_blocks = (n + blocks[b] - 1) / blocks[b];
                if (run(&cfg, epochs * per_epoch, 0.0, &fast, &t_fast, &first_fast) ||
                    run(&cfg, COMPUTE_BATCHES, COMPUTE_SECONDS, &slow, &t_slow, &first_slow))
                    return 1;
                double per_epoch_blocks = (double)fast.blocks_read / epochs;
                printf(
                    "| %d | %d | %d | %.0f | %.1f | %.1f of %lld | %.2f | %lld | %.3f | %.3f ms (%.3f%%) | %.3f ms |\n",
                    blocks[b], parts, part, (double)(epochs * per_epoch) / t_fast,
                    (double)fast.bytes_read / t_fast / 1e6, per_epoch_blocks, (long long)n_blocks,
                    per_epoch_blocks / (double)n_blocks, (long long)blocks_needed(&cfg, n), fast.read_seconds,
                    slow.wait_seconds * 1e3, 100.0 * slow.wait_seconds / t_slow, first_slow * 1e3);
            }
        }
    }
    return 0;
}
