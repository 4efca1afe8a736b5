/* rng.c — Philox4x32-10 and the uniform/normal transforms defined in rng.h. */
#include "core/rng.h"

#include <math.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u /* golden ratio */
#define PHILOX_W1 0xBB67AE85u /* sqrt(3) - 1 */

static void philox_round(uint32_t c[4], const uint32_t k[2]) {
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ c[1] ^ k[0];
    uint32_t n2 = hi0 ^ c[3] ^ k[1];
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
}

void philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
    uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    uint32_t k[2] = {key[0], key[1]};
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k[0] += PHILOX_W0;
            k[1] += PHILOX_W1;
        }
        philox_round(c, k);
    }
    for (int i = 0; i < 4; i++) out[i] = c[i];
}

Rng rng_make(uint64_t seed, uint64_t stream) { return (Rng){.seed = seed, .stream = stream, .block = 0}; }

void rng_block_at(uint64_t seed, uint64_t stream, uint64_t block, uint32_t out[4]) {
    const uint32_t ctr[4] = {(uint32_t)block, (uint32_t)(block >> 32), (uint32_t)stream, (uint32_t)(stream >> 32)};
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    philox4x32_10(ctr, key, out);
}

static float word_to_unit(uint32_t w) { return (float)(w >> 8) * 0x1p-24f; }

static void box_muller(uint32_t a, uint32_t b, float *z0, float *z1) {
    const double two_pi = 6.283185307179586476925286766559;
    double u1 = ((double)a + 1.0) * 0x1p-32;
    double u2 = (double)b * 0x1p-32;
    double r = sqrt(-2.0 * log(u1));
    *z0 = (float)(r * cos(two_pi * u2));
    *z1 = (float)(r * sin(two_pi * u2));
}

void rng_uniform_at(uint64_t seed, uint64_t stream, uint64_t first, float *out, size_t n) {
    uint32_t w[4];
    uint64_t cached = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = first + i;
        if (k / 4 != cached) {
            cached = k / 4;
            rng_block_at(seed, stream, cached, w);
        }
        out[i] = word_to_unit(w[k % 4]);
    }
}

void rng_normal_at(uint64_t seed, uint64_t stream, uint64_t first, float *out, size_t n) {
    uint32_t w[4];
    float z[4];
    uint64_t cached = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = first + i;
        if (k / 4 != cached) {
            cached = k / 4;
            rng_block_at(seed, stream, cached, w);
            box_muller(w[0], w[1], &z[0], &z[1]);
            box_muller(w[2], w[3], &z[2], &z[3]);
        }
        out[i] = z[k % 4];
    }
}

void rng_uniform_fill(Rng *rng, float *out, size_t n, float lo, float hi) {
    rng_uniform_at(rng->seed, rng->stream, rng->block * 4, out, n);
    /* lo + (hi - lo)*u rounds up to hi for u near 1 (e.g. [1, 2) at u = 1 - 2^-24): keep [lo, hi). */
    const float below_hi = nextafterf(hi, lo);
    for (size_t i = 0; i < n; i++) {
        float v = lo + (hi - lo) * out[i];
        out[i] = (hi > lo && v >= hi) ? below_hi : v;
    }
    rng->block += (n + 3) / 4;
}

void rng_normal_fill(Rng *rng, float *out, size_t n, float mean, float std) {
    rng_normal_at(rng->seed, rng->stream, rng->block * 4, out, n);
    for (size_t i = 0; i < n; i++) out[i] = mean + std * out[i];
    rng->block += (n + 3) / 4;
}

uint32_t rng_below(Rng *rng, uint32_t bound) {
    uint32_t w[4];
    const uint32_t threshold = (uint32_t)(-bound) % bound; /* 2^32 mod bound */
    for (;;) {
        rng_block_at(rng->seed, rng->stream, rng->block++, w);
        for (int lane = 0; lane < 4; lane++) {
            uint64_t m = (uint64_t)w[lane] * bound;
            if ((uint32_t)m >= threshold) return (uint32_t)(m >> 32);
        }
    }
}
