/* stream.h — real samples for training, streamed from an HDF5 data file by a reader thread.
 *
 * The epoch order (docs/data.md, "Streaming"):
 *   1. The N samples are cut into blocks of `block` consecutive samples (the last may be short).
 *   2. Each epoch e shuffles the blocks (Philox stream (seed, 0x5b0000000000 + e)) and groups
 *      them into windows of `window` blocks.
 *   3. The samples of each window are shuffled (stream (seed, 0x5c0000000000 + e*2^20 + w)); the
 *      epoch's order is the concatenation of its windows.
 *   4. Global batch b of the epoch is positions [b*B, (b+1)*B) of that order; the last N mod B
 *      samples of the epoch are not used (a different few each epoch).
 *   5. A batch is a SET: it is sorted by sample index, and part j of `parts` is its sorted
 *      positions [slice_start(B, parts, j), slice_start(B, parts, j + 1)) (core/shape.h; B need
 *      not be a multiple of parts, the part sizes differ by at most one, 1 <= parts <= B).
 *      Nothing in a GAN step depends on the order of the real samples within a batch (losses
 *      are means, batch norm sums), so the batch is the same for any number of parts, while
 *      part j's samples cluster in the j-th part of each window — each D rank reads mostly its
 *      own share of the file.
 * Shards (`shards`, `shard`; cluster.discriminator_groups, docs/distributed.md): with S > 1 shards
 * the stream holds only samples [slice_start(N, S, s), slice_start(N, S, s + 1)) of the file, and
 * everything above applies to them as if they were the file: blocks, windows and epochs count
 * from the shard's first sample, and N is the shard's size. Indices returned stay the file's.
 * The order does not depend on `parts`, so 1, 2 or 4 discriminator ranks see the same batches;
 * over an epoch every used sample is delivered exactly once across all parts.
 *
 * Flips (`flip`, config data.flip; images only): sample i of global batch g is mirrored left to
 * right (x -> W-1-x in every row of every channel) when u < 1/2 for
 *   u = rng_uniform_at(seed, STREAM_FLIP_STREAM + g, value i)
 * (stream_flips). The decision depends on (seed, g, i) only — never on the part, the number of
 * parts or where the stream started — so any layout of discriminator ranks, and a stream resumed
 * at start_batch = g, see the same flips. Flips double the distinct images a discriminator sees
 * (Radford et al. 2016 and most image GANs since train with them) for data whose mirror image is
 * as likely as itself.
 *
 * A reader thread reads, for the windows the consumer will need next, only the blocks holding
 * this part's samples (whole-block hyperslab reads), keeping at most `buffer_blocks` blocks in
 * memory (at least two windows' worth of this part's blocks are needed; the stream refuses a cap
 * that is too small). stream_next returns the next batch part, blocking only if the reader is
 * behind; the time spent blocked is counted.
 */
#ifndef NASH_DATA_STREAM_H
#define NASH_DATA_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/shape.h"
#include "core/status.h"

typedef struct {
    const char *path;
    uint64_t seed;
    int batch;           /* global batch B */
    int parts, part;     /* this consumer is part `part` of `parts` (1 <= parts <= B) */
    int block;           /* samples per block (e.g. 1024) */
    int window;          /* blocks per shuffle window (e.g. 8) */
    int buffer_blocks;   /* memory cap, in blocks (e.g. 4 * window) */
    int64_t start_batch; /* global batch number to start from (0 for a new run; resume later) */
    bool flip;           /* mirror about half the images, keyed by (seed, batch, index); images only */
    int shards, shard;   /* stream only shard `shard` of `shards` of the file (0 or 1 shards: all of it) */
} StreamConfig;

/* The Philox streams of the flips: STREAM_FLIP_STREAM + g for global batch g (docs/rng.md). Far
 * from every other stream nash draws from: no step, epoch or layer count reaches it. */
#define STREAM_FLIP_STREAM 0xf11b000000000000ull

typedef struct Stream Stream;

typedef struct {
    int64_t epoch;       /* epoch of the last batch returned */
    int64_t batch;       /* global batch number of the last batch returned */
    double wait_seconds; /* total time stream_next spent waiting for the reader */
    double read_seconds; /* total time the reader spent in HDF5 reads */
    int64_t bytes_read;  /* bytes read from the file */
    int64_t blocks_read;
} StreamStats;

/* Open and validate the file (as dataset_open does), check the config (1 <= parts <= B, the cap,
 * flip only on images), start the reader thread. The sample shape is returned in *sample and the
 * count in *n. */
NashStatus stream_open(const StreamConfig *cfg, Stream **out, Shape *sample, int64_t *n, NashError *err);

/* The next batch part: (share, sample) floats (images scaled to [-1, 1], and mirrored where
 * stream_flips says so when cfg.flip is set), where share is this part's share:
 * slice_start(B,parts,part+1) - slice_start(B,parts,part) rows; valid until the next call;
 * *indices (share sample indices, sorted) when not NULL. Errors from the reader thread
 * (a read failing mid-run) are returned here, naming the file. */
NashStatus stream_next(Stream *s, const float **samples, const int64_t **indices, NashError *err);

/* The rows stream_next returns: slice_start(B,parts,part+1) - slice_start(B,parts,part). */
int stream_share(const Stream *s);

void stream_stats(const Stream *s, StreamStats *out);
/* Stop the reader thread and free everything. */
void stream_close(Stream *s);

/* Whether sample `index` of global batch `batch` is mirrored when flips are on. */
bool stream_flips(uint64_t seed, int64_t batch, int64_t index);

/* The epoch order itself, for tests and tools: the sorted sample indices of part `part` of
 * global batch `batch` (counting from 0 across epochs). out has slice_start(B, parts, part + 1) -
 * slice_start(B, parts, part) entries (all -1 for arguments stream_open would refuse). */
void stream_batch_indices(int64_t n, uint64_t seed, int batch_size, int block, int window, int64_t batch, int parts,
                          int part, int64_t *out);

#endif
