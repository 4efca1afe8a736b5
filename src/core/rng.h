/* rng.h — Philox4x32-10, a counter-based random number generator.
 *
 * Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11. A bijection
 * of a 128-bit counter under a 64-bit key, 10 rounds; each call yields four 32-bit words. Being
 * counter-based, any value can be computed directly from (seed, stream, index) — no state to
 * carry between ranks — which is how nash keys noise by global sample index so that a run on
 * 1, 2 or 4 ranks draws the same z for the same sample.
 *
 * Layout: key = (seed low 32 bits, seed high 32), counter = (block low, block high, stream low,
 * stream high). A stream is thus a sequence of 2^64 blocks of four words.
 *
 * Values drawn from a stream:
 *   uniform  u = (word >> 8) * 2^-24 in [0, 1): four per block, value k at block k/4, lane k%4.
 *   normal   Box–Muller on two words (a, b) of a block:
 *              u1 = (a + 1) * 2^-32 in (0, 1],  u2 = b * 2^-32 in [0, 1)
 *              z0 = sqrt(-2 ln u1) cos(2 pi u2),  z1 = sqrt(-2 ln u1) sin(2 pi u2)
 *            computed in double and rounded to float: four normals per block, value k at block
 *            k/4, lane k%4 (lanes 0,1 from words 0,1; lanes 2,3 from words 2,3).
 *            |z| <= sqrt(64 ln 2) = 6.66 by construction.
 */
#ifndef NASH_CORE_RNG_H
#define NASH_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

/* One Philox4x32-10 evaluation: out = philox(ctr, key). */
void philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* A position in a stream: the next block to draw. Fills start on a block boundary and
 * consume whole blocks, so rng_normal_fill(r, x, n) equals
 * rng_normal_at(seed, stream, 4*r->block, x, n) and then advances block by ceil(n/4). */
typedef struct {
    uint64_t seed;
    uint64_t stream;
    uint64_t block;
} Rng;

Rng rng_make(uint64_t seed, uint64_t stream);

/* The four words of block `block` of (seed, stream). */
void rng_block_at(uint64_t seed, uint64_t stream, uint64_t block, uint32_t out[4]);

/* Uniform floats in [lo, hi) and normals N(mean, std^2) from the current block onwards.
 * A uniform is lo + (hi - lo)*u; a result that rounds up to hi becomes the float just below hi. */
void rng_uniform_fill(Rng *rng, float *out, size_t n, float lo, float hi);
void rng_normal_fill(Rng *rng, float *out, size_t n, float mean, float std);

/* Random access: values [first, first + n) of a stream, as defined above. */
void rng_uniform_at(uint64_t seed, uint64_t stream, uint64_t first, float *out, size_t n);
void rng_normal_at(uint64_t seed, uint64_t stream, uint64_t first, float *out, size_t n);

/* A uniform integer in [0, bound), bound > 0, without bias: Lemire's multiply-shift with
 * rejection ("Fast random integer generation in an interval", 2019), one block per call
 * (another block only in the rare rejected case). */
uint32_t rng_below(Rng *rng, uint32_t bound);

#endif
