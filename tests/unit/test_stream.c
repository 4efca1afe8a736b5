/* test_stream.c — the streaming reader (src/data/stream.h) on small files made here.
 *
 * 1. Delivery: an images file of N = 3000 (1,4,4) images whose pixels encode the sample index,
 *    streamed for three epochs by parts 0 and 1 of 2 at the same time (two reader threads), with
 *    blocks of 50 and windows of 3 (batches straddle windows): every batch part has the indices of
 *    stream_batch_indices and the samples dataset_read returns for them (x/127.5 - 1), bit for bit;
 *    with the smallest cap stream_open accepts and with one larger than the file; and by parts 0, 1
 *    and 2 of 3 (64 = 21 + 21 + 22 rows, stream_share). With the smallest cap no block is read
 *    twice in an epoch (blocks_read is the count of distinct blocks the part needs). A resumed
 *    stream (start_batch) continues the same order; a vectors file streams its floats unchanged.
 * 2. Locality: N = 4096, blocks of 64, windows of 8, B = 64, parts = 4: blocks read per epoch.
 * 3. Refusals: more parts than B, a cap below the minimum, a missing file (dataset_open's message),
 *    part >= parts, N < B.
 * 4. A read failing mid-run (a compressed chunk overwritten) is returned by stream_next, naming
 *    the file, after the batches read before it; close is prompt while the reader waits for the
 *    consumer, right after open, and after a failure.
 * Flips (data.flip) are test_stream_flips.c's.
 */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "stream_cases.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "data/stream.h"

static char dir[64];
static char images_path[256], vectors_path[256], local_path[256], damaged_path[256];

enum { N_IMAGES = 3000, PIXELS = 16 };

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static bool contains(const char *msg, const char *needle) { return strstr(msg, needle) != NULL; }

/* Pixels of image i: i mod 256, i / 256, then a pattern of i. */
static void make_images(uint8_t *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        x[i * PIXELS] = (uint8_t)(i & 255);
        x[i * PIXELS + 1] = (uint8_t)(i >> 8);
        for (int p = 2; p < PIXELS; p++) x[i * PIXELS + p] = (uint8_t)((i * 31 + p * 7) & 255);
    }
}

/* Blocks part c->part needs for batches [g0, g1): *distinct over the whole range, and the sum over
 * epochs of the distinct blocks of each epoch's share of the range (what a reader that never
 * reads a block twice in an epoch reads at most). */
static void blocks_needed(const StreamConfig *c, int64_t n, int64_t g0, int64_t g1, int64_t *distinct,
                          int64_t *per_epoch_sum) {
    int64_t n_blocks = (n + c->block - 1) / c->block, per_epoch = n / c->batch;
    int64_t *seen_epoch = malloc((size_t)n_blocks * sizeof *seen_epoch), idx[256];
    for (int64_t k = 0; k < n_blocks; k++) seen_epoch[k] = -1;
    char *seen = calloc((size_t)n_blocks, 1);
    *distinct = *per_epoch_sum = 0;
    for (int64_t g = g0; g < g1; g++) {
        stream_batch_indices(n, c->seed, c->batch, c->block, c->window, g, c->parts, c->part, idx);
        int share = slice_start(c->batch, c->parts, c->part + 1) - slice_start(c->batch, c->parts, c->part);
        for (int i = 0; i < share; i++) {
            int64_t k = idx[i] / c->block;
            if (!seen[k]) seen[k] = 1, ++*distinct;
            if (seen_epoch[k] != g / per_epoch) seen_epoch[k] = g / per_epoch, ++*per_epoch_sum;
        }
    }
    free(seen);
    free(seen_epoch);
}

/* The reader of a stream whose consumer took batches [g0, g1) has read every block those need,
 * no block twice in an epoch, and perhaps blocks of the (at most 3) batches it read ahead. A cap of
 * every block of the file reads each block once. */
static void check_reads(const StreamConfig *c, int64_t n, int64_t g0, int64_t g1, const StreamStats *st,
                        bool whole_file, const char *label) {
    int64_t distinct, sum, ahead_distinct, ahead_sum;
    blocks_needed(c, n, g0, g1, &distinct, &sum);
    blocks_needed(c, n, g0, g1 + 3, &ahead_distinct, &ahead_sum);
    int64_t high = whole_file ? ahead_distinct : ahead_sum;
    check_true(st->blocks_read >= distinct && st->blocks_read <= high,
               "%s part %d: %lld blocks read; the batches need %lld distinct, at most %lld with no block read twice "
               "in an epoch%s",
               label, c->part, (long long)st->blocks_read, (long long)distinct, (long long)high,
               whole_file ? " or at all" : "");
}

/* Stream `batches` batches from all c[0].parts (at most 4) parts at once, interleaved; compare with
 * the order and with `ref` (n, sample) floats. Returns the streams' stats in st[parts]. */
static void stream_parts(StreamConfig *c, const float *ref, int64_t n, size_t numel, int64_t batches, StreamStats *st,
                         const char *label) {
    Stream *s[4] = {NULL, NULL, NULL, NULL};
    NashError err = {0};
    Shape sample;
    int64_t count = 0;
    const int parts = c[0].parts;
    for (int p = 0; p < parts; p++)
        if (!check_true(stream_open(&c[p], &s[p], &sample, &count, &err) == NASH_OK, "%s: open part %d: %s", label, p,
                        err.msg))
            goto done;
    check_true(count == n && shape_numel(sample) == numel, "%s: open reports %lld samples of %zu values", label,
               (long long)count, shape_numel(sample));
    int share[4];
    for (int p = 0; p < parts; p++) {
        share[p] = slice_start(c[p].batch, parts, p + 1) - slice_start(c[p].batch, parts, p);
        check_true(stream_share(s[p]) == share[p], "%s: part %d of %d has %d rows (%d expected)", label, p, parts,
                   stream_share(s[p]), share[p]);
    }
    int64_t expect[256];
    bool order_ok = true, data_ok = true, next_ok = true;
    for (int64_t g = c[0].start_batch; g < c[0].start_batch + batches && next_ok; g++) {
        for (int p = 0; p < parts && next_ok; p++) {
            const float *x;
            const int64_t *idx;
            next_ok = check_true(stream_next(s[p], &x, &idx, &err) == NASH_OK, "%s: next: %s", label, err.msg);
            if (!next_ok) break;
            stream_batch_indices(n, c[p].seed, c[p].batch, c[p].block, c[p].window, g, parts, p, expect);
            if (memcmp(idx, expect, (size_t)share[p] * sizeof *idx) != 0) order_ok = false;
            for (int i = 0; i < share[p] && data_ok; i++)
                data_ok = memcmp(x + (size_t)i * numel, ref + (size_t)idx[i] * numel, numel * sizeof *x) == 0;
            if (!data_ok)
                check_true(false, "%s: batch %lld part %d: samples differ from the file", label, (long long)g, p);
        }
    }
    check_true(order_ok, "%s: indices equal stream_batch_indices for %lld batches", label, (long long)batches);
    check_true(data_ok, "%s: every sample equals the file's (scaled as dataset_read)", label);
    for (int p = 0; p < parts; p++) stream_stats(s[p], &st[p]);
    int64_t last = c[0].start_batch + batches - 1;
    check_true(st[0].batch == last && st[0].epoch == last / (n / c[0].batch), "%s: stats name batch %lld epoch %lld",
               label, (long long)st[0].batch, (long long)st[0].epoch);
done:
    for (int p = 0; p < parts; p++) stream_close(s[p]);
}

static void test_delivery(void) {
    uint8_t *img = malloc((size_t)N_IMAGES * PIXELS);
    float *ref = malloc((size_t)N_IMAGES * PIXELS * sizeof *ref);
    make_images(img, N_IMAGES);
    NashError err = {0};
    DatasetReader *r;
    DatasetInfo info;
    bool ok =
        dataset_write_images(images_path, img, N_IMAGES, shape_3d(1, 4, 4), NULL, "test", NULL, 0, &err) == NASH_OK &&
        dataset_open(images_path, &r, &info, &err) == NASH_OK;
    if (!check_true(ok, "write and open the images file: %s", err.msg)) goto done;
    check_true(dataset_read(r, 0, N_IMAGES, ref, &err) == NASH_OK, "read it whole: %s", err.msg);
    dataset_close(r);
    bool encoded = true; /* the index is in the first two pixels, through the scaling */
    for (int64_t i = 0; i < N_IMAGES; i++) {
        long lo = lround((ref[i * PIXELS] + 1.0) * 127.5), hi = lround((ref[i * PIXELS + 1] + 1.0) * 127.5);
        encoded = encoded && lo + 256 * hi == i;
    }
    check_true(encoded, "the file's pixels encode the sample index");

    /* B = 64 of N = 3000: 46 batches an epoch, 56 samples unused; 60 blocks of 50 in 20 windows of
     * 150 samples, so batches straddle windows; the smallest cap is 2 windows = 6 blocks. */
    const int64_t per_epoch = N_IMAGES / 64, epochs = 3;
    const int caps[] = {6, 1000};
    for (int k = 0; k < 2; k++) {
        StreamConfig c[2] = {stream_test_config(images_path, 64, 2, 0, 50, 3, caps[k]),
                             stream_test_config(images_path, 64, 2, 1, 50, 3, caps[k])};
        StreamStats st[2];
        char label[64];
        snprintf(label, sizeof label, "images, cap %d", caps[k]);
        stream_parts(c, ref, N_IMAGES, PIXELS, epochs * per_epoch, st, label);
        for (int p = 0; p < 2; p++) {
            check_reads(&c[p], N_IMAGES, 0, epochs * per_epoch, &st[p], caps[k] >= 60, label);
            check_true(st[p].bytes_read == st[p].blocks_read * 50 * PIXELS,
                       "%s part %d: %lld bytes read in %lld blocks of 50 images", label, p, (long long)st[p].bytes_read,
                       (long long)st[p].blocks_read);
        }
    }

    /* Resume in the middle of epoch 1 (batch 50). */
    StreamConfig c[2] = {stream_test_config(images_path, 64, 2, 0, 50, 3, 6), stream_test_config(images_path, 64, 2, 1, 50, 3, 6)};
    c[0].start_batch = c[1].start_batch = 50;
    StreamStats st[2];
    stream_parts(c, ref, N_IMAGES, PIXELS, 60, st, "images, from batch 50");
    for (int p = 0; p < 2; p++) check_reads(&c[p], N_IMAGES, 50, 110, &st[p], false, "images, from batch 50");

    /* B = 64 over 3 parts (21, 21, 22 rows), the smallest cap, two epochs. */
    StreamConfig c3[3];
    StreamStats st3[3];
    for (int p = 0; p < 3; p++) c3[p] = stream_test_config(images_path, 64, 3, p, 50, 3, 6);
    stream_parts(c3, ref, N_IMAGES, PIXELS, 2 * per_epoch, st3, "images, 3 parts");
    for (int p = 0; p < 3; p++) check_reads(&c3[p], N_IMAGES, 0, 2 * per_epoch, &st3[p], false, "images, 3 parts");

    /* A vectors file: (N, 3) floats come out unchanged. */
    enum { NV = 500 };
    float *vec = malloc(NV * 3 * sizeof *vec);
    fill_uniform(vec, NV * 3, -5.0f, 5.0f, 3);
    if (check_true(dataset_write_vectors(vectors_path, vec, NV, shape_1d(3), NULL, NULL, 0, &err) == NASH_OK,
                   "write a vectors file: %s", err.msg)) {
        StreamConfig v[2] = {stream_test_config(vectors_path, 32, 2, 0, 16, 4, 8), stream_test_config(vectors_path, 32, 2, 1, 16, 4, 8)};
        stream_parts(v, vec, NV, 3, 40, st, "vectors");
    }
    free(vec);
done:
    free(img);
    free(ref);
}

/* Locality: N = 4096 in 64 blocks of 64, windows of 8 blocks (512 samples, 8 batches of 64), a
 * cap of 16 blocks, 10 epochs. One part reads every block once an epoch (a few fewer: blocks still
 * cached from the end of one epoch are not read again if the next needs them early). With 4 parts,
 * part j takes the j-th quarter of every sorted batch: in each window about 2 blocks of its own,
 * plus the neighbours' blocks its quarter spills into as the quarter's edges fluctuate from batch to
 * batch (sample 16 of 64 drawn from 512 has a standard deviation of ~28 samples, half a block).
 * The outer parts spill on one side, the inner ones on both. Measured (seed 11): the order alone
 * needs 0.38, 0.51, 0.50, 0.38 of the blocks an epoch for parts 0 to 3 (0.44 on average); the
 * reader reads 0.28, 0.45, 0.46, 0.32 (0.38), since a cap of 16 holds twice what a part needs at
 * once and blocks kept from the end of an epoch are not read again. 1/4 would be perfect locality,
 * 1 is what a rank reading whole batches reads. The bounds: on average over the parts, the order
 * needs and the reader reads below 0.5 of the blocks an epoch; every part reads below 0.6. */
static void test_locality(void) {
    enum { N = 4096, EPOCHS = 10, BLOCKS = N / 64 };
    uint8_t *img = malloc((size_t)N * PIXELS);
    make_images(img, N);
    NashError err = {0};
    bool ok = dataset_write_images(local_path, img, N, shape_3d(1, 4, 4), NULL, "test", NULL, 0, &err) == NASH_OK;
    free(img);
    if (!check_true(ok, "write the locality file: %s", err.msg)) return;
    const int parts_list[] = {1, 4};
    for (int i = 0; i < 2; i++) {
        int parts = parts_list[i];
        double mean = 0.0, mean_need = 0.0;
        for (int p = 0; p < parts; p++) {
            StreamConfig c = stream_test_config(local_path, 64, parts, p, 64, 8, 16);
            Stream *s;
            if (!check_true(stream_open(&c, &s, NULL, NULL, &err) == NASH_OK, "locality open: %s", err.msg)) return;
            const float *x;
            for (int64_t g = 0; g < EPOCHS * (N / 64) && ok; g++)
                ok = check_true(stream_next(s, &x, NULL, &err) == NASH_OK, "locality next: %s", err.msg);
            StreamStats st;
            stream_stats(s, &st);
            stream_close(s);
            char label[64];
            snprintf(label, sizeof label, "locality, parts %d", parts);
            check_reads(&c, N, 0, EPOCHS * (N / 64), &st, false, label);
            int64_t distinct, need;
            blocks_needed(&c, N, 0, EPOCHS * (N / 64), &distinct, &need);
            double share = (double)st.blocks_read / EPOCHS / BLOCKS;
            mean += share / parts;
            mean_need += (double)need / EPOCHS / BLOCKS / parts;
            printf("locality: parts %d part %d reads %.1f of %d blocks an epoch (%.3f; the order needs %.1f)\n", parts,
                   p, share * BLOCKS, BLOCKS, share, (double)need / EPOCHS);
            if (parts == 1)
                check_true(share > 0.75 && share <= 1.0 + 3.0 / (EPOCHS * BLOCKS),
                           "one part reads each block at most once an epoch: %.3f of the blocks", share);
            else
                check_true(share < 0.6, "parts 4 part %d reads %.3f of the blocks an epoch (< 0.6)", p, share);
        }
        if (parts > 1)
            check_true(mean < 0.5 && mean_need < 0.5,
                       "4 parts read %.3f of the blocks an epoch on average, the order needs %.3f (< 0.5)", mean,
                       mean_need);
    }
}

/* Shards (cluster.discriminator_groups): the 3000 images in 7 shards of 428 or 429. Each shard's
 * two parts, for two epochs of that shard (6 batches of 64 each), deliver exactly the order of a
 * file holding only the shard, shifted to the file's indices, with the file's samples; every
 * index falls in the shard, and over an epoch every used sample comes once. With flips on, a
 * sample is mirrored as stream_flips names it by its file index. */
static void test_shards(void) {
    enum { SHARDS = 7, BATCH = 64 };
    float *ref = malloc((size_t)N_IMAGES * PIXELS * sizeof *ref);
    NashError err = {0};
    DatasetReader *r;
    if (!check_true(dataset_open(images_path, &r, NULL, &err) == NASH_OK, "shards: open: %s", err.msg)) goto done;
    check_true(dataset_read(r, 0, N_IMAGES, ref, &err) == NASH_OK, "shards: read the file: %s", err.msg);
    dataset_close(r);
    bool inside = true, order = true, data = true, once = true, flips = true, opened = true;
    int64_t mirrored = 0, delivered = 0;
    for (int shard = 0; shard < SHARDS; shard++) {
        int64_t lo = slice_start64(N_IMAGES, SHARDS, shard), hi = slice_start64(N_IMAGES, SHARDS, shard + 1);
        int64_t per_epoch = (hi - lo) / BATCH;
        for (int flip = 0; flip < 2; flip++) {
            Stream *s[2] = {NULL, NULL};
            for (int p = 0; p < 2; p++) {
                StreamConfig c = stream_test_config(images_path, BATCH, 2, p, 50, 3, 6);
                c.shards = SHARDS;
                c.shard = shard;
                c.flip = flip;
                c.seed = 11 + (uint64_t)shard;
                opened = opened && stream_open(&c, &s[p], NULL, NULL, &err) == NASH_OK;
            }
            if (!opened) {
                check_true(false, "shard %d: open: %s", shard, err.msg);
                stream_close(s[0]);
                stream_close(s[1]);
                goto done;
            }
            for (int64_t g = 0; g < 2 * per_epoch; g++) {
                unsigned char seen[N_IMAGES] = {0};
                for (int p = 0; p < 2; p++) {
                    const float *x;
                    const int64_t *idx;
                    if (!check_true(stream_next(s[p], &x, &idx, &err) == NASH_OK, "shard %d: next: %s", shard, err.msg))
                        break;
                    int share = stream_share(s[p]);
                    int64_t expect[BATCH];
                    stream_batch_indices(hi - lo, 11 + (uint64_t)shard, BATCH, 50, 3, g, 2, p, expect);
                    for (int i = 0; i < share; i++) {
                        int64_t k = idx[i];
                        inside = inside && k >= lo && k < hi;
                        order = order && k == lo + expect[i];
                        if (k < lo || k >= hi) continue;
                        once = once && !seen[k];
                        seen[k] = 1;
                        const float *want = ref + (size_t)k * PIXELS, *got = x + (size_t)i * PIXELS;
                        bool m = flip && stream_flips(11 + (uint64_t)shard, g, k);
                        mirrored += m;
                        delivered++;
                        /* the 4x4 image mirrored left to right: pixel (y, x) is (y, 3 - x) */
                        for (int e = 0; e < PIXELS; e++) {
                            float v = m ? want[(e / 4) * 4 + 3 - e % 4] : want[e];
                            data = data && got[e] == v;
                            flips = flips && (m || got[e] == want[e]);
                        }
                    }
                }
            }
            stream_close(s[0]);
            stream_close(s[1]);
        }
    }
    check_true(inside, "shards: every index falls in its shard");
    check_true(order, "shards: each shard's order is the order of a file of its own samples, shifted");
    check_true(data, "shards: every sample equals the file's, mirrored where stream_flips names its file index");
    check_true(flips, "shards: with flips off, no sample changed");
    check_true(once, "shards: no sample twice in a batch");
    check_true(mirrored > delivered / 8 && mirrored < 3 * delivered / 8,
               "shards: flips mirror about half of the flipped runs' samples (%lld of %lld, all runs)",
               (long long)mirrored, (long long)delivered);
    /* a shard of fewer samples than a batch, and a shard that does not exist */
    StreamConfig small = stream_test_config(images_path, 500, 1, 0, 50, 3, 60);
    small.shards = 7;
    small.shard = 3;
    stream_expect_refused(small, NASH_ERR_INVALID, "shard 3 of 7", "samples 1285 to 1713", "a shard smaller than a batch");
    StreamConfig missing = stream_test_config(images_path, 64, 1, 0, 50, 3, 6);
    missing.shards = 2;
    missing.shard = 2;
    stream_expect_refused(missing, NASH_ERR_INVALID, "shard 2 does not exist", NULL, "shard 2 of 2");
done:
    free(ref);
}

/* ---- flips ---------------------------------------------------------------------------------- */

static void test_refusals(void) {
    stream_expect_refused(stream_test_config(images_path, 2, 3, 0, 64, 8, 32), NASH_ERR_CONFIG, "train.batch = 2", "3 discriminator ranks",
                   "B = 2 over 3 parts");
    stream_expect_refused(stream_test_config(images_path, 64, 2, 0, 50, 3, 5), NASH_ERR_CONFIG, "buffer_blocks = 5", "at least 6",
                   "a cap of 5 blocks for windows of 3");
    stream_expect_refused(stream_test_config(images_path, 16, 2, 0, 50, 1, 1), NASH_ERR_CONFIG, "buffer_blocks = 1", "at least 2",
                   "a cap of 1 block for windows of 1");
    stream_expect_refused(stream_test_config(images_path, 64, 2, 2, 64, 8, 32), NASH_ERR_INVALID, "part 2", NULL, "part 2 of 2");
    stream_expect_refused(stream_test_config(images_path, 64, 2, 0, 0, 8, 32), NASH_ERR_CONFIG, "block", NULL, "a block of 0");
    stream_expect_refused(stream_test_config(images_path, 4000, 1, 0, 64, 8, 32), NASH_ERR_INVALID, images_path, "fewer than one batch",
                   "a batch larger than the file");

    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.h5", dir);
    DatasetReader *r;
    NashError direct = {0};
    check_true(dataset_open(missing, &r, NULL, &direct) == NASH_ERR_IO, "dataset_open refuses a missing file");
    Stream *s = NULL;
    NashError err = {0};
    StreamConfig c = stream_test_config(missing, 64, 1, 0, 64, 8, 32);
    check_true(stream_open(&c, &s, NULL, NULL, &err) == NASH_ERR_IO && strcmp(err.msg, direct.msg) == 0,
               "a missing file: dataset_open's message: %s", err.msg);
}

/* A gzip file with chunks of 16 (= the block) and the chunk of samples [128, 144) overwritten. */
static bool write_damaged(void) {
    enum { N = 256 };
    uint8_t img[N * PIXELS];
    make_images(img, N);
    hsize_t dims[4] = {N, 1, 4, 4}, chunk[4] = {16, 1, 4, 4}, at[4] = {128, 0, 0, 0}, size = 0;
    hid_t f = H5Fcreate(damaged_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t space = H5Screate_simple(4, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 4, chunk);
    H5Pset_deflate(dcpl, 6);
    hid_t d = H5Dcreate2(f, "/images", H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, img);
    haddr_t addr = 0;
    unsigned mask = 0;
    bool ok = H5Dget_chunk_info_by_coord(d, at, &mask, &addr, &size) >= 0 && size > 0;
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(f);
    uint8_t junk[64];
    memset(junk, 0x5a, sizeof junk);
    size_t n = size < sizeof junk ? (size_t)size : sizeof junk;
    FILE *io = fopen(damaged_path, "r+b");
    ok = ok && io && fseek(io, (long)addr, SEEK_SET) == 0 && fwrite(junk, 1, n, io) == n;
    if (io) ok = fclose(io) == 0 && ok;
    return check_true(ok, "write a compressed file and damage the chunk of samples [128, 144)");
}

static void test_failure_and_close(void) {
    NashError err = {0};
    Stream *s;
    if (write_damaged()) {
        StreamConfig c = stream_test_config(damaged_path, 16, 1, 0, 16, 4, 8);
        int64_t first_bad = -1, idx[16];
        for (int64_t g = 0; g < 16 && first_bad < 0; g++) {
            stream_batch_indices(256, c.seed, 16, 16, 4, g, 1, 0, idx);
            for (int i = 0; i < 16; i++)
                if (idx[i] >= 128 && idx[i] < 144) first_bad = g;
        }
        if (check_true(stream_open(&c, &s, NULL, NULL, &err) == NASH_OK, "open the damaged file: %s", err.msg)) {
            const float *x;
            bool ok = true;
            for (int64_t g = 0; g < first_bad && ok; g++)
                ok = check_true(stream_next(s, &x, NULL, &err) == NASH_OK, "batch %lld before the damage: %s",
                                (long long)g, err.msg);
            NashStatus st = stream_next(s, &x, NULL, &err);
            check_true(st == NASH_ERR_IO && x == NULL && contains(err.msg, damaged_path) &&
                           contains(err.msg, "[128, 144)"),
                       "batch %lld (needs the damaged block): stream_next fails naming file and samples: %s",
                       (long long)first_bad, err.msg);
            NashError again = {0};
            check_true(stream_next(s, &x, NULL, &again) == NASH_ERR_IO && strcmp(again.msg, err.msg) == 0,
                       "the error is returned again by later calls");
            double t0 = now_seconds();
            stream_close(s);
            check_true(now_seconds() - t0 < 1.0, "close after a failure is prompt");
        }
    }

    /* The consumer never calls stream_next: the reader fills the ring and waits. */
    StreamConfig c = stream_test_config(images_path, 64, 2, 1, 50, 3, 6);
    if (check_true(stream_open(&c, &s, NULL, NULL, &err) == NASH_OK, "open: %s", err.msg)) {
        nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 200 * 1000 * 1000}, NULL);
        StreamStats st;
        stream_stats(s, &st);
        double t0 = now_seconds();
        stream_close(s);
        double took = now_seconds() - t0;
        check_true(took < 1.0 && st.blocks_read > 0 && st.batch == -1,
                   "close while the reader waits for the consumer takes %.4f s (%lld blocks read ahead)", took,
                   (long long)st.blocks_read);
    }
    if (check_true(stream_open(&c, &s, NULL, NULL, &err) == NASH_OK, "open: %s", err.msg)) {
        double t0 = now_seconds();
        stream_close(s);
        check_true(now_seconds() - t0 < 1.0, "close right after open is prompt");
    }
}

int main(void) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/nash_test_stream.XXXXXX");
    if (!check_true(mkdtemp(dir) != NULL, "mkdtemp")) return check_finish("stream");
    snprintf(images_path, sizeof images_path, "%s/images.h5", dir);
    snprintf(vectors_path, sizeof vectors_path, "%s/vectors.h5", dir);
    snprintf(local_path, sizeof local_path, "%s/local.h5", dir);
    snprintf(damaged_path, sizeof damaged_path, "%s/damaged.h5", dir);
    test_delivery();
    test_locality();
    test_shards();
    test_refusals();
    test_failure_and_close();
    unlink(images_path);
    unlink(vectors_path);
    unlink(local_path);
    unlink(damaged_path);
    check_true(rmdir(dir) == 0, "test directory removed");
    return check_finish("stream");
}
