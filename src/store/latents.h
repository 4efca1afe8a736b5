/* latents.h — latent vectors z in HDF5: written on their own by `nash sample --z-out FILE.h5`, read
 * back from any HDF5 file with a /z by `nash sample --z FILE.h5` (docs/weights.md, "Latents").
 *
 * A latents file has the root attributes of a samples file (samples.h) with format
 * "nash-latents", and one dataset:
 *   /z    float32 (N, *input_shape): one row per sample, e.g. (64,100) for latent = 100
 * The reader takes /z from any HDF5 file: a latents file, a samples file (which holds /z beside
 * /samples), or one written with h5py; any floating-point type is converted to float32. A file nash
 * wrote is checked against its seal (core/seal.h) first; one without a seal is read as it is.
 */
#ifndef NASH_STORE_LATENTS_H
#define NASH_STORE_LATENTS_H

#include <stdint.h>

#include "core/shape.h"
#include "core/status.h"
#include "store/samples.h"

#define LATENTS_FORMAT "nash-latents"

/* z (n, shape) as /z of a new file at path, with the attributes of info; written atomically. */
NashStatus latents_write(const char *path, const float *z, int n, Shape shape, const SamplesInfo *info, NashError *err);

/* Read the first min(rows in the file, max_rows) rows of path's /z into *z (malloc'd, the caller
 * frees) and the number of rows the file holds into *rows. Each row must have `shape` (the
 * generator's input) and every value read must be finite. Errors (NASH_ERR_DATA) name the file
 * and /z and say what is wrong: no /z, not a floating-point dataset, the wrong rank, a row of the
 * wrong size ("F.h5: /z has 64 columns, the generator takes latent = 100"), no rows, a value that
 * is nan or infinite (its row and column). */
NashStatus latents_read(const char *path, Shape shape, int64_t max_rows, float **z, int64_t *rows, NashError *err);

#endif
