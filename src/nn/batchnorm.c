/* batchnorm.c — batch normalisation (Ioffe & Szegedy 2015) with torch.nn.BatchNorm semantics
 * and an optional cross-rank reducer for synchronised statistics (see batchnorm.h).
 *
 * Training forward, per channel c over M = N*S values (M summed across ranks by the reducer):
 *   scratch = [sum x (C), sum x^2 (C), M (1)]  -> reducer -> m = sum/M,  v = sumsq/M - m^2
 *   y = gamma (x - m) invstd + beta,  invstd = 1 / sqrt(v + eps)
 *   running_mean <- (1 - momentum) running_mean + momentum m
 *   running_var  <- (1 - momentum) running_var  + momentum v M/(M-1)
 * Training backward, xhat = (x - m) invstd:
 *   scratch = [sum dy (C), sum dy xhat (C)]  -> reducer (the global M is kept in scratch[2C])
 *   dx = gamma invstd (dy - sum dy / M - xhat sum(dy xhat) / M)
 *   dgamma += local sum dy xhat,  dbeta += local sum dy   (the caller averages across ranks)
 * Eval: m, v are the running statistics and are constants in backward:
 *   dx = gamma invstd dy.
 * All sums are accumulated in double.
 */
#include "nn/batchnorm.h"

#include <math.h>
#include <stddef.h>

/* x (N,C,S)  y (N,C,S); per-channel (mean, invstd) in double. */
static void batchnorm_normalise(const BatchNorm *l, const float *x, float *y, int n, const double *mean,
                                const double *invstd) {
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < l->c; c++) {
            size_t base = ((size_t)i * l->c + c) * l->s;
            double scale = l->weight[c] * invstd[c];
            double shift = l->bias[c] - mean[c] * scale;
            for (int k = 0; k < l->s; k++) y[base + k] = (float)(x[base + k] * scale + shift);
        }
    }
}

static void batchnorm_reduce(const BatchNorm *l, int count) {
    if (l->reducer) l->reducer->sum(l->scratch, count, l->reducer->ctx);
}

/* x (N,C,S)  y (N,C,S) */
static void batchnorm_forward_train(BatchNorm *l, const float *x, float *y, int n) {
    const int C = l->c;
    double *sum = l->scratch, *sumsq = l->scratch + C;
    for (int c = 0; c < C; c++) sum[c] = sumsq[c] = 0.0;
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < C; c++) {
            const float *xc = x + ((size_t)i * C + c) * l->s;
            double s1 = 0.0, s2 = 0.0;
            for (int k = 0; k < l->s; k++) {
                s1 += xc[k];
                s2 += (double)xc[k] * xc[k];
            }
            sum[c] += s1;
            sumsq[c] += s2;
        }
    }
    l->scratch[2 * C] = (double)n * l->s;
    batchnorm_reduce(l, 2 * C + 1);

    /* The sums are no longer needed once turned into (mean, invstd): reuse their slots. */
    const double count = l->scratch[2 * C];
    double *mean = sum, *invstd = sumsq;
    const double momentum = l->momentum;
    for (int c = 0; c < C; c++) {
        double m = count > 0.0 ? sum[c] / count : 0.0;
        double v = count > 0.0 ? sumsq[c] / count - m * m : 0.0;
        if (v < 0.0) v = 0.0;
        double unbiased = count > 1.0 ? v * count / (count - 1.0) : v;
        l->running_mean[c] = (float)((1.0 - momentum) * l->running_mean[c] + momentum * m);
        l->running_var[c] = (float)((1.0 - momentum) * l->running_var[c] + momentum * unbiased);
        mean[c] = m;
        invstd[c] = 1.0 / sqrt(v + l->eps);
        l->save_mean[c] = (float)mean[c];
        l->save_invstd[c] = (float)invstd[c];
    }
    batchnorm_normalise(l, x, y, n, mean, invstd);
}

/* x (N,C,S)  y (N,C,S) */
void batchnorm_forward(BatchNorm *l, const float *x, float *y, int n) {
    if (l->training) {
        batchnorm_forward_train(l, x, y, n);
        return;
    }
    for (int c = 0; c < l->c; c++) {
        l->scratch[c] = l->running_mean[c];
        l->scratch[l->c + c] = 1.0 / sqrt((double)l->running_var[c] + l->eps);
    }
    batchnorm_normalise(l, x, y, n, l->scratch, l->scratch + l->c);
}

/* Channel c's local sum dy and sum dy*xhat, with xhat = (x - mean) invstd.
 * x (N,C,S)  dy (N,C,S) */
static void batchnorm_channel_sums(const BatchNorm *l, const float *x, const float *dy, int n, int c, double mean,
                                   double invstd, double *sum_dy, double *sum_dy_xhat) {
    double s1 = 0.0, s2 = 0.0;
    for (int i = 0; i < n; i++) {
        size_t base = ((size_t)i * l->c + c) * l->s;
        for (int k = 0; k < l->s; k++) {
            s1 += dy[base + k];
            s2 += (double)dy[base + k] * (x[base + k] - mean);
        }
    }
    *sum_dy = s1;
    *sum_dy_xhat = s2 * invstd;
}

static void batchnorm_add_param_grads(const BatchNorm *l, const double *sum_dy, const double *sum_dy_xhat) {
    for (int c = 0; c < l->c; c++) {
        l->dweight[c] += (float)sum_dy_xhat[c];
        l->dbias[c] += (float)sum_dy[c];
    }
}

/* x (N,C,S)  dy (N,C,S)  dx (N,C,S) or NULL; the running statistics are constants. */
static void batchnorm_backward_eval(const BatchNorm *l, const float *x, const float *dy, float *dx, int n,
                                    bool param_grads) {
    const int C = l->c;
    if (param_grads) {
        double *sum_dy = l->scratch, *sum_dy_xhat = l->scratch + C;
        for (int c = 0; c < C; c++) {
            double invstd = 1.0 / sqrt((double)l->running_var[c] + l->eps);
            batchnorm_channel_sums(l, x, dy, n, c, l->running_mean[c], invstd, &sum_dy[c], &sum_dy_xhat[c]);
        }
        batchnorm_add_param_grads(l, sum_dy, sum_dy_xhat);
    }
    if (!dx) return;
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < C; c++) {
            size_t base = ((size_t)i * C + c) * l->s;
            double scale = l->weight[c] / sqrt((double)l->running_var[c] + l->eps);
            for (int k = 0; k < l->s; k++) dx[base + k] = (float)(dy[base + k] * scale);
        }
    }
}

/* x (N,C,S)  dy (N,C,S)  dx (N,C,S) or NULL */
void batchnorm_backward(const BatchNorm *l, const float *x, const float *dy, float *dx, int n, bool param_grads) {
    if (!l->training) {
        batchnorm_backward_eval(l, x, dy, dx, n, param_grads);
        return;
    }
    if (!dx && !param_grads) return;
    const int C = l->c;
    double *sum_dy = l->scratch, *sum_dy_xhat = l->scratch + C;
    for (int c = 0; c < C; c++)
        batchnorm_channel_sums(l, x, dy, n, c, l->save_mean[c], l->save_invstd[c], &sum_dy[c], &sum_dy_xhat[c]);
    if (param_grads) batchnorm_add_param_grads(l, sum_dy, sum_dy_xhat);
    if (!dx) return;

    /* Every rank sees the same dx == NULL (the network decides it, not the data), so returning
     * before this collective cannot leave a rank waiting. The global M is still in scratch[2C],
     * left there by the training forward. */
    batchnorm_reduce(l, 2 * C);
    const double count = l->scratch[2 * C];
    for (int c = 0; c < C; c++) {
        double mean = l->save_mean[c], invstd = l->save_invstd[c];
        double mean_dy = sum_dy[c] / count, mean_dy_xhat = sum_dy_xhat[c] / count;
        double scale = l->weight[c] * invstd;
        for (int i = 0; i < n; i++) {
            size_t base = ((size_t)i * C + c) * l->s;
            for (int k = 0; k < l->s; k++) {
                double xhat = (x[base + k] - mean) * invstd;
                dx[base + k] = (float)(scale * (dy[base + k] - mean_dy - xhat * mean_dy_xhat));
            }
        }
    }
}
