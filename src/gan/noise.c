/* noise.c — the generator's input z, keyed by global sample index (see noise.h). */
#include "gan/noise.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "core/rng.h"

NashStatus noise_kind_parse(const char *name, NoiseKind *kind, NashError *err) {
    int index;
    NashStatus st = nash_parse_name(name, config_noise_words, NOISE_KIND_COUNT, "noise", &index, err);
    if (!st) *kind = (NoiseKind)index;
    return st;
}

void noise_fill(NoiseKind kind, uint64_t seed, uint64_t stream, int64_t first, int n, int latent, float *z) {
    uint64_t start = (uint64_t)first * (uint64_t)latent;
    size_t count = (size_t)n * (size_t)latent;
    if (kind == NOISE_GAUSSIAN) {
        rng_normal_at(seed, stream, start, z, count);
    } else {
        rng_uniform_at(seed, stream, start, z, count);
        for (size_t i = 0; i < count; i++) z[i] = 2.0f * z[i] - 1.0f;
    }
}

bool noise_truncation_parse(const char *text, double *t) {
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= NOISE_TRUNCATION_MIN && v <= NOISE_TRUNCATION_MAX)) return false;
    *t = v;
    return true;
}

void noise_fill_truncated(uint64_t seed, int64_t first, int n, int latent, float t, float *z) {
    uint64_t start = (uint64_t)first * (uint64_t)latent;
    size_t count = (size_t)n * (size_t)latent;
    rng_normal_at(seed, NOISE_STREAM_FIXED, start, z, count);
    for (size_t i = 0; i < count; i++) {
        for (unsigned r = 1; fabsf(z[i]) > t; r++) {
            if (r > NOISE_TRUNCATION_ROUNDS) {
                z[i] = 0.0f;
                break;
            }
            rng_normal_at(seed, NOISE_STREAM_FIXED - r, start + i, &z[i], 1);
        }
    }
}
