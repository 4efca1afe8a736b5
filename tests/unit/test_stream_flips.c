/* test_stream_flips.c — the streaming reader's flips (data.flip, src/data/stream.h) on a small file
 * made here. On a file of (2,3,5) images no row of which is a palindrome, with flip on every
 * delivered sample is bit for bit either the stored image or its mirror (each row of each
 * channel reversed), the mirror exactly when stream_flips(seed, g, index) says so, which is
 * rng_uniform_at(seed, STREAM_FLIP_STREAM + g, index) < 1/2; over 60 batches of 64 about half
 * are mirrored (within 5 standard errors of 1/2), and a sample met in two batches is flipped
 * independently in each (about half the time differently); the two parts of a 2-part stream
 * put together equal the 1-part batch bit for bit (flips included); a stream started at
 * start_batch = 23 delivers what the stream from 0 delivered from batch 23 on; flip off
 * mirrors nothing; flip on a vectors file is refused naming data.flip.
 */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "data/stream.h"
#include "stream_cases.h"

static char dir[64];

enum { FLIP_N = 640, FLIP_C = 2, FLIP_H = 3, FLIP_W = 5, FLIP_NUMEL = FLIP_C * FLIP_H * FLIP_W, FLIP_BATCHES = 60 };

/* Batches [g0, g0 + count) of a stream as one part or two parts joined: (count, 64, numel) floats
 * and (count, 64) indices. */
static bool stream_batches(const char *path, bool flip, int parts, int64_t g0, int count, float *x, int64_t *idx) {
    Stream *s[2] = {NULL, NULL};
    NashError err = {0};
    bool ok = true;
    for (int p = 0; p < parts && ok; p++) {
        StreamConfig c = stream_test_config(path, 64, parts, p, 64, 2, 4);
        c.flip = flip;
        c.start_batch = g0;
        ok = check_true(stream_open(&c, &s[p], NULL, NULL, &err) == NASH_OK, "flips: open part %d of %d: %s", p, parts,
                        err.msg);
    }
    for (int b = 0; b < count && ok; b++) {
        int row = 0;
        for (int p = 0; p < parts && ok; p++) {
            const float *part;
            const int64_t *pi;
            ok = check_true(stream_next(s[p], &part, &pi, &err) == NASH_OK, "flips: next: %s", err.msg);
            if (!ok) break;
            int share = stream_share(s[p]);
            memcpy(x + ((size_t)b * 64 + row) * FLIP_NUMEL, part, (size_t)share * FLIP_NUMEL * sizeof *x);
            memcpy(idx + (size_t)b * 64 + row, pi, (size_t)share * sizeof *idx);
            row += share;
        }
    }
    for (int p = 0; p < parts; p++) stream_close(s[p]);
    return ok;
}

static void test_flips(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/flips.h5", dir);
    uint8_t *img = malloc(FLIP_N * FLIP_NUMEL);
    for (int i = 0; i < FLIP_N; i++)
        for (int e = 0; e < FLIP_NUMEL; e++) img[i * FLIP_NUMEL + e] = (uint8_t)((i * 7 + e * 31 + (e % 5) * 3) & 255);
    NashError err = {0};
    bool ok = dataset_write_images(path, img, FLIP_N, shape_3d(FLIP_C, FLIP_H, FLIP_W), NULL, "test", NULL, 0, &err) ==
              NASH_OK;
    free(img);
    if (!check_true(ok, "write the flips file: %s", err.msg)) return;
    float *ref = malloc(FLIP_N * FLIP_NUMEL * sizeof *ref), *mirror = malloc(FLIP_N * FLIP_NUMEL * sizeof *mirror);
    DatasetReader *r;
    ok = dataset_open(path, &r, NULL, &err) == NASH_OK && dataset_read(r, 0, FLIP_N, ref, &err) == NASH_OK;
    if (ok) dataset_close(r);
    bool palindrome = false;
    for (int i = 0; ok && i < FLIP_N; i++)
        for (int row = 0; row < FLIP_C * FLIP_H; row++) {
            const float *a = ref + (size_t)i * FLIP_NUMEL + row * FLIP_W;
            float *m = mirror + (size_t)i * FLIP_NUMEL + row * FLIP_W;
            for (int x = 0; x < FLIP_W; x++) m[x] = a[FLIP_W - 1 - x];
            palindrome |= memcmp(a, m, FLIP_W * sizeof *a) == 0;
        }
    if (!check_true(ok && !palindrome, "read the flips file, no row of it a palindrome: %s", err.msg)) goto done;

    size_t rows = (size_t)FLIP_BATCHES * 64;
    float *one = malloc(rows * FLIP_NUMEL * sizeof *one), *two = malloc(rows * FLIP_NUMEL * sizeof *two),
          *late = malloc(rows * FLIP_NUMEL * sizeof *late), *off = malloc(rows * FLIP_NUMEL * sizeof *off);
    int64_t *i1 = malloc(rows * sizeof *i1), *i2 = malloc(rows * sizeof *i2), *il = malloc(rows * sizeof *il),
            *io = malloc(rows * sizeof *io);
    const int64_t g_late = 23;
    if (stream_batches(path, true, 1, 0, FLIP_BATCHES, one, i1) &&
        stream_batches(path, true, 2, 0, FLIP_BATCHES, two, i2) &&
        stream_batches(path, true, 1, g_late, FLIP_BATCHES - (int)g_late, late, il) &&
        stream_batches(path, false, 1, 0, FLIP_BATCHES, off, io)) {
        int64_t mirrored = 0, off_mirrored = 0;
        bool exact = true, keyed = true, formula = true;
        for (size_t k = 0; k < rows; k++) {
            int64_t g = (int64_t)(k / 64), i = i1[k];
            const float *got = one + k * FLIP_NUMEL;
            bool is_ref = memcmp(got, ref + i * FLIP_NUMEL, FLIP_NUMEL * sizeof *got) == 0;
            bool is_mirror = memcmp(got, mirror + i * FLIP_NUMEL, FLIP_NUMEL * sizeof *got) == 0;
            exact &= is_ref != is_mirror;
            keyed &= is_mirror == stream_flips(11, g, i);
            float u;
            rng_uniform_at(11, STREAM_FLIP_STREAM + (uint64_t)g, (uint64_t)i, &u, 1);
            formula &= stream_flips(11, g, i) == (u < 0.5f);
            mirrored += is_mirror;
            off_mirrored += memcmp(off + k * FLIP_NUMEL, ref + io[k] * FLIP_NUMEL, FLIP_NUMEL * sizeof *off) != 0;
        }
        check_true(exact, "flip on: every sample is exactly the stored image or its mirror");
        check_true(keyed, "flip on: the mirrored samples are those stream_flips(seed, g, index) names");
        check_true(formula, "stream_flips is rng_uniform_at(seed, STREAM_FLIP_STREAM + g, index) < 1/2");
        double half = 0.5 * (double)rows, se = sqrt(0.25 * (double)rows);
        printf("flips: %lld of %zu samples mirrored (%.2f standard errors from half)\n", (long long)mirrored, rows,
               ((double)mirrored - half) / se);
        check_true(fabs((double)mirrored - half) <= 5 * se, "flip on: %lld of %zu mirrored, about half",
                   (long long)mirrored, rows);
        check_true(off_mirrored == 0, "flip off: no sample changed (%lld did)", (long long)off_mirrored);
        /* 60 batches of 64 from 640 samples: 6 epochs, so each used sample comes back; per index, its
         * flip in batch g and in its next batch should differ about half the time */
        int64_t pairs = 0, differ = 0, last_g[FLIP_N];
        bool last_flip[FLIP_N];
        for (int i = 0; i < FLIP_N; i++) last_g[i] = -1;
        for (size_t k = 0; k < rows; k++) {
            int64_t i = i1[k], g = (int64_t)(k / 64);
            bool f = stream_flips(11, g, i);
            if (last_g[i] >= 0) pairs++, differ += f != last_flip[i];
            last_g[i] = g, last_flip[i] = f;
        }
        check_true(pairs > 1000 && fabs((double)differ - 0.5 * (double)pairs) <= 5 * sqrt(0.25 * (double)pairs),
                   "a sample met again is flipped independently: %lld of %lld repeats differ", (long long)differ,
                   (long long)pairs);
        check_true(memcmp(i1, i2, rows * sizeof *i1) == 0 && memcmp(one, two, rows * FLIP_NUMEL * sizeof *one) == 0,
                   "flip on: parts 0 and 1 of 2 put together equal the 1-part batches, flips included");
        size_t from = (size_t)g_late * 64;
        check_true(memcmp(il, i1 + from, (rows - from) * sizeof *il) == 0 &&
                       memcmp(late, one + from * FLIP_NUMEL, (rows - from) * FLIP_NUMEL * sizeof *late) == 0,
                   "flip on: a stream started at batch %lld equals the one from 0, flips included", (long long)g_late);
    }
    free(one);
    free(two);
    free(late);
    free(off);
    free(i1);
    free(i2);
    free(il);
    free(io);

    float vec[64 * 2];
    fill_uniform(vec, 64 * 2, -1.0f, 1.0f, 5);
    char vpath[300];
    snprintf(vpath, sizeof vpath, "%s/flipvec.h5", dir);
    if (check_true(dataset_write_vectors(vpath, vec, 64, shape_1d(2), NULL, NULL, 0, &err) == NASH_OK,
                   "write a vectors file: %s", err.msg)) {
        StreamConfig c = stream_test_config(vpath, 16, 1, 0, 16, 2, 4);
        c.flip = true;
        stream_expect_refused(c, NASH_ERR_CONFIG, "data.flip = true", "set data.flip = false", "flip on a vectors file");
        unlink(vpath);
    }
done:
    unlink(path);
    free(ref);
    free(mirror);
}

int main(void) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/nash_test_stream_flips.XXXXXX");
    if (!check_true(mkdtemp(dir) != NULL, "mkdtemp")) return check_finish("stream_flips");
    test_flips();
    check_true(rmdir(dir) == 0, "test directory removed");
    return check_finish("stream_flips");
}
