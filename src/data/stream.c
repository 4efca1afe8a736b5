/* stream.c — the streaming reader of stream.h: a reader thread that reads whole blocks of the data
 * file for this part's upcoming batches, keeps them in a bounded cache, and assembles batch parts
 * into a ring that stream_next hands out (docs/data.md, "Streaming"; the order is stream_order.c).
 *
 * Threads. The consumer (the trainer) calls stream_next, stream_stats and stream_close; the reader
 * thread owns the order, the block cache and the ring slots it is filling. They share only
 * StreamShared, under its mutex: the ring counters, the stop flag, the reader's error and the
 * statistics. A ring slot belongs to the reader until it is published (ready++) and to the
 * consumer from then until the next stream_next releases it; the mutex orders both hand-overs.
 *
 * HDF5. Debian's libhdf5-openmpi 1.10 is not thread-safe (H5_HAVE_THREADSAFE is undefined), so
 * every HDF5 call here — dataset_open, the reads, dataset_close — holds h5util_lock. The trainer
 * does not call HDF5 while it trains from a stream; a thread that does must take the same lock.
 *
 * Cache. Before a batch is assembled, every window it touches is planned: for each block, the
 * last batch of this part that needs it (last_use). A block is read at its first use and may be
 * evicted once its last use is past, so the blocks held at any time belong to the windows the
 * current batch touches: a cap of that many windows' blocks reads each block at most once per
 * epoch (min_cache_blocks).
 *
 * Flips (stream.h) are applied while a stored sample is converted to floats, so the cache keeps
 * the samples as stored and a flip costs nothing beyond reading the row backwards.
 */
#include "data/stream.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/rng.h"

#include "data/dataset.h"
#include "data/stream_order.h"
#include "store/h5util.h"

#define STREAM_RING 4 /* batch parts: the one the consumer holds and up to three ready ahead */

typedef struct {
    float *samples;   /* (share, sample) */
    int64_t *indices; /* (share) */
    int64_t batch;
} ReadyBatch;

/* What the consumer and the reader share, under mutex. ring[head] is the oldest unreleased batch
 * and `ready` batches from head on are filled; the consumer holds ring[head] when `held`. */
typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t ready_cond; /* a batch was published, or the reader failed */
    pthread_cond_t space_cond; /* a slot was released, or stop */
    int head, ready;
    bool held, failed;
    atomic_bool stop; /* set under mutex; the reader also polls it between blocks */
    NashError error;
    StreamStats stats;
} StreamShared;

struct Stream {
    StreamConfig cfg;
    char path[NASH_PATH_MAX];
    DatasetReader *reader;
    DatasetInfo info;
    size_t numel, stored_bytes; /* per sample: floats out, bytes in the file */
    int64_t first, count;       /* the shard streamed: file samples [first, first + count) */
    int share;                  /* this part's rows (stream_share) */
    int64_t batches_per_epoch;  /* n / batch (the consumer's copy; order belongs to the reader) */
    StreamOrder order;
    /* block cache (reader thread only) */
    int cache_slots;
    uint8_t *cache;      /* (cache_slots, block, stored_bytes) */
    int64_t *slot_block; /* (cache_slots) the block each slot holds, -1 free */
    int32_t *slot_of;    /* (n_blocks) the slot holding each block, -1 none */
    int64_t *last_use;   /* (n_blocks) last planned batch of this part that needs the block */
    int64_t planned_epoch, planned_window;
    int64_t *plan_indices; /* (share) */
    float lut[256];        /* byte -> byte / 127.5 - 1, as dataset_read */
    ReadyBatch ring[STREAM_RING];
    StreamShared *shared;
    pthread_t thread;
    bool thread_started;
};

/* The cache a part needs so that no block is read twice in an epoch: every block of every window
 * one batch can touch (a part's share of a batch is a range of sorted indices, which can fall in
 * any block of those windows). Windows strictly inside a batch hold `window` blocks, so at least
 * (window-1)*block + (the shortest block) samples; a batch of B touches at most
 * 2 + (B-2) / that many windows. */
static int64_t min_cache_blocks(const StreamOrder *o) {
    int64_t shortest_block = o->n - (o->n_blocks - 1) * o->block;
    int64_t shortest_window = (int64_t)(o->window - 1) * o->block + shortest_block;
    int64_t touched = o->batch < 2 ? 1 : 2 + (o->batch - 2) / shortest_window;
    if (touched > o->n_windows) touched = o->n_windows;
    int64_t blocks = touched * o->window;
    return blocks < o->n_blocks ? blocks : o->n_blocks;
}

static NashStatus check_config(const StreamConfig *cfg, const char *path, NashError *err) {
    if (cfg->parts < 1)
        return nash_fail(err, NASH_ERR_CONFIG, "%s: stream: %d discriminator ranks; there must be at least one", path,
                         cfg->parts);
    if (cfg->batch < cfg->parts)
        return nash_fail(err, NASH_ERR_CONFIG,
                         "train.batch = %d cannot be split over %d discriminator ranks: each needs at least one "
                         "sample; raise train.batch to at least %d or use fewer ranks",
                         cfg->batch, cfg->parts, cfg->parts);
    if (cfg->part < 0 || cfg->part >= cfg->parts)
        return nash_fail(err, NASH_ERR_INVALID, "%s: stream: part %d does not exist, there are parts 0 to %d", path,
                         cfg->part, cfg->parts - 1);
    if (cfg->block < 1 || cfg->window < 1 || cfg->buffer_blocks < 1)
        return nash_fail(err, NASH_ERR_CONFIG,
                         "%s: stream: block (%d samples), window (%d blocks) and buffer_blocks (%d) must be positive",
                         path, cfg->block, cfg->window, cfg->buffer_blocks);
    if (cfg->shards > 1 && (cfg->shard < 0 || cfg->shard >= cfg->shards))
        return nash_fail(err, NASH_ERR_INVALID, "%s: stream: shard %d does not exist, there are shards 0 to %d", path,
                         cfg->shard, cfg->shards - 1);
    if (cfg->start_batch < 0)
        return nash_fail(err, NASH_ERR_INVALID, "%s: stream: start batch %lld is negative", path,
                         (long long)cfg->start_batch);
    return NASH_OK;
}

/* Everything but the thread: the cache (at most one slot per block of the file), the ring. */
static NashStatus allocate(Stream *s, NashError *err) {
    int64_t slots = s->cfg.buffer_blocks < s->order.n_blocks ? s->cfg.buffer_blocks : s->order.n_blocks;
    size_t block_bytes = (size_t)s->cfg.block * s->stored_bytes;
    if (block_bytes / s->stored_bytes != (size_t)s->cfg.block || (size_t)slots > SIZE_MAX / block_bytes)
        return nash_fail(err, NASH_ERR_NOMEM, "%s: stream: %lld blocks of %d samples do not fit in memory", s->path,
                         (long long)slots, s->cfg.block);
    s->cache_slots = (int)slots;
    s->cache = malloc((size_t)slots * block_bytes);
    s->slot_block = malloc((size_t)slots * sizeof *s->slot_block);
    s->slot_of = malloc((size_t)s->order.n_blocks * sizeof *s->slot_of);
    s->last_use = malloc((size_t)s->order.n_blocks * sizeof *s->last_use);
    s->plan_indices = malloc((size_t)s->share * sizeof *s->plan_indices);
    bool ok = s->cache && s->slot_block && s->slot_of && s->last_use && s->plan_indices;
    for (int i = 0; ok && i < STREAM_RING; i++) {
        s->ring[i].samples = malloc((size_t)s->share * s->numel * sizeof *s->ring[i].samples);
        s->ring[i].indices = malloc((size_t)s->share * sizeof *s->ring[i].indices);
        ok = s->ring[i].samples && s->ring[i].indices;
    }
    if (!ok)
        return nash_fail(err, NASH_ERR_NOMEM, "%s: stream: out of memory for %lld cached blocks of %d samples", s->path,
                         (long long)slots, s->cfg.block);
    for (int64_t i = 0; i < slots; i++) s->slot_block[i] = -1;
    for (int64_t k = 0; k < s->order.n_blocks; k++) s->slot_of[k] = -1, s->last_use[k] = -1;
    s->planned_epoch = s->planned_window = -1;
    for (int i = 0; i < 256; i++) s->lut[i] = (float)i / 127.5f - 1.0f;
    return NASH_OK;
}

/* ---- the reader thread ------------------------------------------------------------------------ */

/* Record, for each block this part reads for a batch touching window w of epoch, its last use. */
static void plan_window(Stream *s, int64_t epoch, int64_t w) {
    StreamOrder *o = &s->order;
    stream_order_epoch(o, epoch);
    int64_t b_first = o->window_start[w] / o->batch, b_last = (o->window_start[w + 1] - 1) / o->batch;
    if (b_last >= o->batches_per_epoch) b_last = o->batches_per_epoch - 1;
    for (int64_t b = b_first; b <= b_last; b++) {
        int64_t g = epoch * o->batches_per_epoch + b;
        stream_order_batch(o, g, s->cfg.parts, s->cfg.part, s->plan_indices);
        for (int i = 0; i < s->share; i++) {
            int64_t k = s->plan_indices[i] / o->block;
            if (s->last_use[k] < g) s->last_use[k] = g;
        }
    }
}

/* A cache slot for a new block at batch g: a free one, else the one whose block's last use is the
 * oldest if that is past, else (a cap below min_cache_blocks, which stream_open refuses) the one
 * needed furthest ahead. */
static int free_slot(Stream *s, int64_t g) {
    int oldest = 0, furthest = 0;
    for (int i = 0; i < s->cache_slots; i++) {
        int64_t k = s->slot_block[i];
        if (k < 0) return i;
        if (s->last_use[k] < s->last_use[s->slot_block[oldest]]) oldest = i;
        if (s->last_use[k] > s->last_use[s->slot_block[furthest]]) furthest = i;
    }
    int slot = s->last_use[s->slot_block[oldest]] < g ? oldest : furthest;
    s->slot_of[s->slot_block[slot]] = -1;
    s->slot_block[slot] = -1;
    return slot;
}

/* Block k's stored samples, read (one contiguous hyperslab) if it is not cached. */
static NashStatus fetch_block(Stream *s, int64_t k, int64_t g, const uint8_t **data, NashError *err) {
    size_t block_bytes = (size_t)s->cfg.block * s->stored_bytes;
    if (s->slot_of[k] >= 0) {
        *data = s->cache + (size_t)s->slot_of[k] * block_bytes;
        return NASH_OK;
    }
    int slot = free_slot(s, g);
    uint8_t *dst = s->cache + (size_t)slot * block_bytes;
    int64_t first = k * s->cfg.block, count = s->count - first < s->cfg.block ? s->count - first : s->cfg.block;
    double t0 = clock_monotonic_s();
    h5util_lock();
    NashStatus st = dataset_read_stored(s->reader, s->first + first, count, dst, err);
    h5util_unlock();
    double t1 = clock_monotonic_s();
    if (st != NASH_OK) return st;
    s->slot_block[slot] = k;
    s->slot_of[k] = slot;
    StreamShared *sh = s->shared;
    pthread_mutex_lock(&sh->mutex);
    sh->stats.read_seconds += t1 - t0;
    sh->stats.bytes_read += count * (int64_t)s->stored_bytes;
    sh->stats.blocks_read++;
    pthread_mutex_unlock(&sh->mutex);
    *data = dst;
    return NASH_OK;
}

bool stream_flips(uint64_t seed, int64_t batch, int64_t index) {
    float u;
    rng_uniform_at(seed, STREAM_FLIP_STREAM + (uint64_t)batch, (uint64_t)index, &u, 1);
    return u < 0.5f;
}

/* One stored sample as floats; an image mirrored left to right when `flip` (every row reversed). */
static void convert(const Stream *s, const uint8_t *stored, float *out, bool flip) {
    if (s->info.kind != DATASET_IMAGES) {
        memcpy(out, stored, s->numel * sizeof *out);
    } else if (!flip) {
        for (size_t e = 0; e < s->numel; e++) out[e] = s->lut[stored[e]];
    } else {
        size_t w = (size_t)s->info.sample.dim[2];
        for (size_t row = 0; row < s->numel; row += w)
            for (size_t x = 0; x < w; x++) out[row + x] = s->lut[stored[row + w - 1 - x]];
    }
}

/* Fill rb with this part of global batch g: plan the windows it touches, then visit its blocks in
 * order (the indices are sorted, so each block once). *stopped: stream_close asked to stop. */
static NashStatus assemble(Stream *s, int64_t g, ReadyBatch *rb, bool *stopped, NashError *err) {
    StreamOrder *o = &s->order;
    int64_t epoch = g / o->batches_per_epoch, w_first, w_last;
    stream_order_batch_windows(o, g, &w_first, &w_last);
    if (epoch != s->planned_epoch) s->planned_epoch = epoch, s->planned_window = -1;
    for (int64_t w = s->planned_window + 1 > w_first ? s->planned_window + 1 : w_first; w <= w_last; w++)
        plan_window(s, epoch, w);
    if (w_last > s->planned_window) s->planned_window = w_last;
    stream_order_batch(o, g, s->cfg.parts, s->cfg.part, rb->indices);
    for (int i = 0; i < s->share;) {
        int64_t k = rb->indices[i] / o->block;
        int j = i;
        while (j < s->share && rb->indices[j] / o->block == k) j++;
        if ((*stopped = atomic_load(&s->shared->stop))) return NASH_OK;
        const uint8_t *data;
        NashStatus st = fetch_block(s, k, g, &data, err);
        if (st != NASH_OK) return st;
        for (int t = i; t < j; t++)
            convert(s, data + (size_t)(rb->indices[t] - k * o->block) * s->stored_bytes,
                    rb->samples + (size_t)t * s->numel,
                    s->cfg.flip && stream_flips(s->cfg.seed, g, s->first + rb->indices[t]));
        i = j;
    }
    for (int i = 0; i < s->share; i++) rb->indices[i] += s->first; /* the shard's indices -> the file's */
    rb->batch = g;
    return NASH_OK;
}

static void *reader_main(void *arg) {
    Stream *s = arg;
    StreamShared *sh = s->shared;
    h5util_lock();
    h5util_quiet(); /* per thread in a thread-safe HDF5 */
    h5util_unlock();
    for (int64_t g = s->cfg.start_batch;; g++) {
        pthread_mutex_lock(&sh->mutex);
        while (sh->ready == STREAM_RING && !atomic_load(&sh->stop)) pthread_cond_wait(&sh->space_cond, &sh->mutex);
        int slot = (sh->head + sh->ready) % STREAM_RING; /* stays free: releases move head and ready together */
        bool stop = atomic_load(&sh->stop);
        pthread_mutex_unlock(&sh->mutex);
        if (stop) break;
        NashError err = {0};
        bool stopped = false;
        NashStatus st = assemble(s, g, &s->ring[slot], &stopped, &err);
        if (stopped) break;
        pthread_mutex_lock(&sh->mutex);
        if (st == NASH_OK) {
            sh->ready++;
        } else {
            sh->failed = true;
            sh->error = err;
        }
        pthread_cond_signal(&sh->ready_cond);
        pthread_mutex_unlock(&sh->mutex);
        if (st != NASH_OK) break;
    }
    return NULL;
}

/* ---- the consumer's side ----------------------------------------------------------------------- */

NashStatus stream_open(const StreamConfig *cfg, Stream **out, Shape *sample, int64_t *n, NashError *err) {
    *out = NULL;
    if (!cfg || !cfg->path) return nash_fail(err, NASH_ERR_INVALID, "stream_open: no configuration or path");
    NashStatus st = check_config(cfg, cfg->path, err);
    if (st != NASH_OK) return st;
    Stream *s = calloc(1, sizeof *s);
    StreamShared *sh = calloc(1, sizeof *sh);
    if (!s || !sh) {
        free(s);
        free(sh);
        return nash_fail(err, NASH_ERR_NOMEM, "%s: stream: out of memory", cfg->path);
    }
    s->shared = sh;
    s->cfg = *cfg;
    pthread_mutex_init(&sh->mutex, NULL);
    pthread_cond_init(&sh->ready_cond, NULL);
    pthread_cond_init(&sh->space_cond, NULL);
    atomic_init(&sh->stop, false);
    sh->stats.epoch = sh->stats.batch = -1;
    if (snprintf(s->path, sizeof s->path, "%s", cfg->path) >= (int)sizeof s->path) {
        stream_close(s);
        return nash_fail(err, NASH_ERR_INVALID, "%.200s...: path too long", cfg->path);
    }
    s->cfg.path = s->path;

    h5util_lock();
    st = dataset_open(s->path, &s->reader, &s->info, err);
    h5util_unlock();
    if (st == NASH_OK) {
        s->numel = shape_numel(s->info.sample);
        s->stored_bytes = dataset_stored_bytes(&s->info);
        s->share = slice_start(cfg->batch, cfg->parts, cfg->part + 1) - slice_start(cfg->batch, cfg->parts, cfg->part);
        int shards = cfg->shards > 1 ? cfg->shards : 1, shard = cfg->shards > 1 ? cfg->shard : 0;
        s->first = slice_start64(s->info.n, shards, shard);
        s->count = slice_start64(s->info.n, shards, shard + 1) - s->first;
        st = stream_order_init(&s->order, s->count, cfg->seed, cfg->batch, cfg->block, cfg->window, err);
        if (st != NASH_OK && shards > 1)
            nash_fail_context(err, "%s: shard %d of %d (samples %lld to %lld): ", s->path, shard, shards,
                              (long long)s->first, (long long)(s->first + s->count - 1));
        else if (st != NASH_OK)
            nash_fail_context(err, "%s: ", s->path);
        s->batches_per_epoch = s->order.batches_per_epoch;
    }
    if (st == NASH_OK && cfg->flip && s->info.kind != DATASET_IMAGES) {
        char shape[64];
        st = nash_fail(err, NASH_ERR_CONFIG,
                       "%s: data.flip = true mirrors images left to right, but this file holds vectors of %s, not "
                       "images (N,C,H,W); set data.flip = false",
                       s->path, shape_format(s->info.sample, shape, sizeof shape));
    }
    if (st == NASH_OK) {
        int64_t need = min_cache_blocks(&s->order);
        if (cfg->buffer_blocks < need)
            st =
                nash_fail(err, NASH_ERR_CONFIG,
                          "%s: stream: buffer_blocks = %d cannot hold the blocks part %d of %d may need at once "
                          "(every block of the windows one batch of %d can touch, %d blocks each); use at least "
                          "%lld",
                          s->path, cfg->buffer_blocks, cfg->part, cfg->parts, cfg->batch, cfg->window, (long long)need);
    }
    if (st == NASH_OK) st = allocate(s, err);
    if (st == NASH_OK) {
        int rc = pthread_create(&s->thread, NULL, reader_main, s);
        if (rc != 0) st = nash_fail(err, NASH_ERR_INTERNAL, "%s: stream: cannot start the reader thread", s->path);
        s->thread_started = rc == 0;
    }
    if (st != NASH_OK) {
        stream_close(s);
        return st;
    }
    if (sample) *sample = s->info.sample;
    if (n) *n = s->info.n;
    *out = s;
    return NASH_OK;
}

NashStatus stream_next(Stream *s, const float **samples, const int64_t **indices, NashError *err) {
    *samples = NULL;
    if (indices) *indices = NULL;
    StreamShared *sh = s->shared;
    pthread_mutex_lock(&sh->mutex);
    if (sh->held) {
        sh->head = (sh->head + 1) % STREAM_RING;
        sh->ready--;
        sh->held = false;
        pthread_cond_signal(&sh->space_cond);
    }
    if (sh->ready == 0 && !sh->failed) {
        double t0 = clock_monotonic_s();
        while (sh->ready == 0 && !sh->failed) pthread_cond_wait(&sh->ready_cond, &sh->mutex);
        sh->stats.wait_seconds += clock_monotonic_s() - t0;
    }
    if (sh->ready == 0) { /* the reader failed; the batches it finished before were handed out */
        NashStatus code = sh->error.code;
        nash_fail(err, code, "%s", sh->error.msg);
        pthread_mutex_unlock(&sh->mutex);
        return code;
    }
    sh->held = true;
    const ReadyBatch *rb = &s->ring[sh->head];
    sh->stats.batch = rb->batch;
    sh->stats.epoch = rb->batch / s->batches_per_epoch;
    pthread_mutex_unlock(&sh->mutex);
    *samples = rb->samples;
    if (indices) *indices = rb->indices;
    return NASH_OK;
}

int stream_share(const Stream *s) { return s->share; }

void stream_stats(const Stream *s, StreamStats *out) {
    StreamShared *sh = s->shared;
    pthread_mutex_lock(&sh->mutex);
    *out = sh->stats;
    pthread_mutex_unlock(&sh->mutex);
}

void stream_close(Stream *s) {
    if (!s) return;
    StreamShared *sh = s->shared;
    if (s->thread_started) {
        pthread_mutex_lock(&sh->mutex);
        atomic_store(&sh->stop, true);
        pthread_cond_broadcast(&sh->space_cond);
        pthread_mutex_unlock(&sh->mutex);
        pthread_join(s->thread, NULL);
    }
    if (s->reader) {
        h5util_lock();
        dataset_close(s->reader);
        h5util_unlock();
    }
    stream_order_free(&s->order);
    free(s->cache);
    free(s->slot_block);
    free(s->slot_of);
    free(s->last_use);
    free(s->plan_indices);
    for (int i = 0; i < STREAM_RING; i++) {
        free(s->ring[i].samples);
        free(s->ring[i].indices);
    }
    pthread_mutex_destroy(&sh->mutex);
    pthread_cond_destroy(&sh->ready_cond);
    pthread_cond_destroy(&sh->space_cond);
    free(sh);
    free(s);
}
