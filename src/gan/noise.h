/* noise.h — the generator's input z, keyed by global sample index.
 *
 * Value j of sample i in stream s is value i*latent + j of Philox stream (seed, s) (core/rng.h),
 * so sample i gets the same z whichever rank draws it and however the batch is split. Streams:
 *   noise_stream(step, phase)  training: phase 0..n_critic-1 for the D steps of a step, and
 *                              NOISE_PHASE_GENERATOR for its G step
 *   NOISE_STREAM_FIXED         the fixed batch of sample grids (`nash sample` with the same
 *                              seed draws the same z)
 * Gaussian: N(0, 1) (Box–Muller, rng.h). Uniform: U[-1, 1).
 *
 * Truncated (sampling and evaluation only; Brock et al. 2019, "Large Scale GAN Training for High
 * Fidelity Natural Image Synthesis", sec. 3.1, the truncation trick): z of the fixed stream with
 * every value outside [-t, t] drawn again until it falls inside, a standard normal truncated to
 * [-t, t]. Redraw r = 1, 2, ... of value k is value k of stream NOISE_STREAM_FIXED - r, so a value
 * already inside keeps its untruncated draw (a truncated sample is a nearby point of the same z)
 * and the result is still keyed by sample index. A smaller t trades variety for samples nearer
 * the middle of what G learnt. Training streams never reach those ids (step < 2^56 - 16).
 */
#ifndef NASH_GAN_NOISE_H
#define NASH_GAN_NOISE_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h" /* NoiseKind and its words */
#include "core/status.h"

#define NOISE_PHASE_GENERATOR 255u
#define NOISE_STREAM_FIXED UINT64_MAX
#define NOISE_TRUNCATION_MIN 0.05     /* inside: 4% of N(0, 1), 25 draws a value on average */
#define NOISE_TRUNCATION_MAX 10.0     /* any more cuts nothing: |z| <= 6.66 (rng.h) */
#define NOISE_TRUNCATION_ROUNDS 4096u /* then 0: at t = 0.05 a chance of 1e-73 a value */

static inline uint64_t noise_stream(uint64_t step, unsigned phase) { return (step << 8) | (phase & 255u); }

/* "gaussian" | "uniform" */
NashStatus noise_kind_parse(const char *name, NoiseKind *kind, NashError *err);

/* z (n, latent): samples [first, first+n) of a stream. */
void noise_fill(NoiseKind kind, uint64_t seed, uint64_t stream, int64_t first, int n, int latent, float *z);

/* A truncation bound written as a number from NOISE_TRUNCATION_MIN to NOISE_TRUNCATION_MAX
 * (`--truncation T`): false for anything else. */
bool noise_truncation_parse(const char *text, double *t);

/* z (n, latent): samples [first, first+n) of the fixed stream, Gaussian truncated to [-t, t],
 * t >= NOISE_TRUNCATION_MIN. */
void noise_fill_truncated(uint64_t seed, int64_t first, int n, int latent, float t, float *z);

#endif
