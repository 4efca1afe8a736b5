/* penalty.c — the gradient penalties' pieces (penalty.h); gan.c composes them. */
#include "gan/penalty.h"

#include <math.h>

#include "core/rng.h"

bool penalty_due(PenaltyKind kind, int every, int n_critic, uint64_t step, unsigned phase) {
    if (kind == PENALTY_NONE) return false;
    uint64_t d_step = (step - 1) * (uint64_t)n_critic + phase + 1;
    return d_step % (uint64_t)every == 0;
}

void penalty_interpolate(uint64_t seed, uint64_t stream, int64_t first, const float *real, const float *fake, int n,
                         size_t width, float *out) {
    enum { CHUNK = 256 };
    float a[CHUNK];
    for (int done = 0; done < n; done += CHUNK) {
        int k = n - done < CHUNK ? n - done : CHUNK;
        rng_uniform_at(seed, PENALTY_STREAM + stream, (uint64_t)(first + done), a, (size_t)k);
        for (int i = 0; i < k; i++) {
            size_t row = (size_t)(done + i) * width;
            for (size_t j = 0; j < width; j++) out[row + j] = a[i] * real[row + j] + (1.0f - a[i]) * fake[row + j];
        }
    }
}

double penalty_direction(PenaltyKind kind, double weight, const float *g, int n, size_t width, double scale, float *v,
                         double *sum_norm) {
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        const float *gi = g + (size_t)i * width;
        float *vi = v + (size_t)i * width;
        double sq = 0.0;
        for (size_t j = 0; j < width; j++) sq += (double)gi[j] * gi[j];
        double norm = sqrt(sq), c;
        *sum_norm += norm;
        if (kind == PENALTY_GP) {
            /* d/dg (|g| - 1)^2 = 2 (|g| - 1) g / |g|; at g = 0 take the subgradient 0, as torch's norm does */
            total += weight * (norm - 1.0) * (norm - 1.0);
            c = norm > 0.0 ? 2.0 * weight * (norm - 1.0) / norm : 0.0;
        } else {
            total += 0.5 * weight * sq;
            c = weight;
        }
        for (size_t j = 0; j < width; j++) vi[j] = (float)(scale * c * gi[j]);
    }
    return total;
}
