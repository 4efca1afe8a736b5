/* samples.h — generated samples in HDF5, as written by `nash sample -o OUT.h5`.
 *
 * Layout (docs/weights.md, "Sample files"), readable with h5py and h5dump:
 *   /samples                 float32 (N, *sample_shape), e.g. (64,1,28,28) or (1000,2)
 *   /z                       float32 (N, *input_shape), e.g. (64,100): the latents sample i was
 *                            made from (latents.h reads it back for `nash sample --z`)
 *   attributes on /: format ("nash-samples"), version (int32 1), source (the weights file),
 *   group (its generator group), noise ("gaussian" | "uniform": the generator's noise kind),
 *   mode ("eval" | "train": which batch-norm statistics were used); where z came from: seed
 *   (uint64; z drawn from the seed's fixed stream) or z_file (the file --z read it from); for an
 *   interpolation grid, interpolation ("slerp") and grid (int32 [rows, cols]); for z truncated
 *   to [-t, t] (`--truncation`), truncation (float64 t)
 * Written to a temporary file in the same directory, fsynced and renamed (core/atomic.h).
 */
#ifndef NASH_STORE_SAMPLES_H
#define NASH_STORE_SAMPLES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/shape.h"
#include "core/status.h"

#define SAMPLES_FORMAT "nash-samples"
#define SAMPLES_VERSION 1

typedef struct {
    uint64_t seed;            /* the seed z was drawn from, unless z_file is set */
    const char *z_file;       /* NULL, or the file z was read from (then no seed attribute) */
    const char *source;       /* the weights file the generator came from */
    const char *group;        /* its group: "generator" or "generator_ema" */
    const char *noise;        /* "gaussian" | "uniform" */
    bool train_mode;          /* batch norm used the batch's statistics instead of the running ones */
    int grid_rows, grid_cols; /* an interpolation grid of rows x cols slerp steps (0: none) */
    const int32_t *labels;    /* a conditional generator: the n samples' classes, written as /labels */
    double truncation;        /* > 0: z was the Gaussian truncated to [-t, t] (gan/noise.h) */
} SamplesInfo;

/* samples (n, shape) and, unless z is NULL, their latents z (n, z_shape) as /z. */
NashStatus samples_write(const char *path, const float *samples, const float *z, int n, Shape shape, Shape z_shape,
                         const SamplesInfo *info, NashError *err);
/* Is path a samples file (HDF5 with format "nash-samples")? */
bool samples_detect(const char *path);
/* Read /samples back: *samples (n, shape) malloc'd (caller frees). Errors name the file. */
NashStatus samples_read(const char *path, float **samples, int64_t *n, Shape *shape, NashError *err);

#endif
