/* dropout.h — inverted dropout (Srivastava et al. 2014) with a counter-based mask.
 *
 * Training: element e of sample s is dropped when uniform value s*numel + e of Philox stream
 * (seed, stream_base + step) is < p; kept elements are scaled by 1/(1-p). The mask is never
 * stored: backward recomputes it from the same key, and keying by GLOBAL sample index
 * (sample_base + i) makes the mask independent of how the batch is split across ranks.
 * Eval (or p = 0): identity.
 */
#ifndef NASH_NN_DROPOUT_H
#define NASH_NN_DROPOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    float p;
    bool training;
    uint64_t seed;
    uint64_t stream_base; /* distinct per layer: (layer index + 1) << 40 */
} Dropout;

/* Where in the run this batch sits: the step and the global index of its first sample. */
typedef struct {
    uint64_t step;
    uint64_t sample_base;
} DropoutKey;

/* x, y (N, numel) */
void dropout_forward(const Dropout *l, const float *x, float *y, int n, size_t numel, DropoutKey key);
/* dy, dx (N, numel) */
void dropout_backward(const Dropout *l, const float *dy, float *dx, int n, size_t numel, DropoutKey key);

#endif
