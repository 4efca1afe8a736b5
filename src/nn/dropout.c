/* dropout.c — inverted dropout (Srivastava et al. 2014) with a counter-based mask (see
 * dropout.h).
 *
 * Element e of local sample i is dropped when u < p, where u is uniform value
 * (sample_base + i) * numel + e of Philox stream (seed, stream_base + step) (rng_uniform_at);
 * kept elements are multiplied by 1 / (1 - p). Backward regenerates the same u, so no mask is
 * stored. Eval mode and p = 0 copy the input.
 */
#include "nn/dropout.h"

#include <string.h>

#include "core/rng.h"

#define DROPOUT_CHUNK 256

static bool dropout_is_identity(const Dropout *l) { return !l->training || l->p <= 0.0f; }

/* out = in * mask / (1 - p) for n samples of numel; in, out (N, numel), may alias. */
static void dropout_apply(const Dropout *l, const float *in, float *out, int n, size_t numel, DropoutKey key) {
    const float scale = l->p < 1.0f ? 1.0f / (1.0f - l->p) : 0.0f;
    const uint64_t stream = l->stream_base + key.step;
    float u[DROPOUT_CHUNK];
    for (int i = 0; i < n; i++) {
        const uint64_t first = (key.sample_base + (uint64_t)i) * numel;
        const float *xi = in + (size_t)i * numel;
        float *yi = out + (size_t)i * numel;
        for (size_t e0 = 0; e0 < numel; e0 += DROPOUT_CHUNK) {
            size_t len = numel - e0 < DROPOUT_CHUNK ? numel - e0 : DROPOUT_CHUNK;
            rng_uniform_at(l->seed, stream, first + e0, u, len);
            for (size_t k = 0; k < len; k++) yi[e0 + k] = u[k] < l->p ? 0.0f : xi[e0 + k] * scale;
        }
    }
}

static void dropout_copy(const float *in, float *out, int n, size_t numel) {
    if (in != out) memmove(out, in, (size_t)n * numel * sizeof(float));
}

/* x, y (N, numel) */
void dropout_forward(const Dropout *l, const float *x, float *y, int n, size_t numel, DropoutKey key) {
    if (n <= 0) return;
    if (dropout_is_identity(l))
        dropout_copy(x, y, n, numel);
    else
        dropout_apply(l, x, y, n, numel, key);
}

/* dy, dx (N, numel) */
void dropout_backward(const Dropout *l, const float *dy, float *dx, int n, size_t numel, DropoutKey key) {
    if (n <= 0) return;
    if (dropout_is_identity(l))
        dropout_copy(dy, dx, n, numel);
    else
        dropout_apply(l, dy, dx, n, numel, key);
}
