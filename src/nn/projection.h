/* projection.h — the projection discriminator's head (Miyato & Koyama 2018, eq. 3): on features
 * h (C) of a sample with class y,
 *   out = w . h + b + embed[y] . h
 * the linear term psi(h) plus the inner product of h with the class's embedding. PyTorch:
 * nn.Linear(C, 1) and nn.Embedding(K, C); with sn=1 both spectrally normalised (specnorm.h),
 * the kernels here then see the normalised matrices.
 */
#ifndef NASH_NN_PROJECTION_H
#define NASH_NN_PROJECTION_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int c, classes;
    const float *weight, *embed; /* (1,C) (K,C): the values the kernels use */
    float *bias;                 /* (1) */
    float *dweight, *dembed, *dbias;
    const int32_t *labels; /* (N) in [0, K), set before each pass */
} Projection;

/* h (N,C)  out (N,1) */
void projection_forward(const Projection *l, const float *h, float *out, int n);
/* h (N,C)  dy (N,1)  dh (N,C) or NULL */
void projection_backward(const Projection *l, const float *h, const float *dy, float *dh, int n, bool param_grads);

#endif
