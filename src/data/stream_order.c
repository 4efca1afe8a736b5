/* stream_order.c — the epoch order of streamed samples: shuffled blocks, grouped into windows,
 * shuffled within each window, cut into sorted batches (stream_order.h; docs/data.md,
 * "Streaming"). Also stream_batch_indices of stream.h, the same order as a pure function. */
#include "data/stream_order.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/shape.h"
#include "data/stream.h"

NashStatus stream_order_init(StreamOrder *o, int64_t n, uint64_t seed, int batch, int block, int window,
                             NashError *err) {
    memset(o, 0, sizeof *o);
    o->epoch = -1;
    for (int i = 0; i < STREAM_ORDER_SLOTS; i++) o->slot[i].epoch = o->slot[i].window = -1;
    if (batch < 1) return nash_fail(err, NASH_ERR_INVALID, "stream: batch %d must be at least 1", batch);
    if (block < 1) return nash_fail(err, NASH_ERR_INVALID, "stream: block %d must be at least 1 sample", block);
    if (window < 1) return nash_fail(err, NASH_ERR_INVALID, "stream: window %d must be at least 1 block", window);
    if (n < batch)
        return nash_fail(err, NASH_ERR_INVALID,
                         "stream: the data set holds %lld samples, fewer than one batch of %d; use a smaller batch",
                         (long long)n, batch);
    int64_t n_blocks = (n - 1) / block + 1;
    int64_t n_windows = (n_blocks - 1) / window + 1;
    if (n_windows > STREAM_MAX_WINDOWS || n_blocks > (int64_t)UINT32_MAX)
        return nash_fail(err, NASH_ERR_INVALID,
                         "stream: %lld samples in blocks of %d make %lld windows of %d blocks, more than the %lld an "
                         "epoch can have; use larger blocks or windows",
                         (long long)n, block, (long long)n_windows, window, (long long)STREAM_MAX_WINDOWS);
    if ((uint64_t)window * (uint64_t)block > UINT32_MAX)
        return nash_fail(err, NASH_ERR_INVALID,
                         "stream: a window of %d blocks of %d samples holds 2^32 samples or more; use a smaller window",
                         window, block);
    o->n = n;
    o->seed = seed;
    o->batch = batch;
    o->block = block;
    o->window = window;
    o->n_blocks = n_blocks;
    o->n_windows = n_windows;
    o->batches_per_epoch = n / batch;
    int64_t window_len = (int64_t)window * block < n ? (int64_t)window * block : n;
    o->block_order = malloc((size_t)n_blocks * sizeof *o->block_order);
    o->window_start = malloc((size_t)(n_windows + 1) * sizeof *o->window_start);
    o->scratch = malloc((size_t)batch * sizeof *o->scratch);
    bool ok = o->block_order && o->window_start && o->scratch;
    for (int i = 0; ok && i < STREAM_ORDER_SLOTS; i++) {
        o->slot[i].samples = malloc((size_t)window_len * sizeof *o->slot[i].samples);
        ok = o->slot[i].samples != NULL;
    }
    if (!ok) {
        stream_order_free(o);
        return nash_fail(err, NASH_ERR_NOMEM, "stream: out of memory for the epoch order of %lld samples",
                         (long long)n);
    }
    return NASH_OK;
}

void stream_order_free(StreamOrder *o) {
    free(o->block_order);
    free(o->window_start);
    free(o->scratch);
    for (int i = 0; i < STREAM_ORDER_SLOTS; i++) free(o->slot[i].samples);
    memset(o, 0, sizeof *o);
}

/* Fisher–Yates from the top with rng_below (stream_order.h). */
static void shuffle(int64_t *a, int64_t len, uint64_t seed, uint64_t stream) {
    Rng rng = rng_make(seed, stream);
    for (int64_t i = len - 1; i > 0; i--) {
        int64_t j = (int64_t)rng_below(&rng, (uint32_t)(i + 1));
        int64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

static int64_t block_len(const StreamOrder *o, int64_t k) {
    int64_t first = k * o->block;
    return o->n - first < o->block ? o->n - first : o->block;
}

void stream_order_epoch(StreamOrder *o, int64_t epoch) {
    if (o->epoch == epoch) return;
    for (int64_t k = 0; k < o->n_blocks; k++) o->block_order[k] = k;
    shuffle(o->block_order, o->n_blocks, o->seed, STREAM_BLOCK_STREAM + (uint64_t)epoch);
    int64_t pos = 0;
    for (int64_t w = 0; w < o->n_windows; w++) {
        o->window_start[w] = pos;
        int64_t end = (w + 1) * o->window < o->n_blocks ? (w + 1) * o->window : o->n_blocks;
        for (int64_t i = w * o->window; i < end; i++) pos += block_len(o, o->block_order[i]);
    }
    o->window_start[o->n_windows] = pos;
    o->epoch = epoch;
}

const int64_t *stream_order_window(StreamOrder *o, int64_t epoch, int64_t w, int64_t *len) {
    StreamWindowSlot *slot = &o->slot[0];
    for (int i = 0; i < STREAM_ORDER_SLOTS; i++) {
        StreamWindowSlot *s = &o->slot[i];
        if (s->epoch == epoch && s->window == w) {
            s->used = ++o->tick;
            *len = s->len;
            return s->samples;
        }
        if (s->used < slot->used) slot = s;
    }
    stream_order_epoch(o, epoch);
    int64_t len_w = 0;
    int64_t end = (w + 1) * o->window < o->n_blocks ? (w + 1) * o->window : o->n_blocks;
    for (int64_t i = w * o->window; i < end; i++) {
        int64_t k = o->block_order[i], first = k * o->block, count = block_len(o, k);
        for (int64_t s = 0; s < count; s++) slot->samples[len_w++] = first + s;
    }
    shuffle(slot->samples, len_w, o->seed, STREAM_WINDOW_STREAM + ((uint64_t)epoch << 20) + (uint64_t)w);
    slot->epoch = epoch;
    slot->window = w;
    slot->len = len_w;
    slot->used = ++o->tick;
    *len = len_w;
    return slot->samples;
}

/* The window holding position pos of the cached epoch: the last w with window_start[w] <= pos. */
static int64_t window_of(const StreamOrder *o, int64_t pos) {
    int64_t lo = 0, hi = o->n_windows - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo + 1) / 2;
        if (o->window_start[mid] <= pos)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

void stream_order_batch_windows(StreamOrder *o, int64_t g, int64_t *first, int64_t *last) {
    int64_t epoch = g / o->batches_per_epoch, b = g % o->batches_per_epoch;
    stream_order_epoch(o, epoch);
    *first = window_of(o, b * o->batch);
    *last = window_of(o, b * o->batch + o->batch - 1);
}

static int compare_index(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void stream_order_batch(StreamOrder *o, int64_t g, int parts, int part, int64_t *out) {
    int64_t epoch = g / o->batches_per_epoch, b = g % o->batches_per_epoch;
    int64_t pos = b * o->batch, end = pos + o->batch, filled = 0;
    stream_order_epoch(o, epoch);
    for (int64_t w = window_of(o, pos); pos < end; w++) {
        int64_t len;
        const int64_t *samples = stream_order_window(o, epoch, w, &len);
        int64_t start = o->window_start[w];
        int64_t stop = start + len < end ? start + len : end;
        for (; pos < stop; pos++) o->scratch[filled++] = samples[pos - start];
    }
    qsort(o->scratch, (size_t)filled, sizeof *o->scratch, compare_index);
    int first = slice_start(o->batch, parts, part), share = slice_start(o->batch, parts, part + 1) - first;
    memcpy(out, o->scratch + first, (size_t)share * sizeof *out);
}

void stream_batch_indices(int64_t n, uint64_t seed, int batch_size, int block, int window, int64_t batch, int parts,
                          int part, int64_t *out) {
    StreamOrder order;
    bool usable = parts >= 1 && parts <= batch_size && part >= 0 && part < parts && batch >= 0;
    if (!usable || stream_order_init(&order, n, seed, batch_size, block, window, NULL) != NASH_OK) {
        /* Arguments stream_open would refuse, or no memory: no order exists. */
        int share = parts >= 1 ? slice_start(batch_size, parts, part + 1) - slice_start(batch_size, parts, part) : 0;
        for (int i = 0; i < share; i++) out[i] = -1;
        return;
    }
    stream_order_batch(&order, batch, parts, part, out);
    stream_order_free(&order);
}
