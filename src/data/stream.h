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
 * The order does not depend on `parts`, so 1, 2 or 4 discriminator ranks see the same batches;
 * over an epoch every used sample is delivered exactly once across all parts.
 *
 * A reader thread reads, for the windows the consumer will need next, only the blocks holding
 * this part's samples (whole-block hyperslab reads), keeping at most `buffer_blocks` blocks in
 * memory (at least two windows' worth of this part's blocks are needed; the stream refuses a cap
 * that is too small). stream_next returns the next batch part, blocking only if the reader is
 * behind; the time spent blocked is counted.
 */
#ifndef NASH_DATA_STREAM_H
#define NASH_DATA_STREAM_H

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
} StreamConfig;

typedef struct Stream Stream;

typedef struct {
    int64_t epoch;       /* epoch of the last batch returned */
    int64_t batch;       /* global batch number of the last batch returned */
    double wait_seconds; /* total time stream_next spent waiting for the reader */
    double read_seconds; /* total time the reader spent in HDF5 reads */
    int64_t bytes_read;  /* bytes read from the file */
    int64_t blocks_read;
} StreamStats;

/* Open and validate the file (as dataset_open does), check the config (1 <= parts <= B, the cap),
 * start the reader thread. The sample shape is returned in *sample and the count in *n. */
NashStatus stream_open(const StreamConfig *cfg, Stream **out, Shape *sample, int64_t *n, NashError *err);

/* The next batch part: (share, sample) floats (images scaled to [-1, 1]), where share is this
 * part's share: slice_start(B,parts,part+1) - slice_start(B,parts,part) rows; valid until the next
 * call; *indices (share sample indices, sorted) when not NULL. Errors from the reader thread
 * (a read failing mid-run) are returned here, naming the file. */
NashStatus stream_next(Stream *s, const float **samples, const int64_t **indices, NashError *err);

/* The rows stream_next returns: slice_start(B,parts,part+1) - slice_start(B,parts,part). */
int stream_share(const Stream *s);

void stream_stats(const Stream *s, StreamStats *out);
/* Stop the reader thread and free everything. */
void stream_close(Stream *s);

/* The epoch order itself, for tests and tools: the sorted sample indices of part `part` of
 * global batch `batch` (counting from 0 across epochs). out has slice_start(B, parts, part + 1) -
 * slice_start(B, parts, part) entries (all -1 for arguments stream_open would refuse). */
void stream_batch_indices(int64_t n, uint64_t seed, int batch_size, int block, int window, int64_t batch, int parts,
                          int part, int64_t *out);

#endif
