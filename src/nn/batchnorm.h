/* batchnorm.h — batch normalisation (Ioffe & Szegedy 2015), torch.nn.BatchNorm1d/2d semantics.
 *
 * Input (N, C, S) with S = H*W for 2-D maps, S = 1 for (N, C) features (or L for (N, C, L)).
 * Training: per-channel batch mean m and biased variance v over N*S values (accumulated in
 * double), y = gamma (x - m) / sqrt(v + eps) + beta; running stats updated as PyTorch does:
 *   running_mean = (1 - momentum) running_mean + momentum m
 *   running_var  = (1 - momentum) running_var  + momentum v * M/(M-1)   (M = N*S, unbiased)
 * Eval: uses running_mean/running_var.
 *
 * Conditional batch norm (de Vries et al. 2017; Miyato & Koyama 2018): with `labels` set, the
 * affine part is per class, weight and bias (K,C), sample i using row labels[i]; the statistics
 * are the same batch statistics as above (and are synchronised the same way).
 *
 * Synchronised batch norm across ranks: when `reducer` is set, the per-channel sums (and the
 * count) are summed across ranks through it before use, in forward and backward, so every rank
 * normalises with the statistics of the global batch. nn/ knows nothing of MPI: comm/ supplies
 * the reducer.
 */
#ifndef NASH_NN_BATCHNORM_H
#define NASH_NN_BATCHNORM_H

#include <stdbool.h>
#include <stdint.h>

/* Sums `count` doubles elementwise across the participating ranks, in place. */
typedef struct {
    void (*sum)(double *values, int count, void *ctx);
    void *ctx;
} StatReducer;

typedef struct {
    int c, s;
    float eps, momentum;
    bool training;
    bool nhwc;                         /* x, y, dy, dx channels-last (N,S,C); never conditional */
    float *weight, *bias;              /* gamma, beta (C), or (K,C) when conditional */
    float *dweight, *dbias;            /* the same shapes */
    const int32_t *labels;             /* conditional: (N) classes of the batch; NULL: not */
    float *running_mean, *running_var; /* buffers (C) */
    float *save_mean, *save_invstd;    /* workspace (C): this batch's statistics, for backward */
    double *scratch;                   /* workspace: 2*C + 1 doubles for the sums */
    const StatReducer *reducer;        /* NULL: this rank's batch only */
} BatchNorm;

/* x (N,C,S)  y (N,C,S), or both (N,S,C) when nhwc. Training mode fills save_mean/save_invstd
 * and updates running stats. */
void batchnorm_forward(BatchNorm *l, const float *x, float *y, int n);
/* x (N,C,S)  dy (N,C,S)  dx (N,C,S) or NULL, or all (N,S,C) when nhwc. Training mode uses the
 * statistics saved by the last forward on the same x; eval mode treats the running statistics as
 * constants. */
void batchnorm_backward(const BatchNorm *l, const float *x, const float *dy, float *dx, int n, bool param_grads);

#endif
