/* noise.h — the generator's input z, keyed by global sample index.
 *
 * Value j of sample i in stream s is value i*latent + j of Philox stream (seed, s) (core/rng.h),
 * so sample i gets the same z whichever rank draws it and however the batch is split. Streams:
 *   noise_stream(step, phase)  training: phase 0..n_critic-1 for the D steps of a step, and
 *                              NOISE_PHASE_GENERATOR for its G step
 *   NOISE_STREAM_FIXED         the fixed batch of sample grids (`nash sample` with the same
 *                              seed draws the same z)
 * Gaussian: N(0, 1) (Box–Muller, rng.h). Uniform: U[-1, 1).
 */
#ifndef NASH_GAN_NOISE_H
#define NASH_GAN_NOISE_H

#include <stdint.h>

#include "config/config.h" /* NoiseKind and its words */
#include "core/status.h"

#define NOISE_PHASE_GENERATOR 255u
#define NOISE_STREAM_FIXED UINT64_MAX

static inline uint64_t noise_stream(uint64_t step, unsigned phase) { return (step << 8) | (phase & 255u); }

/* "gaussian" | "uniform" */
NashStatus noise_kind_parse(const char *name, NoiseKind *kind, NashError *err);

/* z (n, latent): samples [first, first+n) of a stream. */
void noise_fill(NoiseKind kind, uint64_t seed, uint64_t stream, int64_t first, int n, int latent, float *z);

#endif
