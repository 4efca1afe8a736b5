/* test_stream_order.c — the epoch order of streamed samples (src/data/stream.h, stream_order.h):
 * stream_batch_indices against the order as docs/data.md states it, and its properties.
 *
 * 1. Reference: a naive whole-epoch implementation of the order (shuffle the blocks, cut them
 *    into windows, shuffle each window, concatenate, cut into sorted batches and parts) equals
 *    stream_batch_indices for every batch and part of two epochs, in geometries where windows are
 *    a multiple of the batch and where batches straddle two or more windows.
 * 2. Coverage, for N = 1000 and 4100, B = 64 with parts 1, 2, 3, 4 and B = 60 with parts 1, 3:
 *    over one epoch the union of all parts of all batches holds every index at most once and
 *    exactly N - N mod B distinct indices in [0, N); each part is sorted and has
 *    slice_start(B, p, j + 1) - slice_start(B, p, j) entries (21, 21, 22 for B = 64 over 3); the
 *    parts of a batch concatenated equal the parts = 1 batch (the order does not depend on the
 *    rank count).
 * 3. Epochs differ; the same seed gives the same order, another seed another; the unused tail
 *    (N mod B samples) differs between epochs; refused arguments (more parts than B, N < B) give
 *    -1 in the part's entries and write nothing more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "data/stream.h"

static int compare_index(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void fisher_yates(int64_t *a, int64_t len, uint64_t seed, uint64_t stream) {
    Rng rng = rng_make(seed, stream);
    for (int64_t i = len - 1; i > 0; i--) {
        int64_t j = rng_below(&rng, (uint32_t)(i + 1));
        int64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* The whole order of epoch e (n entries), straight from the description in docs/data.md. */
static void reference_epoch(int64_t n, uint64_t seed, int block, int window, int64_t e, int64_t *order) {
    int64_t n_blocks = (n + block - 1) / block, pos = 0;
    int64_t *blocks = malloc((size_t)n_blocks * sizeof *blocks);
    for (int64_t k = 0; k < n_blocks; k++) blocks[k] = k;
    fisher_yates(blocks, n_blocks, seed, 0x5b0000000000ull + (uint64_t)e);
    for (int64_t w = 0; w * window < n_blocks; w++) {
        int64_t start = pos;
        for (int64_t i = w * window; i < (w + 1) * window && i < n_blocks; i++)
            for (int64_t s = blocks[i] * block; s < (blocks[i] + 1) * block && s < n; s++) order[pos++] = s;
        fisher_yates(order + start, pos - start, seed, 0x5c0000000000ull + (uint64_t)e * (1u << 20) + (uint64_t)w);
    }
    free(blocks);
}

static void test_reference(int64_t n, int batch, int block, int window, int parts) {
    const uint64_t seed = 17;
    int64_t *order = malloc((size_t)n * sizeof *order), sorted[256], got[256];
    int64_t per_epoch = n / batch;
    bool ok = true;
    for (int64_t e = 0; e < 2 && ok; e++) {
        reference_epoch(n, seed, block, window, e, order);
        for (int64_t b = 0; b < per_epoch && ok; b++) {
            memcpy(sorted, order + b * batch, (size_t)batch * sizeof *sorted);
            qsort(sorted, (size_t)batch, sizeof *sorted, compare_index);
            for (int p = 0; p < parts && ok; p++) {
                int first = slice_start(batch, parts, p), share = slice_start(batch, parts, p + 1) - first;
                stream_batch_indices(n, seed, batch, block, window, e * per_epoch + b, parts, p, got);
                ok = memcmp(got, sorted + first, (size_t)share * sizeof *got) == 0;
                if (!ok)
                    check_true(false, "N %lld B %d block %d window %d: epoch %lld batch %lld part %d/%d differs",
                               (long long)n, batch, block, window, (long long)e, (long long)b, p, parts);
            }
        }
    }
    check_true(ok, "N %lld B %d block %d window %d parts %d: two epochs equal the reference order", (long long)n, batch,
               block, window, parts);
    free(order);
}

/* Every batch of epoch e, all parts: coverage, sortedness, part sizes, parts concatenate to the
 * whole. */
static void test_coverage(int64_t n, int batch, int parts, int64_t e) {
    const int block = 64, window = 8;
    const uint64_t seed = 5;
    int64_t per_epoch = n / batch;
    int *seen = calloc((size_t)n, sizeof *seen);
    int64_t whole[256], part[257];
    bool sorted = true, concat = true, in_range = true, sizes = true;
    for (int64_t b = 0; b < per_epoch; b++) {
        int64_t g = e * per_epoch + b;
        stream_batch_indices(n, seed, batch, block, window, g, 1, 0, whole);
        for (int p = 0; p < parts; p++) {
            int first = slice_start(batch, parts, p), share = slice_start(batch, parts, p + 1) - first;
            for (int i = 0; i < 257; i++) part[i] = -2; /* entries past the part's share stay -2 */
            stream_batch_indices(n, seed, batch, block, window, g, parts, p, part);
            int written = 0;
            while (written < 257 && part[written] != -2) written++;
            if (written != share) sizes = false;
            for (int64_t i = 0; i < share; i++) {
                if (part[i] < 0 || part[i] >= n) {
                    in_range = false;
                    continue;
                }
                seen[part[i]]++;
                if (i > 0 && part[i] <= part[i - 1]) sorted = false;
            }
            if (memcmp(part, whole + first, (size_t)share * sizeof *part) != 0) concat = false;
        }
    }
    int64_t distinct = 0, repeated = 0;
    for (int64_t i = 0; i < n; i++) distinct += seen[i] > 0, repeated += seen[i] > 1;
    const char *what = "N %lld B %d parts %d epoch %lld";
    char label[128];
    snprintf(label, sizeof label, what, (long long)n, batch, parts, (long long)e);
    check_true(in_range, "%s: every index in [0, N)", label);
    check_true(repeated == 0, "%s: no index twice in an epoch (%lld repeated)", label, (long long)repeated);
    check_true(distinct == n - n % batch, "%s: %lld distinct indices, expected N - N mod B = %lld", label,
               (long long)distinct, (long long)(n - n % batch));
    check_true(sorted, "%s: each part sorted", label);
    check_true(sizes, "%s: part j has slice_start(B, p, j + 1) - slice_start(B, p, j) entries", label);
    check_true(concat, "%s: parts concatenated equal the parts = 1 batch", label);
    free(seen);
}

/* The whole epoch e's used samples, batch after batch (parts = 1), into out (per_epoch * batch). */
static void epoch_indices(int64_t n, uint64_t seed, int batch, int64_t e, int64_t *out) {
    for (int64_t b = 0; b < n / batch; b++)
        stream_batch_indices(n, seed, batch, 64, 8, e * (n / batch) + b, 1, 0, out + b * batch);
}

static void test_seeds_and_epochs(void) {
    const int64_t n = 4100;
    const int batch = 64;
    size_t used = (size_t)(n / batch * batch);
    int64_t *a = malloc(used * sizeof *a), *b = malloc(used * sizeof *b);
    epoch_indices(n, 1, batch, 0, a);
    epoch_indices(n, 1, batch, 0, b);
    check_true(memcmp(a, b, used * sizeof *a) == 0, "same seed, same order");
    epoch_indices(n, 2, batch, 0, b);
    size_t same = 0;
    for (size_t i = 0; i < used; i++) same += a[i] == b[i];
    check_true(same < used / 10, "another seed, another order (%zu of %zu positions equal)", same, used);
    epoch_indices(n, 1, batch, 1, b);
    same = 0;
    for (size_t i = 0; i < used; i++) same += a[i] == b[i];
    check_true(same < used / 10, "epoch 1 differs from epoch 0 (%zu of %zu positions equal)", same, used);

    /* The unused tail: which samples epoch 0 and epoch 1 leave out. */
    char *used0 = calloc((size_t)n, 1), *used1 = calloc((size_t)n, 1);
    epoch_indices(n, 1, batch, 0, a);
    for (size_t i = 0; i < used; i++) used0[a[i]] = 1, used1[b[i]] = 1;
    int left_both = 0;
    for (int64_t i = 0; i < n; i++) left_both += !used0[i] && !used1[i];
    check_true(left_both < (int)(n % batch), "epochs 0 and 1 leave out different samples (%d of %d in common)",
               left_both, (int)(n % batch));
    free(used0);
    free(used1);
    free(a);
    free(b);

    int64_t out[64] = {0};
    stream_batch_indices(n, 1, 4, 64, 8, 0, 5, 4, out); /* 5 parts of B = 4: part 4 would be [3, 4) */
    check_true(out[0] == -1 && out[1] == 0, "more parts than B gives -1 (one entry), not an order");
    stream_batch_indices(10, 1, 16, 4, 2, 0, 4, 0, out); /* N < B */
    check_true(out[0] == -1 && out[3] == -1, "N < B gives -1");
    for (int i = 0; i < 64; i++) out[i] = -2;
    stream_batch_indices(10, 1, 16, 4, 2, 0, 3, 2, out); /* N < B, 3 parts: part 2 is [10, 16) */
    check_true(out[0] == -1 && out[5] == -1 && out[6] == -2, "N < B with 3 parts gives -1 in 6 entries");
}

/* B = 64 over 3 parts, literally: parts 0, 1, 2 hold sorted positions [0, 21), [21, 42), [42, 64). */
static void test_uneven_sizes(void) {
    int64_t whole[64], part[65];
    const int start[4] = {0, 21, 42, 64};
    stream_batch_indices(4100, 5, 64, 64, 8, 7, 1, 0, whole);
    for (int p = 0; p < 3; p++) {
        for (int i = 0; i < 65; i++) part[i] = -2;
        stream_batch_indices(4100, 5, 64, 64, 8, 7, 3, p, part);
        int len = start[p + 1] - start[p];
        check_true(slice_start(64, 3, p) == start[p] && part[len] == -2 && part[len - 1] >= 0 &&
                       memcmp(part, whole + start[p], (size_t)len * sizeof *part) == 0,
                   "B = 64, part %d of 3: %d entries, sorted positions [%d, %d)", p, len, start[p], start[p + 1]);
    }
}

int main(void) {
    /* Windows of 8 blocks of 64 = 512 samples (a multiple of B = 64), and geometries where batches
     * straddle windows: 3 x 50 = 150 samples per window, and 1 x 20 (a batch spans 4 windows). */
    test_reference(4100, 64, 64, 8, 4);
    test_reference(3000, 64, 50, 3, 2);
    test_reference(1000, 60, 20, 1, 3);
    test_reference(1001, 64, 1000, 2, 1); /* one full block and a block of 1 */
    test_reference(4100, 64, 64, 8, 3);   /* uneven parts: 21, 21, 22 */
    test_reference(3000, 64, 50, 3, 3);
    const int64_t sizes[] = {1000, 4100};
    for (int i = 0; i < 2; i++) {
        for (int64_t e = 0; e < 2; e++) {
            test_coverage(sizes[i], 64, 1, e);
            test_coverage(sizes[i], 64, 2, e);
            test_coverage(sizes[i], 64, 3, e);
            test_coverage(sizes[i], 64, 4, e);
            test_coverage(sizes[i], 60, 1, e);
            test_coverage(sizes[i], 60, 3, e);
        }
    }
    test_uneven_sizes();
    test_seeds_and_epochs();
    return check_finish("stream_order");
}
