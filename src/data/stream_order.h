/* stream_order.h — the epoch order of data/stream.h, computed a window at a time (private to data/).
 *
 * The order (stream.h, docs/data.md "Streaming"), with the details stream.h leaves open fixed here:
 *   - blocks: block k holds samples [k*block, min(N, (k+1)*block)); nb = ceil(N / block);
 *   - epoch e: the block list 0..nb-1 is shuffled by Fisher–Yates from the top,
 *       for i = nb-1 down to 1: j = rng_below(&r, i + 1); swap(order[i], order[j])
 *     with r = rng_make(seed, 0x5b0000000000 + e); window w is blocks order[w*window, (w+1)*window)
 *     (the last window may have fewer blocks, and only the block nb-1 may be short);
 *   - window w lists its samples block by block (in the shuffled block order, each block
 *     ascending) and shuffles that list with the same Fisher–Yates, r = rng_make(seed,
 *     0x5c0000000000 + e*2^20 + w); the epoch's order is window 0's list, then window 1's, ...;
 *   - global batch g is epoch e = g / (N / B), batch b = g % (N / B), positions [b*B, (b+1)*B)
 *     of epoch e's order; the batch is sorted by sample index and part j of p (1 <= p <= B) is
 *     its sorted positions [slice_start(B, p, j), slice_start(B, p, j + 1)) (core/shape.h: the
 *     sizes differ by at most one, B need not be a multiple of p).
 * Limits that keep the Philox streams apart and rng_below's bound in 32 bits: at most 2^20
 * windows per epoch, window*block < 2^32; stream_order_init refuses more.
 *
 * A StreamOrder caches the block order of one epoch (O(nb)) and the shuffled lists of the last
 * few windows it was asked about, so walking the batches of an epoch in order shuffles each
 * window once. Not thread-safe: one owner (the stream's reader thread, or one call of
 * stream_batch_indices).
 */
#ifndef NASH_DATA_STREAM_ORDER_H
#define NASH_DATA_STREAM_ORDER_H

#include <stdint.h>

#include "core/status.h"

#define STREAM_BLOCK_STREAM 0x5b0000000000ull
#define STREAM_WINDOW_STREAM 0x5c0000000000ull
#define STREAM_MAX_WINDOWS ((int64_t)1 << 20)
#define STREAM_ORDER_SLOTS 4 /* shuffled windows kept */

typedef struct {
    int64_t epoch, window; /* -1: empty */
    int64_t len;           /* samples */
    int64_t *samples;      /* (window*block) */
    uint64_t used;         /* for least-recently-used replacement */
} StreamWindowSlot;

typedef struct {
    int64_t n;
    uint64_t seed;
    int batch, block, window;
    int64_t n_blocks, n_windows, batches_per_epoch; /* batches_per_epoch = n / batch */
    int64_t epoch;                                  /* whose block order is cached; -1 none */
    int64_t *block_order;                           /* (n_blocks) */
    int64_t *window_start;                          /* (n_windows + 1) positions in the epoch */
    StreamWindowSlot slot[STREAM_ORDER_SLOTS];
    uint64_t tick;
    int64_t *scratch; /* (batch) the sorted batch */
} StreamOrder;

/* Check the parameters (n >= batch >= 1, block >= 1, window >= 1, the limits above) and allocate.
 * Messages name the StreamConfig field. */
NashStatus stream_order_init(StreamOrder *o, int64_t n, uint64_t seed, int batch, int block, int window,
                             NashError *err);
void stream_order_free(StreamOrder *o);

/* The block order of `epoch` (n_blocks entries) and its window start positions (n_windows + 1),
 * valid until the order is asked about another epoch. */
void stream_order_epoch(StreamOrder *o, int64_t epoch);

/* Window w of epoch e: its shuffled sample list (len entries), valid until STREAM_ORDER_SLOTS other
 * windows have been asked for. */
const int64_t *stream_order_window(StreamOrder *o, int64_t epoch, int64_t w, int64_t *len);

/* The first and last window (inclusive) that global batch g touches. */
void stream_order_batch_windows(StreamOrder *o, int64_t g, int64_t *first, int64_t *last);

/* Sorted sample indices of part `part` of `parts` (1 <= parts <= batch) of global batch g into out
 * (slice_start(batch, parts, part + 1) - slice_start(batch, parts, part) entries). */
void stream_order_batch(StreamOrder *o, int64_t g, int parts, int part, int64_t *out);

#endif
